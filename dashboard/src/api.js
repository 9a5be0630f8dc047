// The HTTP API under /api/v1, with the operator's bearer token.
import { clearToken, getToken } from "./session.js";

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called when the server says the token is no good: the app goes back to sign-in. */
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** With an explicit `token` (the sign-in check), a 401 is the caller's to report, not a sign-out. */
export async function api(path, { method = "GET", body, token, signal } = {}) {
  const explicit = token !== undefined;
  token ??= getToken();
  const headers = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    if (res.status === 401 && !explicit) {
      clearToken();
      onUnauthorized();
    }
    const err = json?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText));
  }
  return json;
}

/** A list endpoint may answer an array or a page ({ items, nextCursor }): either way, the items. */
export function itemsOf(body) {
  if (Array.isArray(body)) return body;
  if (Array.isArray(body?.items)) return body.items;
  if (Array.isArray(body?.devices)) return body.devices;
  return [];
}

export const listDevices = () => api("/devices?limit=1000").then(itemsOf);
export const getDevice = (id) => api(`/devices/${encodeURIComponent(id)}`);
export const listEvents = (id, limit = 200) => api(`/devices/${encodeURIComponent(id)}/events?limit=${limit}`).then(itemsOf);
export const listHeartbeats = (id, sinceIso, limit = 1000) =>
  api(`/devices/${encodeURIComponent(id)}/heartbeats?limit=${limit}${sinceIso ? `&since=${encodeURIComponent(sinceIso)}` : ""}`).then(itemsOf);
export const listCommands = (id, limit = 50) => api(`/commands?deviceId=${encodeURIComponent(id)}&limit=${limit}`).then(itemsOf);
export const getCommand = (id) => api(`/commands/${encodeURIComponent(id)}`);
export const issueCommand = (deviceId, name, args) =>
  api(`/devices/${encodeURIComponent(deviceId)}/commands`, { method: "POST", body: { name, args: args ?? {} } });

/** Firing alerts, newest first (one page: a fleet with more than 1000 firing has other troubles). */
export const listFiringAlerts = () => api("/alerts?state=firing&limit=1000").then(itemsOf);
/** @param {"24h" | "7d" | "30d"} window */
export const getFleetHistory = (window) => api(`/history?window=${encodeURIComponent(window)}`);
export const getDeviceHistory = (id, window) => api(`/devices/${encodeURIComponent(id)}/history?window=${encodeURIComponent(window)}`);
