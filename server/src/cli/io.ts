/** What a CLI command may touch besides the network: passed in so that tests capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Aborted when nobody reads the output any more (`uplink watch | head -3`): a stream stops. */
  outClosed?: AbortSignal;
}

const stdoutClosed = new AbortController();
let guarded = false;

/**
 * A reader that stops early (`uplink devices | head -1`) closes the pipe, and the next write fails
 * with EPIPE, which Node raises as an unhandled 'error' event: a stack trace and exit 1. Here the
 * output just ends: later writes are dropped, a live stream stops, and the command exits with its
 * own code. Any other write error is thrown as before.
 */
function writeStdout(text: string): void {
  if (!guarded) {
    guarded = true;
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      stdoutClosed.abort();
    });
  }
  if (!stdoutClosed.signal.aborted) process.stdout.write(text);
}

export const processIo: CliIo = {
  out: writeStdout,
  err: (t) => process.stderr.write(t),
  env: process.env,
  outClosed: stdoutClosed.signal,
};
