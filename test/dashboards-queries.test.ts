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
import { recordingGroups } from "../dashboards/rules.js";
import { uplinkFillers, withOpdName } from "../dashboards/noc-overview.js";
import { cityMapQueries } from "../dashboards/city-map.js";
import { words } from "../dashboards/words.js";
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
  for (const group of recordingGroups(c)) {
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
    KapasitasOpdQueueDown: [{ opd: "dishub", interface: "queue/dishub" }],
    KapasitasLinkSelectorUnresolved: [
      INCIDENTS.unresolved,
      { device: "core-1", link: INCIDENTS.queueRemoved.link, owner: "dishub" },
    ],
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

/** A table column's unit: the override on the name its organize step gives query `refId`'s value. */
function columnUnit(panel: Panel, refId: string): string | undefined {
  const organize = panel.transformations?.find((t) => t.id === "organize")?.options as
    { renameByName?: Record<string, string> } | undefined;
  const title = organize?.renameByName?.[`Value #${refId}`];
  const override = panel.fieldConfig?.overrides?.find((o) => o.matcher.options === title);
  return override?.properties.find((p) => p.id === "unit")?.value as string | undefined;
}

/** Plausible bounds for a value by the panel's unit (or the planning table's column). */
function bounds(panel: Panel, targetIndex: number): [number, number] {
  // The city map: utilisation, -1 for what is down.
  if (panel.type === "nodeGraph") return [-1, 1.5];
  if (panel.type === "table" && (panel.targets ?? []).length === 6) {
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
  const unit = panel.fieldConfig?.defaults?.unit ?? columnUnit(panel, String.fromCharCode(65 + targetIndex));
  switch (unit) {
    case "dtdurations":
      return [0, 7 * 86_400];
    case "dateTimeAsLocal":
      return [(END - 7 * 86_400) * 1000, END * 1000];
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

describe("the NOC board answers what its panels claim", () => {
  const RAW_SAMPLES = (RAW_DAYS * 86_400 - 5 * 60) / 60 + 1;
  /** Availability after `downFrom`: the state samples from then to END (inclusive) were 0. */
  const availabilityAfter = (downFrom: number) => 1 - ((END - downFrom) / 60 + 1) / RAW_SAMPLES;
  const one = async (expr: string) => {
    const rows = await prom.query(expr, END);
    expect(rows, expr).toHaveLength(1);
    return rows[0]!.value.v;
  };

  it.each([10, 2])("uplink fillers: the top %i OPDs plus others add up to the uplinks", async (topN) => {
    const m = buildMixin({ overview: { topN } });
    for (const direction of ["download", "upload"] as const) {
      const q = uplinkFillers(m.config, direction);
      const top = await prom.query(q.top, END);
      const others = await one(q.others);
      const uplinks = await one(q.uplinks);
      expect(top.length).toBeLessThanOrEqual(topN);
      const topSum = top.reduce((sum, r) => sum + r.value.v, 0);
      expect(Math.abs(topSum + others - uplinks) / uplinks).toBeLessThan(1e-9);
      // Against the model: the uplinks carry 2.5 times the OPDs, so "others" is the uplink minus
      // the OPDs shown, and the OPDs shown are the busiest, by name.
      const want = mean5m((t) => uplinkBps(direction, t), END);
      expect(Math.abs(uplinks / want - 1)).toBeLessThan(0.02);
      expect(others).toBeGreaterThan(0);
      const names = top.map((r) => r.metric.name);
      if (topN === 2)
        expect(names.sort()).toEqual(["Dinas Kependudukan dan Pencatatan Sipil", "Dinas Kesehatan"]);
      else expect(names).toContain("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu");
    }
  });

  it("uplinks: the month's 95th percentile line is the 95th percentile of the recorded rates", async () => {
    const p95 = await one(`quantile_over_time(0.95, ${RECORDED.uplinkBits}{direction="download"}[30d])`);
    const max = await one(`max_over_time(${RECORDED.uplinkBits}{direction="download"}[30d])`);
    expect(p95).toBeGreaterThan(0);
    expect(p95).toBeLessThan(max);
  });

  it("saturated OPDs now: dinkes download, by name, at its share and for as long as the model says", async () => {
    const overview = mixin.dashboards["kapasitas-noc-overview.json"]!;
    const panel = panelsOf(overview).find((p) => p.title === "OPD jenuh sekarang")!;
    const [share, duration] = (panel.targets ?? []) as unknown as Target[];
    const rows = await prom.query(share!.expr, END);
    expect(rows.map((r) => [r.metric.name, r.metric.direction])).toEqual([["Dinas Kesehatan", "download"]]);
    expect(rows[0]!.value.v).toBeGreaterThan(0.9);
    // The model's last minute at or below the threshold, looking back from END.
    const dinkes = OPDS.find((o) => o.id === "dinkes")!;
    let t = END;
    while (mean5m((s) => opdBps(dinkes, "download", s), t) / dinkes.allocation.download > 0.9) t -= 60;
    const [d] = await prom.query(duration!.expr, END);
    expect(d!.metric).toMatchObject({ opd: "dinkes", direction: "download" });
    expect(Math.abs(d!.value.v - (END - t))).toBeLessThanOrEqual(120);
  });

  it("devices down: dist-2 by name, last up the minute before it went down", async () => {
    const overview = mixin.dashboards["kapasitas-noc-overview.json"]!;
    const panel = panelsOf(overview).find((p) => p.title === "Perangkat mati" && p.type === "table")!;
    const [state, lastUp, duration] = (panel.targets ?? []) as unknown as Target[];
    expect((await prom.query(state!.expr, END)).map((r) => r.metric.device)).toEqual(["dist-2"]);
    expect(await one(lastUp!.expr)).toBe((INCIDENTS.deviceDownFrom - 60) * 1000);
    expect(await one(duration!.expr)).toBe(END - INCIDENTS.deviceDownFrom + 60);
  });

  it("OPD links down: the port down, the removed queue and the link on the device down", async () => {
    const rows = await prom.query(withOpdName(c, `${RECORDED.opdLinkUp} == 0`), END);
    expect(rows.map((r) => r.metric.link).sort()).toEqual([
      "core-1/queue/dishub",
      "dist-1/Gi0/5",
      "dist-2/GigabitEthernet0/0/3",
    ]);
    expect(rows.find((r) => r.metric.link === "core-1/queue/dishub")?.metric.name).toBe("Dinas Perhubungan");
    // Queues that still count are up.
    const up = await prom.query(`${RECORDED.opdLinkUp}{interface=~"queue/.*"} == 1`, END);
    expect(up.map((r) => r.metric.opd).sort()).toEqual(["dinkes", "disdukcapil"]);
  });

  it("availability over the month matches the constructed outages", async () => {
    const device = byLabel(await prom.query(RECORDED.deviceAvailability, END), "device");
    expect(device["core-1"]).toBe(1);
    expect(device["dist-1"]).toBe(1);
    expect(device["dist-2"]).toBeCloseTo(availabilityAfter(INCIDENTS.deviceDownFrom), 9);
    const link = byLabel(await prom.query(RECORDED.opdLinkAvailability, END), "link");
    expect(link["dist-1/Gi0/5"]).toBeCloseTo(availabilityAfter(INCIDENTS.interfaceDownFrom), 9);
    expect(link["core-1/queue/dishub"]).toBeCloseTo(availabilityAfter(INCIDENTS.queueRemovedFrom), 9);
    expect(link["core-1/queue/dinkes"]).toBe(1);
    // The link on dist-2: down with its device, less the 5 minutes Prometheus still looks back to
    // the last samples the test wrote (a real scrape ends them at once with staleness markers).
    const dist2 = link["dist-2/GigabitEthernet0/0/3"]!;
    expect(dist2).toBeGreaterThanOrEqual(availabilityAfter(INCIDENTS.deviceDownFrom));
    expect(dist2).toBeLessThanOrEqual(availabilityAfter(INCIDENTS.deviceDownFrom + 5 * 60));
  });

  it("city map: every level from ISP to OPD, each edge between two nodes, what is down at -1", async () => {
    const q = cityMapQueries(c, words(c));
    const nodes = await prom.query(q.nodes, END);
    const edges = await prom.query(q.edges, END);
    const node = Object.fromEntries(nodes.map((r) => [r.metric.id, r]));
    expect(Object.keys(node).sort()).toEqual(
      [
        `isp:${UPLINK.provider}`,
        `uplink:${UPLINK.id}`,
        "device:core-1",
        "device:dist-1",
        "device:dist-2",
        ...OPDS.map((o) => `opd:${o.id}`),
      ].sort(),
    );
    expect(node["device:core-1"]!.metric.subtitle).toBe("inti");
    expect(node["device:dist-1"]!.metric.subtitle).toBe("distribusi");
    expect(node["device:dist-2"]!.value.v).toBe(-1);
    expect(node["opd:setda"]!.value.v).toBe(-1);
    expect(node["opd:dishub"]!.value.v).toBe(-1);
    expect(node["opd:dinkes"]!.metric.subtitle).toBe("Dinas Kesehatan");
    expect(node["opd:dinkes"]!.value.v).toBeGreaterThan(0.9);
    expect(node[`uplink:${UPLINK.id}`]!.value.v).toBeCloseTo(
      await one(`max(${RECORDED.uplinkUtilisation})`),
      9,
    );
    const pairs = edges.map((r) => `${r.metric.source} > ${r.metric.target}`).sort();
    expect(pairs).toEqual(
      [
        `isp:${UPLINK.provider} > uplink:${UPLINK.id}`,
        `uplink:${UPLINK.id} > device:core-1`,
        "device:core-1 > device:dist-1",
        "device:core-1 > device:dist-2",
        "device:core-1 > opd:dinkes",
        "device:core-1 > opd:disdukcapil",
        "device:core-1 > opd:dishub",
        "device:dist-1 > opd:disdukcapil",
        "device:dist-1 > opd:dpmptsp",
        "device:dist-2 > opd:setda",
      ].sort(),
    );
    for (const e of edges) {
      expect(node[e.metric.source!], e.metric.source).toBeDefined();
      expect(node[e.metric.target!], e.metric.target).toBeDefined();
      expect(e.metric.id).toBe(`${e.metric.source}>${e.metric.target}`);
    }
  });
});
