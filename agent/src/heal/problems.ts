import type { Diagnosis, Fix, LayerName } from "@uplink/shared";

/** A fault the agent may heal: where, the cause code of the diagnosis, the fix it names. */
export interface Problem {
  /** `link:cause`: the identity of an episode; attempts are counted per key. */
  key: string;
  link: string;
  role: "cellular" | "wifi" | "host";
  cause: string;
  fix: Fix | null;
  /** The layer that fails with `cause`: a fix worked when it is no longer failing so. */
  layer?: LayerName;
}

/**
 * The root causes of a diagnosis that are worth acting on: the lowest failing layer of each link
 * and of the host. Pure. A layer without a cause code is ignored: without it there is no policy.
 */
export function problemsOf(diagnosis: Diagnosis): Problem[] {
  const problems: Problem[] = [];
  for (const [link, report] of Object.entries(diagnosis.links)) {
    const root = report.layers.find((l) => l.name === report.firstFailingLayer && l.state === "failing");
    if (root?.cause) problems.push({ key: `${link}:${root.cause}`, link, role: report.role, cause: root.cause, fix: root.fix ?? null, layer: root.name });
  }
  const host = diagnosis.host.layers.find((l) => l.name === diagnosis.host.firstFailingLayer && l.state === "failing");
  // An unreachable application layer is a symptom of what the link reports already name.
  if (host?.cause && host.name !== "application") {
    problems.push({ key: `host:${host.cause}`, link: "host", role: "host", cause: host.cause, fix: host.fix ?? null, layer: host.name });
  }
  return problems;
}
