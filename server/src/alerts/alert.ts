import { z } from "zod";
import { deviceIdSchema } from "@uplink/shared";

/** The rules the server evaluates; each watches one condition of one device. */
export const ALERT_RULES = ["device.offline", "link.fallback", "layer.failing", "power.under-voltage", "data.budget"] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

const isoTime = z.iso.datetime({ offset: true });

/** One alert: a condition that held long enough to fire, and, once it stopped, its resolution. */
export const alertSchema = z.object({
  id: z.string().describe("unique per occurrence"),
  key: z.string().describe("rule, device and subject: at most one alert of a key is firing at a time"),
  rule: z.enum(ALERT_RULES),
  deviceId: deviceIdSchema,
  subject: z.string().nullable().describe("what on the device: a link, link/layer, or null"),
  state: z.enum(["firing", "resolved"]),
  since: isoTime.describe("when the condition began"),
  firedAt: isoTime,
  resolvedAt: isoTime.nullable(),
  summary: z.string(),
});
export type Alert = z.infer<typeof alertSchema>;

/** Thresholds of the rules; null turns a rule off. */
export interface AlertRules {
  offlineAfterMs: number | null;
  fallbackAfterMs: number | null;
  layerFailingAfterMs: number | null;
  underVoltage: boolean;
  /** Bytes a device may carry over its metered (cellular) links per billing cycle. */
  dataBudgetBytes: number | null;
  /** Day of the month (1-28, UTC) a billing cycle starts. */
  billingDay: number;
}

export const DEFAULT_ALERT_RULES: AlertRules = {
  offlineAfterMs: 300_000,
  fallbackAfterMs: 600_000,
  layerFailingAfterMs: 600_000,
  underVoltage: true,
  dataBudgetBytes: null,
  billingDay: 1,
};
