import { readFileSync } from "node:fs";
import { MAX_PAYLOAD_BYTES } from "@uplink/shared";
import type { PacketSizeLimits } from "./packet-size-guard.ts";

/**
 * What the embedded broker lets anyone on the network spend before it knows who they are. Each
 * bound is there because an attacker on the same machine exhausted the thing it bounds (issue 11).
 */
export interface BrokerLimits {
  /** Open MQTT sockets (plain and TLS together); the next one is closed at once. */
  maxConnections: number;
  /** A socket that has not sent a whole CONNECT by then is closed (and a TLS handshake, too). */
  connectTimeoutMs: number;
  /** Password checks (scrypt) running at once. */
  authConcurrency: number;
  /** Password checks waiting for a slot; past it a CONNECT is answered "server unavailable". */
  authQueue: number;
  /** Failed logins a source address may make per minute (also its burst) before it is refused unchecked. */
  authFailuresPerMinute: number;
}

/** Descriptors kept for everything else: the HTTP API and its clients, the store, logs. */
const RESERVED_DESCRIPTORS = 1024;
/** Twice the 10,000 devices measured on one box (405 MiB): ~0.8 GiB of connected devices. */
const MAX_CONNECTIONS_CEILING = 20_000;

/**
 * The socket bound fits under the process's descriptor limit: at 20,600 sockets the server hit
 * EMFILE and could no longer accept `/healthz` either.
 */
export function defaultMaxConnections(openFilesLimit: number | null): number {
  if (openFilesLimit === null || !Number.isFinite(openFilesLimit)) return MAX_CONNECTIONS_CEILING;
  return Math.max(64, Math.min(MAX_CONNECTIONS_CEILING, openFilesLimit - RESERVED_DESCRIPTORS));
}

/** The soft RLIMIT_NOFILE, from /proc (Linux); null where it cannot be read or is unlimited. */
export function readOpenFilesLimit(): number | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line ? Number(line.split(/\s{2,}/)[1]) : NaN;
    return Number.isFinite(soft) ? soft : null;
  } catch {
    return null;
  }
}

export function defaultBrokerLimits(openFilesLimit: number | null = readOpenFilesLimit()): BrokerLimits {
  return {
    maxConnections: defaultMaxConnections(openFilesLimit),
    // A CONNECT follows the TCP handshake within a round trip or two, even on a slow cellular
    // link; the agent gives a whole connection attempt 15 s.
    connectTimeoutMs: 10_000,
    // scrypt runs on libuv's pool (4 threads unless UV_THREADPOOL_SIZE says otherwise), which
    // file I/O and DNS lookups share: half of it. At N=16384 that is ~40 checks/s on this box.
    authConcurrency: 2,
    // ~2.5 s of waiting at that rate, well inside a client's connect timeout.
    authQueue: 100,
    // An agent with a wrong password retries every 3 s (20/min) and stays under it, so one
    // misconfigured Pi does not lock out the others behind its NAT; a storm gets 30 checks, then one per 2 s.
    authFailuresPerMinute: 30,
  };
}

/** Any packet before authentication: a CONNECT is a client id, a will and credentials. */
const BEFORE_AUTH_BYTES = 64 * 1024;
/** A PUBLISH's variable header at most: topic length (2), the longest topic (65,535), packet id (2). */
const PUBLISH_OVERHEAD_BYTES = 2 + 65_535 + 2;

export const PACKET_SIZE_LIMITS: PacketSizeLimits = {
  beforeAuth: BEFORE_AUTH_BYTES,
  // The payload itself is checked against MAX_PAYLOAD_BYTES by the ACL; this only keeps what no
  // reader accepts from being buffered at all.
  publish: MAX_PAYLOAD_BYTES + PUBLISH_OVERHEAD_BYTES,
  control: 64 * 1024,
};
