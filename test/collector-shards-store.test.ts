// Scale-out, for real: two collector shards, two Prometheus (one per shard, with the hashmod the
// Pulumi program renders, then `keep` of its shard) remote_writing into Debian's VictoriaMetrics;
// every device is scraped exactly once. Then the capacity report read from VictoriaMetrics gives the
// same figures as read from Prometheus, for the same samples (a fiscal year copied sample by sample).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInventory } from "../core/load.js";
import { hashmod } from "../collector/poll/plan.js";
import { renderPrometheusConfig } from "../infra/render/prometheus.js";
import { buildReport, type Report } from "../report/engine.js";
import { parsePeriod } from "../report/period.js";
import { PrometheusClient } from "../report/prometheus.js";
import { startAgentFleet, type AgentFleet } from "../lab/agent-fleet.js";
import { deviceId, fleetInventoryYaml } from "../lab/fleet.js";
import { startCollector, type CollectorProcess } from "../lab/kapasitas.js";
import { waitFor } from "../lab/process.js";
import { startPrometheus, type Prometheus } from "../lab/prometheus.js";
import { startVictoriaMetrics, type VictoriaMetrics } from "../lab/victoria-metrics.js";
import { loadInventoryOrThrow } from "../core/load.js";
import type { BackfilledPrometheus } from "../lab/history-prometheus.js";
import { remoteWrite, type WriteSeries } from "./dashboards-remote-write.js";
import { HISTORY, INVENTORY_FILE, startScenarioPrometheus, TZ } from "./fixtures/report/scenario.js";

const DEVICES = 12;
const COMMUNITY = "kp-shards";

/** Instant query against any Prometheus query API; labels and value of each series. */
async function query(
  baseUrl: string,
  promql: string,
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const response = await fetch(
    `${baseUrl}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`,
  );
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`${promql}: ${body.error}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

describe("two collector shards, two Prometheus, one VictoriaMetrics", () => {
  let fleet: AgentFleet | undefined;
  const collectors: CollectorProcess[] = [];
  const prometheus: Prometheus[] = [];
  let vm: VictoriaMetrics | undefined;
  const devices = Array.from({ length: DEVICES }, (_, i) => deviceId(i));

  beforeAll(async () => {
    fleet = await startAgentFleet({
      agents: 1,
      devicesPerAgent: DEVICES,
      interfaces: 2,
      community: COMMUNITY,
    });
    const f = fleet;
    const yaml = fleetInventoryYaml({
      devices: DEVICES,
      linksPerDevice: 2,
      host: () => f.host,
      port: f.port,
      interface: (j) => ({ name: `opd${j + 1}` }),
      pollIntervalSeconds: 5,
    });
    const parsed = parseInventory(yaml, "fleet.yaml");
    if (!parsed.ok) throw new Error("the fleet inventory should be valid");
    for (const shard of [0, 1])
      collectors.push(
        await startCollector({
          inventory: yaml,
          args: ["--shard", `${shard}/2`, "--log-level", "warn"],
          env: { KAPASITAS_FLEET_COMMUNITY: COMMUNITY },
        }),
      );
    vm = await startVictoriaMetrics();
    const addresses = collectors.map((c) => new URL(c.baseUrl).host);
    for (const shard of [0, 1]) {
      const config = renderPrometheusConfig(parsed.inventory, {
        collectors: addresses,
        alertmanagers: [],
        ruleFiles: [],
        externalLabels: { prometheus: `shard-${shard}` },
        remoteWrite: { url: vm.writeUrl },
        scrapeShard: shard,
      });
      // Remote write sends every 5 s here instead of in 15 s batches: the test waits for it.
      (config.remote_write as Record<string, unknown>[])[0]!.queue_config = { batch_send_deadline: "1s" };
      prometheus.push(await startPrometheus({ config }));
    }
  }, 240_000);

  afterAll(async () => {
    for (const p of prometheus) await p.stop();
    await vm?.stop();
    for (const c of collectors) await c.stop();
    await fleet?.stop();
  });

  it("gives each Prometheus exactly its shard's devices, each scraped from the collector that polls it", async () => {
    type Targets = { activeTargets: { labels: Record<string, string>; scrapeUrl: string }[] };
    const snmpTargets = async () =>
      (await Promise.all(prometheus.map((p) => p.api<Targets>("targets", { state: "active" })))).map((a) =>
        a.activeTargets.filter((t) => t.labels.job === "kapasitas-snmp"),
      );
    // Prometheus syncs its targets a moment after it starts.
    await waitFor(
      "both Prometheus to list their targets",
      async () => (await snmpTargets()).flat().length >= DEVICES,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const active = await snmpTargets();
    const seen: string[] = [];
    active.forEach((targets, shard) => {
      for (const t of targets) {
        const device = t.labels.instance!;
        seen.push(device);
        expect(hashmod(device, 2)).toBe(shard);
        expect(t.scrapeUrl.startsWith(`${collectors[shard]!.baseUrl}/snmp?`)).toBe(true);
      }
    });
    expect(seen.sort()).toEqual(devices);
    // Both shards have devices (the test proves nothing if hashmod put them all on one side).
    expect(new Set(devices.map((d) => hashmod(d, 2))).size).toBe(2);
  });

  it("stores every device once in VictoriaMetrics, from its own shard's Prometheus, and the inventory gauges once", async () => {
    const store = vm!.url;
    await waitFor(
      "every device up in VictoriaMetrics",
      async () => (await query(store, "snmp_device_up == 1")).length === DEVICES,
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const up = await query(store, "snmp_device_up");
    expect(up.map((s) => s.metric.instance).sort()).toEqual(devices);
    for (const s of up) expect(s.metric.prometheus).toBe(`shard-${hashmod(s.metric.instance!, 2)}`);
    const perDevice = await query(
      store,
      'count by (instance) ({job="kapasitas-snmp", __name__="snmp_device_up"})',
    );
    expect(perDevice.every((s) => s.value === 1)).toBe(true);
    // Every link's traffic counter exists once (two links a device).
    await waitFor(
      "the links' counters in VictoriaMetrics",
      async () => (await query(store, "count(opd_link_bytes_total)"))[0]?.value === DEVICES * 2 * 2,
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    // Only shard 0 exports the inventory gauges: one series per OPD and direction, not two.
    await waitFor(
      "the inventory gauges in VictoriaMetrics",
      async () => (await query(store, "count(opd_allocated_bps)"))[0]?.value === DEVICES * 2 * 2,
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    const sources = await query(store, "count by (prometheus) (opd_allocated_bps)");
    expect(sources.map((s) => s.metric.prometheus)).toEqual(["shard-0"]);
    // And each collector served only its own share.
    const served = await Promise.all(collectors.map((c) => c.scrapeMetrics()));
    const counts = served.map(
      (s) => s.exposition.samples.find((x) => x.name === "kapasitas_collector_devices")?.value,
    );
    expect(counts.reduce((a, b) => a! + b!, 0)).toBe(DEVICES);
  }, 240_000);
});

describe("the capacity report from VictoriaMetrics", () => {
  let prometheus: BackfilledPrometheus | undefined;
  let vm: VictoriaMetrics | undefined;

  beforeAll(async () => {
    prometheus = await startScenarioPrometheus();
    vm = await startVictoriaMetrics();
    // Copy every sample of the year, as stored, a month at a time: a range selector returns raw samples.
    const DAY = 86_400;
    const endS = HISTORY.startS + HISTORY.slots * 300;
    for (let t = HISTORY.startS; t < endS + DAY; t += 30 * DAY) {
      const at = Math.min(t + 30 * DAY, endS + DAY);
      const response = await fetch(
        `${prometheus.url}/api/v1/query?${new URLSearchParams({ query: '{__name__=~".+"}[30d]', time: String(at) }).toString()}`,
      );
      const body = (await response.json()) as {
        data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
      };
      const series: WriteSeries[] = body.data.result.map((r) => ({
        labels: r.metric,
        samples: r.values.map(([s, v]) => ({ t: s, v: Number(v) })),
      }));
      await remoteWrite(vm.url, series);
    }
  }, 300_000);

  afterAll(async () => {
    await prometheus?.stop();
    await vm?.stop();
  });

  it("gives the same figures as from Prometheus for the same samples", async () => {
    const inventory = loadInventoryOrThrow(INVENTORY_FILE);
    const period = parsePeriod("2025", TZ, 1);
    const figures = (r: Report) => ({
      measuredEnd: r.measuredEnd,
      opds: r.opds,
      uplinks: r.uplinks,
      totals: r.totals,
      ranking: r.ranking,
      unmatchedSeries: r.unmatchedSeries,
    });
    // Prometheus is read with remote read, VictoriaMetrics (which does not serve it) with query_range.
    const prometheusClient = new PrometheusClient({ url: prometheus!.url });
    const fromPrometheus = await buildReport({ inventory, period, client: prometheusClient });
    expect(prometheusClient.servedRemoteRead).toBe(true);
    // VictoriaMetrics indexes what it was sent a moment later, series by series: wait until the
    // whole year reads back, the samples and the allocation gauges of every OPD and uplink.
    let fromStore: Report | undefined;
    const storeClient = new PrometheusClient({ url: vm!.url });
    const readBack = (r: Report) =>
      [...r.opds, ...r.uplinks].flatMap((e) =>
        [e.download, e.upload].map((d) => `${d.samples} ${d.allocationSource}`),
      );
    await waitFor(
      "the year readable from VictoriaMetrics",
      async () => {
        fromStore = await buildReport({ inventory, period, client: storeClient });
        return JSON.stringify(readBack(fromStore)) === JSON.stringify(readBack(fromPrometheus));
      },
      { timeoutMs: 120_000, intervalMs: 2_000 },
    );
    expect(storeClient.servedRemoteRead).toBe(false);
    expect(figures(fromStore!)).toEqual(figures(fromPrometheus));
    expect(fromPrometheus.opds.some((o) => o.download.samples > 0)).toBe(true);
  }, 300_000);
});
