import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseUimGetCardStatus,
  uimGetCardStatusKind,
  uimGetCardStatusSchema,
} from "../../../agent/src/parse/qmicli-uim-get-card-status.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/uim-get-card-status/${name}`, import.meta.url), "utf8");

describe("qmicli --uim-get-card-status parser", () => {
  it.each([
    {
      name: "present-pin-disabled-quectel-rm510q.txt",
      why: "reads a ready USIM without PIN on a Quectel RM510Q",
      expected: { cardState: "present", upinState: "not-initialized", pin1State: "disabled", applicationState: "ready" },
    },
    {
      name: "present-two-apps-surface-pro-x-qrtr.txt",
      why: "describes the provisioned USIM, not the ISIM listed after it, on a Surface Pro X over QRTR",
      expected: { cardState: "present", upinState: "not-initialized", pin1State: "disabled", applicationState: "ready" },
    },
    {
      name: "present-pin-enabled-verified-xiaomi-davinci-qrtr.txt",
      why: "reads a verified PIN from a capture indented with spaces instead of TABs",
      expected: {
        cardState: "present",
        upinState: "not-initialized",
        pin1State: "enabled-verified",
        applicationState: "ready",
      },
    },
    {
      name: "error-no-atr-received-quectel-em060k-collapsed.txt",
      why: "reports a card error without an ATR from a capture whose line breaks were collapsed",
      expected: { cardState: "error", cardError: "no-atr-received", upinState: "not-initialized" },
    },
    {
      name: "no-device-debian12-libqmi-1.32.2.txt",
      why: "reports a missing /dev/cdc-wdm0 as an error fact",
      expected: {
        error: {
          message:
            "couldn't create QmiDevice: Couldn't query file info: Error when getting information for file \u201c/dev/cdc-wdm0\u201d: No such file or directory",
        },
      },
    },
    {
      name: "present-pin1-required-sierra-mc7430-libqmi-1.16.2-card0-quoted.txt",
      why: "reads a SIM waiting for its PIN from old libqmi's 0-based `Card [0]` layout",
      expected: {
        cardState: "present",
        upinState: "not-initialized",
        pin1State: "enabled-not-verified",
        applicationState: "pin1-or-upin-pin-required",
      },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseUimGetCardStatus(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(uimGetCardStatusSchema.safeParse(result.facts).success).toBe(true);
  });

  it("reports UimUninitialized as an error fact with its QMI code", () => {
    // The format libqmi prints when the SIM is absent or still initialising (qmicli-uim.c + FieldResult.py).
    const result = parseUimGetCardStatus("error: couldn't get card status: QMI protocol error (37): 'UimUninitialized'\n");
    expect(result).toEqual({
      ok: true,
      facts: {
        error: {
          message: "couldn't get card status: QMI protocol error (37): 'UimUninitialized'",
          qmiCode: 37,
          qmiName: "UimUninitialized",
        },
      },
    });
  });

  it("says the serving system's error is not a card status", () => {
    const result = parseUimGetCardStatus("error: couldn't get serving system: QMI protocol error (3): 'Internal'");
    expect(result.ok).toBe(false);
  });

  it.each(["", "3: wwan0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN", "\u0000\u00ff\u0013garbage"])(
    "says %j is not its output",
    (text) => {
      expect(uimGetCardStatusKind.parse(text).ok).toBe(false);
    },
  );

  it("reads a card error as libqmi before 1.28 printed it, without the closing quote (commit 5dab88f8)", () => {
    // The real capture, with the one character the old printf did not print taken out.
    const old = fixture("error-no-atr-received-quectel-em060k-collapsed.txt").replace("'error: no-atr-received (3)'", "'error: no-atr-received (3)");
    expect(parseUimGetCardStatus(old)).toEqual(parseUimGetCardStatus(fixture("error-no-atr-received-quectel-em060k-collapsed.txt")));
    const parsed = parseUimGetCardStatus(old);
    expect(parsed.ok && parsed.facts).toMatchObject({ cardState: "error", cardError: "no-atr-received", upinState: "not-initialized" });
  });
});
