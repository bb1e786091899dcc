/**
 * A thin wrapper over net-snmp's command-line tools (snmpget, snmpbulkwalk, snmpset) used to check
 * readiness and to assert what an agent really serves. It is deliberately independent of the
 * collector's own SNMP code, so tests compare the collector against a second implementation.
 * Secrets (community, v3 keys) are passed as arguments but never appear in error messages.
 */
import { requireBinary } from "./binaries.js";
import { run } from "./process.js";

export type AuthProtocol = "MD5" | "SHA" | "SHA-224" | "SHA-256" | "SHA-384" | "SHA-512";
/**
 * AES-192/AES-256 need a longer key than SHA/MD5 produce. net-snmp's plain names use the Blumenthal
 * key extension; the "-C" names use the Reeder one (Cisco's). Agent and poller must agree.
 */
export type PrivProtocol = "DES" | "AES" | "AES-192" | "AES-256" | "AES-192-C" | "AES-256-C";

export interface SnmpV3Credentials {
  user: string;
  level: "noAuthNoPriv" | "authNoPriv" | "authPriv";
  authProtocol?: AuthProtocol;
  authKey?: string;
  privProtocol?: PrivProtocol;
  privKey?: string;
}

export interface SnmpTarget {
  host: string;
  port: number;
  /** v2c community; used when `v3` is absent. */
  community?: string;
  v3?: SnmpV3Credentials;
  /** Run the client inside this network namespace (`ip netns exec`). */
  netns?: string;
}

/** One varbind as printed by the tools with -On -Oe -Ot -Oq: numeric OID and the raw value text. */
export interface Varbind {
  oid: string;
  value: string;
}

const SECRET_FLAGS = new Set(["-c", "-A", "-X"]);

/** Replace the values of secret-carrying flags with "***" (for error messages). */
export function redactArgs(args: readonly string[]): string[] {
  return args.map((arg, i) => (i > 0 && SECRET_FLAGS.has(args[i - 1] ?? "") ? "***" : arg));
}

export function credentialArgs(target: SnmpTarget): string[] {
  if (!target.v3) return ["-v2c", "-c", target.community ?? "public"];
  const v3 = target.v3;
  const args = ["-v3", "-l", v3.level, "-u", v3.user];
  if (v3.level !== "noAuthNoPriv") args.push("-a", v3.authProtocol ?? "SHA", "-A", v3.authKey ?? "");
  if (v3.level === "authPriv") args.push("-x", v3.privProtocol ?? "AES", "-X", v3.privKey ?? "");
  return args;
}

/** Parse `-On -Oq` output lines ("OID value"); strings lose their surrounding quotes. */
export function parseVarbinds(stdout: string): Varbind[] {
  const varbinds: Varbind[] = [];
  for (const line of stdout.split("\n")) {
    const match = /^(\.?[0-9.]+)\s+(.*)$/.exec(line.trimEnd());
    if (!match) continue;
    // endOfMibView is the end of a walk (snmpsim repeats the last OID with it), never a value.
    if (match[2]?.startsWith("No more variables left in this MIB View")) continue;
    let value = match[2] ?? "";
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    varbinds.push({ oid: (match[1] ?? "").replace(/^\./, ""), value });
  }
  return varbinds;
}

async function snmpTool(
  tool: "snmpget" | "snmpbulkwalk" | "snmpset",
  target: SnmpTarget,
  rest: string[],
  { timeoutSeconds = 2, retries = 1 } = {},
): Promise<Varbind[]> {
  const args = [
    ...credentialArgs(target),
    "-On",
    "-Oe",
    "-Ot",
    "-Oq",
    "-t",
    String(timeoutSeconds),
    "-r",
    String(retries),
    `udp:${target.host}:${target.port}`,
    ...rest,
  ];
  const binary = requireBinary(tool);
  const [command, fullArgs] = target.netns
    ? [requireBinary("ip"), ["netns", "exec", target.netns, binary, ...args]]
    : [binary, args];
  // MIBS= keeps the tools from loading (and warning about) MIB files: we only use numeric OIDs.
  const result = await run(command, fullArgs, { env: { ...process.env, MIBS: "" } });
  if (result.code !== 0 || /^Error in packet|Timeout: No Response/m.test(result.stderr)) {
    throw new Error(`${tool} ${redactArgs(args).join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  }
  return parseVarbinds(result.stdout);
}

export interface SnmpToolOptions {
  /** Per-try timeout in seconds, fractions allowed (default 2). */
  timeoutSeconds?: number;
  /** Retries after a timeout (default 1). */
  retries?: number;
}

/**
 * A readiness probe: GET `oid` with a short timeout that doubles on each failed attempt (0.25 s up to
 * 2 s), so a fast agent is seen quickly and a slow one under load is not starved.
 */
export function readinessProbe(target: SnmpTarget, oid: string): () => Promise<Varbind[]> {
  let attempt = 0;
  return () => snmpGet(target, [oid], { timeoutSeconds: Math.min(0.25 * 2 ** attempt++, 2), retries: 0 });
}

/** GET the given OIDs; throws on timeout or an SNMP error. */
export function snmpGet(target: SnmpTarget, oids: string[], options?: SnmpToolOptions) {
  return snmpTool("snmpget", target, oids, options);
}

/** GETBULK-walk a subtree; returns every varbind under it, in agent order. */
export function snmpWalk(target: SnmpTarget, oid: string, options?: SnmpToolOptions) {
  return snmpTool("snmpbulkwalk", target, [oid], options);
}

/** SET values; `type` is the snmpset type letter (i integer, u unsigned, s string, ...). */
export function snmpSet(
  target: SnmpTarget,
  sets: { oid: string; type: string; value: string | number }[],
  options?: SnmpToolOptions,
) {
  return snmpTool(
    "snmpset",
    target,
    sets.flatMap((s) => [s.oid, s.type, String(s.value)]),
    options,
  );
}

/** Walk a column and return index suffix → value (e.g. ifName: "2" → "eth0"). */
export async function snmpColumn(target: SnmpTarget, columnOid: string): Promise<Map<string, string>> {
  const prefix = columnOid.replace(/^\./, "") + ".";
  const rows = new Map<string, string>();
  for (const { oid, value } of await snmpWalk(target, columnOid)) {
    if (oid.startsWith(prefix)) rows.set(oid.slice(prefix.length), value);
  }
  return rows;
}
