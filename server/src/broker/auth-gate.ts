/**
 * At most `concurrency` password checks at once and at most `queue` waiting. Each check is one
 * scrypt (N=16384: ~50 ms of a core and 16 MiB): 1,200 wrong-password CONNECTs at once took a
 * real device's login from 50 ms to 9.2 s. Past the queue a CONNECT is refused at once, which
 * costs nothing and tells the client to come back later.
 *
 * The queue is fair between sources (addresses): they take turns, and when it is full, a newcomer
 * pushes out the last waiter of the source with the most waiting. One address that floods the
 * queue then only delays itself: a device from anywhere else waits for a free slot, not behind
 * the flood.
 */
export type GateResult<T> = { ran: true; value: T } | { ran: false; why: "busy" | "abandoned" };

export interface AuthGate {
  /**
   * Runs `check` in its turn. `busy` when there is no room in the queue (or it was pushed out);
   * `abandoned` when `stillWanted` says no at its turn (the client left): its check never runs.
   */
  run<T>(source: string, check: () => Promise<T>, stillWanted: () => boolean): Promise<GateResult<T>>;
  readonly running: number;
  readonly queued: number;
}

interface Waiter {
  start(): void;
  pushOut(): void;
}

export function createAuthGate(concurrency: number, queue: number): AuthGate {
  let running = 0;
  let queued = 0;
  // Sources in turn order: the first key is served next, then goes to the back if it has more.
  const waiting = new Map<string, Waiter[]>();

  function next(): void {
    while (running < concurrency && queued > 0) {
      const [source, list] = waiting.entries().next().value as [string, Waiter[]];
      const w = list.shift()!;
      queued--;
      waiting.delete(source);
      if (list.length) waiting.set(source, list);
      w.start();
    }
  }

  /** Makes room for `source`: false when it already has the most waiting. */
  function pushOutLongest(source: string): boolean {
    let longest: string | null = null;
    let most = 0;
    for (const [s, list] of waiting) {
      if (list.length > most) {
        most = list.length;
        longest = s;
      }
    }
    const own = waiting.get(source)?.length ?? 0;
    if (longest === null || own + 1 >= most) return false;
    const list = waiting.get(longest)!;
    list.pop()!.pushOut();
    queued--;
    return true;
  }

  return {
    run<T>(source: string, check: () => Promise<T>, stillWanted: () => boolean): Promise<GateResult<T>> {
      return new Promise<GateResult<T>>((resolve, reject) => {
        const start = () => {
          if (!stillWanted()) {
            resolve({ ran: false, why: "abandoned" });
            return;
          }
          running++;
          // A check that throws at once still gives its slot back.
          new Promise<T>((r) => r(check()))
            .then((value) => resolve({ ran: true, value }), reject)
            .finally(() => {
              running--;
              next();
            });
        };
        if (running < concurrency && queued === 0) return start();
        if (queued >= queue && !pushOutLongest(source)) return resolve({ ran: false, why: "busy" });
        const list = waiting.get(source) ?? [];
        list.push({ start, pushOut: () => resolve({ ran: false, why: "busy" }) });
        waiting.set(source, list);
        queued++;
      });
    },
    get running() {
      return running;
    },
    get queued() {
      return queued;
    },
  };
}
