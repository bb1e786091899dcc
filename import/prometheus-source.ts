// Another Prometheus (a test install, an old server) as a source: its raw counters, turned into the
// recorded 5-minute rates with the recording rules' own expressions, over its HTTP API. Its series
// already carry opd/uplink and direction (its collector applied `faces`), so no mapping is needed.
import { METRICS, RECORDED } from "../core/contract.js";
import type { Inventory } from "../core/schema.js";
import { chunkRange, type PrometheusClient } from "../report/prometheus.js";
import { SLOT_SECONDS } from "./rows.js";
import type { OwnerSeries } from "./series.js";

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
