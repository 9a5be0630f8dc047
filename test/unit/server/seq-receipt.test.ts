import { describe, expect, it } from "vitest";
import { emptyReceipt, MAX_MISSING, observeSeq } from "../../../server/src/ingest/seq-receipt.ts";
import type { SeqReceipt } from "../../../server/src/state/types.ts";

function feed(msgs: Array<[string, number]>): { receipt: SeqReceipt; verdicts: string[] } {
  let receipt = emptyReceipt();
  const verdicts: string[] = [];
  for (const [boot, seq] of msgs) {
    const r = observeSeq(receipt, boot, seq);
    receipt = r.receipt;
    verdicts.push(r.verdict);
  }
  return { receipt, verdicts };
}

describe("the seq receipt", () => {
  it.each([
    ["in-order messages", [["b1", 1], ["b1", 2], ["b1", 3]], ["new", "new", "new"], { received: 3, gaps: 0, duplicates: 0 }],
    ["a QoS 1 redelivery", [["b1", 1], ["b1", 2], ["b1", 2]], ["new", "new", "duplicate"], { received: 2, duplicates: 1 }],
    ["a skipped seq", [["b1", 1], ["b1", 4]], ["new", "new"], { gaps: 2, missing: [2, 3] }],
    ["a late arrival closing a gap", [["b1", 1], ["b1", 3], ["b1", 2]], ["new", "new", "late"], { gaps: 0, missing: [] }],
    ["a late arrival seen twice", [["b1", 1], ["b1", 3], ["b1", 2], ["b1", 2]], ["new", "new", "late", "duplicate"], { gaps: 0, duplicates: 1 }],
    ["the first boot seen starting mid-way", [["b1", 40]], ["new"], { gaps: 0, maxSeq: 40 }],
    ["a new boot counted from 2, after its will", [["b1", 2], ["b2", 4]], ["new", "new"], { bootId: "b2", gaps: 2, pastBootIds: ["b1"] }],
    ["a message of the previous boot", [["b1", 1], ["b2", 1], ["b1", 2]], ["new", "new", "stale"], { stale: 1, bootId: "b2" }],
  ] as const)("handles %s", (_name, msgs, verdicts, expected) => {
    const r = feed(msgs as unknown as Array<[string, number]>);
    expect(r.verdicts).toEqual(verdicts);
    expect(r.receipt).toMatchObject(expected);
  });

  it("remembers at most MAX_MISSING missing seqs but counts all gaps", () => {
    const r = feed([["b1", 1], ["b1", 5000]]);
    expect(r.receipt.gaps).toBe(4998);
    expect(r.receipt.missing).toHaveLength(MAX_MISSING);
    expect(r.receipt.missing[0]).toBe(5000 - MAX_MISSING);
  });

  it("does not change the receipt it was given", () => {
    const before = emptyReceipt();
    observeSeq(before, "b1", 3);
    expect(before).toEqual(emptyReceipt());
  });
});

describe("the last will's seq", () => {
  it("counts no gap when a new boot's stream starts after the reserved will seq", () => {
    let r = observeSeq(emptyReceipt(), "boot-a", 2).receipt;
    r = observeSeq(r, "boot-a", 3).receipt;
    const next = observeSeq(r, "boot-b", 2);
    expect(next.verdict).toBe("new");
    expect(next.receipt.gaps).toBe(0);
  });

  it("applies a will that arrives after later messages, and again after a second lost connection", () => {
    let r = observeSeq(emptyReceipt(), "boot-a", 2).receipt;
    r = observeSeq(r, "boot-a", 5).receipt;
    const first = observeSeq(r, "boot-a", 1);
    expect(first.verdict).toBe("will");
    expect(first.receipt.duplicates).toBe(0);
    const again = observeSeq(first.receipt, "boot-a", 1);
    expect(again.verdict).toBe("will");
    expect(again.receipt.received).toBe(first.receipt.received);
  });
});

describe("the first boot the server sees", () => {
  it("counts an earlier seq that arrives late (another replica held it) as received, not a duplicate, and no gap", () => {
    let r = observeSeq(emptyReceipt(), "boot-a", 3).receipt;
    r = observeSeq(r, "boot-a", 4).receipt;
    const late = observeSeq(r, "boot-a", 2);
    expect(late.verdict).toBe("late");
    expect(late.receipt).toMatchObject({ received: 3, gaps: 0, duplicates: 0, missing: [] });
    expect(observeSeq(late.receipt, "boot-a", 2).verdict).toBe("duplicate");
  });
});
