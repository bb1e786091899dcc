// Resolve a secret reference (env:NAME or file:/path) at run time. The value is returned to the
// caller and never logged; errors name the reference, never a value.
import { readFileSync } from "node:fs";
import { SECRET_REF } from "./schema.js";

export class SecretError extends Error {
  override name = "SecretError";
}

export function resolveSecret(reference: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!SECRET_REF.test(reference))
    throw new SecretError("not a secret reference (expected env:NAME or file:/path)");
  if (reference.startsWith("env:")) {
    const name = reference.slice(4);
    const value = env[name];
    if (value === undefined || value === "") throw new SecretError(`environment variable ${name} is not set`);
    return value;
  }
  const path = reference.slice(5);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new SecretError(
      `cannot read secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw new SecretError(`secret file ${path} is empty`);
  return value;
}
