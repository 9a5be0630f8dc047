import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../server/src/errors.ts";

describe("the server's error codes", () => {
  const readme = readFileSync(resolve(import.meta.dirname, "../../../server/README.md"), "utf8");
  it.each(Object.keys(ERROR_CODES))("documents %s in server/README.md", (code) => {
    expect(readme).toContain(`\`${code}\``);
  });
});
