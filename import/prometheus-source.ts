// Another Prometheus (a test install, an old server) as a source: its raw counters, turned into the
// recorded 5-minute rates with the recording rules' own expressions, over its HTTP API. Its series
// already carry opd/uplink and direction (its collector applied `faces`), so no mapping is needed.
import { IMPORT_LABELS, METRICS, RECORDED } from "../core/contract.js";
import type { Inventory } from "../core/schema.js";
import { chunkRange, type PrometheusClient } from "../report/prometheus.js";
import { SLOT_SECONDS } from "./rows.js";
import type { OwnerSeries, ResolutionSeries } from "./series.js";

/** The recording rules' expressions (dashboards/rules.ts), without the job selector another install may not share. */
export const SOURCE_QUERIES = [
  {
    metric: RECORDED.opdBits,
    query: `sum by (opd, direction) (rate(${METRICS.opdLinkBytes}[5m])) * 8`,
    labels: ["opd", "direction"],
  },
  {
    metric: RECORDED.uplinkBits,
    query: `sum by (uplink, provider, direction) (rate(${METRICS.uplinkBytes}[5m])) * 8`,
    labels: ["uplink", "provider", "direction"],
  },
] as const;

/**
 * Every OPD's and uplink's 5-minute series between fromS and toS (slot ends, multiples of 300 s),
 * handed to `emit` one query chunk (~35 days) at a time, so a year never sits in memory at once.
 * Series for an OPD or uplink the inventory does not list are returned in `unknown`.
 */
export async function readPrometheus(
  client: PrometheusClient,
  inventory: Inventory,
  fromS: number,
  toS: number,
  emit: (series: OwnerSeries[]) => Promise<void>,
): Promise<{ series: number; unknown: string[] }> {
  const first = Math.ceil(fromS / SLOT_SECONDS) * SLOT_SECONDS;
  const last = Math.floor(toS / SLOT_SECONDS) * SLOT_SECONDS;
  const chunks = first <= last ? chunkRange(first, last, SLOT_SECONDS) : [];
  const known = new Set([
    ...inventory.opds.map((o) => `opd/${o.id}`),
    ...inventory.uplinks.map((u) => `uplink/${u.id}`),
  ]);
  const unknown = new Set<string>();
  const seen = new Set<string>();
  for (const q of SOURCE_QUERIES) {
    for (const chunk of chunks) {
      const series = new Map<
        string,
        { metric: string; labels: Record<string, string>; t: number[]; v: number[] }
      >();
      await client.queryRangeInto(q.query, chunk, SLOT_SECONDS, (labels) => {
        const owner = q.metric === RECORDED.opdBits ? "opd" : "uplink";
        const id = labels[owner];
        if (!id || (labels.direction !== "download" && labels.direction !== "upload")) return null;
        if (!known.has(`${owner}/${id}`)) {
          unknown.add(`${owner}/${id}`);
          return null;
        }
        const picked = Object.fromEntries(q.labels.map((l) => [l, labels[l] ?? ""]));
        const key = JSON.stringify(picked);
        let s = series.get(key);
        if (!s) series.set(key, (s = { metric: q.metric, labels: picked, t: [], v: [] }));
        const { t: times, v: values } = s;
        // Prometheus returns a series' points in time order.
        return (t, value) => {
          if (!Number.isFinite(value) || value < 0) return;
          times.push(t);
          values.push(value);
        };
      });
      for (const key of series.keys()) seen.add(key);
      await emit(
        [...series.values()].map(({ metric, labels, t, v }): OwnerSeries => ({
          metric,
          labels,
          source: "prometheus",
          endS: Float64Array.from(t),
          bps: Float64Array.from(v),
          stepS: new Float64Array(t.length).fill(SLOT_SECONDS),
        })),
      );
    }
  }
  return { series: seen.size, unknown: [...unknown].sort() };
}

/** The collector's raw counters another Prometheus may hold (docs/metrics.md). */
export const RAW_COUNTERS = [METRICS.opdLinkBytes, METRICS.uplinkBytes] as const;

/**
 * The raw counters read a day at a time (a minute's scrapes for a day: 1,440 samples a series), by
 * remote read where the source serves it (its chunks as stored), else with the query API.
 */
const RAW_WINDOW_S = 86_400;

/**
 * The raw counter samples between fromS and toS, each series with the labels the collector gave it
 * (job, opd or uplink, link, device, direction, ...) plus `source="prometheus"`, handed to `emit` a
 * day at a time. Series whose OPD or uplink the inventory does not list are left out.
 */
export async function readRawCounters(
  client: PrometheusClient,
  inventory: Inventory,
  fromS: number,
  toS: number,
  emit: (series: ResolutionSeries[]) => Promise<void>,
): Promise<{ series: number; samples: number }> {
  const known = new Set([
    ...inventory.opds.map((o) => `opd/${o.id}`),
    ...inventory.uplinks.map((u) => `uplink/${u.id}`),
  ]);
  const seen = new Set<string>();
  let samples = 0;
  for (const metric of RAW_COUNTERS) {
    const owner = metric === METRICS.opdLinkBytes ? "opd" : "uplink";
    for (let start = fromS; start < toS; start += RAW_WINDOW_S) {
      const end = Math.min(toS, start + RAW_WINDOW_S);
      const series = new Map<string, { labels: Record<string, string>; t: number[]; v: number[] }>();
      // The window is (start, end]: a sample on its left edge belongs to the window before.
      await client.rawSamplesInto({ metric, matchers: [] }, start, end, (labels) => {
        if (!known.has(`${owner}/${labels[owner] ?? ""}`)) return null;
        const { __name__: _name, ...rest } = labels;
        const key = JSON.stringify(rest);
        let s = series.get(key);
        if (!s)
          series.set(key, (s = { labels: { ...rest, [IMPORT_LABELS.source]: "prometheus" }, t: [], v: [] }));
        const held = s;
        return (t, value) => {
          if (!Number.isFinite(value)) return;
          held.t.push(t);
          held.v.push(value);
        };
      });
      const batch = [...series.entries()]
        .filter(([, s]) => s.t.length > 0)
        .map(([key, s]): ResolutionSeries => {
          seen.add(key);
          samples += s.t.length;
          return { metric, labels: s.labels, timesS: Float64Array.from(s.t), values: Float64Array.from(s.v) };
        });
      await emit(batch);
    }
  }
  return { series: seen.size, samples };
}
