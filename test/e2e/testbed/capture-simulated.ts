/**
 * Captures the real qmicli and qmi-network (Debian's libqmi-utils) against the simulated
 * SIM7600G-H, for states no public capture shows: `npx tsx test/e2e/testbed/capture-simulated.ts`
 * (root). They show the tools' real formatting, not a real modem's answers; test/fixtures/SOURCES.md
 * labels them so. Each is what `CMD 2>&1` printed in the Pi's namespaces (LC_ALL=C, so glib's
 * curly quotes in file errors come out as `?`).
 */
import { execa } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CALL_END } from "../../sim/qmi-modem/state.ts";
import { QMI_DEVICE, QMI_NETWORK_PROFILE, ROOT, healthy, inNs, modem, testbedDown, testbedUp, waitFor } from "./pi-testbed.ts";

const version = (await execa("qmicli", ["--version"])).stdout.split("\n")[0]!.replace("qmicli ", "");
const suffix = `simulated-sim7600g-h-libqmi-${version}.txt`;
const FIXTURES = join(ROOT, "test/fixtures");
const written: string[] = [];

async function capture(path: string, cmd: string, args: string[]) {
  const r = await inNs("pi", "sh", ["-c", '"$@" 2>&1', "sh", cmd, ...args], false);
  const text = r.stdout + "\n";
  const file = join(FIXTURES, `${path}-${suffix}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  written.push(`${file.slice(ROOT.length + 1)}\t${cmd} ${args.join(" ")} 2>&1`);
}
const q = (path: string, flag: string) => capture(`qmicli/${path}`, "qmicli", ["-d", QMI_DEVICE, "--device-open-proxy", flag]);
const qn = (path: string, cmd: string, profile = true) => capture(`qmi-network/${path}`, "qmi-network", [...(profile ? [`--profile=${QMI_NETWORK_PROFILE}`] : []), QMI_DEVICE, cmd]);

try {
  await testbedUp();
  await q("wds-get-packet-service-status/connected", "--wds-get-packet-service-status");
  await qn("status-connected", "status", false);
  await qn("stop-connected", "stop");
  await q("wds-get-packet-service-status/disconnected", "--wds-get-packet-service-status");
  await q("wds-get-current-settings/error-out-of-call", "--wds-get-current-settings");
  await qn("status-disconnected", "status", false);
  await modem().set({ startFailure: CALL_END.unknownApn });
  await qn("start-call-failed-unknown-apn", "start");
  await modem().set({ startFailure: null });
  await healthy();

  await modem().set({ sim: "absent" });
  await q("uim-get-card-status/absent", "--uim-get-card-status");
  await q("nas-get-serving-system/not-registered-sim-absent", "--nas-get-serving-system");
  await modem().set({ sim: "pin-required" });
  await q("uim-get-card-status/pin1-required", "--uim-get-card-status");
  await modem().set({ sim: "ready" });
  await q("nas-get-serving-system/searching", "--nas-get-serving-system");
  await modem().set({ network: "denied" });
  await q("nas-get-serving-system/registration-denied", "--nas-get-serving-system");
  await modem().set({ network: "roaming" });
  await waitFor("registered roaming", 5_000, () => modem().modem.snapshot.registration === "registered");
  await q("nas-get-serving-system/registered-roaming", "--nas-get-serving-system");
  await healthy();

  await modem().set({ answering: false });
  await q("dms-get-ids/error-transaction-timed-out", "--dms-get-ids");
  await modem().set({ answering: true });
  modem().modem.leaveUsb();
  await modem().settled();
  await q("dms-get-ids/error-no-device", "--dms-get-ids");
  await qn("status-no-device", "status", false);
  modem().modem.comeBack();
  await modem().settled();
  console.log(written.join("\n"));
} finally {
  await testbedDown();
}
