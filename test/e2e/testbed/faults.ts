import { execa } from "execa";
import { PI_RESOLV_CONF, ip, modem, netns } from "./pi-testbed.ts";
import { writeFileSync } from "node:fs";

/** Where a fault must be diagnosed: the link (or `host`), its lowest failing layer and the cause. */
export interface Expected {
  link: "wlan0" | "wwan0" | "host";
  layer: string;
  cause: string;
}

export interface Fault {
  name: string;
  /** Breaks the simulated Pi, as the field breaks a real one. */
  inject(): Promise<void>;
  expected: Expected;
  /**
   * What cannot be done by command: the SIM put back, the access point or the DHCP server back.
   * The fix by command comes after it.
   */
  restore?(): Promise<void>;
  /** The operator's commands through the server API, in order, once the device can be reached. */
  operator: { name: string; args?: Record<string, unknown> }[];
  /** The remediation the agent runs by itself (its remediation.succeeded event names it). */
  healedBy: string;
  /**
   * The fault cuts the device off the server: the operator sees it go offline and can only act on
   * site; the diagnosis reaches the server from the agent's outbox when the link is back.
   */
  cutsOff?: boolean;
  /**
   * After the agent's fix traffic flows through the first-choice link again, but the fallback's
   * route is still missing (the agent restores the route of the link it prefers): the test then
   * checks the traffic, and the reset puts the fallback's route back.
   */
  fallbackLeftWithoutRoute?: boolean;
  /** The fix can only work after restore(); the agent's first attempts run while it is broken. */
  restoreAfterFirstAttempt?: boolean;
  /** The remediation whose failed first attempt comes before restore(), when not `healedBy`. */
  firstAttempt?: string;
}

/** The faults of the field guide's layers, each applied to the live testbed. */
export const FAULTS: Fault[] = [
  {
    name: "SIM removed",
    // The modem loses its registration and its session with the SIM; the carrier stops answering.
    inject: () => modem().set({ sim: "absent" }),
    expected: { link: "wwan0", layer: "session", cause: "sim-absent" },
    // The SIM is back and the modem registers again by itself (after searching a moment); its data
    // session stays down.
    async restore() {
      await modem().set({ sim: "ready" });
      await modem().registered();
    },
    operator: [{ name: "qmi.restart" }],
    healedBy: "qmi.restart",
  },
  {
    name: "registration lost",
    // Stuck searching on a network that would take it: only a reset gets it registered again.
    inject: () => modem().set({ registration: "searching" }),
    expected: { link: "wwan0", layer: "session", cause: "not-registered" },
    // A reset registers the modem again; then its data session has to be started.
    operator: [{ name: "modem.reset" }, { name: "qmi.restart" }],
    healedBy: "modem.reset",
  },
  {
    name: "packet data session dropped",
    // The network ends the session (no service for a moment); the modem stays registered.
    async inject() {
      modem().modem.dropSession();
      await modem().settled();
    },
    expected: { link: "wwan0", layer: "session", cause: "no-packet-session" },
    operator: [{ name: "qmi.restart" }],
    healedBy: "qmi.restart",
  },
  {
    name: "a phantom bearer",
    // The modem keeps saying connected while the network passes nothing (and its DHCP is silent).
    inject: () => modem().set({ session: { phantom: true } }),
    expected: { link: "wwan0", layer: "session", cause: "phantom-bearer" },
    operator: [{ name: "qmi.restart" }],
    healedBy: "qmi.restart",
  },
  {
    name: "the modem gone from USB",
    // It browns out and drops off the bus: cdc-wdm goes, qmicli cannot create its device.
    async inject() {
      modem().modem.leaveUsb();
      await modem().settled();
    },
    expected: { link: "wwan0", layer: "session", cause: "qmi-unreachable" },
    // It comes back on the bus by itself (power restored) and registers; its session is gone. The
    // agent's reset fails while the device is missing; once it is back a session start heals it.
    async restore() {
      modem().modem.comeBack();
      await modem().registered();
    },
    restoreAfterFirstAttempt: true,
    firstAttempt: "modem.reset",
    operator: [{ name: "modem.reset" }, { name: "qmi.restart" }],
    healedBy: "qmi.restart",
  },
  {
    name: "wwan0 down",
    inject: () => ip("pi", "link", "set", "wwan0", "down"),
    expected: { link: "wwan0", layer: "interface", cause: "link-down" },
    operator: [{ name: "link.up", args: { iface: "wwan0" } }],
    healedBy: "link.up",
  },
  {
    name: "the carrier's DHCP server silent",
    async inject() {
      await netns("cell-dhcp", "off");
      await ip("pi", "addr", "flush", "dev", "wwan0");
    },
    expected: { link: "wwan0", layer: "ip", cause: "no-lease" },
    restore: () => netns("cell-dhcp", "on"),
    restoreAfterFirstAttempt: true,
    operator: [{ name: "dhcp.renew", args: { iface: "wwan0" } }],
    healedBy: "dhcp.renew",
  },
  {
    name: "the Wi-Fi access point gone",
    async inject() {
      await ip("ap", "link", "set", "ap0", "down");
      // Without an access point the lease is lost with the association.
      await ip("pi", "addr", "flush", "dev", "wlan0");
    },
    expected: { link: "wlan0", layer: "session", cause: "wifi-not-associated" },
    restore: () => ip("ap", "link", "set", "ap0", "up"),
    operator: [{ name: "dhcp.renew", args: { iface: "wlan0" } }],
    healedBy: "dhcp.renew",
  },
  {
    name: "Wi-Fi up but its upstream dead",
    inject: () => ip("ap", "link", "set", "up0", "down"),
    expected: { link: "host", layer: "routing", cause: "active-link-no-upstream" },
    async restore() {
      await ip("ap", "link", "set", "up0", "up");
      await ip("ap", "route", "replace", "default", "via", "10.99.1.2");
    },
    operator: [],
    healedBy: "link.metric",
    cutsOff: true,
  },
  {
    name: "the default routes deleted",
    async inject() {
      await ip("pi", "route", "del", "default", "dev", "wlan0");
      await ip("pi", "route", "del", "default", "dev", "wwan0");
    },
    expected: { link: "host", layer: "routing", cause: "no-default-route" },
    operator: [],
    healedBy: "route.replace",
    cutsOff: true,
    fallbackLeftWithoutRoute: true,
  },
  {
    name: "the DNS server dead",
    inject: () => netns("dns", "off", "53"),
    expected: { link: "host", layer: "dns", cause: "dns-unresolvable" },
    operator: [{ name: "dns.repair", args: { nameservers: ["192.0.2.54"] } }],
    healedBy: "dns.repair",
  },
  {
    name: "resolv.conf emptied and made immutable",
    async inject() {
      // The agent's own dns.repair leaves the file immutable: unlock it before emptying it.
      await execa("chattr", ["-i", PI_RESOLV_CONF], { reject: false });
      writeFileSync(PI_RESOLV_CONF, "");
      await execa("chattr", ["+i", PI_RESOLV_CONF]);
    },
    expected: { link: "host", layer: "dns", cause: "resolv-conf-immutable-empty" },
    operator: [{ name: "dns.repair" }],
    healedBy: "dns.repair",
  },
];
