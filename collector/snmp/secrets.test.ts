import { describe, expect, it } from "vitest";
import { resolveSecret, SecretError } from "./secrets.js";

const source = (env: Record<string, string>, files: Record<string, string> = {}) => ({
  env,
  readFile: (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error("nope"), { code: "ENOENT" });
    return text;
  },
});

describe("resolveSecret", () => {
  it("reads env: and file: references, dropping a file's trailing newline", () => {
    expect(resolveSecret("env:COMMUNITY", source({ COMMUNITY: "s3cret" }))).toBe("s3cret");
    expect(resolveSecret("file:/run/secrets/c", source({}, { "/run/secrets/c": "s3cret\n" }))).toBe("s3cret");
  });
  it("names the reference, never the secret, when it cannot resolve", () => {
    expect(() => resolveSecret("env:MISSING", source({}))).toThrow(SecretError);
    expect(() => resolveSecret("env:MISSING", source({}))).toThrow(
      "env:MISSING: environment variable not set",
    );
    expect(() => resolveSecret("file:/nope", source({}))).toThrow(
      "file:/nope: cannot read the file (ENOENT)",
    );
    expect(() => resolveSecret("file:/empty", source({}, { "/empty": "\n" }))).toThrow(/empty/);
  });
  it("refuses a literal secret", () => {
    let message = "";
    try {
      resolveSecret("public", source({}));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not a secret reference/);
    expect(message).not.toContain("public");
  });
});
