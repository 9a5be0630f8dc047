import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseWdsGetPacketServiceStatus,
  wdsGetPacketServiceStatusKind,
  wdsGetPacketServiceStatusSchema,
} from "../../../agent/src/parse/qmicli-wds-get-packet-service-status.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/wds-get-packet-service-status/${name}`, import.meta.url), "utf8");

describe("qmicli --wds-get-packet-service-status parser", () => {
  it.each([
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
  ])("$why", ({ name, expected }) => {
    const result = parseWdsGetPacketServiceStatus(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(wdsGetPacketServiceStatusSchema.safeParse(result.facts).success).toBe(true);
  });

  it.each([
    ["[/dev/cdc-wdm0] Connection status: 'connected'", "connected"],
    ["[/dev/cdc-wdm0] Connection status: 'disconnected'", "disconnected"],
  ])("reads %j in libqmi's format as %s", (text, status) => {
    expect(parseWdsGetPacketServiceStatus(text)).toEqual({ ok: true, facts: { connectionStatus: status } });
  });

  it.each(["", "Status: connected", "\u0000\u00ff\u0013garbage"])("says %j is not its output", (text) => {
    expect(wdsGetPacketServiceStatusKind.parse(text).ok).toBe(false);
  });
});
