import { describe, expect, it } from "vitest";
import { kinds } from "../../../agent/src/parse/registry.ts";
import { fixturesOf } from "../../helpers/fixtures.ts";

/**
 * Text of another tool is refused even when it holds some of the same words: qmi-network narrates
 * the qmicli it runs and repeats its errors; mmcli, qmicli and iproute2 all print `error:` lines;
 * a kernel log, lsusb, udhcpc and qmicli all name the modem's USB ids or cdc-wdm.
 */
const refusals: [string, string[]][] = [
  ["qmi-network", kinds.filter((k) => k.kind.startsWith("qmicli.")).map((k) => k.kind)],
  ["qmicli.dms-get-ids", ["mmcli.modem", "qmi-network", "dmesg", "udhcpc"]],
  ["qmicli.wds-get-packet-service-status", ["mmcli.modem", "dmesg"]],
  ["ip.route-get", ["mmcli.modem"]],
  ["udhcpc", ["dmesg", "qmi-network"]],
  ["lsusb", ["dmesg"]],
  ["mmcli.modem", ["dmesg", "qmi-network"]],
];

describe("a parser refuses another tool's captures", () => {
  for (const [source, parsers] of refusals) {
    for (const kind of parsers) {
      it(`${kind} refuses every ${source} capture`, () => {
        const parser = kinds.find((k) => k.kind === kind)!;
        const accepted = fixturesOf(source).filter((f) => parser.parse(f.text).ok).map((f) => f.name);
        expect(accepted).toEqual([]);
      });
    }
  }
});
