import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lsattrFactsSchema, lsattrKind, parseLsattr } from "../../../agent/src/parse/lsattr.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/lsattr/${name}`, import.meta.url), "utf8");

describe("lsattr parser", () => {
  it.each([
    {
      name: "debian12-ext4-immutable.txt",
      why: "reports a file after chattr +i as immutable",
      expected: { files: [{ path: "resolv.conf", immutable: true, flags: "----i---------e-------" }] },
    },
    {
      name: "debian12-ext4-mutable.txt",
      why: "reports the extent flag alone as not immutable",
      expected: { files: [{ path: "resolv.conf", immutable: false, flags: "--------------e-------" }] },
    },
    {
      name: "debian12-procfs-not-supported.txt",
      why: "reports a file system without flags as an error fact",
      expected: {
        files: [],
        error: { message: "lsattr: Operation not supported While reading flags on /proc/version", path: "/proc/version" },
      },
    },
    {
      name: "debian12-symlink-not-supported.txt",
      why: "reports a symlinked resolv.conf as an error fact",
      expected: {
        files: [],
        error: { message: "lsattr: Operation not supported While reading flags on resolv.conf.link", path: "resolv.conf.link" },
      },
    },
  ])("$why ($name)", ({ name, expected }) => {
    const result = parseLsattr(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(lsattrFactsSchema.safeParse(result.facts).success).toBe(true);
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Successfully got data format\n"],
    ["random text", "just some words"],
  ])("rejects %s as not lsattr output", (_what, text) => {
    expect(parseLsattr(text).ok).toBe(false);
  });

  it("is registered as lsattr", () => {
    expect(lsattrKind.kind).toBe("lsattr");
  });
});
