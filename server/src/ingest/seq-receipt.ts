import type { SeqReceipt } from "../state/types.ts";

/** How many missing seqs a receipt remembers to recognise late arrivals; beyond, they stay gaps. */
export const MAX_MISSING = 1000;
const PAST_BOOTS = 8;

export type SeqVerdict = "new" | "late" | "duplicate" | "stale";

export function emptyReceipt(): SeqReceipt {
  return { bootId: null, maxSeq: 0, missing: [], received: 0, duplicates: 0, gaps: 0, stale: 0, pastBootIds: [] };
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
 * - a seq seen before is a duplicate, a message of a previous boot is stale.
 */
export function observeSeq(receipt: SeqReceipt, bootId: string, seq: number): { receipt: SeqReceipt; verdict: SeqVerdict } {
  if (receipt.bootId === bootId) {
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
          gaps: receipt.gaps - 1,
        },
      };
    }
    return { verdict: "duplicate", receipt: { ...receipt, duplicates: receipt.duplicates + 1 } };
  }
  if (receipt.pastBootIds.includes(bootId)) {
    return { verdict: "stale", receipt: { ...receipt, stale: receipt.stale + 1 } };
  }
  const firstEver = receipt.bootId === null;
  const skipped = firstEver ? 0 : seq - 1;
  return {
    verdict: "new",
    receipt: {
      ...receipt,
      bootId,
      maxSeq: seq,
      missing: skipped > 0 ? range(1, seq - 1) : [],
      received: receipt.received + 1,
      gaps: receipt.gaps + skipped,
      pastBootIds: receipt.bootId === null ? receipt.pastBootIds : [receipt.bootId, ...receipt.pastBootIds].slice(0, PAST_BOOTS),
    },
  };
}
