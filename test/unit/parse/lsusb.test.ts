import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lsusbFactsSchema, lsusbKind, parseLsusb } from "../../../agent/src/parse/lsusb.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/lsusb/${name}`, import.meta.url), "utf8");

describe("lsusb parser", () => {
  it.each([
    {
      name: "clockworkpi-uconsole-sim7600g.txt",
      why: "finds the SIM7600 in QMI mode (1e0e:9001) behind a prompt line",
      expected: [{ bus: 1, device: 9, vendorId: "1e0e", productId: "9001", description: "Qualcomm / Option SimTech, Incorporated" }],
    },
    {
      name: "industrialshields-sim7600g-h-ecm-9018.txt",
      why: "reads a SIM7600G-H switched to ECM (1e0e:9018)",
      expected: [{ bus: 1, device: 8, vendorId: "1e0e", productId: "9018", description: "Qualcomm / Option SimTech, Incorporated" }],
    },
    {
      name: "rpi-stackexchange-140269-pi4-huawei.txt",
      why: "lists every device of a Pi 4, root hubs included",
      expected: [
        { bus: 2, device: 1, vendorId: "1d6b", productId: "0003", description: "Linux Foundation 3.0 root hub" },
        { bus: 1, device: 4, vendorId: "12d1", productId: "1596", description: "Huawei Technologies Co., Ltd." },
        { bus: 1, device: 3, vendorId: "0451", productId: "bef3", description: "Texas Instruments, Inc." },
        { bus: 1, device: 2, vendorId: "2109", productId: "3431", description: "VIA Labs, Inc. Hub" },
        { bus: 1, device: 1, vendorId: "1d6b", productId: "0002", description: "Linux Foundation 2.0 root hub" },
      ],
    },
  ])("$why ($name)", ({ name, expected }) => {
    const result = parseLsusb(fixture(name));
    expect(result).toEqual({ ok: true, facts: { devices: expected } });
    if (result.ok) expect(lsusbFactsSchema.safeParse(result.facts).success).toBe(true);
  });

  it("keeps an empty description when usb.ids has no name", () => {
    expect(parseLsusb("Bus 001 Device 005: ID 05c6:6769 \n")).toEqual({
      ok: true,
      facts: { devices: [{ bus: 1, device: 5, vendorId: "05c6", productId: "6769", description: "" }] },
    });
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Device IDs retrieved:\n\tIMEI: '867034040025018'\n"],
    ["random text", "Bus stop at the corner"],
  ])("rejects %s as not lsusb output", (_what, text) => {
    expect(parseLsusb(text).ok).toBe(false);
  });

  it("is registered as lsusb", () => {
    expect(lsusbKind.kind).toBe("lsusb");
  });
});
