import type { CommandName } from "@uplink/shared";
import type { CommandHandler } from "./context.ts";
import { diagnoseCommand } from "./diagnose.ts";
import { dhcpRenewCommand } from "./dhcp-renew.ts";
import { dnsRepairCommand } from "./dns-repair.ts";
import { linkPreferCommand } from "./link-prefer.ts";
import { linkUpCommand } from "./link-up.ts";
import { modemResetCommand } from "./modem-reset.ts";
import { pingCommand } from "./ping.ts";
import { qmiRestartCommand } from "./qmi-restart.ts";
import { rebootCommand } from "./reboot.ts";
import { routeReplaceCommand } from "./route-replace.ts";
import { usbnetQmiCommand } from "./usbnet-qmi.ts";

/** One handler per catalog command; a catalog entry without one fails the type check. */
export const commandHandlers: Record<CommandName, CommandHandler> = {
  diagnose: diagnoseCommand,
  "dhcp.renew": dhcpRenewCommand,
  "qmi.restart": qmiRestartCommand,
  "link.up": linkUpCommand,
  "route.replace": routeReplaceCommand,
  "dns.repair": dnsRepairCommand,
  "link.prefer": linkPreferCommand,
  "modem.reset": modemResetCommand,
  ping: pingCommand,
  "usbnet.qmi": usbnetQmiCommand,
};

/** Handlers healing may use, which include the one that is not a remote command. */
export const healingHandlers: Record<string, CommandHandler> = { ...commandHandlers, reboot: rebootCommand };
