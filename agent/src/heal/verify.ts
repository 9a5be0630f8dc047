import type { Diagnosis, LayerHealth, LayerName } from "@uplink/shared";

/** A remediation whose command ran and exited well: whether it fixed its layer is yet to be seen. */
export interface Unverified {
  /** The link it was for, or "host" for layers 5-7. */
  link: string;
  layer: LayerName;
  cause: string;
  command: string;
  /** When the command finished: only a diagnosis collected after it can tell. */
  ranAt: number;
  /** Only an ok (or degraded) layer counts: for a fix that is not aimed at the layer's own cause. */
  strict?: boolean;
}

export type Verdict = { kind: "fixed"; summary: string } | { kind: "not-fixed"; why: string } | { kind: "wait"; why: string };

/**
 * How long after a command its layer may still look broken while the fix takes: a reset modem
 * re-enumerates on USB and registers again, which takes tens of seconds; the other fixes act at
 * once (a session that starts is connected, a lease is bound, a route is in the table).
 */
export const SETTLE_MS: Readonly<Record<string, number>> = {
  "modem.reset": 90_000,
  "usbnet.qmi": 90_000,
  reboot: 300_000,
};

function layerOf(diagnosis: Diagnosis, link: string, layer: LayerName): LayerHealth | undefined {
  const layers = link === "host" ? diagnosis.host.layers : diagnosis.links[link]?.layers;
  return layers?.find((l) => l.name === layer);
}

/**
 * Whether a remediation fixed what it was run for, from a diagnosis collected after it. Pure.
 * - fixed: the layer is ok (or only degraded), or it now fails for a cause that another command
 *   addresses (a reset modem is registered again and its packet session is next);
 * - not fixed: the layer still fails for the same cause, fails for one the same command would be
 *   run for again, or is not assessed at all, once the command's settle time has passed;
 * - wait: within the settle time, or the diagnosis is older than the command.
 */
export function verify(u: Unverified, diagnosis: Diagnosis, collectedAt: number | undefined): Verdict {
  if (collectedAt !== undefined && collectedAt < u.ranAt) return { kind: "wait", why: "the diagnosis began before the fix ended" };
  const health = layerOf(diagnosis, u.link, u.layer);
  const where = u.link === "host" ? u.layer : `${u.link} ${u.layer}`;
  if (health && (health.state === "ok" || health.state === "degraded")) {
    return { kind: "fixed", summary: `${where} is ${health.state}: ${health.summary}` };
  }
  if (!u.strict && health?.state === "failing" && health.cause !== u.cause && health.fix && health.fix.name !== u.command) {
    return { kind: "fixed", summary: `${u.cause} is gone; ${where} now fails for ${health.cause}` };
  }
  const settle = SETTLE_MS[u.command] ?? 0;
  if (collectedAt !== undefined && collectedAt - u.ranAt < settle) {
    return { kind: "wait", why: `${where} may take up to ${settle / 1000} s to recover after ${u.command}` };
  }
  if (!health || health.state === "unknown") {
    return { kind: "not-fixed", why: `${u.command} ran, but ${where} could not be assessed afterwards${health ? `: ${health.summary}` : ""}` };
  }
  const still = health.cause === u.cause ? `still fails (${health.cause})` : `fails (${health.cause})`;
  return { kind: "not-fixed", why: `${u.command} ran, but did not fix it: ${where} ${still}: ${health.summary}` };
}
