import { EventEmitter } from "node:events";
import type { EventMessage } from "@uplink/shared";
import type { Logger } from "pino";
import { normalizeReceipt } from "./ingest/seq-receipt.ts";
import { deviceIdOf, emptyFleet, isDeviceMessage, newDevice, reduceDevice, reduceFleet } from "./state/reducer.ts";
import type { CommandRecord, DeviceState, FleetMessage, FleetState } from "./state/types.ts";
import type { Store } from "./store/store.ts";

/** What the live stream (SSE) carries. */
export type LiveUpdate =
  | { type: "device"; deviceId: string; device: DeviceState }
  | { type: "event"; deviceId: string; receivedAt: string; event: EventMessage }
  | { type: "command"; deviceId: string; command: CommandRecord };

/**
 * The imperative shell around the pure reducer: holds the current fleet, tells listeners what
 * changed and writes changed devices to the store behind (once a second), so a burst of
 * heartbeats is one transaction, not one per message.
 */
export interface Fleet {
  readonly state: FleetState;
  dispatch(msg: FleetMessage): FleetState;
  device(deviceId: string): DeviceState | undefined;
  onUpdate(listener: (u: LiveUpdate) => void): () => void;
  publishEvent(deviceId: string, receivedAt: string, event: EventMessage): void;
  /** Takes a device's state as the store has it (replicas: another replica may have changed it). */
  adopt(device: DeviceState, announce?: boolean): void;
  /** Replicas: the store is the truth and ingest writes each device under its lock; no write-behind. */
  readonly shared: boolean;
  flush(): void;
  close(): void;
}


export interface FleetOptions {
  flushEveryMs?: number;
  /** Several replicas share the store: see `Fleet.shared`. */
  shared?: boolean;
  /** Shared: how often to read the states other replicas changed. */
  refreshEveryMs?: number;
}

export function createFleet(store: Store, logger: Logger, options: FleetOptions = {}): Fleet {
  const { flushEveryMs = 1000, shared = false, refreshEveryMs = 1000 } = options;
  let state = emptyFleet();
  for (const d of store.loadDeviceStates()) state.devices[d.deviceId] = { ...newDevice(d.deviceId), ...d, seq: normalizeReceipt(d.seq) };
  // The receipts committed with their messages are newer than the states written behind.
  for (const { deviceId, receipt } of store.loadReceipts()) {
    state.devices[deviceId] = { ...(state.devices[deviceId] ?? newDevice(deviceId)), seq: normalizeReceipt(receipt) };
  }
  // In place: one reduceFleet per device copied the growing record each time, O(fleet²) at start.
  for (const id of store.listDeviceIds()) state.devices[id] ??= newDevice(id);
  for (const c of store.listOpenCommands()) state = reduceFleet(state, { kind: "command.updated", command: c });
  logger.info({ devices: Object.keys(state.devices).length, openCommands: Object.keys(state.commands).length }, "fleet restored from the store");

  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const dirty = new Set<string>();
  const timer = setInterval(() => flush(), flushEveryMs);
  timer.unref();
  // Shared: a device's messages reach whichever replica the broker picks, so the others learn of
  // them here, within refreshEveryMs. The overlap covers clocks of replicas a little apart.
  let refreshedAt = new Date().toISOString();
  const refresher = shared
    ? setInterval(() => {
        const since = new Date(Date.parse(refreshedAt) - 5000).toISOString();
        refreshedAt = new Date().toISOString();
        try {
          for (const d of store.loadDeviceStates(since)) adopt(d, true);
        } catch (err) {
          logger.warn({ err }, "reading the device states of the other replicas failed");
        }
      }, refreshEveryMs)
    : null;
  refresher?.unref();

  function adopt(stored: DeviceState, announce = false): void {
    const device = { ...stored, seq: normalizeReceipt(stored.seq) };
    const before = state.devices[device.deviceId];
    if (before && JSON.stringify(before) === JSON.stringify(device)) return;
    state.devices[device.deviceId] = device;
    if (announce) emitter.emit("update", { type: "device", deviceId: device.deviceId, device } satisfies LiveUpdate);
  }

  function flush(): void {
    if (dirty.size === 0) return;
    const changed = [...dirty].map((id) => state.devices[id]).filter((d): d is DeviceState => d !== undefined);
    dirty.clear();
    try {
      store.saveDeviceStates(changed);
    } catch (err) {
      logger.error({ err }, "saving device states failed; retrying at the next flush");
      for (const d of changed) dirty.add(d.deviceId);
    }
  }

  return {
    get state() {
      return state;
    },
    dispatch(msg) {
      if (isDeviceMessage(msg)) {
        const id = deviceIdOf(msg);
        const was = state.devices[id];
        const device = reduceDevice(was, msg);
        if (device === was) return state;
        // The shell owns `state`: one entry swapped in place. reduceFleet would copy the whole
        // devices record per message, O(fleet): ~6 ms a message at 10,000 devices, measured.
        state.devices[id] = device;
        if (!shared) dirty.add(id);
        // seq bookkeeping alone is not news for the live stream.
        if (msg.kind !== "seq.observed") emitter.emit("update", { type: "device", deviceId: id, device } satisfies LiveUpdate);
        return state;
      }
      const before = state;
      state = reduceFleet(state, msg);
      if (state === before) return state;
      const id = msg.kind === "command.updated" ? msg.command.deviceId : null;
      const changedIds = id ? [id] : Object.keys(state.devices).filter((k) => state.devices[k] !== before.devices[k]);
      for (const k of changedIds) {
        if (!shared) dirty.add(k);
        const device = state.devices[k];
        // seq bookkeeping alone is not news for the live stream.
        if (device) emitter.emit("update", { type: "device", deviceId: k, device } satisfies LiveUpdate);
      }
      if (msg.kind === "command.updated") {
        emitter.emit("update", { type: "command", deviceId: msg.command.deviceId, command: msg.command } satisfies LiveUpdate);
      }
      return state;
    },
    device(deviceId) {
      return state.devices[deviceId];
    },
    onUpdate(listener) {
      emitter.on("update", listener);
      return () => emitter.off("update", listener);
    },
    adopt,
    shared,
    publishEvent(deviceId, receivedAt, event) {
      emitter.emit("update", { type: "event", deviceId, receivedAt, event } satisfies LiveUpdate);
    },
    flush,
    close() {
      clearInterval(timer);
      if (refresher) clearInterval(refresher);
      flush();
      emitter.removeAllListeners();
    },
  };
}
