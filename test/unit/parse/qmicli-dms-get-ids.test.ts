import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dmsGetIdsKind, dmsGetIdsSchema, parseDmsGetIds } from "../../../agent/src/parse/qmicli-dms-get-ids.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/dms-get-ids/${name}`, import.meta.url), "utf8");

describe("qmicli --dms-get-ids parser", () => {
  it.each([
    {
      name: "quectel-rm510q-imei-sv.txt",
      why: "reads the IMEI and IMEI SV of a Quectel RM510Q and leaves out the MEID libqmi printed as 'unknown'",
      expected: { imei: "867034040025018", imeiSv: "27", esn: "0" },
    },
    {
      name: "sierra-mc7430-libqmi-1.16.2-libqmi-devel-quoted.txt",
      why: "reads ESN, IMEI and MEID of a Sierra MC7430 on libqmi 1.16.2 from a mail quote, without an IMEI SV",
      expected: { imei: "359074060071935", esn: "0", meid: "35907406007193" },
    },
    {
      name: "esn-imei-meid-libqmi-test-generated-comment.txt",
      why: "reads a capture kept in a C comment of libqmi's own tests, with its one-space indentation",
      expected: { imei: "359225050039973", esn: "80997874", meid: "35922505003997" },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseDmsGetIds(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(dmsGetIdsSchema.safeParse(result.facts).success).toBe(true);
  });

  it("reports qmicli's QMI error as an error fact", () => {
    // libqmi's own format: g_printerr ("error: couldn't get IDs: %s\n", ...) in qmicli-dms.c.
    const result = parseDmsGetIds("error: couldn't get IDs: QMI protocol error (3): 'Internal'\n");
    expect(result).toEqual({
      ok: true,
      facts: { error: { message: "couldn't get IDs: QMI protocol error (3): 'Internal'", qmiCode: 3, qmiName: "Internal" } },
    });
  });

  it.each(["", "3: wwan0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN", "\u0000\u00ff\u0013garbage"])(
    "says %j is not its output",
    (text) => {
      expect(dmsGetIdsKind.parse(text).ok).toBe(false);
    },
  );
});
