import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  nasGetServingSystemKind,
  nasGetServingSystemSchema,
  parseNasGetServingSystem,
} from "../../../agent/src/parse/qmicli-nas-get-serving-system.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/nas-get-serving-system/${name}`, import.meta.url), "utf8");

describe("qmicli --nas-get-serving-system parser", () => {
  it.each([
    {
      name: "registered-lte-quectel-rm530n-gl-flipper-one.txt",
      why: "reads a registered, attached LTE home network and its Current PLMN, not the repeated operator code",
      expected: {
        registrationState: "registered",
        csAttached: true,
        psAttached: true,
        radioInterfaces: ["lte"],
        roaming: false,
        mcc: "234",
        mnc: "15",
        operatorDescription: "voda UK",
      },
    },
    {
      name: "registered-umts-sierra-mc7354-china-unicom-libqmi-devel-quoted.txt",
      why: "reads a registered UMTS network behind mail quote marks, leaving out the empty description",
      expected: {
        registrationState: "registered",
        csAttached: true,
        psAttached: true,
        radioInterfaces: ["umts"],
        roaming: false,
        mcc: "460",
        mnc: "1",
      },
    },
    {
      name: "not-registered-detached-embeddedpi-script-comment.txt",
      why: "reads a modem that lost the network, not registered and detached, from a script comment",
      expected: { registrationState: "not-registered", csAttached: false, psAttached: false, radioInterfaces: [] },
    },
    {
      name: "not-registered-searching-attached-embeddedpi-script-comment.txt",
      why: "reads a modem searching for a network while still attached",
      expected: { registrationState: "not-registered-searching", csAttached: true, psAttached: true, radioInterfaces: [] },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseNasGetServingSystem(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(nasGetServingSystemSchema.safeParse(result.facts).success).toBe(true);
  });

  it("reports a QMI error of the serving system query as an error fact", () => {
    const result = parseNasGetServingSystem("error: couldn't get serving system: QMI protocol error (3): 'Internal'");
    expect(result.ok && "error" in result.facts ? result.facts.error.qmiName : undefined).toBe("Internal");
  });

  it("says a registration state libqmi never prints is not its output", () => {
    const text = "Registration state: 'Registered'\nCS: 'attached'\nPS: 'attached'";
    expect(parseNasGetServingSystem(text).ok).toBe(false);
  });

  it.each(["", "nameserver 8.8.8.8", "\u0000\u00ff\u0013garbage"])("says %j is not its output", (text) => {
    expect(nasGetServingSystemKind.parse(text).ok).toBe(false);
  });
});
