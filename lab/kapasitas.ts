/**
 * Black-box harness for `kapasitas collect`: write an inventory, start the collector as a child
 * process (one node process, so /proc/PID/stat is the collector's own CPU), wait until it is ready,
 * and scrape it over HTTP with the headers Prometheus sends. Shared by the ground-truth and fault
 * tests and by the benchmark; it knows nothing of the collector's internals.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { removeDirOnExit } from "./cleanup.js";
import { freePort } from "./ports.js";
import { startDaemon, waitFor, type Daemon } from "./process.js";
import { parseExposition, type Exposition } from "./exposition.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** What Prometheus 2.x sends on every scrape (content negotiation and the scrape timeout). */
export function prometheusScrapeHeaders(timeoutSeconds: number): Record<string, string> {
  return {
    Accept:
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," +
      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "Accept-Encoding": "gzip",
    "User-Agent": "Prometheus/2.42.0",
    "X-Prometheus-Scrape-Timeout-Seconds": String(timeoutSeconds),
  };
}

export interface Scrape {
  status: number;
  text: string;
  exposition: Exposition;
  /** Wall time of the HTTP request, start to last byte. */
  ms: number;
  startedAt: number;
  endedAt: number;
}

/** GET a URL the way Prometheus scrapes it; the body is parsed strictly (a malformed exposition throws). */
export async function scrapeUrl(url: string, timeoutSeconds = 10): Promise<Scrape> {
  const startedAt = performance.now();
  const response = await fetch(url, {
    headers: prometheusScrapeHeaders(timeoutSeconds),
    signal: AbortSignal.timeout(timeoutSeconds * 1000 + 5_000),
  });
  const text = await response.text();
  const endedAt = performance.now();
  const exposition = response.ok ? parseExposition(text) : { samples: [], types: new Map() };
  return { status: response.status, text, exposition, ms: endedAt - startedAt, startedAt, endedAt };
}

/** Devices and links for a test inventory; everything else gets minimal valid defaults. */
export interface InventorySpec {
  devices: Record<string, unknown>[];
  opds?: Record<string, unknown>[];
  uplinks?: Record<string, unknown>[];
  defaults?: Record<string, unknown>;
}

export function inventoryYaml(spec: InventorySpec): string {
  return stringify({
    version: 1,
    organisation: "kapasitas test",
    ...(spec.defaults ? { defaults: spec.defaults } : {}),
    devices: spec.devices,
    opds: spec.opds ?? [],
    uplinks: spec.uplinks ?? [],
    pricing: { tiers: [{ mbps: 10, idr_per_mbps_month: 500000 }] },
  });
}

/** An OPD with one link, allocated generously (allocation plays no part in these measurements). */
export function opdWithLink(id: string, link: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    name: `OPD ${id}`,
    category: "public_service",
    allocated: { download_mbps: 1000, upload_mbps: 1000 },
    links: [link],
  };
}

export interface CollectorProcess {
  readonly pid: number;
  /** The inventory file it was started with: rewrite it and send SIGHUP to reload. */
  readonly inventoryFile: string;
  readonly baseUrl: string;
  readonly daemon: Daemon;
  /** `/snmp?target=<device-id>`: poll that device now and read its series. */
  scrapeTarget(deviceId: string, timeoutSeconds?: number): Promise<Scrape>;
  /** `/metrics`: the collector's own health and the inventory gauges. */
  scrapeMetrics(): Promise<Scrape>;
  get(path: string): Promise<Response>;
  stop(): Promise<void>;
}

export interface StartCollectorOptions {
  /** Devices and links, or a whole inventory as YAML text. */
  inventory: InventorySpec | string;
  /** Environment for the collector: where `env:NAME` secret references resolve. */
  env?: Record<string, string>;
  /** Extra arguments after `collect --inventory FILE --listen HOST:PORT`. */
  args?: string[];
  /** Node flags, e.g. `--cpu-prof` for the benchmark's profile. */
  nodeFlags?: string[];
  /**
   * `source` (default): cli/kapasitas.ts through tsx's loader, always the current code.
   * `built`: dist/cli/kapasitas.js, what the container runs (`npm run build` first).
   */
  entry?: "source" | "built";
  /** How long to wait for /ready (default 45 s); a large inventory takes a while to load. */
  readyTimeoutMs?: number;
  /** A command the collector runs under, e.g. `["prlimit", "--nofile=64:64", "--"]`. */
  wrapper?: string[];
  cwd?: string;
}

/**
 * Start `kapasitas collect` in ONE node process (`node --import tsx cli/kapasitas.ts`, not the `tsx`
 * wrapper, which would fork a second process and hide the collector's CPU from /proc/PID/stat).
 */
export async function startCollector(options: StartCollectorOptions): Promise<CollectorProcess> {
  const dir = mkdtempSync(join(tmpdir(), "kapasitas-collector-"));
  const unregisterDir = removeDirOnExit(dir);
  const inventoryFile = join(dir, "inventory.yaml");
  writeFileSync(
    inventoryFile,
    typeof options.inventory === "string" ? options.inventory : inventoryYaml(options.inventory),
  );
  const port = await freePort("tcp");
  const baseUrl = `http://127.0.0.1:${port}`;
  const [command, ...prefix] = [...(options.wrapper ?? []), process.execPath];
  const daemon = startDaemon(
    command!,
    [
      ...prefix,
      ...(options.nodeFlags ?? []),
      ...(options.entry === "built"
        ? [join(REPO_ROOT, "dist/cli/kapasitas.js")]
        : ["--import", "tsx", join(REPO_ROOT, "cli/kapasitas.ts")]),
      "collect",
      "--inventory",
      inventoryFile,
      "--listen",
      `127.0.0.1:${port}`,
      ...(options.args ?? []),
    ],
    { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env } },
  );
  const collector: CollectorProcess = {
    pid: daemon.pid,
    inventoryFile,
    baseUrl,
    daemon,
    scrapeTarget: (deviceId, timeoutSeconds = 10) =>
      scrapeUrl(`${baseUrl}/snmp?target=${encodeURIComponent(deviceId)}`, timeoutSeconds),
    scrapeMetrics: () => scrapeUrl(`${baseUrl}/metrics`),
    get: (path) => fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(15_000) }),
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
      unregisterDir();
    },
  };
  try {
    await waitFor(
      "kapasitas collect to answer /ready",
      async () => (await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2_000) })).ok,
      { timeoutMs: options.readyTimeoutMs ?? 45_000, intervalMs: 200, daemon },
    );
  } catch (error) {
    await collector.stop();
    throw error;
  }
  return collector;
}
