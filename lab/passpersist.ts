/**
 * Serve chosen values from a real snmpd with its `pass_persist` extension: snmpd starts a small Node
 * script per subtree and asks it for GET / GETNEXT over a pipe; the script answers from a JSON file
 * that the test rewrites whenever it wants a new value (read on every request, replaced atomically).
 * This is how a test makes a 32-bit counter wrap, or serves a MikroTik simple-queue table, from a
 * real agent speaking real SNMP.
 */
import { chmodSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type PassType =
  | "integer"
  | "unsigned"
  | "gauge"
  | "counter"
  | "counter64"
  | "timeticks"
  | "ipaddress"
  | "objectid"
  | "string"
  | "octet";

export interface ServedValue {
  type: PassType;
  value: string | number | bigint;
}

/** The pass_persist program (plain JS, run by this Node binary). */
const SCRIPT = String.raw`
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
const file = process.argv[2];
const parse = (oid) => oid.replace(/^\./, "").split(".").map(Number);
const compare = (a, b) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};
const load = () => {
  let values = {};
  try { values = JSON.parse(readFileSync(file, "utf8")); } catch { /* none yet */ }
  return Object.entries(values).map(([oid, v]) => ({ oid: parse(oid), ...v })).sort((a, b) => compare(a.oid, b.oid));
};
const answer = (row) => (row ? "." + row.oid.join(".") + "\n" + row.type + "\n" + String(row.value) + "\n" : "NONE\n");
const lines = createInterface({ input: process.stdin });
let pending = null;
lines.on("line", (line) => {
  if (pending === null) {
    if (line === "PING") process.stdout.write("PONG\n");
    else if (line === "get" || line === "getnext" || line === "set") pending = { command: line };
    return;
  }
  if (pending.command === "set") {
    if (pending.oid === undefined) { pending.oid = line; return; }
    pending = null;
    process.stdout.write("not-writable\n");
    return;
  }
  const oid = parse(line);
  const rows = load();
  const row = pending.command === "get" ? rows.find((r) => compare(r.oid, oid) === 0) : rows.find((r) => compare(r.oid, oid) > 0);
  pending = null;
  process.stdout.write(answer(row));
});
`;

function fileFor(servedDir: string, subtree: string): string {
  return join(servedDir, `${subtree.replace(/^\./, "")}.json`);
}

/** Write the script and return its path. */
export function writePassPersistScript(dir: string): string {
  const path = join(dir, "passpersist.mjs");
  writeFileSync(path, SCRIPT);
  return path;
}

/** One wrapper per subtree (pass_persist takes a program path, not arguments) and its config line. */
export function passPersistLines(subtrees: string[], scriptPath: string, servedDir: string): string[] {
  return subtrees.map((subtree) => {
    const clean = subtree.replace(/^\./, "");
    const wrapper = join(servedDir, `${clean}.sh`);
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec '${process.execPath}' '${scriptPath}' '${fileFor(servedDir, clean)}'\n`,
    );
    chmodSync(wrapper, 0o755);
    return `pass_persist .${clean} ${wrapper}`;
  });
}

/** Atomically replace the values served under `subtree` (full OIDs as keys). */
export function writeServedValues(
  servedDir: string,
  subtree: string,
  values: Record<string, ServedValue>,
): void {
  const file = fileFor(servedDir, subtree);
  const json: Record<string, { type: PassType; value: string }> = {};
  for (const [oid, v] of Object.entries(values))
    json[oid.replace(/^\./, "")] = { type: v.type, value: String(v.value) };
  writeFileSync(`${file}.tmp`, JSON.stringify(json));
  renameSync(`${file}.tmp`, file);
}
