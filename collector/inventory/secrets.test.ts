import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSecret } from "./secrets.js";

describe("resolveSecret", () => {
  it("reads env: and file: references, dropping a file's trailing newline", () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-secret-"));
    writeFileSync(join(dir, "community"), "rahasia-123\n");
    expect(resolveSecret("env:KP_TEST", { KP_TEST: "abc" })).toBe("abc");
    expect(resolveSecret(`file:${join(dir, "community")}`)).toBe("rahasia-123");
  });

  it("names the reference, never a value, when it cannot resolve", () => {
    expect(() => resolveSecret("env:KP_MISSING", {})).toThrow("environment variable KP_MISSING is not set");
    expect(() => resolveSecret("file:/nonexistent/kp")).toThrow(
      "cannot read secret file /nonexistent/kp: ENOENT",
    );
    expect(() => resolveSecret("hunter2")).toThrow(
      "not a secret reference (expected env:NAME or file:/path)",
    );
  });
});
