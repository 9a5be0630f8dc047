import { z } from "zod";
import { deviceIdSchema, DEFAULT_TOPIC_ROOT, validateTopicRoot, COMMAND_NAMES } from "@uplink/shared";
import { cronError } from "../runtime/cron.ts";

const ifname = z.string().regex(/^[a-zA-Z0-9_.-]{1,15}$/, "an interface name (at most 15 of a-z, 0-9, _ . -)");
const seconds = (def: number, min = 1) => z.number().int().min(min).default(def);

const brokerSchema = z.strictObject({
  url: z
    .string()
    .regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, "an MQTT URL such as mqtts://broker.example.com:8883"),
  username: z.string().min(1),
  password: z.string().min(1),
  /** Paths to PEM files; with them the connection is TLS with this CA and this client cert. */
  ca: z.string().optional(),
  cert: z.string().optional(),
  key: z.string().optional(),
  keepaliveS: seconds(30, 5),
  reconnectS: seconds(3),
  connectTimeoutS: seconds(15),
});

const modemSchema = z.strictObject({
  qmiDevice: z.string().regex(/^\/dev\/cdc-wdm[0-9]{1,2}$/, "a QMI control device such as /dev/cdc-wdm0").default("/dev/cdc-wdm0"),
  apn: z.string().regex(/^[A-Za-z0-9.-]{1,62}$/, "an APN (letters, digits, '.', '-')").optional(),
  atPort: z.string().regex(/^\/dev\/ttyUSB[0-9]{1,2}$/, "an AT port such as /dev/ttyUSB2").default("/dev/ttyUSB2"),
  /** qmi-network reads the APN from this file (APN=..., PROXY=yes). */
  profilePath: z.string().default("/etc/qmi-network.conf"),
});

const intervalsSchema = z.strictObject({
  /** A cron expression (runtime/cron.ts), seconds first; the default runs at second 0 of every minute. */
  diagnoseCron: z
    .string()
    .default("0 * * * * *")
    .superRefine((expr, ctx) => {
      const error = cronError(expr);
      if (error) ctx.addIssue({ code: "custom", message: error });
    }),
  heartbeatS: seconds(30),
  /** Netlink changes within this window are assessed once. */
  watchDebounceMs: z.number().int().min(0).max(60_000).default(500),
  /** A data dir that refused writes is tried again this often (and on a write after as long). */
  storageRetryS: seconds(30),
});

const probeSchema = z.strictObject({
  ip: z.ipv4().default("8.8.8.8"),
  name: z.string().min(1).max(253).default("google.com"),
  timeoutS: z.number().int().min(1).max(10).default(2),
});

const healingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Commands the agent may run on its own; anything else it only reports. */
  allow: z.array(z.enum(["reboot", ...COMMAND_NAMES])).default([
    "link.up",
    "dhcp.renew",
    "qmi.restart",
    "dns.repair",
    "route.replace",
    "modem.reset",
  ]),
  /** The escalation ladder on a link whose fault persists: each rung after `attemptsPerRung` tries. */
  ladder: z.array(z.enum(["reboot", ...COMMAND_NAMES])).default(["dhcp.renew", "qmi.restart", "modem.reset", "reboot"]),
  attemptsPerRung: z.number().int().min(1).max(10).default(2),
  maxPerHour: z.record(z.string(), z.number().int().min(0)).default({
    "dhcp.renew": 6,
    "qmi.restart": 3,
    "modem.reset": 1,
    reboot: 1,
  }),
  defaultMaxPerHour: z.number().int().min(0).default(6),
  backoff: z
    .strictObject({ initialS: seconds(30), maxS: seconds(1800), factor: z.number().min(1).max(10).default(2) })
    .default({ initialS: 30, maxS: 1800, factor: 2 }),
  /** Reboot is the last rung and off unless set here. */
  rebootEnabled: z.boolean().default(false),
});

const preferenceSchema = z.strictObject({
  metrics: z.strictObject({ wifi: z.number().int().min(0).default(100), cellular: z.number().int().min(0).default(700) }).default({ wifi: 100, cellular: 700 }),
  /** A Wi-Fi with no upstream gets this metric: above cellular, so the kernel sends traffic there. */
  demotedMetric: z.number().int().min(1).max(65535).default(2000),
  failuresToDemote: z.number().int().min(1).default(3),
  successesToPromote: z.number().int().min(1).default(3),
});

export const configSchema = z.strictObject({
  deviceId: deviceIdSchema,
  broker: brokerSchema,
  topicRoot: z
    .string()
    .default(DEFAULT_TOPIC_ROOT)
    .refine((root) => {
      try {
        validateTopicRoot(root);
        return true;
      } catch {
        return false;
      }
    }, "plain topic levels such as uplink/v1 (no wildcard, no empty level)"),
  dataDir: z.string().min(1).default("/var/lib/uplink"),
  links: z.strictObject({ cellular: ifname.default("wwan0"), wifi: ifname.default("wlan0") }).default({ cellular: "wwan0", wifi: "wlan0" }),
  modem: modemSchema.default(modemSchema.parse({})),
  resolvConfPath: z.string().default("/etc/resolv.conf"),
  /** What dns.repair writes when neither the command nor a recorded lease names servers. */
  dns: z
    .strictObject({ fallbackNameservers: z.array(z.ipv4()).min(1).max(3).default(["8.8.8.8", "1.1.1.1"]) })
    .default({ fallbackNameservers: ["8.8.8.8", "1.1.1.1"] }),
  intervals: intervalsSchema.default(intervalsSchema.parse({})),
  probe: probeSchema.default(probeSchema.parse({})),
  healing: healingSchema.default(healingSchema.parse({})),
  preference: preferenceSchema.default(preferenceSchema.parse({})),
  /**
   * net.ipv4.conf.all.ignore_routes_with_linkdown=1 at start: a link that loses its carrier keeps
   * its default route (no DHCP client removes it on a Pi set up by the field guide), and the kernel
   * would keep sending traffic into it; with this the kernel skips it at once and takes it back
   * when the carrier returns, without waiting for a diagnosis.
   */
  ignoreLinkdownRoutes: z.boolean().default(true),
  rollback: z.strictObject({ graceS: seconds(60) }).default({ graceS: 60 }),
  outbox: z
    .strictObject({
      maxEntries: z.number().int().min(10).default(5000),
      /** Off by default: a JSON-lines record of every entry added and shed, never trimmed (outbox/audit.ts). */
      auditPath: z.string().min(1).optional(),
    })
    .default({ maxEntries: 5000 }),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type AgentConfig = z.infer<typeof configSchema>;
export type AgentConfigInput = z.input<typeof configSchema>;
