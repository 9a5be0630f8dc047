import type { SeqReceipt } from "../state/types.ts";

/** How many missing seqs a receipt remembers to recognise late arrivals; beyond, they stay gaps. */
export const MAX_MISSING = 1000;
const PAST_BOOTS = 8;
/** The seq every agent reserves for its last will; its stream proper starts at the next one. */
export const WILL_SEQ = 1;
const STREAM_START = WILL_SEQ + 1;

export type SeqVerdict = "new" | "late" | "duplicate" | "stale" | "will";

export function emptyReceipt(): SeqReceipt {
  return { bootId: null, maxSeq: 0, missing: [], received: 0, duplicates: 0, gaps: 0, stale: 0, willSeen: false, countFrom: 0, pastBootIds: [] };
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

/**
 * Pure: what a message with (bootId, seq) is to a device's receipt so far, and the new receipt.
 * - the first boot the server ever sees of a device counts from the first seq it sees, because the
 *   server may have started after the device;
 * - any later new boot counts from 1, since the agent numbers every boot from 1;
 * - a skipped seq is a gap until it arrives late (QoS 1 redelivery after a reconnect);
 * - a seq seen before is a duplicate, a message of a previous boot is stale;
 * - seq 1 of every boot is the agent's last will, fixed at connect time and published only if the
 *   connection dies (or used once by a clean `offline` instead): the stream proper starts at 2,
 *   so a will that never comes is no gap, and one that comes late, or again after another lost
 *   connection, is applied (verdict "will") and never dropped as a duplicate.
 */
export function observeSeq(receipt: SeqReceipt, bootId: string, seq: number): { receipt: SeqReceipt; verdict: SeqVerdict } {
  if (receipt.bootId === bootId) {
    if (seq === WILL_SEQ) {
      // The same will is published after every lost connection of the boot, not only the first:
      // each one is news about presence, never a duplicate to drop.
      return { verdict: "will", receipt: receipt.willSeen ? receipt : { ...receipt, willSeen: true, received: receipt.received + 1 } };
    }
    if (seq > receipt.maxSeq) {
      const skipped = seq - receipt.maxSeq - 1;
      return {
        verdict: "new",
        receipt: {
          ...receipt,
          maxSeq: seq,
          missing: skipped > 0 ? bounded([...receipt.missing, ...range(receipt.maxSeq + 1, seq - 1)]) : receipt.missing,
          received: receipt.received + 1,
          gaps: receipt.gaps + skipped,
        },
      };
    }
    const at = receipt.missing.indexOf(seq);
    if (at >= 0) {
      return {
        verdict: "late",
        receipt: {
          ...receipt,
          missing: receipt.missing.filter((_, i) => i !== at),
          received: receipt.received + 1,
          gaps: seq < receipt.countFrom ? receipt.gaps : receipt.gaps - 1,
        },
      };
    }
    return { verdict: "duplicate", receipt: { ...receipt, duplicates: receipt.duplicates + 1 } };
  }
  if (receipt.pastBootIds.includes(bootId)) {
    return { verdict: "stale", receipt: { ...receipt, stale: receipt.stale + 1 } };
  }
  const firstEver = receipt.bootId === null;
  const skipped = firstEver ? 0 : Math.max(0, seq - STREAM_START);
  return {
    verdict: "new",
    receipt: {
      ...receipt,
      bootId,
      maxSeq: Math.max(seq, WILL_SEQ),
      willSeen: seq === WILL_SEQ,
      countFrom: firstEver ? seq : STREAM_START,
      // Remembered even when not counted, so that a late one is received, not a duplicate.
      missing: seq > STREAM_START ? range(STREAM_START, seq - 1) : [],
      received: receipt.received + 1,
      gaps: receipt.gaps + skipped,
      pastBootIds: receipt.bootId === null ? receipt.pastBootIds : [receipt.bootId, ...receipt.pastBootIds].slice(0, PAST_BOOTS),
    },
  };
}
