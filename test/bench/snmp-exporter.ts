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
import { requireBinary } from "../helpers/binaries.js";
import { removeDirOnExit } from "../helpers/cleanup.js";
import { freePort } from "../helpers/ports.js";
import { startDaemon, waitFor, type Daemon } from "../helpers/process.js";

export interface PolledOid {
  /** Metric name, e.g. `ifHCInOctets`. */
  name: string;
  /** Column OID (walked) or scalar OID without the trailing `.0` (fetched with GET). */
  oid: string;
  type: "counter" | "gauge" | "DisplayString";
  /** A table column indexed by ifIndex-like integer; false for a scalar. */
  column: boolean;
}

export interface ModuleOptions {
  community: string;
  maxRepetitions: number;
  timeoutSeconds: number;
  retries: number;
  /**
   * Walk the columns (snmp_exporter's usual way), or GET these row indexes of every column, the
   * way kapasitas polls (snmp_exporter splits a long `get` list into PDUs itself).
   */
  getRows?: readonly number[];
}

/** snmp.yml text for snmp_exporter 0.21 with one module, `kapasitas` (pure). */
export function renderSnmpExporterConfig(polled: readonly PolledOid[], options: ModuleOptions): string {
  const columns = polled.filter((p) => p.column).map((p) => p.oid);
  const scalars = polled.filter((p) => !p.column).map((p) => `${p.oid}.0`);
  const rows = options.getRows;
  const walk = rows ? [] : columns;
  const get = rows ? [...scalars, ...columns.flatMap((c) => rows.map((r) => `${c}.${r}`))] : scalars;
  const module = {
    version: 2,
    auth: { community: options.community },
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
  return stringify({ kapasitas: module });
}

export interface SnmpExporter {
  pid: number;
  baseUrl: string;
  daemon: Daemon;
  /** The scrape URL for a target `host:port`, module `kapasitas`. */
  url(target: string): string;
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
    url: (target) => `${baseUrl}/snmp?module=kapasitas&target=${encodeURIComponent(target)}`,
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
