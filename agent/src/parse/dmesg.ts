import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * The kernel log, as `dmesg` (`[  16.951180] msg`), `dmesg -T` (`[Wed Nov 25 02:54:19 2026] msg`),
 * `dmesg -H` (`[Aug28 17:07] msg`, then `[  +8.063930] msg`), or through syslog/journalctl -k/
 * logread (`May 09 10:59:34 host kernel: [  16.9] msg`). What layer 1 needs from it:
 *
 *   usb 1-1.3: New USB device found, idVendor=1e0e, idProduct=9001   the SIM7600 enumerated
 *   qmi_wwan 1-1.3:1.5: cdc-wdm0: USB WDM device                     the QMI control device
 *   qmi_wwan 1-1.3:1.5 wwan0: register 'qmi_wwan' at usb-..., WWAN/QMI device   wwan0 bound
 *   usb 1-1.3: USB disconnect, device number 4                       unplugged, or browned out
 *   Under-voltage detected! (0x00050005)                             the Pi's supply sagged
 *
 * Kernels with the raspberrypi-hwmon driver (4.19+) print `hwmon hwmon1: Undervoltage detected!`
 * instead. A disconnect of the modem's USB path ends its cdc-wdm and wwan devices; the state
 * reported is the one at the end of the log.
 *
 * `dmesg -t` and `journalctl -k -o cat` print the messages with no stamp and no prefix: such text
 * is read as the kernel's only when some line is one of the USB and modem messages above (a
 * message of a driver on a USB path, usbcore, under-voltage) and no line is another tool's
 * (udhcpc, qmicli, lsusb, ip, ping, a journal line of another unit).
 */
export const dmesgLineSchema = z.object({
  /** Seconds since boot, when the line carries the monotonic stamp. */
  timeS: z.number().nonnegative().optional(),
  message: z.string(),
});
export type DmesgLine = z.infer<typeof dmesgLineSchema>;

export const dmesgFactsSchema = z.object({
  lines: z.array(dmesgLineSchema),
  /** qmi_wwan registered a wwan interface and no disconnect or unregister followed. */
  qmiWwanBound: z.boolean(),
  /** The interface qmi_wwan registered last, e.g. `wwan0`. */
  qmiWwanInterface: z.string().optional(),
  /** A cdc-wdm device appeared and its USB device did not disconnect after. */
  cdcWdmPresent: z.boolean(),
  underVoltage: z.boolean(),
  underVoltageCount: z.number().int().nonnegative(),
  usbDisconnects: z.number().int().nonnegative(),
  /** A USB device 1e0e:9001 (SIMCom SIM7600 in QMI mode) enumerated. */
  simcomModemSeen: z.boolean(),
  /** The last lines about the SIM7600's USB path (enumeration, drivers, disconnect), oldest first. */
  simcomModemEvents: z.array(dmesgLineSchema),
  /**
   * The modem left: a USB path that carried a cdc-wdm or qmi_wwan device (or the SIM7600) was
   * disconnected, or its qmi_wwan unbound, and no modem device is bound at the end of the log.
   */
  modemGone: z.boolean(),
  /** How it left: `usb-disconnect` (it dropped off the bus) or `driver-unbound` (qmi_wwan let go, the device stayed). */
  modemGoneHow: z.enum(["usb-disconnect", "driver-unbound"]).optional(),
  /** The line that says so. */
  modemGoneLine: z.string().optional(),
});
export type DmesgFacts = z.infer<typeof dmesgFactsSchema>;

const month = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const stampRe = new RegExp(
  String.raw`^\[\s*(?:(\d+\.\d+)|\+\d+\.\d+|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${month}\s+\d{1,2} \d\d:\d\d:\d\d \d{4}|${month}\d{1,2} \d\d:\d\d)\]\s?(.*)$`,
);
/** syslog, journalctl -k and OpenWrt logread put the kernel's line after `kernel: `. */
const kernelPrefixRe = /^.*?\bkernel: (.*)$/;
const SIMCOM_EVENTS_KEPT = 20;
/** Messages that only the kernel prints, as `dmesg -t` shows them: a driver on a USB path, usbcore, the supply. */
const KERNEL_MESSAGE =
  /^(?:usb \d+-[\d.]+: |[a-z][\w-]* \d+-[\d.]+:\d+\.\d+(?::| \S+:) |usbcore: |hub \d+-[\d.:]+: |Under-?voltage detected!|hwmon hwmon\d+: |cdc_wdm |qmi_wwan )/;
/** Lines of the tools whose output mentions the same words: not a kernel log. */
const OTHER_TOOL =
  /^(?:udhcpc(?:\[\d+\])?: |\[\/dev\/[\w-]+\] |error: |Bus \d{3} Device \d{3}: ID |\d+: [\w.@-]+: <|PING |64 bytes from |--- .* ping statistics ---|\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ (?!kernel:)[\w.-]+(?:\[\d+\])?: )/;

function lineOf(raw: string): DmesgLine | undefined {
  // A line that starts with a stamp is dmesg's own, whatever its message says.
  const text = raw.trimStart().startsWith("[") ? raw : (kernelPrefixRe.exec(raw)?.[1] ?? raw);
  const stamped = stampRe.exec(text.trimStart());
  if (stamped) {
    const line: DmesgLine = { message: stamped[2]!.trimEnd() };
    const timeS = Number(stamped[1]);
    if (stamped[1] !== undefined && Number.isFinite(timeS)) line.timeS = timeS;
    return line;
  }
  if (text !== raw) return { message: text.trim() };
  return undefined;
}

export function parseDmesg(text: string): ParseResult<DmesgFacts> {
  const lines: DmesgLine[] = [];
  const bare: string[] = [];
  let other = 0;
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === "") continue;
    const line = lineOf(raw);
    if (line) lines.push(line);
    else {
      other++;
      bare.push(raw.trim());
    }
  }
  if (lines.length === 0) {
    // `dmesg -t` / `journalctl -k -o cat`: no stamps, no prefixes.
    if (bare.some((l) => KERNEL_MESSAGE.test(l)) && !bare.some((l) => OTHER_TOOL.test(l))) {
      for (const message of bare) lines.push({ message });
      other = 0;
    } else {
      return notThisKind("No kernel log line (`[  1.234] ...`, `kernel: ...`, or a USB driver's message as `dmesg -t` prints it).");
    }
  }
  if (other > lines.length) return notThisKind("More lines that are not kernel log lines than lines that are.");

  const wdmByPath = new Map<string, boolean>();
  const wwanByPath = new Map<string, string>();
  const simcomPaths = new Set<string>();
  const simcomEvents: DmesgLine[] = [];
  let underVoltageCount = 0;
  let usbDisconnects = 0;
  let lastWwan: string | undefined;
  /** USB paths that carried the modem, and how each one's story ended. */
  const modemPaths = new Map<string, { state: "up" | "usb-disconnect" | "driver-unbound"; line: string }>();
  for (const line of lines) {
    const msg = line.message;
    if (/Under-?voltage detected!/i.test(msg)) underVoltageCount++;
    const device = /^usb (\d+-[\d.]+): New USB device found, idVendor=([0-9a-f]{4}), idProduct=([0-9a-f]{4})/i.exec(msg);
    if (device && device[2]!.toLowerCase() === "1e0e" && device[3]!.toLowerCase() === "9001") simcomPaths.add(device[1]!);
    if (device && simcomPaths.has(device[1]!)) modemPaths.set(device[1]!, { state: "up", line: msg });
    const wdm = /^\S+ (\d+-[\d.]+):\d+\.\d+: cdc-wdm\d+: USB WDM device/.exec(msg);
    if (wdm) {
      wdmByPath.set(wdm[1]!, true);
      modemPaths.set(wdm[1]!, { state: "up", line: msg });
    }
    const register = /^qmi_wwan\S* (\d+-[\d.]+):\d+\.\d+ (\S+): register '/.exec(msg);
    if (register) {
      wwanByPath.set(register[1]!, register[2]!);
      lastWwan = register[2]!;
      modemPaths.set(register[1]!, { state: "up", line: msg });
    }
    const unregister = /^qmi_wwan\S* (\d+-[\d.]+):\d+\.\d+ \S+: unregister '/.exec(msg);
    if (unregister) {
      wwanByPath.delete(unregister[1]!);
      // A disconnect just before already said how it left; otherwise the driver let go of a device that stayed.
      if (modemPaths.get(unregister[1]!)?.state === "up") modemPaths.set(unregister[1]!, { state: "driver-unbound", line: msg });
    }
    const disconnect = /^usb (\d+-[\d.]+): USB disconnect/.exec(msg);
    if (disconnect) {
      usbDisconnects++;
      wdmByPath.delete(disconnect[1]!);
      wwanByPath.delete(disconnect[1]!);
      if (modemPaths.has(disconnect[1]!)) modemPaths.set(disconnect[1]!, { state: "usb-disconnect", line: msg });
    }
    for (const path of simcomPaths) {
      if (msg.includes(` ${path}:`) || msg.startsWith(`usb ${path}:`)) {
        simcomEvents.push(line);
        break;
      }
    }
  }
  const result: DmesgFacts = {
    lines,
    qmiWwanBound: wwanByPath.size > 0,
    cdcWdmPresent: wdmByPath.size > 0,
    underVoltage: underVoltageCount > 0,
    underVoltageCount,
    usbDisconnects,
    simcomModemSeen: simcomPaths.size > 0,
    simcomModemEvents: simcomEvents.slice(-SIMCOM_EVENTS_KEPT),
    modemGone: false,
  };
  const ends = [...modemPaths.values()];
  const gone = ends.filter((e) => e.state !== "up").at(-1);
  if (gone && !ends.some((e) => e.state === "up") && wwanByPath.size === 0) {
    result.modemGone = true;
    result.modemGoneHow = gone.state as "usb-disconnect" | "driver-unbound";
    result.modemGoneLine = gone.line;
  }
  const bound = [...wwanByPath.values()];
  const iface = bound[bound.length - 1] ?? lastWwan;
  if (iface !== undefined) result.qmiWwanInterface = iface;
  return facts(result);
}

export const dmesgKind = defineKind({
  kind: "dmesg",
  source: "dmesg",
  schema: dmesgFactsSchema,
  parse: parseDmesg,
});
