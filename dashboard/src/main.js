// The dashboard: sign-in, then the fleet (#/) or one device (#/devices/<id>), kept live by the
// server's event stream.
import { getFleetHistory, listDevices, listFiringAlerts, setUnauthorizedHandler } from "./api.js";
import { h, render } from "./dom.js";
import { connectLive } from "./live.js";
import { clearToken, getToken } from "./session.js";
import { createState } from "./state.js";
import { deviceView } from "./views/device.js";
import { fleetView } from "./views/fleet.js";
import { signInView } from "./views/sign-in.js";

const main = document.getElementById("main");
const liveEl = document.getElementById("live");
const signOut = document.getElementById("sign-out");

const store = createState();
let current = null;
let stopLive = null;
let unsubscribe = null;
let pollers = [];

// Alerts and the fleet's history are not on the event stream: polled, and at once after a reconnect.
const ALERTS_EVERY_MS = 5_000;
const HISTORY_EVERY_MS = 60_000;

const app = {
  ...store,
  routeIs: (deviceId) => route().deviceId === deviceId,
};

function route() {
  const m = /^#\/devices\/([^/?]+)/.exec(location.hash);
  return m ? { view: "device", deviceId: decodeURIComponent(m[1]) } : { view: "fleet", deviceId: null };
}

function showSignIn(message) {
  stopLive?.();
  stopLive = null;
  unsubscribe?.();
  unsubscribe = null;
  for (const p of pollers) clearInterval(p);
  pollers = [];
  current = null;
  signOut.hidden = true;
  liveEl.textContent = "";
  document.title = "Sign in · uplink";
  render(main, signInView(start, message));
}

async function refreshFleet() {
  try {
    store.setDevices(await listDevices());
  } catch (err) {
    if (err.status !== 401) store.setError(err);
  }
}

async function refreshAlerts() {
  try {
    store.setAlerts(await listFiringAlerts());
  } catch (err) {
    if (err.status !== 401) store.setAlerts(null, err);
  }
}

async function refreshFleetHistory() {
  try {
    store.setFleetHistory(await getFleetHistory("24h"));
  } catch {
    /* the next poll tries again; the tile says "–" meanwhile */
  }
}

function start() {
  signOut.hidden = false;
  refreshFleet();
  refreshAlerts();
  refreshFleetHistory();
  pollers = [setInterval(refreshAlerts, ALERTS_EVERY_MS), setInterval(refreshFleetHistory, HISTORY_EVERY_MS)];
  let wasDown = false;
  stopLive = connectLive(
    (u) => {
      if (u.type === "device") store.upsertDevice(u.device ?? u);
      else if (u.type === "event") store.addEvent(u.deviceId, u.receivedAt, u.event);
      else if (u.type === "command") {
        // The stream's data is the command itself (server/src/api/routes-stream.ts), not { command }.
        const { type: _type, ...command } = u;
        store.upsertCommand(u.command ?? command);
      }
    },
    (state, detail) => {
      liveEl.dataset.state = state;
      liveEl.textContent = state === "live" ? "live" : state === "connecting" ? "connecting…" : "reconnecting…";
      liveEl.title = detail ?? "";
      // What happened while the stream was down is fetched once it is back.
      if (state === "live" && wasDown) {
        refreshFleet();
        refreshAlerts();
        refreshFleetHistory();
        current?.reload?.();
      }
      if (state === "down") wasDown = true;
    },
  );
  unsubscribe = store.subscribe(() => current?.update());
  show();
}

function show() {
  if (!getToken()) return showSignIn();
  const r = route();
  current = r.view === "device" ? deviceView(app, r.deviceId) : fleetView(app);
  document.title = `${current.title} · uplink`;
  render(main, current.el);
  current.update();
}

main.addEventListener("rerender", () => current?.update());
// "12 s ago" grows old on a quiet fleet: redraw now and then even without news.
setInterval(() => current && store.changed(), 15_000);

window.addEventListener("hashchange", () => {
  if (!getToken()) return;
  show();
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});

signOut.addEventListener("click", () => {
  clearToken();
  showSignIn("Signed out.");
});

setUnauthorizedHandler(() => showSignIn("Your token is no longer accepted. Sign in again."));

if (getToken()) start();
else showSignIn();
