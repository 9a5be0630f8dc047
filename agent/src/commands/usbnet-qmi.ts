import type { CommandHandler } from "./context.ts";

/**
 * The AT command that switches a modem's USB composition to QMI, by vendor: the field guide's
 * `AT+QCFG="usbnet",1` is Quectel's and selects ECM, not QMI (Quectel's QMI is 0). SIMCom's
 * SIM7600 switches with `AT+CUSBPIDSWITCH=9001,1,1` (PID 9001: diag, NMEA, AT, modem, QMI).
 */
export const USBNET_QMI_AT: Record<string, { maker: string; at: string }> = {
  "1e0e": { maker: "SIMCom", at: "AT+CUSBPIDSWITCH=9001,1,1" },
  "2c7c": { maker: "Quectel", at: 'AT+QCFG="usbnet",0' },
};

/** The first modem vendor id `lsusb` lists that we know how to switch. Pure. */
export function modemVendor(lsusb: string): string | null {
  for (const m of lsusb.matchAll(/\bID ([0-9a-f]{4}):[0-9a-f]{4}\b/gi)) {
    const vendor = m[1]!.toLowerCase();
    if (Object.hasOwn(USBNET_QMI_AT, vendor)) return vendor;
  }
  return null;
}

export const usbnetQmiCommand: CommandHandler = async (args, ctx) => {
  const lsusb = await ctx.exec("lsusb", [], { timeoutMs: 5_000 });
  const vendor = modemVendor(lsusb.stdout);
  if (!vendor) return { ok: false, message: "no SIMCom (1e0e) or Quectel (2c7c) modem found by lsusb" };
  const { maker, at } = USBNET_QMI_AT[vendor]!;
  const port = typeof args.port === "string" ? args.port : ctx.config.modem.atPort;
  if (!ctx.host.writeDevice) return { ok: false, message: "this host cannot write to an AT port" };
  // AT commands end with a carriage return; the modem re-enumerates on USB when it applies it.
  await ctx.host.writeDevice(port, `${at}\r`);
  ctx.progress(`sent ${at} to ${port}`);
  return { ok: true, message: `${maker} modem told to switch to QMI (${at}); it re-enumerates on USB`, result: { vendor, maker, at, port } };
};
