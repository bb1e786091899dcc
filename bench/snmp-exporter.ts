/**
 * Debian's prometheus-snmp-exporter (0.21: modules at the top level of snmp.yml, auth inside the
 * module) with a module written here by hand. Debian ships no generated snmp.yml (licensing), and
 * the benchmark wants exactly the OIDs kapasitas polls anyway, so we write the module ourselves: the
 * same columns walked with the same max-repetitions, the same scalars fetched, one metric per OID.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { requireBinary } from "../lab/binaries.js";
import { removeDirOnExit } from "../lab/cleanup.js";
import { freePort } from "../lab/ports.js";
import { startDaemon, waitFor, type Daemon } from "../lab/process.js";

export interface PolledOid {
  /** Metric name, e.g. `ifHCInOctets`. */
  name: string;
  /** Column OID (walked) or scalar OID without the trailing `.0` (fetched with GET). */
  oid: string;
  type: "counter" | "gauge" | "DisplayString";
  /** A table column indexed by ifIndex-like integer; false for a scalar. */
  column: boolean;
}

/** What the collector reads per poll (collector/poll/device.ts readOids), as snmp_exporter metrics. */
export const POLLED: PolledOid[] = [
  { name: "sysUpTime", oid: "1.3.6.1.2.1.1.3", type: "gauge", column: false },
  { name: "ifHCInOctets", oid: "1.3.6.1.2.1.31.1.1.1.6", type: "counter", column: true },
  { name: "ifHCOutOctets", oid: "1.3.6.1.2.1.31.1.1.1.10", type: "counter", column: true },
  { name: "ifHighSpeed", oid: "1.3.6.1.2.1.31.1.1.1.15", type: "gauge", column: true },
  { name: "ifSpeed", oid: "1.3.6.1.2.1.2.2.1.5", type: "gauge", column: true },
  { name: "ifOperStatus", oid: "1.3.6.1.2.1.2.2.1.8", type: "gauge", column: true },
  { name: "ifInErrors", oid: "1.3.6.1.2.1.2.2.1.14", type: "counter", column: true },
  { name: "ifOutErrors", oid: "1.3.6.1.2.1.2.2.1.20", type: "counter", column: true },
  { name: "ifInDiscards", oid: "1.3.6.1.2.1.2.2.1.13", type: "counter", column: true },
  { name: "ifOutDiscards", oid: "1.3.6.1.2.1.2.2.1.19", type: "counter", column: true },
  { name: "ifName", oid: "1.3.6.1.2.1.31.1.1.1.1", type: "DisplayString", column: true },
];

/** SNMPv3 credentials in snmp_exporter 0.21's terms (auth_protocol SHA256, priv_protocol AES...). */
export interface V3Auth {
  username: string;
  securityLevel: "authPriv" | "authNoPriv";
  authProtocol: "SHA" | "SHA224" | "SHA256" | "SHA384" | "SHA512";
  password: string;
  privProtocol?: "AES" | "AES192" | "AES256";
  privPassword?: string;
}

export interface ModuleOptions {
  community: string;
  /** Use SNMPv3 with these credentials instead of v2c with `community`. */
  v3?: V3Auth;
  maxRepetitions: number;
  timeoutSeconds: number;
  retries: number;
  /**
   * Walk the columns (snmp_exporter's usual way), or GET these row indexes of every column, the
   * way kapasitas polls (snmp_exporter splits a long `get` list into PDUs itself).
   */
  getRows?: readonly number[];
}

/** One snmp_exporter 0.21 module polling `polled` (pure). */
export function snmpExporterModule(
  polled: readonly PolledOid[],
  options: ModuleOptions,
): Record<string, unknown> {
  const columns = polled.filter((p) => p.column).map((p) => p.oid);
  const scalars = polled.filter((p) => !p.column).map((p) => `${p.oid}.0`);
  const rows = options.getRows;
  const walk = rows ? [] : columns;
  const get = rows ? [...scalars, ...columns.flatMap((c) => rows.map((r) => `${c}.${r}`))] : scalars;
  const v3 = options.v3;
  return {
    version: v3 ? 3 : 2,
    auth: v3
      ? {
          username: v3.username,
          security_level: v3.securityLevel,
          auth_protocol: v3.authProtocol,
          password: v3.password,
          ...(v3.privProtocol && { priv_protocol: v3.privProtocol, priv_password: v3.privPassword }),
        }
      : { community: options.community },
    max_repetitions: options.maxRepetitions,
    retries: options.retries,
    timeout: `${options.timeoutSeconds}s`,
    ...(walk.length > 0 && { walk }),
    ...(get.length > 0 && { get }),
    metrics: polled.map((p) => ({
      name: p.name,
      oid: p.oid,
      type: p.type,
      help: `${p.name} (${p.oid})`,
      ...(p.column && { indexes: [{ labelname: "ifIndex", type: "gauge" }] }),
    })),
  };
}

/** snmp.yml text for snmp_exporter 0.21: module name → module, at the top level (pure). */
export function renderSnmpExporterConfig(modules: Record<string, Record<string, unknown>>): string {
  return stringify(modules);
}

export interface SnmpExporter {
  pid: number;
  baseUrl: string;
  daemon: Daemon;
  /** The scrape URL for a target `host:port` and a module (default `kapasitas`). */
  url(target: string, module?: string): string;
  stop(): Promise<void>;
}

export async function startSnmpExporter(configText: string): Promise<SnmpExporter> {
  const binary = requireBinary("prometheus-snmp-exporter");
  const dir = mkdtempSync(join(tmpdir(), "kapasitas-snmp-exporter-"));
  const unregisterDir = removeDirOnExit(dir);
  const configFile = join(dir, "snmp.yml");
  writeFileSync(configFile, configText, { mode: 0o600 });
  const port = await freePort("tcp");
  const baseUrl = `http://127.0.0.1:${port}`;
  const daemon = startDaemon(binary, [
    `--config.file=${configFile}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ]);
  const exporter: SnmpExporter = {
    pid: daemon.pid,
    baseUrl,
    daemon,
    url: (target, module = "kapasitas") =>
      `${baseUrl}/snmp?module=${encodeURIComponent(module)}&target=${encodeURIComponent(target)}`,
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
      unregisterDir();
    },
  };
  try {
    await waitFor("snmp_exporter to listen", async () => (await fetch(`${baseUrl}/`)).ok, {
      timeoutMs: 20_000,
      daemon,
    });
  } catch (error) {
    await exporter.stop();
    throw error;
  }
  return exporter;
}
