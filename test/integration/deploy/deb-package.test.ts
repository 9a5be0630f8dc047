import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../../helpers/built-agent.ts";
import { ROOT } from "../../helpers/run-bin.ts";

/**
 * The Debian package on this very machine: `dpkg -i`, run the agent from it, `dpkg --purge`, and
 * nothing of it is left. Root only, and only where nothing of uplink's agent is installed already
 * (a machine that runs a real one is not touched). The version is unique to this run.
 */
const UNIT = "uplink-agent.service";
/** Everything the package, its scripts or the systemd helper could leave. */
const PATHS = [
  "/usr/bin/uplink-agent",
  "/usr/lib/uplink-agent",
  "/lib/systemd/system/uplink-agent.service",
  "/lib/udev/rules.d/99-uplink-modem.rules",
  "/etc/uplink/agent.yaml",
  "/etc/uplink",
  "/var/lib/uplink",
  "/usr/share/doc/uplink-agent",
  "/usr/share/man/man1/uplink-agent.1.gz",
  "/usr/share/lintian/overrides/uplink-agent",
  `/etc/systemd/system/multi-user.target.wants/${UNIT}`,
  `/etc/systemd/system/${UNIT}`,
  `/var/lib/systemd/deb-systemd-helper-enabled/${UNIT}.dsh-also`,
  `/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/${UNIT}`,
  `/var/lib/systemd/deb-systemd-helper-masked/${UNIT}`,
];

const isRoot = process.getuid?.() === 0;
const hasDpkg = spawnSync("dpkg-deb", ["--version"]).status === 0;
const installed = spawnSync("dpkg-query", ["-W", "-f=${Status}", "uplink-agent"], { encoding: "utf8" }).stdout.includes("installed");
const occupied = PATHS.filter((p) => existsSync(p));
/** The package's Depends, as dpkg -i needs them present (scripts/system-packages.txt installs them). */
const installedPkg = (p: string) => spawnSync("dpkg-query", ["-W", "-f=${Status}", p], { encoding: "utf8" }).stdout.includes("install ok installed");
const dependsMet = ["nodejs", "libqmi-utils", "iproute2", "e2fsprogs", "usbutils"].every(installedPkg) && (installedPkg("udhcpc") || installedPkg("busybox"));
const usable = isRoot && hasDpkg && !installed && occupied.length === 0 && dependsMet;
if (isRoot && hasDpkg && !usable) {
  console.warn(`deb-package.test: skipped: ${installed ? "uplink-agent is installed here" : occupied.length ? `${occupied.join(", ")} exist` : "a Depends of the package is not installed (Node.js not from a Debian package?)"}`);
}

/** dpkg, waiting while another dpkg or apt (another engineer's install) holds the lock. */
function dpkg(args: string[]): SpawnSyncReturns<string> {
  for (let i = 0; ; i++) {
    const r = spawnSync("dpkg", args, { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status === 0 || i >= 60 || !/lock/i.test(r.stderr)) return r;
    execFileSync("sleep", ["2"]);
  }
}

/** Names of files that mention uplink in the places a package writes: before and after must match. */
function uplinkTraces(): string[] {
  const found: string[] = [];
  const look = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (/uplink/.test(e.name)) found.push(p);
      if (depth > 0 && e.isDirectory() && !e.isSymbolicLink()) look(p, depth - 1);
    }
  };
  for (const [dir, depth] of [["/etc", 3], ["/lib/systemd", 2], ["/lib/udev", 1], ["/usr/bin", 0], ["/usr/lib", 0], ["/usr/share/doc", 0], ["/var/lib", 2]] as const) look(dir, depth);
  return found.sort();
}
const accounts = () => execFileSync("getent", ["passwd"], { encoding: "utf8" }) + execFileSync("getent", ["group"], { encoding: "utf8" });

describe.skipIf(!usable)("the uplink-agent Debian package, installed here", () => {
  const version = `0.0.0+test${Date.now()}.${process.pid}`;
  let work = "";
  let deb = "";
  let tracesBefore: string[] = [];
  let accountsBefore = "";

  beforeAll(() => {
    ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "uplink-deb-"));
    const r = spawnSync("bash", [join(ROOT, "scripts/package-deb.sh"), "--version", version, "--out", work, "--no-lintian"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    deb = join(work, `uplink-agent_${version}_all.deb`);
    tracesBefore = uplinkTraces();
    accountsBefore = accounts();
  }, 120_000);

  afterAll(() => {
    // Whatever happened above, the machine is left without the package.
    if (spawnSync("dpkg-query", ["-W", "uplink-agent"]).status === 0) dpkg(["--purge", "uplink-agent"]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("is at most 2 MB", () => {
    expect(statSync(deb).size).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it("installs, runs from /usr/bin, starts nothing without credentials, and purges without a trace", () => {
    const install = dpkg(["-i", deb]);
    expect(install.status, install.stdout + install.stderr).toBe(0);
    expect(install.stderr).toMatch(/not started: \/etc\/uplink\/agent.yaml has no broker credentials/);

    expect(execFileSync("dpkg-query", ["-W", "-f=${Version}", "uplink-agent"], { encoding: "utf8" })).toBe(version);
    const agentVersion = JSON.parse(readFileSync(join(ROOT, "agent/package.json"), "utf8")).version;
    const printed = spawnSync("/usr/bin/uplink-agent", ["--version"], { encoding: "utf8" });
    expect(printed.stdout, printed.stderr).toBe(`uplink-agent ${agentVersion}\n`);
    const diagnose = spawnSync("/usr/bin/uplink-agent", ["diagnose", "--from", join(ROOT, "test/fixtures/snapshots/no-default-route")], { encoding: "utf8", cwd: "/" });
    // Exit 1: the snapshot's routing layer fails (uplink-agent diagnose's exit codes).
    expect(diagnose.status, diagnose.stderr).toBe(1);
    expect(diagnose.stdout).toMatch(/routing/);

    expect(statSync("/var/lib/uplink").mode & 0o777).toBe(0o700);
    expect(statSync("/etc/uplink/agent.yaml").mode & 0o777).toBe(0o600);
    expect(existsSync(`/etc/systemd/system/multi-user.target.wants/${UNIT}`)).toBe(false);

    // With credentials, configuring again enables the unit (started too, where systemd runs).
    writeFileSync("/etc/uplink/agent.yaml", 'deviceId: pi-deb\nbroker:\n  url: "mqtt://127.0.0.1:1"\n  password: "x"\ndataDir: /var/lib/uplink\n');
    const reconfigure = spawnSync(`/var/lib/dpkg/info/uplink-agent.postinst`, ["configure", version], {
      encoding: "utf8",
      // As dpkg runs it (deb-systemd-helper refuses to work otherwise).
      env: { ...process.env, DPKG_MAINTSCRIPT_PACKAGE: "uplink-agent", DPKG_MAINTSCRIPT_NAME: "postinst" },
    });
    expect(reconfigure.status, reconfigure.stderr).toBe(0);
    expect(existsSync(`/etc/systemd/system/multi-user.target.wants/${UNIT}`)).toBe(true);
    writeFileSync("/var/lib/uplink/outbox.jsonl", "{}\n");

    const purge = dpkg(["--purge", "uplink-agent"]);
    expect(purge.status, purge.stdout + purge.stderr).toBe(0);
    expect(PATHS.filter((p) => existsSync(p))).toEqual([]);
    expect(uplinkTraces()).toEqual(tracesBefore);
    expect(accounts()).toBe(accountsBefore);
    expect(spawnSync("dpkg-query", ["-W", "uplink-agent"]).status).not.toBe(0);
  });
});
