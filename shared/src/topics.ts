import { isDeviceId } from "./device-id.ts";

export const DEFAULT_TOPIC_ROOT = "uplink/v1";

/** The per-device channels of the wire contract; the order is the order of DESIGN.md's table. */
export const CHANNELS = ["status", "heartbeat", "health", "events", "cmd/req", "cmd/res"] as const;
export type Channel = (typeof CHANNELS)[number];

const ROOT_LEVEL = /^[A-Za-z0-9_.-]+$/;

/** A root is one or more plain topic levels: no wildcard, no empty level, no leading `$`. */
export function validateTopicRoot(root: string): string {
  const levels = root.split("/");
  if (root.length === 0 || levels.some((l) => !ROOT_LEVEL.test(l))) {
    throw new Error(`invalid topic root "${root}": use plain levels such as "uplink/v1"`);
  }
  return root;
}

export interface Topics {
  readonly root: string;
  device(deviceId: string, channel: Channel): string;
  /** `{root}/+/{channel}`: every device's channel, for the server's subscriptions. */
  allDevices(channel: Channel): string;
  /** The inverse of `device`: null for anything that is not exactly one of our topics. */
  parse(topic: string): { deviceId: string; channel: Channel } | null;
}

export function createTopics(root: string = DEFAULT_TOPIC_ROOT): Topics {
  validateTopicRoot(root);
  const prefix = `${root}/`;
  return {
    root,
    device(deviceId, channel) {
      if (!isDeviceId(deviceId)) throw new Error(`invalid device id "${deviceId}"`);
      return `${prefix}${deviceId}/${channel}`;
    },
    allDevices(channel) {
      return `${prefix}+/${channel}`;
    },
    parse(topic) {
      if (!topic.startsWith(prefix)) return null;
      const rest = topic.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash < 0) return null;
      const deviceId = rest.slice(0, slash);
      const channel = rest.slice(slash + 1);
      if (!isDeviceId(deviceId)) return null;
      if (!(CHANNELS as readonly string[]).includes(channel)) return null;
      return { deviceId, channel: channel as Channel };
    },
  };
}
