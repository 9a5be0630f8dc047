// The operator token lives in sessionStorage: gone when the tab closes, never in a cookie, so no
// other site can make the browser send it.
const KEY = "uplink.token";

export function getToken() {
  return sessionStorage.getItem(KEY);
}
export function setToken(token) {
  sessionStorage.setItem(KEY, token);
}
export function clearToken() {
  sessionStorage.removeItem(KEY);
}
