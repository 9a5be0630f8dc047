import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { diagnosisSchema } from "@uplink/shared";
import { ROOT, runBin, runWithReaderGone } from "../../helpers/run-bin.ts";

const AGENT = "agent/bin/uplink-agent.js";
const card = "test/fixtures/qmicli/uim-get-card-status/present-pin-disabled-quectel-rm510q.txt";
const cleanup: string[] = [];
afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("uplink-agent parse", () => {
  it("lists every kind", async () => {
    const { code, stdout } = await runBin(AGENT, ["parse", "--list"]);
    expect(code).toBe(0);
    for (const kind of ["ip.route-get", "qmicli.nas-get-serving-system", "udhcpc", "vcgencmd.get_throttled", "mmcli.modem", "nmcli.device", "at"]) {
      expect(stdout).toContain(kind);
    }
  });

  it("prints a capture's facts as JSON", async () => {
    const { code, stdout } = await runBin(AGENT, ["parse", "qmicli.uim-get-card-status", card]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ cardState: "present" });
  });

  it("reads standard input with -", async () => {
    const { code, stdout } = await runBin(AGENT, ["parse", "vcgencmd.get_throttled", "-"], "throttled=0x50005\n");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ raw: "0x50005", underVoltageNow: true, underVoltageOccurred: true });
  });

  it("reports a tool's own error as facts, with exit 0", async () => {
    const text = "error: couldn't get card status: QMI protocol error (37): 'UimUninitialized'\n";
    const { code, stdout } = await runBin(AGENT, ["parse", "qmicli.uim-get-card-status", "-"], text);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ error: expect.objectContaining({ qmiCode: 37, qmiName: "UimUninitialized" }) });
  });

  it("ends quietly with exit 0 when the reader closes early (| head -1)", async () => {
    const { code, stderr } = await runWithReaderGone(AGENT, ["parse", "--list"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it.each([
    ["text of another kind", ["parse", "ip.route", card]],
    ["an unknown kind", ["parse", "ifconfig", card]],
    ["a missing file", ["parse", "ip.route", "/nonexistent/capture.txt"]],
    ["no kind", ["parse"]],
  ])("exits 2 with one clear line for %s", async (_, args) => {
    const { code, stdout, stderr } = await runBin(AGENT, args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe("uplink-agent diagnose", () => {
  it("prints the root cause and its fix for a snapshot, and exits 1 for its failing layer", async () => {
    const { code, stdout } = await runBin(AGENT, ["diagnose", "--from", "test/fixtures/snapshots/no-lease"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/wwan0 \(cellular\): root cause at layer 4 \(ip\)/);
    expect(stdout).toMatch(/fix: dhcp\.renew --iface wwan0/);
  });

  it("prints the report as JSON that the shared schema accepts", async () => {
    const { code, stdout } = await runBin(AGENT, ["diagnose", "--from", "test/fixtures/snapshots/no-sim", "--json"]);
    expect(code).toBe(1);
    const report = diagnosisSchema.parse(JSON.parse(stdout));
    expect(report.links.wwan0!.firstFailingLayer).toBe("session");
  });

  it("exits 0 when no layer fails", async () => {
    const { code, stdout } = await runBin(AGENT, ["diagnose", "--from", "test/fixtures/snapshots/healthy"]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("FAIL");
  });

  it("treats a missing file of a snapshot as not captured", async () => {
    // Only the power report: nothing about the links or the host's network is known.
    const dir = await mkdtemp(join(tmpdir(), "uplink-partial-"));
    cleanup.push(dir);
    await copyFile(join(ROOT, "test/fixtures/snapshots/healthy/vcgencmd.get_throttled.txt"), join(dir, "vcgencmd.get_throttled.txt"));
    const { code, stdout } = await runBin(AGENT, ["diagnose", "--from", dir, "--json"]);
    expect(code).toBe(0);
    const report = diagnosisSchema.parse(JSON.parse(stdout));
    expect([...report.links.wwan0!.layers, ...report.host.layers].every((l) => l.state === "unknown")).toBe(true);
  });

  it.each([
    ["an empty folder", {}],
    ["a folder of other files", { "notes.txt": "the Pi in the barn\n", "ip.link.json": "[]" }],
  ])("says %s holds no snapshot, with exit 3", async (_, files: Record<string, string>) => {
    const dir = await mkdtemp(join(tmpdir(), "uplink-nosnapshot-"));
    cleanup.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const { code, stdout, stderr } = await runBin(AGENT, ["diagnose", "--from", dir]);
    expect(code).toBe(3);
    expect(stdout).toBe("");
    expect(stderr).toContain(`${dir} holds no snapshot`);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exits 2 for an unknown option", async () => {
    const { code, stderr } = await runBin(AGENT, ["diagnose", "--form", "test/fixtures/snapshots/healthy"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--form/);
  });

  it("exits 2 for a snapshot directory that does not exist", async () => {
    const { code, stderr } = await runBin(AGENT, ["diagnose", "--from", "/nonexistent/bundle"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot read \/nonexistent\/bundle: ENOENT/);
  });
});

describe("uplink-agent snapshot", () => {
  it("writes one file per capture on this machine, skipping the tools it lacks", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uplink-snapshot-"));
    cleanup.push(dir);
    const { code, stdout } = await runBin(AGENT, ["snapshot", dir, "--probe-ip", "127.0.0.1", "--probe-name", "localhost"]);
    expect(code).toBe(0);
    const files = await readdir(dir);
    expect(files).toEqual(expect.arrayContaining(["ip.link.txt", "ip.addr.txt", "ip.route.txt"]));
    expect(stdout).toMatch(/^wrote \d+ files to /);
    const diag = await runBin(AGENT, ["diagnose", "--from", dir, "--json"]);
    // This machine has no modem: its wwan0 fails at layer 1 (exit 1), unless it is healthy.
    expect([0, 1], diag.stderr).toContain(diag.code);
    diagnosisSchema.parse(JSON.parse(diag.stdout));
  });
});
