import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "../../helpers/run-bin.ts";

/**
 * A fake Debian for the installers: a fake root (UPLINK_INSTALL_ROOT) and stubs on PATH for the
 * programs that change a system (apt-get, systemctl, useradd, npm, udevadm) or describe one
 * (dpkg, dpkg-query, apt-cache, node). dpkg-deb is the real one: the agent's installer is given
 * a real .deb, which the apt-get stub unpacks into the fake root. Each stub appends its command line to `calls.log` and
 * keeps what it "did" in `state/`, so that a second run sees the first run's effects.
 */
export interface FakeSystem {
  dir: string;
  root: string;
  /** Every stubbed command line, in order. */
  calls(): string[];
  run(script: string, args: string[], env?: Record<string, string>): { code: number; stdout: string; stderr: string };
  /** path -> mode, content hash, mtime of every file under the fake root. */
  snapshot(): Map<string, string>;
  cleanup(): void;
}

const STUBS: Record<string, string> = {
  // A .deb is "installed" as dpkg would unpack it (its files into the fake root; no maintainer
  // script runs), with its version remembered for dpkg-query.
  "apt-get": `echo "apt-get $*" >> "$FAKE/calls.log"
if [ "$1" = install ] || [ "$1" = "-y" ] || printf '%s\\n' "$@" | grep -qx install; then
  skip=0
  for a in "$@"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    case $a in
      -o) skip=1 ;;
      -*|install) ;;
      *.deb) p=$(dpkg-deb -f "$a" Package); dpkg-deb -f "$a" Version > "$FAKE/state/version-$p"; touch "$FAKE/state/pkg-$p"; dpkg-deb -x "$a" "$UPLINK_INSTALL_ROOT" ;;
      *) touch "$FAKE/state/pkg-$a" ;;
    esac
  done
fi`,
  "apt-cache": `pkg=$2
case " \${FAKE_UNAVAILABLE:-} " in *" $pkg "*) printf '%s:\\n  Installed: (none)\\n  Candidate: (none)\\n' "$pkg"; exit 0 ;; esac
if [ "$pkg" = nodejs ]; then printf 'nodejs:\\n  Installed: (none)\\n  Candidate: %s\\n' "\${FAKE_NODEJS_CANDIDATE:-18.19.0+dfsg-6~deb12u2}"; exit 0; fi
printf '%s:\\n  Installed: (none)\\n  Candidate: 1.0-1\\n' "$pkg"`,
  dpkg: `[ "$1" = --print-architecture ] && echo "\${FAKE_ARCH:-arm64}"`,
  "dpkg-query": `for a in "$@"; do pkg=$a; done
[ -e "$FAKE/state/pkg-$pkg" ] || exit 1
case "$*" in *Version*) tr -d '\\n' < "$FAKE/state/version-$pkg" ;; *) printf 'install ok installed' ;; esac`,
  node: `[ "$1" = --version ] && echo "\${FAKE_NODE_VERSION:-v20.19.0}"`,
  npm: `echo "npm $* (in $PWD)" >> "$FAKE/calls.log"
[ "$1" = ci ] && mkdir -p node_modules`,
  systemctl: `echo "systemctl $*" >> "$FAKE/calls.log"
for a in "$@"; do case $a in -*) ;; *) last=$a ;; esac; done
case $1 in
  is-enabled) [ -e "$FAKE/state/enabled-$last" ] ;;
  is-active) [ -e "$FAKE/state/active-$last" ] ;;
  enable) touch "$FAKE/state/enabled-$last" ;;
  start|restart) touch "$FAKE/state/active-$last" ;;
esac`,
  udevadm: `echo "udevadm $*" >> "$FAKE/calls.log"`,
  getent: `[ "$1" = passwd ] && [ -e "$FAKE/state/user-$2" ] && echo "$2:x:999:999::/var/lib/uplink:/usr/sbin/nologin"`,
  useradd: `echo "useradd $*" >> "$FAKE/calls.log"
for a in "$@"; do last=$a; done
touch "$FAKE/state/user-$last"`,
  chown: `echo "chown $*" >> "$FAKE/calls.log"`,
};
/** The modem tools and others the installers look for once their packages are "installed". */
const PRESENT = ["qmicli", "qmi-network", "udhcpc", "ip", "chattr", "lsusb"];

export function fakeSystem(osRelease: string): FakeSystem {
  const dir = mkdtempSync(join(tmpdir(), "uplink-install-"));
  const root = join(dir, "root");
  const bin = join(dir, "bin");
  for (const d of [root, bin, join(dir, "state"), join(root, "etc")]) mkdirSync(d, { recursive: true });
  copyFileSync(join(ROOT, "test/fixtures/os-release", osRelease), join(root, "etc/os-release"));
  writeFileSync(join(dir, "calls.log"), "");
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  for (const [name, body] of Object.entries(STUBS)) stub(name, body);
  for (const name of PRESENT) stub(name, "exit 0");

  return {
    dir,
    root,
    calls: () => readFileSync(join(dir, "calls.log"), "utf8").split("\n").filter(Boolean),
    run(script, args, env = {}) {
      const r = spawnSync("bash", [join(ROOT, "deploy", script), ...args], {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE: dir, UPLINK_INSTALL_ROOT: root, ...env },
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    snapshot() {
      const out = new Map<string, string>();
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          // node_modules is the npm stub's; the rest is what the installer wrote.
          if (e.isDirectory()) {
            const st = statSync(p);
            out.set(relative(root, p) + "/", `${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`);
            walk(p);
          } else {
            const st = statSync(p);
            const hash = createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16);
            out.set(relative(root, p), `${(st.mode & 0o7777).toString(8)} ${hash} ${st.mtimeMs}`);
          }
        }
      };
      walk(root);
      return out;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
