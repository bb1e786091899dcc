// Every rule's and every dashboard panel's PromQL, executed against a real Prometheus that holds two
// days of raw collector data (one sample a minute) and two months of recorded history before that
// (test/dashboards-history.ts), must return series with plausible values, not just parse.
//
// Loading: the raw series go in through Prometheus's remote-write receiver; the recording rules are then
// evaluated over the raw window with query_range at the rule interval (what `promtool tsdb
// create-blocks-from rules` does) and their results written back; the older recorded history last. An
// out-of-order window lets the TSDB take samples older than its newest one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import { RECORDED } from "../core/contract.js";
import { startPrometheus } from "../lab/prometheus.js";
import type { Prometheus } from "../lab/prometheus.js";
import { buildMixin } from "../dashboards/index.js";
import { planningQueries } from "../dashboards/capacity-planning.js";
import { recordingRules } from "../dashboards/rules.js";
import {
  END,
  INCIDENTS,
  OPDS,
  UPLINK,
  historySeries,
  opdBps,
  rawSeries,
  toWriteSeries,
  uplinkBps,
} from "./dashboards-history.js";
import { remoteWrite } from "./dashboards-remote-write.js";

const RAW_DAYS = 2;
const HISTORY_DAYS = 63;
const mixin = buildMixin();
const c = mixin.config;
/** The OPD the OPD-detail dashboard is tested with: two links, one a port with errors and a status. */
const DETAIL_OPD = "disdukcapil";

let prom: Prometheus;

beforeAll(async () => {
  prom = await startPrometheus({
    config: { storage: { tsdb: { out_of_order_time_window: `${HISTORY_DAYS + 7}d` } } },
    flags: ["--web.enable-remote-write-receiver"],
  });
  await remoteWrite(prom.url, toWriteSeries(rawSeries(RAW_DAYS)));
  // Evaluate the recording rules over the raw window, group by group (utilisation reads bits).
  const start = END - RAW_DAYS * 86_400 + 5 * 60;
  for (const group of recordingRules(c)) {
    for (const rule of group.rules) {
      const result = await prom.queryRange(rule.expr, start, END, 60);
      await remoteWrite(
        prom.url,
        result.map((r) => ({ labels: { ...r.metric, __name__: rule.record }, samples: r.values })),
      );
    }
  }
  await remoteWrite(prom.url, toWriteSeries(historySeries(HISTORY_DAYS, RAW_DAYS)));
}, 120_000);

afterAll(async () => {
  await prom?.stop();
});

/** The model's mean bits/s over the 5 minutes before t (what rate(...[5m]) * 8 should return). */
function mean5m(f: (t: number) => number, t: number): number {
  let sum = 0;
  for (let s = t - 300; s < t; s += 10) sum += f(s + 5);
  return sum / 30;
}

const byLabel = (rows: { metric: Record<string, string>; value: { v: number } }[], key: string) =>
  Object.fromEntries(rows.map((r) => [r.metric[key], r.value.v]));

describe("recording rules on real history", () => {
  it("record each OPD's bits per second each way as generated (within 2%)", async () => {
    const rows = await prom.query(`${RECORDED.opdBits}{direction="download"}`, END);
    const got = byLabel(rows, "opd");
    for (const o of OPDS.filter((o) => o.id === "dinkes" || o.id === "disdukcapil")) {
      const want = mean5m((t) => opdBps(o, "download", t), END);
      expect(got[o.id], o.id).toBeGreaterThan(want * 0.98);
      expect(got[o.id], o.id).toBeLessThan(want * 1.02);
    }
    // dpmptsp's port is down (counters stand still): 0, not a gap; setda's device is down: no series.
    expect(got.dpmptsp).toBe(0);
    expect(got.setda).toBeUndefined();
  });

  it("record utilisation against the allocation", async () => {
    const got = byLabel(await prom.query(`${RECORDED.opdUtilisation}{direction="download"}`, END), "opd");
    expect(got.dinkes).toBeGreaterThan(0.93);
    expect(got.dinkes).toBeLessThan(0.97);
    for (const v of Object.values(got)) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of Object.values(got)) expect(v).toBeLessThan(1.5);
  });

  it("record the uplink with its provider label, bits and utilisation", async () => {
    const [bits] = await prom.query(`${RECORDED.uplinkBits}{direction="download"}`, END);
    expect(bits?.metric).toMatchObject({
      uplink: UPLINK.id,
      provider: UPLINK.provider,
      direction: "download",
    });
    const want = mean5m((t) => uplinkBps("download", t), END);
    expect(Math.abs(bits!.value.v / want - 1)).toBeLessThan(0.05);
    const [util] = await prom.query(`${RECORDED.uplinkUtilisation}{direction="download"}`, END);
    expect(util!.value.v).toBeCloseTo(bits!.value.v / UPLINK.contract, 6);
  });
});

describe("alert expressions on real history find exactly the incidents", () => {
  const expected: Record<string, Record<string, string>[]> = {
    KapasitasOpdLinkSaturated: [{ opd: "dinkes", direction: "download" }],
    KapasitasUplinkSaturated: [],
    KapasitasDeviceDown: [{ device: "dist-2" }],
    KapasitasCollectorDown: [],
    KapasitasPollFailuresRising: [{ device: "dist-1", reason: "timeout" }],
    KapasitasDeviceRestarted: [{ device: "core-1" }],
    KapasitasOpdLinkInterfaceDown: [
      { opd: INCIDENTS.interfaceDown.opd, device: "dist-1", interface: INCIDENTS.interfaceDown.interface },
    ],
    KapasitasLinkSelectorUnresolved: [INCIDENTS.unresolved],
    KapasitasInventoryReloadFailed: [{ result: "failure" }],
    KapasitasSnmpRequestStuck: [],
  };
  it.each(mixin.rules.groups[2].rules.map((r) => [r.alert, r.expr] as const))("%s", async (alert, expr) => {
    const rows = await prom.query(expr, END);
    const want = expected[alert]!;
    expect(rows, JSON.stringify(rows)).toHaveLength(want.length);
    for (const w of want) expect(rows.map((r) => r.metric)).toContainEqual(expect.objectContaining(w));
  });
});

// ---------------------------------------------------------------------------------------------------
// Dashboards: substitute Grafana's variables as Grafana would, run each query as the panel does.

function panelsOf(d: Dashboard): Panel[] {
  return (d.panels ?? [])
    .flatMap((p) => (p.type === "row" ? ((p as RowPanel).panels ?? []) : [p as Panel]))
    .filter((p) => p.type !== "row");
}

interface Target {
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  interval?: string;
  refId: string;
}

const DURATION_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400 };
function seconds(d: string): number {
  const m = /^(\d+)([mhd])$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * DURATION_SECONDS[m[2]!]!;
}

function substitute(expr: string, range: string, step: number): string {
  return expr
    .replaceAll("$__rate_interval", "4m")
    .replaceAll("$__range", range)
    .replaceAll("$__interval", `${step}s`)
    .replaceAll("$opd", DETAIL_OPD)
    .replaceAll("$direction", "download");
}

/** Plausible bounds for a value by the panel's unit (or the planning table's column). */
function bounds(panel: Panel, targetIndex: number): [number, number] {
  if (panel.type === "table" && /95th percentile, growth/.test(panel.title ?? "")) {
    return (
      [
        [0, 2e9],
        [0, 2e9],
        [0, 2e9],
        [-0.5, 1],
        [0, 2e9],
        [0, 3],
      ] as [number, number][]
    )[targetIndex]!;
  }
  const unit = panel.fieldConfig?.defaults?.unit;
  switch (unit) {
    case "percentunit":
      return [0, 1.5];
    case "bps":
      return [0, 2e9];
    case "s":
      return [0, 30];
    default:
      return [0, 1e5];
  }
}

const panelCases = Object.values(mixin.dashboards).flatMap((d) =>
  panelsOf(d).map((p) => [`${d.title} / ${p.title}`, d, p] as const),
);

describe("every dashboard panel's queries return plausible series", () => {
  it.each(panelCases)("%s", async (_name, d, panel) => {
    const range = d.time!.from.replace(/^now-/, "");
    const targets = (panel.targets ?? []) as unknown as Target[];
    for (const [i, t] of targets.entries()) {
      const step = t.interval !== undefined ? seconds(t.interval) : range.endsWith("d") ? 3600 : 60;
      const expr = substitute(t.expr, range, step);
      const values: number[] = [];
      const labelSets: Record<string, string>[] = [];
      if (t.instant) {
        const rows = await prom.query(expr, END);
        values.push(...rows.map((r) => r.value.v));
        labelSets.push(...rows.map((r) => r.metric));
      } else {
        const rows = await prom.queryRange(expr, END - seconds(range), END, step);
        values.push(...rows.flatMap((r) => r.values.map((p) => p.v)));
        labelSets.push(...rows.map((r) => r.metric));
      }
      // A legend naming a label the query drops would show "{{opd}}" literally in Grafana.
      for (const [, label] of (t.legendFormat ?? "").matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
        for (const m of labelSets)
          expect(m, `${t.refId}: legend {{${label}}} of ${expr}`).toHaveProperty(label!);
      }
      expect(values.length, `${t.refId}: ${expr} returned nothing`).toBeGreaterThan(0);
      const [lo, hi] = bounds(panel, i);
      for (const v of values) {
        expect(Number.isFinite(v), `${t.refId}: ${expr} = ${v}`).toBe(true);
        expect(v, `${t.refId}: ${expr}`).toBeGreaterThanOrEqual(lo);
        expect(v, `${t.refId}: ${expr}`).toBeLessThanOrEqual(hi);
      }
    }
  });
});

describe("panel figures match the generated traffic", () => {
  it("the NOC bar gauge lists the saturated OPD first", async () => {
    const rows = await prom.query(`sort_desc(max by (opd) (${RECORDED.opdUtilisation}))`, END);
    expect(rows[0]?.metric.opd).toBe("dinkes");
  });

  it("capacity planning: growth and projection follow each OPD's generated trend", async () => {
    const q = planningQueries(
      c,
      RECORDED.opdBits,
      `max by (opd, direction) (opd_allocated_bps{${c.selectors.collector}})`,
    );
    const download = async (expr: string) =>
      byLabel(
        (await prom.query(expr, END)).filter((r) => r.metric.direction === "download"),
        "opd",
      );
    const growth = await download(q.growth.expr);
    const p95 = await download(q.p95Short.expr);
    const projected = await download(q.projected.expr);
    // dinkes grows 8% per 30 days, setda not at all (the ratio of two 30-day 95th percentiles).
    expect(growth.dinkes).toBeGreaterThan(0.05);
    expect(growth.dinkes).toBeLessThan(0.11);
    expect(Math.abs(growth.setda!)).toBeLessThan(0.02);
    expect(projected.dinkes!).toBeGreaterThan(p95.dinkes!);
    // dinkes peaks at 95% of its allocation now: in 90 days its trend is past 100%.
    const ratio = await download(q.projectedUtilisation.expr);
    expect(ratio.dinkes).toBeGreaterThan(1);
    expect(ratio.dinkes).toBeLessThan(1.3);
  });
});
