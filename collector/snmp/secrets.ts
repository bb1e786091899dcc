// Resolve the inventory's secret references (`env:NAME`, `file:/path`) at run time.
// Errors name the reference, never the secret; values are never logged.
import { readFileSync } from "node:fs";

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretError";
  }
}

export type SecretSource = { env: NodeJS.ProcessEnv; readFile: (path: string) => string };

const defaultSource: SecretSource = { env: process.env, readFile: (path) => readFileSync(path, "utf8") };

/** The secret a reference points at; a file's trailing newline is dropped (`echo secret > file`). */
export function resolveSecret(reference: string, source: SecretSource = defaultSource): string {
  if (reference.startsWith("env:")) {
    const name = reference.slice(4);
    const value = source.env[name];
    if (value === undefined || value === "")
      throw new SecretError(`${reference}: environment variable not set`);
    return value;
  }
  if (reference.startsWith("file:")) {
    const path = reference.slice(5);
    let text: string;
    try {
      text = source.readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new SecretError(`${reference}: cannot read the file (${code})`);
    }
    const value = text.replace(/\r?\n$/, "");
    if (value === "") throw new SecretError(`${reference}: file is empty`);
    return value;
  }
  throw new SecretError("not a secret reference (expected env:NAME or file:/path)");
}

/** What a secret becomes in a log line or an error text. */
export const REDACTED = "[redacted]";

/**
 * An error text with every secret value blanked out (pure): the values given, and whatever an SNMP
 * library quotes as a community (`Community 'X' ... community 'Y'`: the second may be another
 * device's, or an attacker's probe echoed back).
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text
    .replace(
      /Community '[\s\S]*' in request does not match community '[\s\S]*' in response/,
      `Community '${REDACTED}' in request does not match community '${REDACTED}' in response`,
    )
    .replace(/(community\s+)'[^']*'/gi, `$1'${REDACTED}'`);
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  return out;
}
