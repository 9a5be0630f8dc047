import type { AgentConfig } from "../config/schema.ts";

export type PreferencePolicy = AgentConfig["preference"];

export interface PreferenceState {
  demoted: boolean;
  failStreak: number;
  okStreak: number;
}

export const initialPreference: PreferenceState = { demoted: false, failStreak: 0, okStreak: 0 };

export interface PreferenceStep {
  state: PreferenceState;
  action: "demote" | "promote" | null;
}

/**
 * Demotion of a Wi-Fi that is associated but has no upstream: the kernel keeps sending traffic
 * through its default route (lowest metric) whatever happens beyond the access point, so the
 * agent raises its metric when its probe failed `failuresToDemote` times in a row *and* the
 * cellular link passes (demoting into a dead fallback helps no one), and lowers it again after
 * `successesToPromote` passes in a row. The streaks are the hysteresis: one lost ping does not
 * move the route, and a flapping link does not flap it. Pure.
 *
 * `wifiOk` / `cellularOk` are the per-link probe results (null: not probed, e.g. no address).
 */
export function stepPreference(state: PreferenceState, wifiOk: boolean | null, cellularOk: boolean | null, policy: PreferencePolicy): PreferenceStep {
  if (wifiOk === null) return { state, action: null };
  const next: PreferenceState = wifiOk
    ? { demoted: state.demoted, failStreak: 0, okStreak: state.okStreak + 1 }
    : { demoted: state.demoted, failStreak: state.failStreak + 1, okStreak: 0 };
  if (!next.demoted && next.failStreak >= policy.failuresToDemote && cellularOk === true) {
    return { state: { ...next, demoted: true }, action: "demote" };
  }
  if (next.demoted && next.okStreak >= policy.successesToPromote) {
    return { state: { ...next, demoted: false }, action: "promote" };
  }
  return { state: next, action: null };
}
