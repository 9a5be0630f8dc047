import { describe, expect, it } from "vitest";
import { emptyReceipt, MAX_BOOTS, MAX_MISSING, MAX_SEQ_JUMP, normalizeReceipt, observeSeq } from "../../../server/src/ingest/seq-receipt.ts";
import type { SeqReceipt } from "../../../server/src/state/types.ts";

function feed(msgs: Array<[string, number, string?]>, from = emptyReceipt()): { receipt: SeqReceipt; verdicts: string[] } {
  let receipt = from;
  const verdicts: string[] = [];
  for (const [boot, seq, ts] of msgs) {
    const r = observeSeq(receipt, boot, seq, ts);
    receipt = r.receipt;
    verdicts.push(r.verdict);
  }
  return { receipt, verdicts };
}

describe("the seq receipt", () => {
  it.each([
    ["in-order messages", [["b1", 1], ["b1", 2], ["b1", 3]], ["new", "new", "new"], { received: 3, gaps: 0, duplicates: 0 }],
    ["a QoS 1 redelivery", [["b1", 1], ["b1", 2], ["b1", 2]], ["new", "new", "duplicate"], { received: 2, duplicates: 1 }],
    ["a skipped seq", [["b1", 1], ["b1", 4]], ["new", "new"], { gaps: 2, boots: [{ missing: [2, 3] }] }],
    ["a late arrival closing a gap", [["b1", 1], ["b1", 3], ["b1", 2]], ["new", "new", "late"], { gaps: 0, boots: [{ missing: [] }] }],
    ["a late arrival seen twice", [["b1", 1], ["b1", 3], ["b1", 2], ["b1", 2]], ["new", "new", "late", "duplicate"], { gaps: 0, duplicates: 1 }],
    ["the first boot seen starting mid-way", [["b1", 40]], ["new"], { gaps: 0, boots: [{ maxSeq: 40 }] }],
    ["a new boot counted from 2, after its will", [["b1", 2], ["b2", 4]], ["new", "new"], { bootId: "b2", gaps: 2, boots: [{ bootId: "b2" }, { bootId: "b1" }] }],
    ["a message of the previous boot, after the new one began", [["b1", 1], ["b2", 1], ["b1", 2]], ["new", "new", "new"], { stale: 0, received: 3, gaps: 0, bootId: "b2" }],
  ] as const)("handles %s", (_name, msgs, verdicts, expected) => {
    const r = feed(msgs as unknown as Array<[string, number]>);
    expect(r.verdicts).toEqual(verdicts);
    expect(r.receipt).toMatchObject(expected);
  });

  it("remembers at most MAX_MISSING missing seqs but counts all gaps", () => {
    const r = feed([["b1", 1], ["b1", 5000]]);
    expect(r.receipt.gaps).toBe(4998);
    expect(r.receipt.boots[0]!.missing).toHaveLength(MAX_MISSING);
    expect(r.receipt.boots[0]!.missing[0]).toBe(5000 - MAX_MISSING);
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
    expect(late.receipt).toMatchObject({ received: 3, gaps: 0, duplicates: 0, boots: [{ missing: [] }] });
    expect(observeSeq(late.receipt, "boot-a", 2).verdict).toBe("duplicate");
  });
});

describe("several boots at once", () => {
  it("takes every entry of a previous boot's outbox that arrives after the new boot's first messages", () => {
    // Boot a sent 2..17, was killed with 18..40 queued; boot b came up and spoke first.
    const sent: Array<[string, number]> = [];
    for (let s = 2; s <= 17; s++) sent.push(["a", s]);
    sent.push(["b", 2], ["b", 3]);
    for (let s = 18; s <= 40; s++) sent.push(["a", s]);
    const r = feed(sent);
    expect(new Set(r.verdicts)).toEqual(new Set(["new"]));
    expect(r.receipt).toMatchObject({ bootId: "b", received: sent.length, gaps: 0, stale: 0, duplicates: 0 });
  });

  it("keeps the current boot current when an earlier boot first shows up after it", () => {
    const first = observeSeq(emptyReceipt(), "c", 2, "2026-01-01T10:00:05Z");
    const late = observeSeq(first.receipt, "b", 2, "2026-01-01T10:00:01Z");
    expect(late).toMatchObject({ verdict: "new", current: false, receipt: { bootId: "c" } });
    const next = observeSeq(late.receipt, "c", 3, "2026-01-01T10:00:06Z");
    expect(next.current).toBe(true);
  });

  it("counts a gap in a previous boot, and closes it when the missing entry arrives late", () => {
    const r = feed([["a", 2], ["a", 4], ["b", 2], ["a", 3]]);
    expect(r.verdicts).toEqual(["new", "new", "new", "late"]);
    expect(r.receipt.gaps).toBe(0);
  });

  it(`keeps at most ${MAX_BOOTS} boots open and calls the messages of older ones stale`, () => {
    const boots = Array.from({ length: MAX_BOOTS + 1 }, (_, i) => [`boot-${i}`, 2] as [string, number]);
    const r = feed([...boots, ["boot-0", 3]]);
    expect(r.receipt.boots).toHaveLength(MAX_BOOTS);
    expect(r.verdicts.at(-1)).toBe("stale");
    expect(r.receipt.stale).toBe(1);
  });
});

describe("a seq that jumps implausibly far", () => {
  it.each([2 ** 32, Number.MAX_SAFE_INTEGER])("refuses seq %d on a known boot and keeps the boot's account", (huge) => {
    const r = feed([["b1", 2], ["b1", 3], ["b1", huge], ["b1", 4], ["b1", 5]]);
    expect(r.verdicts).toEqual(["new", "new", "anomaly", "new", "new"]);
    expect(r.receipt).toMatchObject({ gaps: 0, duplicates: 0, anomalies: 1, received: 4, boots: [{ maxSeq: 5 }] });
  });

  it("refuses a new boot that starts past the bound", () => {
    const r = feed([["b1", 2], ["b2", MAX_SEQ_JUMP + 10], ["b1", 3]]);
    expect(r.verdicts).toEqual(["new", "anomaly", "new"]);
    expect(r.receipt).toMatchObject({ bootId: "b1", gaps: 0, anomalies: 1 });
  });

  it("takes a jump within the bound as gaps", () => {
    const r = feed([["b1", 2], ["b1", 1002]]);
    expect(r.receipt.gaps).toBe(999);
  });
});

describe("a receipt stored by an older server", () => {
  it("keeps its counts and its boot", () => {
    const old = { bootId: "b1", maxSeq: 9, missing: [4], received: 7, duplicates: 1, gaps: 1, stale: 0, willSeen: true, countFrom: 2, pastBootIds: ["b0"] };
    const r = normalizeReceipt(old);
    expect(r).toMatchObject({ bootId: "b1", received: 7, gaps: 1, boots: [{ bootId: "b1", maxSeq: 9, missing: [4] }], retired: ["b0"] });
    expect(observeSeq(r, "b1", 4).verdict).toBe("late");
    expect(observeSeq(r, "b0", 5).verdict).toBe("stale");
  });
});
