import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseWdaGetDataFormat,
  wdaGetDataFormatKind,
  wdaGetDataFormatSchema,
} from "../../../agent/src/parse/qmicli-wda-get-data-format.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/wda-get-data-format/${name}`, import.meta.url), "utf8");

describe("qmicli --wda-get-data-format parser", () => {
  it.each([
    {
      name: "raw-ip-qmap-simcom-sim7600e-netdev.txt",
      why: "reads raw-ip with QMAP aggregation of a SIMCom SIM7600E quoted in a mail reply",
      expected: { linkLayerProtocol: "raw-ip", ulProtocol: "qmap", dlProtocol: "qmap" },
    },
    {
      name: "raw-ip-qmap-quectel-netdev-patch.txt",
      why: "reads raw-ip with QMAP aggregation of a Quectel modem indented by a patch description",
      expected: { linkLayerProtocol: "raw-ip", ulProtocol: "qmap", dlProtocol: "qmap" },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseWdaGetDataFormat(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(wdaGetDataFormatSchema.safeParse(result.facts).success).toBe(true);
  });

  it("says --wda-set-data-format output is not a reading of the format", () => {
    expect(parseWdaGetDataFormat(fixture("not-this-kind-set-data-format-quectel-netdev-patch.txt")).ok).toBe(false);
  });

  it("reports an unsupported WDA service as an error fact", () => {
    const result = parseWdaGetDataFormat("error: couldn't get data format: QMI protocol error (71): 'InvalidServiceType'");
    expect(result.ok && "error" in result.facts ? result.facts.error.qmiName : undefined).toBe("InvalidServiceType");
  });

  it.each(["", "Y", "\u0000\u00ff\u0013garbage"])("says %j is not its output", (text) => {
    expect(wdaGetDataFormatKind.parse(text).ok).toBe(false);
  });
});
