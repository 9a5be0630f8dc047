import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { checkConfig } from "../../../agent/src/config/load.ts";
import { ensureBuilt } from "../../helpers/built-agent.ts";
import { ROOT } from "../../helpers/run-bin.ts";
import { fakeSystem, type FakeSystem } from "./fake-system.ts";

/** The agent's real .deb (scripts/package-deb.sh), which the fake apt-get unpacks into the fake root. */
let debDir = "";
let DEB = "";
const VERSION = JSON.parse(readFileSync(join(ROOT, "agent/package.json"), "utf8")).version as string;
beforeAll(() => {
  ensureBuilt();
  debDir = mkdtempSync(join(tmpdir(), "uplink-installer-deb-"));
  const r = spawnSync("bash", [join(ROOT, "scripts/package-deb.sh"), "--out", debDir, "--no-lintian"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`package-deb.sh: ${r.stderr}`);
  DEB = join(debDir, `uplink-agent_${VERSION}_all.deb`);
}, 120_000);
afterAll(() => {
  if (debDir) rmSync(debDir, { recursive: true, force: true });
});

let systems: FakeSystem[] = [];
afterEach(() => {
  for (const s of systems) s.cleanup();
  systems = [];
});

function pi(osRelease = "debian-12-bookworm.txt"): FakeSystem {
  const s = fakeSystem(osRelease);
  systems.push(s);
  return s;
}

/** The flags of a first install, the password in a file as the README advises. */
function firstInstall(s: FakeSystem, password = 's3cret "with" \\ quotes'): string[] {
  const file = join(s.dir, "pi-0042.secret");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return ["--device-id", "pi-0042", "--broker-url", "mqtts://broker.example.com:8883", "--password-file", file, "--apn", "internet", "--deb", DEB];
}

const MUTATING = /^(apt-get (update|install)|npm ci|systemctl (enable|start|restart|daemon-reload)|udevadm|useradd)/;
// (The agent's installer runs no npm and installs no unit of its own: the package has them.)

describe("deploy/install-agent.sh", () => {
  it.each([
    ["Raspbian 11 (bullseye)", "raspbian-11-bullseye.txt", {}, /not Bookworm/],
    ["an amd64 machine", "debian-12-bookworm.txt", { FAKE_ARCH: "amd64" }, /amd64, not a Raspberry Pi's arm64 or armhf/],
  ])("refuses %s with a clear message and changes nothing", (_name, osRelease, env, message) => {
    const s = pi(osRelease);
    const before = s.snapshot();
    const r = s.run("install-agent.sh", firstInstall(s), env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^install-agent: refusing: /m);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/--force/);
    expect(s.calls()).toEqual([]);
    expect(s.snapshot()).toEqual(before);
  });

  it("installs on an unsupported system with --force, saying what it overrode", () => {
    const s = pi("raspbian-11-bullseye.txt");
    const r = s.run("install-agent.sh", [...firstInstall(s), "--force"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning \(--force\): .*not Bookworm/);
  });

  it("writes the config with the device's credentials, mode 0600, that the agent accepts", () => {
    const s = pi();
    const r = s.run("install-agent.sh", firstInstall(s));
    expect(r.code, r.stderr).toBe(0);
    const path = join(s.root, "etc/uplink/agent.yaml");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const raw = parseYaml(readFileSync(path, "utf8"));
    expect(raw).toMatchObject({
      deviceId: "pi-0042",
      broker: { url: "mqtts://broker.example.com:8883", username: "pi-0042", password: 's3cret "with" \\ quotes' },
      dataDir: "/var/lib/uplink",
      modem: { apn: "internet" },
    });
    const check = checkConfig(raw);
    expect(check.ok, JSON.stringify(check)).toBe(true);
  });

  it("installs the package with its tools through apt, then enables and starts the service", () => {
    const s = pi();
    const r = s.run("install-agent.sh", firstInstall(s));
    expect(r.code, r.stderr).toBe(0);
    const calls = s.calls();
    expect(calls).toContainEqual(
      expect.stringMatching(new RegExp(`^apt-get install -y -qq --no-install-recommends .*--force-confold ${DEB.replace(/[.+]/g, "\\$&")} libqmi-utils udhcpc iproute2 e2fsprogs usbutils$`)),
    );
    // No npm, no source tree: the bundle is the package's.
    expect(calls.filter((c) => c.startsWith("npm"))).toEqual([]);
    expect(calls).toEqual(expect.arrayContaining(["systemctl enable uplink-agent.service", "systemctl start uplink-agent.service"]));
    expect(readFileSync(join(s.root, "lib/systemd/system/uplink-agent.service"), "utf8")).toBe(readFileSync(join(ROOT, "deploy/systemd/uplink-agent.service"), "utf8"));
    expect(statSync(join(s.root, "lib/udev/rules.d/99-uplink-modem.rules")).isFile()).toBe(true);
    expect(statSync(join(s.root, "usr/lib/uplink-agent/uplink-agent.mjs")).isFile()).toBe(true);
    expect(statSync(join(s.root, "var/lib/uplink")).mode & 0o777).toBe(0o700);
  });

  it("does not reinstall the version that is installed, and installs a new one", () => {
    const s = pi();
    expect(s.run("install-agent.sh", firstInstall(s)).code).toBe(0);
    const n = s.calls().length;
    expect(s.run("install-agent.sh", ["--deb", DEB]).code).toBe(0);
    expect(s.calls().slice(n).filter((c) => c.startsWith("apt-get"))).toEqual([]);

    const newer = join(s.dir, `uplink-agent_${VERSION}+1_all.deb`);
    const built = spawnSync("bash", [join(ROOT, "scripts/package-deb.sh"), "--version", `${VERSION}+1`, "--out", s.dir, "--no-lintian"], { cwd: ROOT, encoding: "utf8" });
    expect(built.status, built.stderr).toBe(0);
    const m = s.calls().length;
    const r = s.run("install-agent.sh", ["--deb", newer]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.calls().slice(m)).toContainEqual(expect.stringMatching(/^apt-get install .*\+1_all\.deb$/));
    expect(s.calls().slice(m)).toContain("systemctl restart uplink-agent.service");
  });

  it("changes nothing when run a second time", () => {
    const s = pi();
    expect(s.run("install-agent.sh", firstInstall(s)).code).toBe(0);
    const before = s.snapshot();
    const callsBefore = s.calls().length;
    const again = s.run("install-agent.sh", firstInstall(s));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to change/);
    expect(s.snapshot()).toEqual(before);
    expect(s.calls().slice(callsBefore).filter((c) => MUTATING.test(c))).toEqual([]);
  });

  it("keeps an existing config unless --reconfigure, and restarts the agent when it rewrites it", () => {
    const s = pi();
    expect(s.run("install-agent.sh", firstInstall(s)).code).toBe(0);
    const path = join(s.root, "etc/uplink/agent.yaml");
    const original = readFileSync(path, "utf8");

    const kept = s.run("install-agent.sh", firstInstall(s, "another"));
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/keeping the existing \/etc\/uplink\/agent.yaml/);
    expect(readFileSync(path, "utf8")).toBe(original);

    const n = s.calls().length;
    const redone = s.run("install-agent.sh", [...firstInstall(s, "another"), "--reconfigure"]);
    expect(redone.code, redone.stderr).toBe(0);
    expect(parseYaml(readFileSync(path, "utf8")).broker.password).toBe("another");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(s.calls().slice(n)).toContain("systemctl restart uplink-agent.service");
  });

  it("makes an existing agent.yaml or agent.env that others could read 0600, keeping what it says", async () => {
    const s = pi();
    expect(s.run("install-agent.sh", firstInstall(s)).code).toBe(0);
    const config = join(s.root, "etc/uplink/agent.yaml");
    const env = join(s.root, "etc/uplink/agent.env");
    const { chmodSync } = await import("node:fs");
    chmodSync(config, 0o644);
    writeFileSync(env, "UPLINK_BROKER_PASSWORD=hunter2\n", { mode: 0o644 });
    chmodSync(env, 0o644);
    const original = readFileSync(config, "utf8");
    const r = s.run("install-agent.sh", []);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(statSync(env).mode & 0o777).toBe(0o600);
    expect(readFileSync(config, "utf8")).toBe(original);
    expect(readFileSync(env, "utf8")).toBe("UPLINK_BROKER_PASSWORD=hunter2\n");
    expect(r.stdout).toMatch(/\/etc\/uplink\/agent.env .*0600/);
  });

  it("refuses when the modem tools cannot be installed", () => {
    const s = pi();
    const r = s.run("install-agent.sh", firstInstall(s), { FAKE_UNAVAILABLE: "libqmi-utils" });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/refusing: cannot install libqmi-utils/);
    expect(r.stderr).toMatch(/modem tools/);
    expect(s.calls().filter((c) => c.startsWith("apt-get install"))).toEqual([]);
  });

  it("takes Bookworm's own Node.js 18.19 (the package's Depends), with no outside repository", () => {
    const s = pi();
    const r = s.run("install-agent.sh", firstInstall(s), { FAKE_NODE_VERSION: "" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/NodeSource|nodesource/);
    const old = pi();
    expect(old.run("install-agent.sh", firstInstall(old), { FAKE_NODE_VERSION: "v18.19.0" }).code).toBe(0);
  });

  it("refuses when neither this machine nor apt has Node.js 18.19, saying what to do", () => {
    const s = pi();
    const r = s.run("install-agent.sh", firstInstall(s), { FAKE_NODE_VERSION: "v16.20.2", FAKE_NODEJS_CANDIDATE: "12.22.12~dfsg-1~deb11u4" });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/needs Node.js >= 18.19.0; this machine has v16.20.2, apt offers 12.22.12~dfsg-1~deb11u4/);
    expect(s.calls().filter((c) => c.startsWith("apt-get install"))).toEqual([]);
  });

  it("asks for the .deb when it finds none and the package is not installed", () => {
    const s = pi();
    const args = firstInstall(s).slice(0, -2);
    const r = s.run("install-agent.sh", [...args, "--deb", join(s.dir, "missing.deb")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--deb .*missing.deb: cannot read it/);
  });

  it("asks for the credentials a first install needs", () => {
    const s = pi();
    const r = s.run("install-agent.sh", ["--device-id", "pi-0042"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/agent.yaml needs: --broker-url --password or --password-file/);
  });

  it("rejects a device id the broker would refuse", () => {
    const s = pi();
    const r = s.run("install-agent.sh", ["--device-id", "Pi/42", "--broker-url", "mqtt://b:1883", "--password", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a device id is 1-63 of a-z, 0-9 and '-'/);
  });

  it("prints what it would do with --dry-run and changes nothing", () => {
    const s = pi();
    const before = s.snapshot();
    const r = s.run("install-agent.sh", [...firstInstall(s), "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would write \/etc\/uplink\/agent.yaml \(mode 0600\)/);
    expect(r.stdout).toMatch(/would run: systemctl enable uplink-agent.service/);
    expect(r.stdout).toMatch(/dry run: nothing was changed/);
    expect(s.snapshot()).toEqual(before);
    expect(s.calls().filter((c) => MUTATING.test(c))).toEqual([]);
  });
});

describe("deploy/install-server.sh", () => {
  it("creates the uplink user, installs the server and its settings, and changes nothing the second time", () => {
    const s = pi();
    const r = s.run("install-server.sh", []);
    expect(r.code, r.stderr).toBe(0);
    expect(s.calls()).toContainEqual(expect.stringMatching(/^useradd --system .* uplink$/));
    expect(s.calls()).toContainEqual(expect.stringMatching(/^npm ci --omit=dev --workspace=@uplink\/server /));
    expect(statSync(join(s.root, "etc/uplink/server.env")).mode & 0o777).toBe(0o600);
    expect(s.calls()).toContain("systemctl start uplink-server.service");

    const before = s.snapshot();
    const n = s.calls().length;
    const again = s.run("install-server.sh", []);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to change/);
    expect(s.snapshot()).toEqual(before);
    expect(s.calls().slice(n).filter((c) => MUTATING.test(c))).toEqual([]);
  });

  it("installs only the server's workspace beside an agent from its package", () => {
    const s = pi();
    expect(s.run("install-agent.sh", firstInstall(s)).code).toBe(0);
    const n = s.calls().length;
    expect(s.run("install-server.sh", []).code).toBe(0);
    expect(s.calls().slice(n)).toContainEqual(expect.stringMatching(/^npm ci --omit=dev --workspace=@uplink\/server /));
    expect(statSync(join(s.root, "usr/lib/uplink-agent/uplink-agent.mjs")).isFile()).toBe(true);
  });

  it("refuses a system that is not Debian-based", () => {
    const s = pi();
    // The captured Debian file with its ID changed: what a Fedora or Arch machine would say.
    writeFileSync(join(s.root, "etc/os-release"), readFileSync(join(ROOT, "test/fixtures/os-release/debian-12-bookworm.txt"), "utf8").replace("ID=debian", "ID=fedora"));
    const r = s.run("install-server.sh", []);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refusing: this is not a Debian-based system/);
  });
});

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

describe.skipIf(!shellcheck)("the installers' and the package's shell", () => {
  it("is shellcheck clean", () => {
    const scripts = ["deploy/install-agent.sh", "deploy/install-server.sh", "deploy/install-common.sh", "scripts/package-deb.sh"];
    // The Debian package's maintainer scripts and wrapper: POSIX sh, as dpkg runs them.
    const debian = ["deploy/debian/postinst", "deploy/debian/prerm", "deploy/debian/postrm", "deploy/debian/uplink-agent"];
    const r = spawnSync("shellcheck", ["-x", ...scripts, ...debian], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
