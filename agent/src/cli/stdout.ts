/**
 * A reader that stops early (`uplink-agent parse --list | head -1`) closes the pipe, and the next
 * write fails with EPIPE, which Node raises as an unhandled 'error' event: a stack trace and exit 1.
 * Here the output just ends: later writes are dropped and the command exits with its own code
 * (`diagnose | head -1` still says whether a layer fails). Any other write error is thrown as before.
 */
export function endQuietlyWhenReaderCloses(stream: NodeJS.WriteStream = process.stdout): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    stream.write = (() => true) as typeof stream.write;
  });
}

const guarded = new WeakSet<NodeJS.WriteStream>();
