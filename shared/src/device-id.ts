import { z } from "zod";

/**
 * A device id is one MQTT topic level. Lowercase letters, digits and dashes only, so it can never be
 * a wildcard (`+`, `#`), contain a level separator (`/`), start with `$` (broker-internal topics)
 * or be empty.
 */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const deviceIdSchema = z
  .string()
  .regex(DEVICE_ID_PATTERN, "a device id is 1-63 of a-z, 0-9 and '-', not starting with '-'");

export type DeviceId = z.infer<typeof deviceIdSchema>;

export function isDeviceId(value: unknown): value is DeviceId {
  return typeof value === "string" && DEVICE_ID_PATTERN.test(value);
}
