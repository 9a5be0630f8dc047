import type { BootReceipt, SeqReceipt } from "../state/types.ts";

/** How many missing seqs a boot remembers to recognise late arrivals; beyond, they stay gaps. */
export const MAX_MISSING = 1000;
/**
 * Boots whose messages are still accepted. An agent killed with a full outbox, restarted, killed
 * again... delivers every earlier boot's entries after it reconnects: each of those boots must
 * still be open then. Eight restarts while the server is away is generous.
 */
export const MAX_BOOTS = 8;
/** Boots past MAX_BOOTS still recognised, so that their messages are stale rather than a new boot. */
const MAX_RETIRED = 32;
/**
 * The furthest a seq may jump ahead of its boot. An agent's seq grows by one per message; a jump
 * means messages that never came, which the outbox bounds (it sheds heartbeats past
 * `outbox.maxEntries`). A month offline at a heartbeat every 30 s is ~90,000. Past this, the seq is
 * not a count of anything: one such message would turn the boot's gap count astronomical and every
 * later message into a "duplicate", so it is refused and counted as an anomaly instead.
 */
export const MAX_SEQ_JUMP = 1_000_000;
/** The seq every agent reserves for its last will; its stream proper starts at the next one. */
export const WILL_SEQ = 1;
const STREAM_START = WILL_SEQ + 1;

export type SeqVerdict = "new" | "late" | "duplicate" | "stale" | "will" | "anomaly";

export interface SeqObservation {
  receipt: SeqReceipt;
  verdict: SeqVerdict;
  /** The message belongs to the device's current boot: it may change the device's live state. */
  current: boolean;
}

export function emptyReceipt(): SeqReceipt {
  return { bootId: null, boots: [], retired: [], received: 0, duplicates: 0, gaps: 0, stale: 0, anomalies: 0 };
}

/**
 * A receipt as stored by an older server (one boot at a time, `maxSeq`/`missing` at the top):
 * the same facts in today's shape, so that an upgrade keeps its counts.
 */
export function normalizeReceipt(stored: unknown): SeqReceipt {
  const r = (stored ?? {}) as Partial<SeqReceipt> & { maxSeq?: number; missing?: number[]; countFrom?: number; willSeen?: boolean };
  const base = { ...emptyReceipt(), received: r.received ?? 0, duplicates: r.duplicates ?? 0, gaps: r.gaps ?? 0, stale: r.stale ?? 0, anomalies: r.anomalies ?? 0 };
  const past = (r as { pastBootIds?: string[] }).pastBootIds ?? [];
  if (Array.isArray(r.boots)) return { ...base, bootId: r.bootId ?? r.boots[0]?.bootId ?? null, boots: r.boots, retired: r.retired ?? [] };
  if (!r.bootId) return base;
  const boot: BootReceipt = { bootId: r.bootId, maxSeq: r.maxSeq ?? 0, missing: r.missing ?? [], countFrom: r.countFrom ?? STREAM_START, willSeen: r.willSeen ?? false, lastTs: "" };
  return { ...base, bootId: r.bootId, boots: [boot], retired: past.slice(0, MAX_RETIRED) };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  // Only the newest MAX_MISSING are kept: a device that lost 10,000 messages is counted, not listed.
  for (let s = Math.max(from, to - MAX_MISSING + 1); s <= to; s++) out.push(s);
  return out;
}

function bounded(missing: number[]): number[] {
  return missing.length > MAX_MISSING ? missing.slice(missing.length - MAX_MISSING) : missing;
}

function replaceBoot(receipt: SeqReceipt, at: number, boot: BootReceipt): BootReceipt[] {
  const boots = receipt.boots.slice();
  boots[at] = boot;
  return boots;
}

function later(a: string, b: string): string {
  return a > b ? a : b;
}

/**
 * Pure: what a message with (bootId, seq, ts) is to a device's receipt so far, and the new receipt.
 * - every boot keeps its own account, so that a boot's messages are taken whenever they come,
 *   after a newer boot has started or not (an agent restarted during an outage sends its previous
 *   boots' outbox first; a server restart may reorder them);
 * - the first boot the server ever sees of a device counts from the first seq it sees, because the
 *   server may have started after the device; any later new boot counts from 2 (after its will);
 * - a skipped seq is a gap until it arrives late (QoS 1 redelivery after a reconnect);
 * - a seq seen before is a duplicate; a message of a boot retired past MAX_BOOTS is stale;
 * - seq 1 of every boot is the agent's last will, fixed at connect time and published only if the
 *   connection dies (or used once by a clean `offline` instead): never a gap when it does not come,
 *   always applied when it comes, however often;
 * - a seq that jumps implausibly far (MAX_SEQ_JUMP) is an anomaly: refused, counted, and the boot's
 *   account left as it was.
 * The current boot is the newest one seen; a boot never seen before whose message is older (by the
 * device's clock) than the current boot's newest is an earlier boot arriving late, not a new one.
 */
export function observeSeq(receipt: SeqReceipt, bootId: string, seq: number, ts = ""): SeqObservation {
  const at = receipt.boots.findIndex((b) => b.bootId === bootId);
  if (at >= 0) return observeKnownBoot(receipt, at, seq, ts);
  if (receipt.retired.includes(bootId)) {
    return { verdict: "stale", current: false, receipt: { ...receipt, stale: receipt.stale + 1 } };
  }

  const firstEver = receipt.boots.length === 0 && receipt.received === 0;
  const newest = receipt.boots[0];
  // An unknown boot the device's clock places before the current one: an earlier boot, late.
  const earlier = newest !== undefined && ts !== "" && newest.lastTs !== "" && ts < newest.lastTs;
  if (!firstEver && seq - STREAM_START > MAX_SEQ_JUMP) {
    return { verdict: "anomaly", current: false, receipt: { ...receipt, anomalies: receipt.anomalies + 1 } };
  }
  const skipped = firstEver ? 0 : Math.max(0, seq - STREAM_START);
  const boot: BootReceipt = {
    bootId,
    maxSeq: Math.max(seq, WILL_SEQ),
    willSeen: seq === WILL_SEQ,
    countFrom: firstEver ? seq : STREAM_START,
    // Remembered even when not counted, so that a late one is received, not a duplicate.
    missing: seq > STREAM_START ? range(STREAM_START, seq - 1) : [],
    lastTs: ts,
  };
  const all = earlier ? [newest, boot, ...receipt.boots.slice(1)] : [boot, ...receipt.boots];
  const boots = all.slice(0, MAX_BOOTS);
  const retired = [...all.slice(MAX_BOOTS).map((b) => b.bootId), ...receipt.retired].slice(0, MAX_RETIRED);
  return {
    verdict: "new",
    current: !earlier,
    receipt: { ...receipt, bootId: boots[0]!.bootId, boots, retired, received: receipt.received + 1, gaps: receipt.gaps + skipped },
  };
}

function observeKnownBoot(receipt: SeqReceipt, at: number, seq: number, ts: string): SeqObservation {
  const boot = receipt.boots[at]!;
  const current = at === 0;
  if (seq === WILL_SEQ) {
    // The same will is published after every lost connection of the boot, not only the first:
    // each one is news about presence, never a duplicate to drop.
    if (boot.willSeen) return { verdict: "will", current, receipt };
    return { verdict: "will", current, receipt: { ...receipt, boots: replaceBoot(receipt, at, { ...boot, willSeen: true }), received: receipt.received + 1 } };
  }
  if (seq > boot.maxSeq) {
    if (seq - boot.maxSeq > MAX_SEQ_JUMP) {
      return { verdict: "anomaly", current, receipt: { ...receipt, anomalies: receipt.anomalies + 1 } };
    }
    const skipped = seq - boot.maxSeq - 1;
    const next: BootReceipt = {
      ...boot,
      maxSeq: seq,
      missing: skipped > 0 ? bounded([...boot.missing, ...range(boot.maxSeq + 1, seq - 1)]) : boot.missing,
      lastTs: later(boot.lastTs, ts),
    };
    return { verdict: "new", current, receipt: { ...receipt, boots: replaceBoot(receipt, at, next), received: receipt.received + 1, gaps: receipt.gaps + skipped } };
  }
  const missingAt = boot.missing.indexOf(seq);
  if (missingAt >= 0) {
    const next: BootReceipt = { ...boot, missing: boot.missing.filter((_, i) => i !== missingAt), lastTs: later(boot.lastTs, ts) };
    return {
      verdict: "late",
      current,
      receipt: {
        ...receipt,
        boots: replaceBoot(receipt, at, next),
        received: receipt.received + 1,
        gaps: seq < boot.countFrom ? receipt.gaps : receipt.gaps - 1,
      },
    };
  }
  if (seq < boot.countFrom - MAX_MISSING) {
    // Below where the first boot seen was counted from, and further back than it remembered: not
    // a gap either way. Taken as late; the store's unique (device, boot, seq) has the last word.
    return { verdict: "late", current, receipt: { ...receipt, received: receipt.received + 1 } };
  }
  return { verdict: "duplicate", current, receipt: { ...receipt, duplicates: receipt.duplicates + 1 } };
}

/**
 * The receipt after the store said a message it took for new was there already (a replica got it
 * first, or the receipt's memory of missing seqs was too short): a duplicate after all.
 */
export function unobserve(before: SeqReceipt): SeqReceipt {
  return { ...before, duplicates: before.duplicates + 1 };
}
