// The report's history for the demo: the last full fiscal quarter of the recorded 5-minute rates
// (the series the report reads), generated from the same load model as the live agents, written
// by the report tests' generator and backfilled with promtool. The TSDB is cached under $TMPDIR,
// keyed by the quarter and a fingerprint of the series, so later runs only copy it.
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RECORDED } from "../core/contract.js";
import { DIRECTIONS, type Direction } from "../core/model.js";
import type { Inventory } from "../core/schema.js";
import {
  fiscalYearOf,
  monthNumberAt,
  monthOf,
  monthStart,
  parsePeriod,
  type Period,
} from "../report/period.js";
import { SLOT, writeOpenMetrics, type History, type SeriesSpec } from "../lab/history.js";
import { backfill } from "../lab/history-prometheus.js";
import { allocationMbps, growthOf, shareAt, unitHash } from "./load.js";

/** The last fiscal quarter that has ended by `now` (quarters start at the fiscal start month). */
export function lastFullQuarter(now: Date, timeZone: string, fiscalStartMonth: number): Period {
  const current = monthNumberAt(now, timeZone);
  const intoQuarter = (((current % 12) + 1 - fiscalStartMonth + 12) % 12) % 3;
  const start = current - intoQuarter - 3;
  const startDate = monthStart(start, timeZone);
  const fiscalYear = fiscalYearOf(startDate, timeZone, fiscalStartMonth);
  const quarter = Math.floor(((monthOf(start).month - fiscalStartMonth + 12) % 12) / 3) + 1;
  return parsePeriod(`${fiscalYear}-Q${quarter}`, timeZone, fiscalStartMonth);
}

/** Months of history: the live agents run at the model's month after the last one ("now"). */
export const HISTORY_MONTHS = 3;

/** One series per OPD and uplink and direction: p95 = the model's share x allocation, month by month. */
export function demoSeries(inv: Inventory): SeriesSpec[] {
  const spec = (
    metric: string,
    labels: Record<string, string>,
    owner: "opd" | "uplink",
    id: string,
    direction: Direction,
  ): SeriesSpec => {
    const growth = growthOf(id, direction);
    const allocationBps = allocationMbps(inv, owner, id, direction) * 1e6;
    const busiest = shareAt(growth, HISTORY_MONTHS - 1);
    return {
      metric,
      labels,
      p95: (month) => shareAt(growth, month) * allocationBps,
      lowRatio: 0.45,
      // The busiest 5 minutes reach the limit at most: a queue or port carries no more.
      peakRatio: Math.min(1.15, 1 / busiest),
    };
  };
  return [
    ...inv.opds.flatMap((o) =>
      DIRECTIONS.map((d) => spec(RECORDED.opdBits, { opd: o.id, direction: d }, "opd", o.id, d)),
    ),
    ...inv.uplinks.flatMap((u) =>
      DIRECTIONS.map((d) =>
        spec(RECORDED.uplinkBits, { uplink: u.id, provider: u.provider, direction: d }, "uplink", u.id, d),
      ),
    ),
  ];
}

/** Changes whenever the series would: the cache is never served for another model or inventory. */
export function fingerprint(period: Period, series: readonly SeriesSpec[]): string {
  const text = JSON.stringify([
    period.spec,
    series.map((s) => [s.metric, s.labels, s.lowRatio, s.peakRatio, [0, 1, 2].map(s.p95)]),
  ]);
  return Math.floor(unitHash(text) * 2 ** 32)
    .toString(16)
    .padStart(8, "0");
}

export interface CachedHistory {
  /** The cached TSDB (read-only: copy it before starting Prometheus on it). */
  dir: string;
  /** True when this run generated and backfilled it. */
  built: boolean;
  generateSeconds: number;
  backfillSeconds: number;
}

/** The TSDB for the quarter, from the cache or built now (atomically published for later runs). */
export async function cachedHistory(inv: Inventory, period: Period): Promise<CachedHistory> {
  const series = demoSeries(inv);
  const dir = join(tmpdir(), `kapasitas-demo-history-${period.spec}-${fingerprint(period, series)}`);
  if (existsSync(join(dir, "done"))) return { dir, built: false, generateSeconds: 0, backfillSeconds: 0 };
  const work = mkdtempSync(join(tmpdir(), "kapasitas-demo-history-build-"));
  try {
    const history: History = {
      startS: period.start.getTime() / 1000,
      slots: (period.end.getTime() - period.start.getTime()) / 1000 / SLOT,
      timeZone: inv.timezone,
    };
    const file = join(work, "history.om");
    let t = Date.now();
    await writeOpenMetrics(file, history, series);
    const generateSeconds = (Date.now() - t) / 1000;
    t = Date.now();
    const data = join(work, "data");
    await backfill(file, data);
    const backfillSeconds = (Date.now() - t) / 1000;
    mkdirSync(join(data, "done"));
    try {
      renameSync(data, dir); // atomic: a parallel run that lost the race uses the winner's
    } catch {
      if (!existsSync(join(dir, "done"))) throw new Error(`could not publish the demo history at ${dir}`);
    }
    return { dir, built: true, generateSeconds, backfillSeconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A private copy of the cached TSDB for one Prometheus (it locks and compacts its data dir). */
export function copyHistory(cacheDir: string, into: string): void {
  cpSync(cacheDir, into, { recursive: true, filter: (src) => !src.endsWith("/done") });
}
