import type { Logger } from "pino";
import type { Host, WatchHandle } from "../host/host.ts";
import type { Clock } from "./clock.ts";

export interface NetlinkWatcherOptions {
  host: Host;
  clock: Clock;
  log: Logger;
  debounceMs: number;
  onChange: (firstLine: string) => void;
}

/**
 * `ip monitor link address route`, kept running: a lost carrier, a deleted default route or a new
 * address is assessed within a second instead of at the next scheduled diagnosis. Bursts (an
 * interface going down emits a dozen lines) are debounced into one assessment. When the monitor
 * exits it is restarted, after a pause that doubles up to a minute so a broken `ip` does not spin.
 */
export class NetlinkWatcher {
  private handle: WatchHandle | null = null;
  private debounce: unknown = null;
  private restart: unknown = null;
  private firstLine: string | null = null;
  private stopped = false;
  private restartDelayMs = 1_000;
  restarts = 0;

  constructor(private readonly o: NetlinkWatcherOptions) {}

  start(): void {
    if (!this.o.host.watchLines) {
      this.o.log.warn({ event: "watch.unavailable" }, "this host cannot watch netlink; diagnosing on the schedule only");
      return;
    }
    this.stopped = false;
    const startedAt = this.o.clock.now();
    this.handle = this.o.host.watchLines("ip", ["monitor", "link", "address", "route"], (line) => this.onLine(line), (code) => {
      this.handle = null;
      if (this.stopped) return;
      // A monitor that ran a while was fine: start again quickly. One that dies at once backs off.
      this.restartDelayMs = this.o.clock.now() - startedAt > 60_000 ? 1_000 : Math.min(this.restartDelayMs * 2, 60_000);
      this.restarts++;
      this.o.log.warn({ event: "watch.exited", code, restartInMs: this.restartDelayMs }, "ip monitor exited; restarting");
      this.restart = this.o.clock.setTimeout(() => this.start(), this.restartDelayMs);
    });
  }

  private onLine(line: string) {
    this.firstLine ??= line;
    if (this.debounce !== null) return;
    this.debounce = this.o.clock.setTimeout(() => {
      const first = this.firstLine ?? "";
      this.debounce = null;
      this.firstLine = null;
      this.o.onChange(first);
    }, this.o.debounceMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.debounce !== null) this.o.clock.clearTimeout(this.debounce);
    if (this.restart !== null) this.o.clock.clearTimeout(this.restart);
    this.handle?.stop();
    this.handle = null;
  }
}
