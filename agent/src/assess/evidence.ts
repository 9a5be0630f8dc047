import type { Evidence } from "@uplink/shared";

export function ev(kind: string, fact: string): Evidence {
  return { kind, fact };
}
