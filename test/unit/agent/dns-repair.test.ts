import pino from "pino";
import { describe, expect, it } from "vitest";
import { dnsRepairCommand } from "../../../agent/src/commands/dns-repair.ts";
import type { CommandContext } from "../../../agent/src/commands/context.ts";
import { checkConfig } from "../../../agent/src/config/load.ts";

/** A command context over a Pi whose /etc/resolv.conf is `linkTarget` (null: a plain file). */
function context(linkTarget: string | null, old = "search lan\nnameserver 10.41.108.1\n") {
  const ran: string[] = [];
  const written: { path: string; content: string }[] = [];
  const checked = checkConfig({ deviceId: "pi-1", broker: { url: "mqtt://127.0.0.1", username: "pi-1", password: "x" } }, {});
  if (!checked.ok) throw new Error("test config");
  const ctx = {
    config: checked.config,
    leases: { get: () => undefined },
    log: pino({ level: "silent" }),
    signal: new AbortController().signal,
    progress: () => {},
    diagnose: async () => null,
    host: {
      readLink: async () => linkTarget,
      readFile: async () => old,
      writeFileAtomic: async (path: string, content: string) => void written.push({ path, content }),
    },
    exec: async (file: string, args: readonly string[]) => {
      ran.push([file, ...args].join(" "));
      return { exitCode: 0, stdout: "", stderr: "" };
    },
  } as unknown as CommandContext;
  return { ctx, ran, written };
}

describe("dns.repair", () => {
  it("does the field guide's dance on a plain file: chattr -i, an atomic rewrite, chattr +i", async () => {
    const { ctx, ran, written } = context(null);
    const outcome = await dnsRepairCommand({ nameservers: ["9.9.9.9"] }, ctx);
    expect(outcome.ok).toBe(true);
    expect(ran).toEqual(["chattr -i /etc/resolv.conf", "chattr +i /etc/resolv.conf"]);
    expect(written).toHaveLength(1);
    expect(written[0]!.content).toMatch(/^# written by uplink dns\.repair at .+\nsearch lan\nnameserver 9\.9\.9\.9\n$/);
  });

  it("tells systemd-resolved instead of overwriting its stub file", async () => {
    const { ctx, ran, written } = context("../run/systemd/resolve/stub-resolv.conf");
    await dnsRepairCommand({ nameservers: ["9.9.9.9"] }, ctx);
    expect(written).toEqual([]);
    expect(ran).toEqual(["resolvectl dns wlan0 9.9.9.9", "resolvectl dns wwan0 9.9.9.9", "resolvectl flush-caches"]);
  });

  it("hands the servers to resolvconf when it owns the file", async () => {
    const { ctx, ran, written } = context("/run/resolvconf/resolv.conf");
    await dnsRepairCommand({}, ctx);
    expect(written).toEqual([]);
    expect(ran).toEqual(["resolvconf -a uplink.inet", "resolvconf -u"]);
  });

  it("falls back to the configured nameservers when neither the command nor a lease names any", async () => {
    const { ctx, written } = context(null, "");
    await dnsRepairCommand({}, ctx);
    expect(written[0]!.content).toContain("nameserver 8.8.8.8\nnameserver 1.1.1.1\n");
  });
});
