import { describe, expect, it } from "vitest";
import { initialPreference, stepPreference, type PreferenceState } from "../../../agent/src/heal/preference.ts";

const policy = { metrics: { wifi: 100, cellular: 700 }, demotedMetric: 2000, failuresToDemote: 3, successesToPromote: 3 };

function run(probes: [boolean | null, boolean | null][]): (string | null)[] {
  let state: PreferenceState = initialPreference;
  return probes.map(([wifi, cell]) => {
    const step = stepPreference(state, wifi, cell, policy);
    state = step.state;
    return step.action;
  });
}

describe("demotion of a Wi-Fi without upstream", () => {
  it("demotes after three failed probes in a row while cellular passes", () => {
    expect(run([[false, true], [false, true], [false, true]])).toEqual([null, null, "demote"]);
  });

  it("does not demote into a dead fallback", () => {
    expect(run([[false, false], [false, false], [false, false], [false, null]])).toEqual([null, null, null, null]);
  });

  it("ignores a single lost probe", () => {
    expect(run([[false, true], [true, true], [false, true], [false, true], [true, true]])).toEqual([null, null, null, null, null]);
  });

  it("promotes back after three good probes in a row, and a flapping link moves nothing", () => {
    const demote: [boolean, boolean][] = [[false, true], [false, true], [false, true]];
    expect(run([...demote, [true, true], [false, true], [true, true], [true, true], [true, true]])).toEqual([null, null, "demote", null, null, null, null, "promote"]);
  });
});
