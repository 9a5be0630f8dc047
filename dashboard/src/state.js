// What the page knows: the fleet and, for the device on screen, its history. Updated by the API's
// answers and by the live stream; views subscribe and re-render on change.

const MAX_EVENTS = 300;
const MAX_POINTS = 2000;

export function createState() {
  const listeners = new Set();
  let scheduled = false;
  const state = {
    devices: new Map(),
    loaded: false,
    error: null,
    live: "connecting",
    /** Per device id: { events: [{receivedAt, event}], signal: [{t, rssiDbm, rsrpDbm, sinrDb}], commands: Map } */
    detail: new Map(),
    /** Firing alerts (GET /alerts?state=firing), null until the first answer. */
    alerts: null,
    alertsError: null,
    /** The fleet over the last 24 h (GET /history?window=24h), null until the first answer. */
    fleetHistory: null,
  };

  function changed() {
    if (scheduled) return;
    scheduled = true;
    // One render per frame, however many updates arrive in it.
    requestAnimationFrame(() => {
      scheduled = false;
      for (const l of listeners) l(state);
    });
  }

  function detailOf(id) {
    let d = state.detail.get(id);
    if (!d) {
      d = { loaded: false, events: [], signal: [], commands: new Map(), error: null };
      state.detail.set(id, d);
    }
    return d;
  }

  function addSignalPoint(d, t, signal) {
    if (!signal || !t) return;
    if (d.signal.length && d.signal[d.signal.length - 1].t >= Date.parse(t)) return;
    // On LTE, QMI's "SNR" is the reference-signal SINR; its "SINR" field is EV-DO's and an LTE
    // modem fills it with a constant (see agent/src/parse/qmicli-nas-get-signal-strength.ts).
    d.signal.push({ t: Date.parse(t), rssiDbm: signal.rssiDbm ?? null, rsrpDbm: signal.rsrpDbm ?? null, sinrDb: signal.snrDb ?? signal.sinrDb ?? null });
    if (d.signal.length > MAX_POINTS) d.signal.splice(0, d.signal.length - MAX_POINTS);
  }

  return {
    state,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    changed,
    setLive(live) {
      state.live = live;
      changed();
    },
    setDevices(list) {
      state.devices = new Map(list.map((d) => [d.deviceId, d]));
      state.loaded = true;
      state.error = null;
      changed();
    },
    setError(err) {
      state.error = err;
      changed();
    },
    setAlerts(alerts, error = null) {
      if (alerts) state.alerts = alerts;
      state.alertsError = error;
      changed();
    },
    setFleetHistory(history) {
      state.fleetHistory = history;
      changed();
    },
    detailOf,
    setDetail(id, { events, heartbeats, commands }) {
      const d = detailOf(id);
      d.loaded = true;
      d.error = null;
      d.events = events.slice(0, MAX_EVENTS);
      d.signal = [];
      for (const hb of [...heartbeats].sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt))) {
        addSignalPoint(d, hb.receivedAt ?? hb.message?.ts, hb.message?.signal);
      }
      // Keep commands issued from this page that the list may not have yet.
      const mine = [...d.commands.values()];
      d.commands = new Map(commands.map((c) => [c.id, c]));
      for (const c of mine) if (!d.commands.has(c.id)) d.commands.set(c.id, c);
      changed();
    },
    /** A device update from the stream or a GET: the fleet row, and a signal point if it beat. */
    upsertDevice(device) {
      if (!device?.deviceId) return;
      const before = state.devices.get(device.deviceId);
      state.devices.set(device.deviceId, { ...before, ...device });
      const d = state.detail.get(device.deviceId);
      if (d?.loaded && device.lastHeartbeatAt && device.lastHeartbeatAt !== before?.lastHeartbeatAt) {
        addSignalPoint(d, device.lastHeartbeatAt, device.signal);
      }
      changed();
    },
    addEvent(deviceId, receivedAt, event) {
      const d = state.detail.get(deviceId);
      if (!d?.loaded) return;
      const key = `${event.bootId}:${event.seq}`;
      if (d.events.some((e) => `${e.message.bootId}:${e.message.seq}` === key)) return;
      d.events.unshift({ receivedAt, message: event });
      if (d.events.length > MAX_EVENTS) d.events.length = MAX_EVENTS;
      changed();
    },
    upsertCommand(command) {
      if (!command?.id) return;
      const d = detailOf(command.deviceId);
      const before = d.commands.get(command.id);
      // The stream and the POST's own follow-up may cross: never go back to fewer responses.
      if (before && (before.responses?.length ?? 0) > (command.responses?.length ?? 0) && before.state !== "pending") return;
      d.commands.set(command.id, { ...before, ...command });
      changed();
    },
  };
}
