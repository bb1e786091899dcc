/**
 * A real net-snmp `snmpd` on 127.0.0.1:<free udp port> (or inside a network namespace), with its
 * own temp config and persistent dir, a v2c community and optional SNMPv3 users.
 *
 * Counter caching: snmpd reads interface counters from the kernel at most every 3 s (the ifTable
 * cache, NET-SNMP-AGENT-MIB::nsCacheTimeout.1.3.6.1.2.1.2.2, shared by ifXTable). Two polls inside
 * that window return the same value. Pass `ifCacheSeconds: 0` to make every request read the kernel;
 * the helper sets nsCacheTimeout over SNMP with a private write community limited to nsCacheTable.
 *
 * Serving chosen values: `overrides` become snmpd `override OID TYPE VALUE` lines (a static value
 * that replaces what the agent's own MIB module would answer for that exact instance, e.g.
 * ifInOctets.2 = 4294967000); `passPersist` serves a whole subtree from a JSON file that the test may
 * rewrite at any time with `setServed()` (see passpersist.ts): counters that wrap, MikroTik queue
 * tables, anything.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { requireBinary } from "./binaries.js";
import { removeDirOnExit } from "./cleanup.js";
import { freePort } from "./ports.js";
import { startDaemon, waitFor, type Daemon } from "./process.js";
import {
  readinessProbe,
  snmpSet,
  type AuthProtocol,
  type PrivProtocol,
  type SnmpTarget,
} from "./snmpclient.js";
import {
  passPersistLines,
  writePassPersistScript,
  writeServedValues,
  type ServedValue,
} from "./passpersist.js";

export const SYS_UPTIME_OID = "1.3.6.1.2.1.1.3.0";
export const SYS_NAME_OID = "1.3.6.1.2.1.1.5.0";
/** nsCacheTimeout for the ifTable cache (ifXTable reads the same cache). */
const IF_CACHE_TIMEOUT_OID = "1.3.6.1.4.1.8072.1.5.3.1.2.1.3.6.1.2.1.2.2";
const NS_CACHE_TABLE_OID = "1.3.6.1.4.1.8072.1.5.3";

export interface SnmpdUser {
  name: string;
  authProtocol: AuthProtocol;
  /** At least 8 characters (net-snmp refuses shorter passphrases). */
  authKey: string;
  /** Omit for an authNoPriv user. */
  privProtocol?: PrivProtocol;
  privKey?: string;
}

export interface SnmpdOverride {
  /** Numeric OID of one instance, e.g. "1.3.6.1.2.1.2.2.1.10.2". */
  oid: string;
  type: "counter" | "counter64" | "gauge" | "integer" | "octet_str" | "ticks" | "uinteger" | "object_id";
  value: string | number | bigint;
}

export interface SnmpdOptions {
  /** v2c read-only community (default "public"). Set to null for a v3-only agent. */
  community?: string | null;
  users?: SnmpdUser[];
  sysName?: string;
  sysLocation?: string;
  sysContact?: string;
  /** Seconds snmpd caches interface counters (default: snmpd's own 3 s). 0 = read the kernel on every request. */
  ifCacheSeconds?: number;
  overrides?: SnmpdOverride[];
  /** Subtrees served from a JSON file by a pass_persist script; change them later with setServed(). */
  passPersist?: { subtree: string; values: Record<string, ServedValue> }[];
  /** Extra raw snmpd.conf lines. */
  extraConfig?: string[];
  /** Run inside this network namespace (via `ip netns exec`). */
  netns?: string;
  /** Address to listen on (default 127.0.0.1; inside a namespace e.g. the management address). */
  host?: string;
  /** UDP port (default: a free one). */
  port?: number;
  /** More UDP ports on the same address: one agent answering as many devices (a simulated fleet). */
  extraPorts?: number[];
  /** Readiness deadline in ms (default 20 s). */
  readyTimeoutMs?: number;
}

export interface Snmpd {
  host: string;
  port: number;
  /** v2c target for snmpGet/snmpWalk (community may be absent for a v3-only agent). */
  target: SnmpTarget;
  community: string | undefined;
  netns: string | undefined;
  /** The temp dir holding snmpd.conf, the persistent dir, the pid file and served values. */
  dir: string;
  pid(): number;
  /** Replace the values served under a passPersist subtree (takes effect on the next request). */
  setServed(subtree: string, values: Record<string, ServedValue>): void;
  /** Stop and start again on the same port and config: sysUpTime restarts from 0 (a device reboot). */
  restart(): Promise<void>;
  /** SIGKILL the agent (a device that dies without a word); `restart()` brings it back. */
  kill(): Promise<void>;
  /** Stop the agent and delete its temp dir. Idempotent. */
  stop(): Promise<void>;
}

function usmLines(users: SnmpdUser[]): string[] {
  return users.flatMap((u) => {
    const priv = u.privProtocol ? ` ${u.privProtocol} ${u.privKey ?? ""}` : "";
    return [
      `createUser ${u.name} ${u.authProtocol} ${u.authKey}${priv}`,
      `rouser ${u.name} ${u.privProtocol ? "priv" : "auth"}`,
    ];
  });
}

/** `override .OID TYPE VALUE`; strings are quoted so ifAlias "OPD Dinkes" keeps its space (pure). */
export function overrideLine(o: SnmpdOverride): string {
  const raw = String(o.value);
  const value = o.type === "octet_str" && !/^".*"$/.test(raw) ? `"${raw.replace(/"/g, '\\"')}"` : raw;
  return `override .${o.oid.replace(/^\./, "")} ${o.type} ${value}`;
}

/** The snmpd.conf text (pure, so its shape is testable without starting anything). */
export function renderSnmpdConf(
  options: SnmpdOptions & {
    host: string;
    port: number;
    cacheCommunity: string;
    passPersistScript?: string;
    servedDir?: string;
  },
): string {
  const lines = [
    `agentaddress ${[options.port, ...(options.extraPorts ?? [])].map((p) => `udp:${options.host}:${p}`).join(",")}`,
    "dontLogTCPWrappersConnects yes",
    `sysName ${options.sysName ?? "kapasitas-test-agent"}`,
    `sysLocation ${options.sysLocation ?? "test"}`,
    `sysContact ${options.sysContact ?? "test@example.invalid"}`,
    // Only the cache-tuning table is writable, and only with a random community.
    `view cacheView included .${NS_CACHE_TABLE_OID}`,
    `rwcommunity ${options.cacheCommunity} ${options.host} -V cacheView`,
  ];
  if (options.community) lines.push(`rocommunity ${options.community}`);
  lines.push(...usmLines(options.users ?? []));
  for (const o of options.overrides ?? []) lines.push(overrideLine(o));
  if (options.passPersist?.length && options.passPersistScript && options.servedDir) {
    lines.push(
      ...passPersistLines(
        options.passPersist.map((p) => p.subtree),
        options.passPersistScript,
        options.servedDir,
      ),
    );
  }
  lines.push(...(options.extraConfig ?? []));
  return lines.join("\n") + "\n";
}

export async function startSnmpd(options: SnmpdOptions = {}): Promise<Snmpd> {
  const snmpdBinary = requireBinary("snmpd");
  requireBinary("snmpget");
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort("udp"));
  const community = options.community === null ? undefined : (options.community ?? "public");
  if (!community && !options.users?.length)
    throw new Error("startSnmpd: need a community or at least one v3 user");
  const cacheCommunity = `cache${randomBytes(6).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "kp-snmpd-"));
  const unregisterDir = removeDirOnExit(dir);
  const persistentDir = join(dir, "persist");
  const servedDir = join(dir, "served");
  mkdirSync(persistentDir);
  mkdirSync(servedDir);
  const passPersistScript = options.passPersist?.length ? writePassPersistScript(dir) : undefined;
  for (const p of options.passPersist ?? []) writeServedValues(servedDir, p.subtree, p.values);

  const confPath = join(dir, "snmpd.conf");
  writeFileSync(
    confPath,
    renderSnmpdConf({ ...options, community, host, port, cacheCommunity, passPersistScript, servedDir }),
    {
      mode: 0o600,
    },
  );
  const pidFile = join(dir, "snmpd.pid");
  const snmpdArgs = ["-f", "-Lo", "-C", "-c", confPath, "-p", pidFile, "-r"];
  const [command, args] = options.netns
    ? [requireBinary("ip"), ["netns", "exec", options.netns, snmpdBinary, ...snmpdArgs]]
    : [snmpdBinary, snmpdArgs];
  const env = { ...process.env, SNMP_PERSISTENT_DIR: persistentDir, MIBS: "" };

  const readinessTarget: SnmpTarget = community
    ? { host, port, community, netns: options.netns }
    : {
        host,
        port,
        netns: options.netns,
        v3: {
          user: options.users?.[0]?.name ?? "",
          level: options.users?.[0]?.privProtocol ? "authPriv" : "authNoPriv",
          authProtocol: options.users?.[0]?.authProtocol,
          authKey: options.users?.[0]?.authKey,
          privProtocol: options.users?.[0]?.privProtocol,
          privKey: options.users?.[0]?.privKey,
        },
      };

  let daemon: Daemon;
  const launch = async () => {
    const started = startDaemon(command, args, { env });
    daemon = started;
    const probe = readinessProbe(readinessTarget, SYS_UPTIME_OID);
    // snmpd logs its version once its ports are open; probing earlier only waits out a timeout.
    const listening = () => started.output().includes("NET-SNMP version");
    await waitFor("snmpd to answer a GET of sysUpTime", () => listening() && probe(), {
      timeoutMs: options.readyTimeoutMs ?? 20_000,
      intervalMs: 20,
      daemon: started,
    });
    if (options.ifCacheSeconds !== undefined) {
      await snmpSet({ host, port, community: cacheCommunity, netns: options.netns }, [
        { oid: IF_CACHE_TIMEOUT_OID, type: "i", value: options.ifCacheSeconds },
      ]);
    }
  };
  try {
    await launch();
  } catch (error) {
    await daemon!.stop();
    rmSync(dir, { recursive: true, force: true });
    unregisterDir();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    target: { host, port, community, netns: options.netns },
    community,
    netns: options.netns,
    dir,
    pid: () => daemon.pid,
    setServed(subtree, values) {
      writeServedValues(servedDir, subtree, values);
    },
    async restart() {
      await daemon.stop();
      await launch();
    },
    async kill() {
      await daemon.stop(0);
    },
    stop() {
      stopped ??= (async () => {
        await daemon.stop();
        rmSync(dir, { recursive: true, force: true });
        unregisterDir();
      })();
      return stopped;
    },
  };
}
