// The multi-target scrape config, unit by unit and then in a real Prometheus: its targets API shows
// what the relabelling made of each device id (job, instance, scrape URL, interval) without any
// scrape having to succeed. Collectors are given loopback addresses with nothing listening.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JOBS } from "../core/contract.js";
import { hashmod } from "../collector/poll/plan.js";
import { loadInventoryOrThrow, parseInventory } from "../core/load.js";
import type { Inventory } from "../core/schema.js";
import { requireBinary } from "../lab/binaries.js";
import { freePort } from "../lab/ports.js";
import { runOrThrow, startDaemon, waitFor, type Daemon } from "../lab/process.js";
import {
  devicesByInterval,
  formatSeconds,
  PROMETHEUS_FILES,
  renderPrometheusConfig,
  scrapeTimeoutSeconds,
  toYaml,
} from "../infra/render/prometheus.js";

const sample = () => loadInventoryOrThrow("inventory/tanjungpinang.yaml");

/** A valid inventory with `n` v2c devices, every `slowEvery`-th polled at 5m. */
function syntheticInventory(n: number, slowEvery = 0): Inventory {
  const devices = Array.from({ length: n }, (_, i) => {
    const slow = slowEvery > 0 && i % slowEvery === 0 ? "\n    poll_interval: 5m" : "";
    return `  - id: sw-${i}\n    host: 127.0.0.1\n    port: ${20000 + i}\n    snmp: { version: v2c, community: env:C }${slow}`;
  });
  const text = `version: 1\norganisation: test\ndevices:\n${devices.join("\n")}\npricing:\n  tiers: [{ mbps: 10, idr_per_mbps_month: 1 }]\n`;
  const loaded = parseInventory(text, "synthetic.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.inventory;
}

describe("pure parts", () => {
  it("groups devices by poll interval, shortest first", () => {
    expect(devicesByInterval(sample())).toEqual([
      { intervalSeconds: 30, devices: ["core-1"] },
      { intervalSeconds: 60, devices: ["dist-1", "dist-2"] },
    ]);
  });

  it("spells durations the short Prometheus way and keeps the timeout inside the interval", () => {
    expect([30, 60, 90, 300, 7200].map(formatSeconds)).toEqual(["30s", "1m", "90s", "5m", "2h"]);
    expect([5, 15, 30, 60, 300].map(scrapeTimeoutSeconds)).toEqual([5, 12, 24, 48, 240]);
  });

  it("keeps the contract's job name on every SNMP job, one job per interval", () => {
    const config = renderPrometheusConfig(sample(), {
      collectors: ["collector-0:9105"],
      alertmanagers: ["alertmanager:9093"],
      ruleFiles: [PROMETHEUS_FILES.rules],
    }) as {
      scrape_configs: {
        job_name: string;
        relabel_configs?: { target_label?: string; replacement?: string }[];
      }[];
    };
    const snmp = config.scrape_configs.filter((j) => j.job_name.startsWith(JOBS.snmp));
    expect(snmp.map((j) => j.job_name)).toEqual([`${JOBS.snmp}-30s`, `${JOBS.snmp}-1m`]);
    for (const job of snmp) {
      expect(job.relabel_configs?.at(-1)).toEqual({ target_label: "job", replacement: JOBS.snmp });
    }
    expect(config.scrape_configs.map((j) => j.job_name)).toContain(JOBS.collector);
  });
});

describe("in a real Prometheus", () => {
  let prometheus: Daemon | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await prometheus?.stop();
    prometheus = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  interface Target {
    labels: Record<string, string>;
    scrapeUrl: string;
    scrapeInterval: string;
    scrapeTimeout: string;
    scrapePool: string;
  }

  async function targetsOf(
    inv: Inventory,
    shards: number,
  ): Promise<{ targets: Target[]; collectors: string[] }> {
    const binary = requireBinary("prometheus");
    const promtool = requireBinary("promtool");
    const collectors = await Promise.all(
      Array.from({ length: shards }, async () => `127.0.0.1:${await freePort()}`),
    );
    dir = mkdtempSync(join(tmpdir(), "kapasitas-prom-"));
    mkdirSync(join(dir, "etc/prometheus/rules"), { recursive: true });
    mkdirSync(join(dir, "etc/prometheus/secrets"), { recursive: true });
    writeFileSync(join(dir, "etc/prometheus", PROMETHEUS_FILES.rules), "groups: []\n");
    writeFileSync(join(dir, "etc/prometheus", PROMETHEUS_FILES.remoteWritePassword), "unused\n");
    const remotePort = await freePort();
    const config = join(dir, "etc/prometheus/prometheus.yml");
    writeFileSync(
      config,
      toYaml(
        renderPrometheusConfig(inv, {
          collectors,
          alertmanagers: [`127.0.0.1:${await freePort()}`],
          ruleFiles: [PROMETHEUS_FILES.rules],
          remoteWrite: {
            url: `http://127.0.0.1:${remotePort}/api/v1/write`,
            username: "kapasitas",
            passwordFile: PROMETHEUS_FILES.remoteWritePassword,
          },
        }),
      ),
    );
    await runOrThrow(promtool, ["check", "config", config]);
    const port = await freePort();
    prometheus = startDaemon(binary, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    const daemon = prometheus;
    const targets = await waitFor(
      "Prometheus to list its targets",
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/targets?state=active`);
        if (!response.ok) return undefined;
        const body = (await response.json()) as { data: { activeTargets: Target[] } };
        const snmp = body.data.activeTargets.filter((t) => t.labels.job === JOBS.snmp);
        return snmp.length === inv.devices.length ? body.data.activeTargets : undefined;
      },
      { daemon, timeoutMs: 30_000 },
    );
    return { targets, collectors };
  }

  it("turns each sample device id into a /snmp?target= scrape of the collector at its poll interval", async () => {
    const inv = sample();
    const { targets, collectors } = await targetsOf(inv, 1);
    const snmp = targets
      .filter((t) => t.labels.job === JOBS.snmp)
      .map((t) => ({
        instance: t.labels.instance,
        url: t.scrapeUrl,
        every: t.scrapeInterval,
        timeout: t.scrapeTimeout,
      }))
      .sort((a, b) => a.instance!.localeCompare(b.instance!));
    expect(snmp).toEqual([
      { instance: "core-1", url: `http://${collectors[0]}/snmp?target=core-1`, every: "30s", timeout: "24s" },
      { instance: "dist-1", url: `http://${collectors[0]}/snmp?target=dist-1`, every: "1m", timeout: "48s" },
      { instance: "dist-2", url: `http://${collectors[0]}/snmp?target=dist-2`, every: "1m", timeout: "48s" },
    ]);
    const own = targets.filter((t) => t.labels.job === JOBS.collector);
    expect(own.map((t) => t.scrapeUrl)).toEqual([`http://${collectors[0]}/metrics`]);
  });

  it("routes each device to the one collector whose --shard owns it (the collector's hashmod)", async () => {
    const inv = syntheticInventory(24, 5);
    const { targets, collectors } = await targetsOf(inv, 3);
    const snmp = targets.filter((t) => t.labels.job === JOBS.snmp);
    const assigned = new Map(
      snmp.map((t) => [t.labels.instance!, collectors.indexOf(new URL(t.scrapeUrl).host)]),
    );
    expect(assigned.size).toBe(24);
    for (const device of inv.devices) expect(assigned.get(device.id), device.id).toBe(hashmod(device.id, 3));
    // The sharding actually spreads the load: every collector gets some devices.
    expect(new Set(assigned.values())).toEqual(new Set([0, 1, 2]));
    // Two intervals, two scrape pools, one job label.
    expect(new Set(snmp.map((t) => t.scrapePool))).toEqual(new Set([`${JOBS.snmp}-1m`, `${JOBS.snmp}-5m`]));
  });
});
