import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { QmiModemServer } from "../../sim/qmi-modem/server.ts";
import { ModemState, type ModemChange } from "../../sim/qmi-modem/state.ts";

/**
 * The simulated SIM7600G-H (test/sim/qmi-modem) wired into the testbed, so that the real
 * /usr/bin/qmicli and qmi-network on the Pi talk to it:
 *
 * - the modem listens on a unix socket in this process;
 * - `socat PTY,link=...,rawer` makes it a character device, bind-mounted onto
 *   `/run/uplink-testbed/dev/cdc-wdm0` (a shared tmpfs, so the bind reaches the Pi's mount
 *   namespaces, where pi-sysfs.sh says that cdc-wdm0 is a qmi_wwan port with wwan0 beside it),
 *   and linked from /dev/cdc-wdm9, the path the agent is configured with;
 * - `socat ABSTRACT-LISTEN:qmi-proxy,fork` in the Pi's network namespace stands where qmi-proxy
 *   would: `qmicli -p` (the agent's --device-open-proxy) reaches the modem there, one channel per
 *   process. It is started before anything runs `qmicli -p` in upl-pi, so the real qmi-proxy is
 *   never spawned there.
 *
 * The carrier follows the modem: it forwards the Pi's traffic and answers its DHCP only while the
 * session is up and not a phantom (netns.sh carrier on|off). When the modem leaves USB its control
 * device goes away; when it comes back a new pty is bound in its place.
 */
export class SimulatedModem {
  readonly modem = new ModemState();
  readonly server: QmiModemServer;
  private pty: ChildProcess | null = null;
  private proxy: ChildProcess | null = null;
  private carrierApplied: boolean | null = null;
  private queue: Promise<void> = Promise.resolve();
  private failures: string[] = [];

  constructor(
    readonly runDir: string,
    /** The Pi's network namespace, where qmi-proxy's abstract socket must be. */
    readonly piNs: string,
    /** netns.sh of this testbed (`carrier on|off`). */
    private readonly netns: (...args: string[]) => Promise<void>,
    /** The path the Pi's tools are given: a symlink to `node`, e.g. /dev/cdc-wdm9. */
    readonly link: string,
  ) {
    this.server = new QmiModemServer(join(runDir, "qmi-modem.sock"), this.modem);
    // A start answers once the carrier passes the session's traffic, a stop once it no longer does.
    this.server.replyGate = () => this.queue;
    this.modem.on("change", () => this.enqueue(() => this.syncCarrier()));
    this.modem.on("gone", () => this.enqueue(() => this.detach()));
    this.modem.on("back", () => this.enqueue(() => this.attach()));
  }

  get devDir(): string {
    return join(this.runDir, "dev");
  }

  /** The control device itself: the pty, bound onto a node named cdc-wdm0. */
  get device(): string {
    return join(this.devDir, "cdc-wdm0");
  }

  private get ptyLink(): string {
    return join(this.runDir, "modem-pty");
  }

  async start(): Promise<void> {
    mkdirSync(this.devDir, { recursive: true });
    if ((await execa("mountpoint", ["-q", this.devDir], { reject: false })).exitCode !== 0) {
      await execa("mount", ["-t", "tmpfs", "-o", "mode=755,size=64k", "uplink-testbed-dev", this.devDir]);
      await execa("mount", ["--make-shared", this.devDir]);
    }
    // The link the tools are given. Never over a real device: only a link or a plain file of an
    // earlier testbed (the stand-ins' days) is replaced.
    const was = await lstatOrNull(this.link);
    if (was && !was.isSymbolicLink() && !was.isFile()) throw new Error(`${this.link} exists and is not the testbed's: a real modem?`);
    rmSync(this.link, { force: true });
    await this.server.listen();
    await this.attach();
    this.proxy = spawn("ip", ["netns", "exec", this.piNs, "socat", "ABSTRACT-LISTEN:qmi-proxy,fork", `UNIX-CONNECT:${this.server.socketPath}`], { stdio: "ignore" });
    // netns.sh down kills what is left if this process dies first.
    writeFileSync(join(this.runDir, "qmi-proxy.pid"), String(this.proxy.pid));
    await waitUntil(`the qmi-proxy socket in ${this.piNs}`, 5_000, async () => {
      const out = await execa("ip", ["netns", "exec", this.piNs, "ss", "-xlH"], { reject: false });
      return out.stdout.includes("@qmi-proxy");
    });
    await this.syncCarrier();
  }

  async stop(): Promise<void> {
    await this.queue.catch(() => {});
    this.modem.stop();
    kill(this.proxy);
    this.proxy = null;
    await this.detach();
    await this.server.close();
    await execa("umount", ["-l", this.devDir], { reject: false });
    rmSync(this.devDir, { recursive: true, force: true });
  }

  /** Changes the modem as the field would (and lets the carrier follow). */
  set(change: ModemChange): Promise<void> {
    this.modem.set(change);
    return this.settled();
  }

  /** Waits until the carrier and the control device have caught up with the modem. */
  async settled(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.queue;
      await last;
    } while (last !== this.queue);
    if (this.failures.length) throw new Error(`the simulated modem's testbed side failed: ${this.failures.splice(0).join("; ")}`);
  }

  /** Waits until the modem has registered (after a SIM is back, a reset, ...). */
  async registered(timeoutMs = 10_000): Promise<void> {
    await waitUntil("the modem registered", timeoutMs, () => this.modem.snapshot.registration === "registered");
    await this.settled();
  }

  /** The modem as a healthy Pi has it: SIM ready, registered at home, answering, on USB. */
  isHealthy(): boolean {
    const s = this.modem.snapshot;
    return s.present && s.answering && s.operatingMode === "online" && s.sim === "ready" && s.network === "home" && s.registration === "registered" && s.startFailure === null && !s.session.phantom;
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((err: unknown) => {
      this.failures.push(String(err));
    });
  }

  private async syncCarrier(): Promise<void> {
    const up = this.modem.carrierUp;
    if (up === this.carrierApplied) return;
    await this.netns("carrier", up ? "on" : "off");
    this.carrierApplied = up;
  }

  /** A new pty for the modem, bound onto cdc-wdm0. */
  private async attach(): Promise<void> {
    if (this.pty && this.pty.exitCode === null) return;
    rmSync(this.ptyLink, { force: true });
    const pty = spawn("socat", [`PTY,link=${this.ptyLink},rawer`, `UNIX-CONNECT:${this.server.socketPath}`], { stdio: "ignore" });
    this.pty = pty;
    writeFileSync(join(this.runDir, "modem-pty.pid"), String(pty.pid));
    await waitUntil("the modem's pty", 5_000, () => existsSync(this.ptyLink));
    const target = readlinkSync(this.ptyLink);
    if (!existsSync(this.device)) writeFileSync(this.device, "");
    await execa("mount", ["--bind", target, this.device]);
    // As udev links the port when it appears.
    rmSync(this.link, { force: true });
    symlinkSync(this.device, this.link);
  }

  /** The control device goes, as when the modem drops off USB. */
  private async detach(): Promise<void> {
    // As udev removes the port's link when it disappears.
    if ((await lstatOrNull(this.link))?.isSymbolicLink()) rmSync(this.link, { force: true });
    kill(this.pty);
    this.pty = null;
    while ((await execa("mountpoint", ["-q", this.device], { reject: false })).exitCode === 0) {
      await execa("umount", [this.device], { reject: false });
    }
    rmSync(this.device, { force: true });
  }
}

const lstatOrNull = (path: string) => lstat(path).catch(() => null);

function kill(child: ChildProcess | null): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
}

async function waitUntil(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
