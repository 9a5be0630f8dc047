import { Readable } from "node:stream";
import aedesPersistence, { type AedesMemoryPersistence } from "aedes-persistence";

// A CommonJS module whose `module.exports` is the factory: what an ES import's default is at run
// time, although the package's types describe an ES default export.
const memoryPersistence = aedesPersistence as unknown as () => AedesMemoryPersistence;

/** A retained message as aedes hands it to its persistence. */
interface RetainedPacket {
  topic: string;
  payload: Buffer;
}

/** Does an MQTT topic filter (`+` one level, `#` the rest) match a topic? Pure. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split("/");
  const t = topic.split("/");
  // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match `$` topics.
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The retained messages a filter gets: a filter without wildcards is one lookup, not a scan. */
export function* retainedFor(retained: ReadonlyMap<string, RetainedPacket>, filter: string): Generator<RetainedPacket> {
  if (!filter.includes("+") && !filter.includes("#")) {
    const hit = retained.get(filter);
    if (hit) yield hit;
    return;
  }
  for (const [topic, packet] of retained) if (topicMatches(filter, topic)) yield packet;
}

/**
 * aedes's in-memory persistence, with its retained messages kept in a map we can look a topic up
 * in. The stock one answers every SUBSCRIBE by testing every retained message against the filter:
 * each device subscribing to its own command topic scanned the fleet's retained status and health
 * (two per device), so N devices reconnecting after a restart cost O(N²) (10,000 took ~36 s).
 * Devices subscribe to one exact topic: that is now one map lookup.
 */
export function indexedMemoryPersistence(): AedesMemoryPersistence {
  const persistence = memoryPersistence();
  const retained = new Map<string, RetainedPacket>();
  const store = persistence.storeRetained.bind(persistence) as (packet: RetainedPacket, cb?: (err?: Error | null) => void) => unknown;
  Object.assign(persistence, {
    storeRetained(packet: RetainedPacket, cb?: (err?: Error | null) => void) {
      if (packet.payload.length === 0) retained.delete(packet.topic);
      else retained.set(packet.topic, { ...packet });
      // The stock store still keeps its copy (aedes reads nothing else of it), so both agree.
      return store(packet, cb);
    },
    createRetainedStream(filter: string) {
      return Readable.from(retainedFor(retained, filter));
    },
    createRetainedStreamCombi(filters: string[]) {
      return Readable.from(
        (function* () {
          for (const f of filters) yield* retainedFor(retained, f);
        })(),
      );
    },
  });
  return persistence;
}
