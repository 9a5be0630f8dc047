import { EventEmitter } from "node:events";

/**
 * The simulated SIM7600G-H's state, and the ways it moves like a modem's: a SIM that is pulled or
 * asks for its PIN takes the registration with it; a registration that is lost takes the packet
 * session with it; a reset takes the device off USB for a while and brings it back searching,
 * then registered if the SIM and the network allow it.
 *
 * Two layers: `network` is what the carrier would do for this SIM (home, roaming, denied, no
 * coverage); `registration` is where the modem is now. A modem can be stuck `searching` on a
 * network that would take it (a reset fixes that), or searching because there is none.
 */

export type SimState = "ready" | "absent" | "pin-required" | "puk-required" | "error";
export type Network = "home" | "roaming" | "denied" | "none";
export type Registration = "registered" | "searching" | "not-registered" | "denied";
export type OperatingMode = "online" | "low-power" | "offline" | "reset" | "shutting-down";
export type SessionStatus = "connected" | "disconnected";

/** Why a session start fails or a session ended: QmiWdsCallEndReason and its verbose 3GPP form. */
export interface CallEnd {
  /** QmiWdsCallEndReason, e.g. 1 generic-unspecified, 3 generic-no-service, 1013 gsm-wcdma-unknown-apn. */
  reason: number;
  /** Verbose reason: type 6 is 3GPP, with its 3GPP cause (27 unknown APN, 33 option unsubscribed). */
  verbose?: { type: number; reason: number };
}

export const CALL_END = {
  unspecified: { reason: 1 },
  noService: { reason: 3 },
  unknownApn: { reason: 1013, verbose: { type: 6, reason: 27 } },
  optionUnsubscribed: { reason: 1018, verbose: { type: 6, reason: 33 } },
  activationReject: { reason: 1016, verbose: { type: 6, reason: 31 } },
} as const satisfies Record<string, CallEnd>;

export interface Signal {
  /** dBm; the RSSI list and the current strength. */
  rssi: number;
  rsrp: number;
  /** dB */
  rsrq: number;
  /** LTE SNR in dB (sent in tenths). */
  snr: number;
}

export interface Session {
  status: SessionStatus;
  /** The packet data handle of the running session. */
  pdh: number | null;
  apn: string | null;
  /** The client id that started it. */
  cid: number | null;
  /**
   * The modem says connected, but nothing passes (a phantom bearer): the carrier side drops the
   * traffic and its DHCP is silent.
   */
  phantom: boolean;
  /** Why the last session ended or the last start failed. */
  lastEnd: CallEnd | null;
}

export interface Ipv4Settings {
  address: string;
  gateway: string;
  prefix: number;
  dns: [string, string];
  mtu: number;
}

export interface ModemSnapshot {
  /** On USB: its control device exists. */
  present: boolean;
  /** Answers QMI requests (a hung firmware does not). */
  answering: boolean;
  operatingMode: OperatingMode;
  sim: SimState;
  pinRetries: number;
  pukRetries: number;
  network: Network;
  registration: Registration;
  signal: Signal;
  session: Session;
  /** The next session starts fail with this (null: they succeed when registered). */
  startFailure: CallEnd | null;
  linkLayer: "raw-ip" | "802-3";
  operator: { mcc: number; mnc: number; name: string; tac: number; cellId: number };
  imei: string;
  ipv4: Ipv4Settings;
}

export interface Timings {
  /** How long a modem searches before registering (after a reset, a SIM insert, a PIN). */
  registerMs: number;
  /** How long a reset keeps the modem off USB. */
  resetAbsentMs: number;
}

export const DEFAULT_TIMINGS: Timings = { registerMs: 600, resetAbsentMs: 4_000 };

export function healthyModem(): ModemSnapshot {
  return {
    present: true,
    answering: true,
    operatingMode: "online",
    sim: "ready",
    pinRetries: 3,
    pukRetries: 10,
    network: "home",
    registration: "registered",
    signal: { rssi: -61, rsrp: -90, rsrq: -11, snr: 9.4 },
    session: { status: "disconnected", pdh: null, apn: null, cid: null, phantom: false, lastEnd: null },
    startFailure: null,
    linkLayer: "raw-ip",
    // A test network (MCC 001, MNC 01 are the ITU's test codes), not a real carrier.
    operator: { mcc: 1, mnc: 1, name: "Uplink Test", tac: 12299, cellId: 3697446 },
    // Test IMEI from the GSMA's test range (TAC 00101...): not a real device.
    imei: "001010123456789",
    ipv4: { address: "100.67.169.178", gateway: "100.67.169.177", prefix: 30, dns: ["192.0.2.53", "192.0.2.54"], mtu: 1500 },
  };
}

export type ModemChange = Partial<Omit<ModemSnapshot, "session" | "signal">> & { session?: Partial<Session>; signal?: Partial<Signal> };

/** Client ids per service, kept by the modem across host processes until released or reset. */
export class ClientIds {
  private readonly used = new Map<number, Set<number>>();

  allocate(service: number): number | null {
    const set = this.used.get(service) ?? new Set<number>();
    this.used.set(service, set);
    for (let cid = 1; cid <= 254; cid++) {
      if (!set.has(cid)) {
        set.add(cid);
        return cid;
      }
    }
    return null;
  }

  release(service: number, cid: number): boolean {
    return this.used.get(service)?.delete(cid) ?? false;
  }

  has(service: number, cid: number): boolean {
    return this.used.get(service)?.has(cid) ?? false;
  }

  clear(): void {
    this.used.clear();
  }

  count(): number {
    return [...this.used.values()].reduce((n, s) => n + s.size, 0);
  }
}

/**
 * The modem. Emits `change` (the snapshot) after every change, `gone` when it leaves USB and
 * `back` when it returns.
 */
export class ModemState extends EventEmitter {
  private s: ModemSnapshot = healthyModem();
  readonly cids = new ClientIds();
  private timers = new Set<NodeJS.Timeout>();
  private nextPdh = 1654799168;

  constructor(readonly timings: Timings = DEFAULT_TIMINGS) {
    super();
  }

  get snapshot(): ModemSnapshot {
    return structuredClone(this.s);
  }

  /** The carrier forwards the Pi's traffic and answers its DHCP: a session that really passes data. */
  get carrierUp(): boolean {
    return this.s.present && this.s.session.status === "connected" && !this.s.session.phantom;
  }

  /** Sets fields as a test wants them, then lets the consequences follow (a pulled SIM, ...). */
  set(change: ModemChange): void {
    const before = this.s;
    const next: ModemSnapshot = {
      ...before,
      ...change,
      session: { ...before.session, ...change.session },
      signal: { ...before.signal, ...change.signal },
    } as ModemSnapshot;
    this.s = next;
    if (change.session?.status === "connected" && before.session.status !== "connected" && next.session.pdh === null) {
      next.session = { ...next.session, pdh: this.nextPdh++, apn: next.session.apn ?? "internet", lastEnd: null };
    }
    if (change.session?.status === "disconnected") next.session = { ...next.session, pdh: null, cid: null, phantom: false };
    if (change.sim !== undefined && change.sim !== before.sim) this.simChanged(before.sim);
    if (change.network !== undefined && change.network !== before.network && change.registration === undefined) this.networkChanged();
    if (change.registration !== undefined && change.registration !== "registered") this.dropSession(CALL_END.noService);
    if (change.present === false && before.present) this.emit("gone");
    if (change.present === true && !before.present) this.emit("back");
    this.changed();
  }

  /** Back to a healthy modem with no session (what a test's reset does), nothing pending. */
  resetToHealthy(over: ModemChange = {}): void {
    this.cancelTimers();
    const wasPresent = this.s.present;
    this.s = healthyModem();
    this.cids.clear();
    if (!wasPresent) this.emit("back");
    this.set(over);
  }

  // What the modem's QMI services do ----------------------------------------------------------

  /** WDS Start Network. */
  startSession(apn: string | null, cid: number): { ok: true; pdh: number } | { ok: false; error: "callFailed" | "noEffect"; end?: CallEnd } {
    if (this.s.session.status === "connected") return { ok: false, error: "noEffect" };
    let end: CallEnd | null = null;
    if (this.s.sim !== "ready" || this.s.operatingMode !== "online" || this.s.registration !== "registered") end = CALL_END.noService;
    else if (this.s.startFailure) end = this.s.startFailure;
    if (end) {
      this.s.session = { ...this.s.session, lastEnd: end };
      this.changed();
      return { ok: false, error: "callFailed", end };
    }
    const pdh = this.nextPdh++;
    this.s.session = { status: "connected", pdh, apn, cid, phantom: this.s.session.phantom, lastEnd: null };
    this.changed();
    return { ok: true, pdh };
  }

  /** WDS Stop Network. */
  stopSession(pdh: number): "ok" | "invalidHandle" | "noEffect" {
    if (this.s.session.status !== "connected") return "noEffect";
    if (this.s.session.pdh !== pdh) return "invalidHandle";
    this.s.session = { status: "disconnected", pdh: null, apn: null, cid: null, phantom: false, lastEnd: { reason: 2 } };
    this.changed();
    return "ok";
  }

  /** The network ends the session (fade, no service, ...). */
  dropSession(end: CallEnd = CALL_END.noService): void {
    if (this.s.session.status !== "connected") return;
    this.s.session = { status: "disconnected", pdh: null, apn: null, cid: null, phantom: false, lastEnd: end };
    this.changed();
  }

  /** DMS Set Operating Mode. */
  setOperatingMode(mode: OperatingMode): void {
    if (mode === "reset") {
      this.reset();
      return;
    }
    this.s.operatingMode = mode;
    if (mode !== "online") {
      this.s.registration = "not-registered";
      this.dropSession(CALL_END.noService);
    } else {
      this.searchThenRegister();
    }
    this.changed();
  }

  /**
   * A reset: the modem answers, then leaves USB (its control device goes), comes back after
   * `resetAbsentMs` in online mode, searching, and registers if the SIM and the network allow.
   * Client ids and the session do not survive it.
   */
  reset(absentMs = this.timings.resetAbsentMs): void {
    this.later(50, () => {
      this.s.session = { status: "disconnected", pdh: null, apn: null, cid: null, phantom: false, lastEnd: null };
      this.cids.clear();
      this.s.present = false;
      this.s.registration = "not-registered";
      this.emit("gone");
      this.changed();
      this.later(absentMs, () => {
        this.s.present = true;
        this.s.operatingMode = "online";
        this.s.answering = true;
        this.emit("back");
        this.searchThenRegister();
        this.changed();
      });
    });
  }

  /** Leaves USB (and stays away until `comeBack`), as a modem that browns out or is unplugged. */
  leaveUsb(): void {
    this.set({ present: false, registration: "not-registered" });
    this.s.session = { status: "disconnected", pdh: null, apn: null, cid: null, phantom: false, lastEnd: null };
    this.cids.clear();
    this.changed();
  }

  comeBack(): void {
    if (this.s.present) return;
    this.s.present = true;
    this.s.operatingMode = "online";
    this.emit("back");
    this.searchThenRegister();
    this.changed();
  }

  /** UIM Verify PIN: the PIN unlocks the SIM, which then registers. */
  verifyPin(correct: boolean): boolean {
    if (this.s.sim !== "pin-required") return false;
    if (correct) {
      this.set({ sim: "ready", pinRetries: 3 });
      return true;
    }
    const left = this.s.pinRetries - 1;
    this.set(left <= 0 ? { pinRetries: 0, sim: "puk-required" } : { pinRetries: left });
    return false;
  }

  stop(): void {
    this.cancelTimers();
    this.removeAllListeners();
  }

  // Consequences -------------------------------------------------------------------------------

  private simChanged(_was: SimState): void {
    if (this.s.sim !== "ready") {
      this.s.registration = "not-registered";
      this.dropSession(CALL_END.noService);
    } else {
      this.searchThenRegister();
    }
  }

  private networkChanged(): void {
    if (this.s.network === "none" || this.s.network === "denied") {
      this.s.registration = this.s.network === "denied" ? "denied" : "searching";
      this.dropSession(CALL_END.noService);
    } else if (this.s.registration !== "registered" && this.s.sim === "ready") {
      this.searchThenRegister();
    }
  }

  private searchThenRegister(): void {
    if (this.s.sim !== "ready" || this.s.operatingMode !== "online") {
      this.s.registration = "not-registered";
      return;
    }
    this.s.registration = "searching";
    this.later(this.timings.registerMs, () => {
      if (this.s.sim !== "ready" || this.s.operatingMode !== "online" || !this.s.present) return;
      if (this.s.registration !== "searching") return;
      if (this.s.network === "home" || this.s.network === "roaming") this.s.registration = "registered";
      else if (this.s.network === "denied") this.s.registration = "denied";
      this.changed();
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private changed(): void {
    this.emit("change", this.snapshot);
  }
}
