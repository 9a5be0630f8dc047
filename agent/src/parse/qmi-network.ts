import { z } from "zod";
import { toInteger } from "./qmicli-fields.ts";
import { connectionStatuses } from "./qmicli-wds-get-packet-service-status.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `qmi-network /dev/cdc-wdm0 start|stop|status`, libqmi's shell script (utils/qmi-network.in).
 * It narrates every step on stdout, reports its own failures as `error: ...` on stderr, and
 * lets the qmicli it runs print to stderr too; a capture with `2>&1` interleaves them:
 *
 *   Loading profile at /etc/qmi-network.conf...        or: Profile at '...' not found...
 *       APN: internet                                  ('unset' when the profile has none)
 *   Checking data format with 'qmicli -d /dev/cdc-wdm0 --wda-get-data-format '...
 *   Device link layer protocol retrieved: raw-ip
 *   Starting network with 'qmicli -d /dev/cdc-wdm0 --wds-start-network=... '...
 *   Saving state at /tmp/qmi-network-state-cdc-wdm0... (CID: 19)
 *   Saving state at /tmp/qmi-network-state-cdc-wdm0... (PDH: 1654799168)
 *   Network started successfully
 *
 * `status` ends with `Status: connected` (exit 0) or another libqmi connection status (exit 64);
 * `stop` ends with `Network stopped successfully` or `Network already stopped`.
 */
export const qmiNetworkSchema = z.object({
  action: z.enum(["start", "stop", "status"]).optional(),
  /** The session as the script last saw it: `connected` after a start, `disconnected` after a stop. */
  status: z.enum(connectionStatuses).optional(),
  /** QMI's packet data handle, a 32-bit value; kept as the decimal string qmicli printed. */
  packetDataHandle: z.string().regex(/^\d{1,10}$/).refine((pdh) => Number(pdh) <= 0xffffffff).optional(),
  /** The WDS client ID, one byte in QMI. */
  clientId: z.number().int().min(0).max(0xff).optional(),
  apn: z.string().min(1).optional(),
  profilePath: z.string().min(1).optional(),
  profileFound: z.boolean().optional(),
  /** The modem's link layer protocol as the start checked it: `raw-ip` or `802-3`. */
  linkLayerProtocol: z.string().min(1).optional(),
  /** The script's own failure, e.g. `network start failed, client not allocated`. */
  error: z.string().min(1).optional(),
  /** The first qmicli error printed before it, the likely cause (e.g. the device is missing). */
  cause: z.string().min(1).optional(),
  /**
   * Why the network refused the session, as qmicli --wds-start-network prints it on stderr (the
   * same since libqmi 1.16): `call end reason (1013): gsm-wcdma-unknown-apn`, and
   * `verbose call end reason (6,27): [3gpp] unknown-apn`.
   */
  callEndReason: z.string().min(1).optional(),
  verboseCallEndReason: z.string().min(1).optional(),
});
export type QmiNetwork = z.infer<typeof qmiNetworkSchema>;

/** Messages only qmi-network prints; one of them must be there. */
const MARKERS =
  /Loading profile at |Profile at '[^'\n]*' not found|Starting network with '|Stopping network with '|Getting status with '|Network started successfully|Network stopped successfully|Network already stopped|Checking data format with '|error: network start failed|error: cannot re-start network|Profile ID creation failed|Clearing state at \/tmp\/qmi-network-state-/;

/** qmi-network's own `error:` messages (every one in utils/qmi-network.in). */
const OWN_ERRORS = [
  "network start failed, client not allocated",
  "network start failed, no packet data handle",
  "cannot re-start network, PDH already exists",
  "couldn't get packet service status",
  "missing arguments",
  "empty profile path given",
  "unexpected command",
];

const ERROR_LINE = /(?:^|[\s>:\]$#])error:[^\S\n]+([^\n]*\S)/gm;

function first(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text)?.[1];
}

function last(text: string, pattern: RegExp): string | undefined {
  const all = [...text.matchAll(new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : pattern.flags + "g"))];
  return all.at(-1)?.[1];
}

function actionOf(text: string): QmiNetwork["action"] {
  if (/Starting network with '|Network started successfully|error: network start failed|error: cannot re-start network|Checking data format with '/.test(text)) {
    return "start";
  }
  if (/Stopping network with '|Network stopped successfully|Network already stopped/.test(text)) return "stop";
  if (/Getting status with '|couldn't get packet service status|(?:^|\s)Status: [a-z]+\s*$/m.test(text)) return "status";
  return undefined;
}

export function parseQmiNetwork(text: string): ParseResult<QmiNetwork> {
  if (!MARKERS.test(text)) {
    return notThisKind("None of the messages qmi-network prints (profile, start, stop or status steps).");
  }
  const result: QmiNetwork = {};
  const action = actionOf(text);
  if (action) result.action = action;

  const profile = first(text, /Loading profile at (\S+?)\.\.\./);
  const missingProfile = first(text, /Profile at '([^'\n]*)' not found/);
  if (profile) {
    result.profilePath = profile;
    result.profileFound = true;
  } else if (missingProfile) {
    result.profilePath = missingProfile;
    result.profileFound = false;
  }
  const apn = first(text, /(?<![\w-])APN: ([^\s]+)[^\S\n]*$/m);
  if (apn && apn !== "unset") result.apn = apn;

  const llp = first(text, /Device link layer protocol retrieved: (\S+)/);
  if (llp) result.linkLayerProtocol = llp;

  // Values that do not fit their QMI field (a damaged log) are not the session's: left out.
  const pdh = last(text, /(?:\(PDH: |Previous PDH: )(\d+)/);
  if (pdh !== undefined && toInteger(pdh, 0, 0xffffffff) !== undefined) result.packetDataHandle = pdh;
  const cid = toInteger(last(text, /(?:\(CID: |Previous CID: )(\d+)/), 0, 0xff);
  if (cid !== undefined) result.clientId = cid;

  const reported = last(text, /(?:^|\s)Status: ([a-z]+)[^\S\n]*$/m);
  if (reported !== undefined && (connectionStatuses as readonly string[]).includes(reported)) {
    result.status = reported as QmiNetwork["status"];
  } else if (/Network started successfully/.test(text)) {
    result.status = "connected";
  } else if (/Network stopped successfully|Network already stopped/.test(text)) {
    result.status = "disconnected";
  }

  const errors = [...text.matchAll(ERROR_LINE)].map((m) => m[1] ?? "").filter((m) => m !== "");
  // Exact matches: qmicli's `couldn't get packet service status: <why>` is the cause, not the script's verdict.
  const own = errors.filter((m) => OWN_ERRORS.some((e) => m === e || m.startsWith(`${e} '`)));
  const ownError = own.at(-1);
  if (ownError) result.error = ownError;
  else if (/Profile ID creation failed/.test(text)) result.error = "Profile ID creation failed";
  const cause = errors.find((m) => !own.includes(m));
  if (cause) result.cause = cause;
  const endReason = last(text, /(?:^|\s)call end reason \(\d+\): ([\w-]+)/m);
  if (endReason) result.callEndReason = endReason;
  const verbose = [...text.matchAll(/verbose call end reason \(\d+,-?\d+\): \[([\w-]+)\] ([\w-]+)/g)].at(-1);
  if (verbose) result.verboseCallEndReason = `${verbose[1]} ${verbose[2]}`;
  return facts(result);
}

export const qmiNetworkKind = defineKind({
  kind: "qmi-network",
  source: "qmi-network /dev/cdc-wdm0 status",
  schema: qmiNetworkSchema,
  parse: parseQmiNetwork,
});
