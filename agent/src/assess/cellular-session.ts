import type { Evidence, LayerHealth } from "@uplink/shared";
import type { Facts, ToolError } from "../diagnose/facts.ts";
import { hasIpv4 } from "./address.ts";
import { reachableThrough } from "./reachability.ts";
import { ev } from "./evidence.ts";
import { degraded, failing, fix, ok, unknown } from "./layer.ts";
import { linkState } from "./link-state.ts";

/** Below these the link works, but badly: worth a look, not the root cause. */
const WEAK_RSRP_DBM = -115;
const WEAK_RSSI_DBM = -100;


/**
 * qmicli could not talk to the modem at all: the control channel, not the network, is the fault.
 * `couldn't create QmiDevice: Wrong file type` is libqmi's word for a device node that is not a
 * character device (a dangling symlink, a stale file where cdc-wdm0 was); `Couldn't query file
 * info` for one that is gone; `Transaction timed out` for a modem that stops answering; `endpoint
 * hangup` for one that went away mid-call.
 */
export function isUnreachable(e: ToolError): boolean {
  return /couldn't open|open the QmiDevice|create QmiDevice|Wrong file type|Transaction timed out|endpoint hangup|No such file|not found|Resource temporarily unavailable/i.test(
    e.message,
  ) && e.qmiCode === undefined;
}

/**
 * Layer 2 for the cellular link: SIM, registration, packet data session. Checked bottom-up, so
 * the verdict names the first thing that stops the session (no SIM explains no registration).
 */
export function assessCellularSession(f: Facts, ifname: string, qmiDevice: string): LayerHealth {
  const evidence: Evidence[] = [];
  // Every qmicli capture's error speaks of the control channel, whichever subset was captured;
  // qmi-network reports the qmicli error it ran into as its cause.
  const qmiErrors: [string, ToolError | undefined][] = [
    ["qmicli.uim-get-card-status", f.errors.card],
    ["qmicli.nas-get-serving-system", f.errors.serving],
    ["qmicli.wds-get-packet-service-status", f.errors.packet],
    ["qmicli.dms-get-ids", f.errors.ids],
    ["qmicli.dms-get-operating-mode", f.errors.operatingMode],
    ["qmicli.nas-get-signal-strength", f.errors.signal],
    ["qmicli.wda-get-data-format", f.errors.dataFormat],
    ["qmicli.wds-get-current-settings", f.errors.settings],
    ["qmi-network", f.qmiNetwork?.cause ? { message: f.qmiNetwork.cause } : undefined],
  ];
  for (const [kind, error] of qmiErrors) if (error) evidence.push(ev(kind, `error: ${error.message}`));

  const unreachable = qmiErrors.find(([, e]) => e && isUnreachable(e));
  if (unreachable) {
    return failing("session", "qmi-unreachable", `qmicli cannot talk to ${qmiDevice}`, evidence, fix("modem.reset"));
  }

  const sim = assessSim(f, evidence);
  if (sim) return sim;

  if (f.operatingMode?.mode && f.operatingMode.mode !== "online") {
    evidence.push(ev("qmicli.dms-get-operating-mode", `mode ${f.operatingMode.mode}`));
    return failing("session", "modem-not-online", `the modem is in ${f.operatingMode.mode} mode`, evidence, fix("modem.reset"));
  }

  const serving = f.serving;
  if (serving?.registrationState) {
    evidence.push(ev("qmicli.nas-get-serving-system", `registration ${serving.registrationState}, PS ${serving.psAttached ? "attached" : "detached"}`));
    if (serving.registrationState === "registration-denied") {
      return failing("session", "registration-denied", "the network denied registration (SIM or plan)", evidence);
    }
    if (serving.registrationState !== "registered") {
      return failing("session", "not-registered", `not registered (${serving.registrationState})`, evidence, fix("modem.reset"));
    }
  }

  // A session start that failed, with the network's reason when qmicli printed one.
  const start = f.qmiNetwork;
  if (start?.action === "start" && start.status !== "connected" && (start.error || start.callEndReason)) {
    const reason = start.verboseCallEndReason ?? start.callEndReason;
    evidence.push(ev("qmi-network", `start failed: ${start.error ?? start.cause ?? "no session"}${reason ? ` (call end reason ${reason})` : ""}`));
    if (!f.packet || f.packet.connectionStatus !== "connected") {
      return failing(
        "session",
        "session-start-failed",
        `the packet data session did not start${reason ? `: ${reason}` : ""}`,
        evidence,
        // A wrong APN or credentials need an operator's APN; another refusal may pass on a retry.
        /apn|auth|pdp|option-unsubscribed|unknown-profile/i.test(reason ?? "") ? undefined : fix("qmi.restart"),
      );
    }
  }

  const status = f.packet?.connectionStatus ?? f.qmiNetwork?.status;
  if (f.packet?.connectionStatus) evidence.push(ev("qmicli.wds-get-packet-service-status", `connection ${f.packet.connectionStatus}`));
  else if (f.qmiNetwork?.status) evidence.push(ev("qmi-network", `status ${f.qmiNetwork.status}`));
  if (status && status !== "connected") {
    return failing("session", "no-packet-session", `the packet data session is ${status}`, evidence, fix("qmi.restart"));
  }

  // The phantom bearer: the modem says connected and the interface has an address, yet nothing
  // passes. Trust the probe over the modem: it is the session that is broken.
  const link = linkState(f, ifname)?.link;
  const carrier = link?.up === true && link.lowerUp === true;
  if (status === "connected" && carrier && hasIpv4(f, ifname) && reachableThrough(f, ifname) === false) {
    evidence.push(ev("ping", `no answer through ${ifname}`));
    return failing(
      "session",
      "phantom-bearer",
      "the modem reports a connected session, but nothing passes through it",
      evidence,
      fix("qmi.restart"),
    );
  }

  const weak = weakSignal(f);
  if (weak) {
    evidence.push(ev("qmicli.nas-get-signal-strength", weak));
    if (status === "connected") return degraded("session", "weak-signal", `connected on a weak signal (${weak})`, evidence);
  } else if (f.signal?.radio) {
    evidence.push(ev("qmicli.nas-get-signal-strength", signalWords(f)));
  }

  if (status === "connected") return ok("session", "packet data session connected", evidence);
  if (serving?.registrationState === "registered") {
    return unknown("session", "registered; the packet session status was not captured", evidence);
  }
  return unknown("session", "no modem session facts captured", evidence);
}

function assessSim(f: Facts, evidence: Evidence[]): LayerHealth | null {
  const card = f.card;
  if (f.errors.card?.qmiName === "UimUninitialized") {
    return failing("session", "sim-not-ready", "the SIM is not initialised (absent, or not ready yet)", evidence);
  }
  if (card?.cardState) {
    evidence.push(ev("qmicli.uim-get-card-status", `card ${card.cardState}${card.cardError ? ` (${card.cardError})` : ""}`));
    if (card.cardState === "absent") return failing("session", "sim-absent", "no SIM card", evidence);
    if (card.cardState === "error") {
      return failing("session", "sim-error", `the SIM card is in error (${card.cardError ?? "unknown"})`, evidence, fix("modem.reset"));
    }
    if (card.pin1State === "enabled-not-verified" || card.pin1State === "blocked") {
      return failing("session", "sim-pin-required", `the SIM PIN is ${card.pin1State}`, evidence);
    }
  }
  const mm = f.mmcli;
  if (mm?.failedReason) {
    evidence.push(ev("mmcli.modem", `state ${mm.state}, failed reason ${mm.failedReason}`));
    if (/sim-missing/.test(mm.failedReason)) return failing("session", "sim-absent", "no SIM card (ModemManager)", evidence);
    return failing("session", "modem-failed", `ModemManager: ${mm.failedReason}`, evidence);
  }
  const cpin = f.at?.cpin;
  if (cpin && cpin !== "READY") {
    evidence.push(ev("at", `+CPIN: ${cpin}`));
    if (/not inserted/i.test(cpin)) return failing("session", "sim-absent", "no SIM card (AT+CPIN)", evidence);
    return failing("session", "sim-pin-required", `the SIM answers ${cpin}`, evidence);
  }
  return null;
}

function weakSignal(f: Facts): string | null {
  const s = f.signal;
  if (!s) return null;
  if (s.rsrpDbm !== undefined && s.rsrpDbm < WEAK_RSRP_DBM) return `RSRP ${s.rsrpDbm} dBm`;
  if (s.rsrpDbm === undefined && s.rssiDbm !== undefined && s.rssiDbm < WEAK_RSSI_DBM) return `RSSI ${s.rssiDbm} dBm`;
  return null;
}

function signalWords(f: Facts): string {
  const s = f.signal!;
  const parts = [s.radio, s.rssiDbm !== undefined ? `RSSI ${s.rssiDbm} dBm` : "", s.rsrpDbm !== undefined ? `RSRP ${s.rsrpDbm} dBm` : ""];
  return parts.filter(Boolean).join(", ");
}
