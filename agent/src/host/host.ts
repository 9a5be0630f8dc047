/**
 * The only door to the system. Everything above it is pure or talks to this interface, so tests
 * replace it with a fake that replays real captures.
 */
export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program is not installed (ENOENT), as opposed to ran and failed. */
  missing?: boolean;
  timedOut?: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
}

export interface Host {
  /** Runs a program with an argument array: never a shell string. */
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  readFile(path: string): Promise<string | null>;
  /** The target of a symlink, or null when the path is not one. */
  readLink(path: string): Promise<string | null>;
  writeFileAtomic(path: string, content: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /**
   * Resolves `name` through one nameserver only (node:dns Resolver with that server), so a DNS
   * fault is pinned to the server that has it. Optional: a host that cannot probe leaves the DNS
   * layer to resolv.conf evidence alone.
   */
  resolveDns?(name: string, server: string, timeoutMs: number): Promise<DnsAnswer>;
  /** Writes as is, no temp file and rename: for a character device such as a modem's AT port. */
  writeDevice?(path: string, content: string): Promise<void>;
  /**
   * Starts a long-running program (`ip monitor`) and hands over each line of its stdout until it
   * exits; `stop` ends it. Optional: a host without it is assessed on the schedule only.
   */
  watchLines?(file: string, args: readonly string[], onLine: (line: string) => void, onExit: (code: number | null) => void): WatchHandle;
}

export interface WatchHandle {
  stop(): void;
}

export type DnsAnswer = { addresses: string[] } | { error: string };
