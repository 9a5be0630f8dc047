import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kinds } from "../../agent/src/parse/registry.ts";
import { CALL_END } from "../sim/qmi-modem/state.ts";
import { QMI_DEVICE, QMI_NETWORK_PROFILE, QMI_NETWORK_STATE, ROOT, healthy, inNs, isRoot, modem, sleep, testbedDown, testbedUp, waitFor } from "./testbed/pi-testbed.ts";

/**
 * The real Debian qmicli and qmi-network (libqmi-utils) on the simulated Pi, against the simulated
 * SIM7600G-H (test/sim/qmi-modem): each message the agent and qmi-network send, each state the
 * modem can be in, and the carrier following the session. No agent here; faults.test.ts runs the
 * agent through the same tools.
 */
const hasQmicli = existsSync("/usr/bin/qmicli") && existsSync("/usr/bin/qmi-network");

/** The read-only queries of the agent's diagnosis (agent/src/diagnose/commands.ts). */
const DIAGNOSIS = [
  ["qmicli.dms-get-ids", "--dms-get-ids", "dms:0x0025"],
  ["qmicli.dms-get-operating-mode", "--dms-get-operating-mode", "dms:0x002d"],
  ["qmicli.uim-get-card-status", "--uim-get-card-status", "uim:0x002f"],
  ["qmicli.nas-get-signal-strength", "--nas-get-signal-strength", "nas:0x0020"],
  ["qmicli.nas-get-serving-system", "--nas-get-serving-system", "nas:0x0024"],
  ["qmicli.wds-get-packet-service-status", "--wds-get-packet-service-status", "wds:0x0022"],
  ["qmicli.wda-get-data-format", "--wda-get-data-format", "wda:0x0021"],
] as const;

const qmicli = (flag: string, proxy = true) => inNs("pi", "qmicli", ["-d", QMI_DEVICE, ...(proxy ? ["--device-open-proxy"] : []), flag], false);
const qmiNetwork = (cmd: "start" | "stop" | "status", profile = true) =>
  inNs("pi", "qmi-network", [...(profile ? [`--profile=${QMI_NETWORK_PROFILE}`] : []), QMI_DEVICE, cmd], false);
const parse = (kind: string, text: string) => kinds.find((k) => k.kind === kind)!.parse(text);
/** One DHCP exchange on wwan0, short: the carrier answers at once or not at all. */
const dhcpWwan0 = () => inNs("pi", "busybox", ["udhcpc", "-i", "wwan0", "-n", "-q", "-t", "2", "-T", "1", "-s", "/bin/true"], false);
const pingWwan0 = () => inNs("pi", "ping", ["-c", "1", "-W", "1", "-I", "wwan0", "192.0.2.1"], false);

describe.skipIf(!isRoot() || !hasQmicli)("the real qmicli and qmi-network against the simulated SIM7600G-H", () => {
  beforeAll(testbedUp);
  afterAll(testbedDown);

  it("the Pi's qmicli and qmi-network are Debian's libqmi-utils: no stand-in on its PATH or in the repository", async () => {
    const md5sums = readFileSync("/var/lib/dpkg/info/libqmi-utils.md5sums", "utf8");
    for (const tool of ["qmicli", "qmi-network"]) {
      const found = (await inNs("pi", "sh", ["-c", `command -v ${tool}`])).stdout.trim();
      expect(found, `${tool} on the Pi's PATH`).toBe(`/usr/bin/${tool}`);
      expect((await execa("dpkg", ["-S", found])).stdout).toBe(`libqmi-utils: ${found}`);
      // The file is the one Debian shipped, byte for byte.
      const md5 = createHash("md5").update(readFileSync(found)).digest("hex");
      expect(md5sums).toContain(`${md5}  ${found.slice(1)}\n`);
    }
    expect((await inNs("pi", "qmicli", ["--version"])).stdout).toMatch(/^qmicli 1\.\d+\.\d+/);
    const files = (await execa("git", ["ls-files"], { cwd: ROOT })).stdout.split("\n");
    expect(files.filter((f) => /(^|\/)(qmicli|qmi-network)$/.test(f))).toEqual([]);
  });

  it.each([true, false])("answers every query of the diagnosis (proxy %s), clean on stderr, in formats the agent's parsers read", async (proxy) => {
    const since = Date.now();
    for (const [kind, flag, message] of DIAGNOSIS) {
      const r = await qmicli(flag, proxy);
      expect(r.exitCode, `${flag}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout.startsWith(`[${QMI_DEVICE}] `)).toBe(true);
      expect(parse(kind, r.stdout), `${kind} parses`).toMatchObject({ ok: true });
      expect(modem().server.seen(since)).toContain(message);
    }
    // Each qmicli allocated a client id, and released it.
    const seen = modem().server.seen(since);
    expect(seen.filter((m) => m === "ctl:0x0022")).toHaveLength(DIAGNOSIS.length);
    expect(seen.filter((m) => m === "ctl:0x0023")).toHaveLength(DIAGNOSIS.length);
    expect(seen.includes("ctl:0xff00")).toBe(proxy);
  });

  it("qmi-network stop, status, start through qmi-proxy; its client id outlives each qmicli; the carrier's DHCP answers only while the session is up", async () => {
    const since = Date.now();
    const stop = await qmiNetwork("stop");
    expect(stop.stdout).toMatch(/Stopping network with 'qmicli -d \S+ --wds-stop-network=\d+ --client-cid=\d+ --device-open-proxy'\.\.\.\nNetwork stopped successfully/);
    expect(parse("qmi-network", stop.stdout)).toMatchObject({ ok: true, facts: { action: "stop" } });
    expect(modem().modem.snapshot.session.status).toBe("disconnected");
    await modem().settled();
    const status = await qmiNetwork("status", false);
    expect(status.exitCode).toBe(64);
    expect(status.stdout).toMatch(/Status: disconnected$/m);
    expect((await dhcpWwan0()).exitCode).not.toBe(0);
    expect((await pingWwan0()).exitCode).not.toBe(0);

    const start = await qmiNetwork("start");
    expect(start.exitCode, start.stdout + start.stderr).toBe(0);
    expect(start.stdout).toContain("Device link layer protocol retrieved: raw-ip");
    expect(start.stdout).toContain("Network started successfully");
    const state = readFileSync(QMI_NETWORK_STATE, "utf8");
    const cid = Number(/CID="(\d+)"/.exec(state)![1]);
    // The client id that start allocated, kept by the modem for the next qmicli (--client-cid).
    expect(modem().modem.cids.has(0x01, cid)).toBe(true);
    await modem().settled();
    const up = await qmiNetwork("status", false);
    expect(up.stdout).toContain(`--client-cid=${cid} --client-no-release-cid`);
    expect(up.stdout).toMatch(/Status: connected$/m);
    expect(parse("qmi-network", up.stdout)).toMatchObject({ ok: true, facts: { action: "status", status: "connected" } });
    expect((await dhcpWwan0()).exitCode).toBe(0);
    expect((await pingWwan0()).exitCode).toBe(0);

    const settings = await qmicli("--wds-get-current-settings");
    expect(settings.stdout).toMatch(/IPv4 address: 100\.67\.169\.178/);
    expect(parse("qmicli.wds-get-current-settings", settings.stdout)).toMatchObject({ ok: true });
    expect(modem().server.seen(since)).toEqual(expect.arrayContaining(["wds:0x0021", "wda:0x0021", "wds:0x0020", "wds:0x0022", "wds:0x002d"]));
  });

  it("a session start that fails says why: CallFailed, with the call end reason, and qmi-network gives up", async () => {
    await qmiNetwork("stop");
    await modem().set({ startFailure: CALL_END.unknownApn });
    const start = await qmiNetwork("start");
    expect(start.exitCode).toBe(2);
    expect(start.stderr).toContain("couldn't start network: QMI protocol error (14): 'CallFailed'");
    expect(start.stderr).toMatch(/call end reason \(1013\): gsm-wcdma-unknown-apn/);
    expect(start.stderr).toMatch(/verbose call end reason \(6,27\): \[3gpp\] unknown-apn/);
    expect(start.stderr).toContain("error: network start failed, no packet data handle");
    expect(parse("qmi-network", `${start.stdout}\n${start.stderr}`)).toMatchObject({ ok: true, facts: { action: "start", error: "network start failed, no packet data handle" } });
    await modem().set({ startFailure: null });
    await healthy();
  });

  it("a SIM that is pulled, or asks for its PIN; a modem searching, denied, roaming; signal that changes", async () => {
    await modem().set({ sim: "absent" });
    expect((await qmicli("--uim-get-card-status")).stdout).toMatch(/Card state: 'absent'/);
    expect((await qmicli("--nas-get-serving-system")).stdout).toMatch(/Registration state: 'not-registered'/);
    expect(modem().modem.snapshot.session.status).toBe("disconnected");
    expect((await pingWwan0()).exitCode).not.toBe(0);

    await modem().set({ sim: "pin-required" });
    const pin = (await qmicli("--uim-get-card-status")).stdout;
    expect(pin).toMatch(/Application state: 'pin1-or-upin-pin-required'/);
    expect(pin).toMatch(/PIN1 state: 'enabled-not-verified'/);
    expect(parse("qmicli.uim-get-card-status", pin)).toMatchObject({ ok: true });

    await modem().set({ sim: "ready" });
    expect((await qmicli("--nas-get-serving-system")).stdout).toMatch(/Registration state: 'not-registered-searching'/);
    await waitFor("registered again", 5_000, () => modem().modem.snapshot.registration === "registered");
    await modem().set({ network: "denied" });
    expect((await qmicli("--nas-get-serving-system")).stdout).toMatch(/Registration state: 'registration-denied'/);
    await modem().set({ network: "roaming" });
    await waitFor("registered roaming", 5_000, () => modem().modem.snapshot.registration === "registered");
    const roaming = (await qmicli("--nas-get-serving-system")).stdout;
    expect(roaming).toMatch(/Roaming status: 'on'/);
    expect(parse("qmicli.nas-get-serving-system", roaming)).toMatchObject({ ok: true });

    await modem().set({ signal: { rssi: -97, rsrp: -118 } });
    const weak = (await qmicli("--nas-get-signal-strength")).stdout;
    expect(weak).toMatch(/RSSI:\n\tNetwork 'lte': '-97 dBm'/);
    expect(weak).toMatch(/RSRP:\n\tNetwork 'lte': '-118 dBm'/);
    await healthy();
  });

  it("a phantom bearer: the modem says connected while nothing passes and the carrier's DHCP is silent", async () => {
    await modem().set({ session: { phantom: true } });
    expect((await qmicli("--wds-get-packet-service-status")).stdout).toContain("Connection status: 'connected'");
    expect((await qmiNetwork("status", false)).stdout).toMatch(/Status: connected$/m);
    expect((await pingWwan0()).exitCode).not.toBe(0);
    expect((await dhcpWwan0()).exitCode).not.toBe(0);
    await healthy();
    expect((await pingWwan0()).exitCode).toBe(0);
  });

  it("wda set data format changes the link layer protocol the modem reports", async () => {
    const set = await qmicli("--wda-set-data-format=link-layer-protocol=802-3");
    expect(set.stdout).toMatch(/Link layer protocol: '802-3'/);
    expect((await qmicli("--wda-get-data-format")).stdout).toMatch(/Link layer protocol: '802-3'/);
    await qmicli("--wda-set-data-format=link-layer-protocol=raw-ip");
    expect(modem().modem.snapshot.linkLayer).toBe("raw-ip");
  });

  it("a reset through dms set operating mode takes the control device away for a while and brings the modem back registered, its session gone", async () => {
    const reset = await qmicli("--dms-set-operating-mode=reset");
    expect(reset.stdout).toContain("Operating mode set successfully");
    const t0 = Date.now();
    await waitFor("cdc-wdm0 gone", 3_000, async () => (await inNs("pi", "test", ["-e", QMI_DEVICE], false)).exitCode !== 0, 50);
    const gone = await qmicli("--dms-get-ids");
    expect(gone.stderr).toMatch(/error: couldn't create QmiDevice: Couldn't query file info/);
    await waitFor("cdc-wdm0 back", 10_000, async () => (await inNs("pi", "test", ["-e", QMI_DEVICE], false)).exitCode === 0, 100);
    const away = Date.now() - t0;
    expect(away).toBeGreaterThan(2_500);
    await waitFor("registered after the reset", 5_000, () => modem().modem.snapshot.registration === "registered");
    expect((await qmicli("--wds-get-packet-service-status")).stdout).toContain("'disconnected'");
    expect((await qmicli("--dms-get-operating-mode")).stdout).toContain("Mode: 'online'");
    await healthy();
  });

  it("a modem that drops off USB and comes back", async () => {
    modem().modem.leaveUsb();
    await modem().settled();
    expect((await inNs("pi", "test", ["-e", QMI_DEVICE], false)).exitCode).not.toBe(0);
    expect((await qmicli("--dms-get-ids", false)).stderr).toMatch(/couldn't create QmiDevice/);
    modem().modem.comeBack();
    await modem().settled();
    expect((await qmicli("--dms-get-ids", false)).exitCode).toBe(0);
    await healthy();
  });

  it("a modem that stops answering: qmicli gives up with its transaction timeout", async () => {
    await modem().set({ answering: false });
    const t0 = Date.now();
    const r = await qmicli("--dms-get-ids");
    const took = Date.now() - t0;
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Transaction timed out/);
    expect(took).toBeGreaterThan(5_000);
    console.log(`qmicli against a modem that does not answer gave up after ${took} ms`);
    await modem().set({ answering: true });
    await healthy();
  });

  it("speed: a qmicli call through the proxy", async () => {
    const n = 20;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) expect((await qmicli("--wds-get-packet-service-status")).exitCode).toBe(0);
    const each = (Date.now() - t0) / n;
    console.log(`qmicli --device-open-proxy --wds-get-packet-service-status in the Pi's namespaces: ${each.toFixed(1)} ms a call (${n} calls)`);
    await sleep(0);
  });
});
