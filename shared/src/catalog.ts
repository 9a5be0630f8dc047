import { z } from "zod";

const ifname = z
  .string()
  .regex(/^[a-zA-Z0-9_.-]{1,15}$/, "an interface name (IFNAMSIZ: at most 15 characters)");
const ipv4 = z.ipv4();
const hostOrIp = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "a host name or IPv4 address");
const apn = z.string().regex(/^[A-Za-z0-9.-]{1,62}$/, "an APN (letters, digits, '.', '-')");
const cdcWdm = z.string().regex(/^\/dev\/cdc-wdm[0-9]{1,2}$/, "a QMI control device such as /dev/cdc-wdm0");

/** The resource a command locks while it runs: two commands on the same one never overlap. */
export const RESOURCES = ["link", "modem", "routing", "dns"] as const;
export type Resource = (typeof RESOURCES)[number];

export interface CommandSpec<A extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly summary: string;
  readonly args: A;
  /** null: read-only, takes no lock. "link" locks the link named by args.iface. */
  readonly resource: Resource | null;
  readonly timeoutMs: number;
  /** Can cut the device off the network: runs under commit-or-rollback. */
  readonly risky: boolean;
}

function spec<A extends z.ZodType>(s: CommandSpec<A>): CommandSpec<A> {
  return s;
}

export const catalog = {
  diagnose: spec({
    name: "diagnose",
    summary: "assess all seven layers now and answer with the report",
    args: z.strictObject({}),
    resource: null,
    timeoutMs: 60_000,
    risky: false,
  }),
  "dhcp.renew": spec({
    name: "dhcp.renew",
    summary: "rerun DHCP on a link (udhcpc -i IF -n -q) and record the lease",
    args: z.strictObject({ iface: ifname }),
    resource: "link",
    timeoutMs: 30_000,
    risky: false,
  }),
  "qmi.restart": spec({
    name: "qmi.restart",
    summary: "restart the modem's packet data session (qmi-network DEV stop, start)",
    args: z.strictObject({ device: cdcWdm.optional(), apn: apn.optional() }),
    resource: "modem",
    timeoutMs: 90_000,
    risky: false,
  }),
  "link.up": spec({
    name: "link.up",
    summary: "bring an interface up (ip link set IF up)",
    args: z.strictObject({ iface: ifname }),
    resource: "link",
    timeoutMs: 10_000,
    risky: false,
  }),
  "route.replace": spec({
    name: "route.replace",
    summary: "replace the default route through a link (ip route replace default via GW dev IF metric M)",
    args: z.strictObject({
      iface: ifname,
      gateway: ipv4.optional().describe("default: the gateway of the link's lease"),
      metric: z.number().int().min(0).max(65535).optional(),
    }),
    resource: "routing",
    timeoutMs: 15_000,
    risky: true,
  }),
  "dns.repair": spec({
    name: "dns.repair",
    summary: "rewrite resolv.conf with working nameservers (chattr -i, atomic rewrite, chattr +i)",
    args: z.strictObject({ nameservers: z.array(ipv4).min(1).max(3).optional() }),
    resource: "dns",
    timeoutMs: 15_000,
    risky: false,
  }),
  "link.prefer": spec({
    name: "link.prefer",
    summary: "make a link carry the traffic by giving its default route the lowest metric",
    args: z.strictObject({ iface: ifname }),
    resource: "routing",
    timeoutMs: 15_000,
    risky: true,
  }),
  "modem.reset": spec({
    name: "modem.reset",
    summary: "reset the modem (qmicli --dms-set-operating-mode=reset) and wait for it to come back",
    args: z.strictObject({ device: cdcWdm.optional() }),
    resource: "modem",
    timeoutMs: 120_000,
    risky: true,
  }),
  ping: spec({
    name: "ping",
    summary: "ping a target, optionally bound to one link",
    args: z.strictObject({
      target: hostOrIp,
      iface: ifname.optional(),
      count: z.number().int().min(1).max(10).default(3),
    }),
    resource: null,
    timeoutMs: 30_000,
    risky: false,
  }),
  "usbnet.qmi": spec({
    name: "usbnet.qmi",
    summary: "switch the modem's USB composition to QMI (SIMCom AT+CUSBPIDSWITCH=9001,1,1; Quectel AT+QCFG=\"usbnet\",0)",
    args: z.strictObject({ port: z.string().regex(/^\/dev\/ttyUSB[0-9]{1,2}$/).optional() }),
    resource: "modem",
    timeoutMs: 60_000,
    risky: true,
  }),
} as const;

export type Catalog = typeof catalog;
export type CommandName = keyof Catalog;
export const COMMAND_NAMES = Object.keys(catalog) as CommandName[];
export type CommandArgs<N extends CommandName> = z.infer<Catalog[N]["args"]>;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === "string" && Object.hasOwn(catalog, name);
}

export type ArgsCheck =
  | { ok: true; name: CommandName; args: Record<string, unknown> }
  | { ok: false; reason: "unsupported" | "invalid"; message: string };

/** Validates a command name and its args against the catalog; never throws. */
export function checkCommand(name: unknown, args: unknown): ArgsCheck {
  if (!isCommandName(name)) {
    return { ok: false, reason: "unsupported", message: `unknown command ${JSON.stringify(String(name)).slice(0, 80)}` };
  }
  const parsed = catalog[name].args.safeParse(args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `args.${issue.path.join(".")}` : "args";
    return { ok: false, reason: "invalid", message: `${name}: ${where}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, name, args: parsed.data as Record<string, unknown> };
}

/** The lock key a command holds while it runs, or null for read-only commands. */
export function lockKey(name: CommandName, args: Record<string, unknown>): string | null {
  const resource = catalog[name].resource;
  if (resource === "link") return `link:${String(args.iface)}`;
  return resource;
}
