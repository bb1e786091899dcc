// The report's history for the demo: the last full fiscal quarter of the recorded 5-minute rates
// (the series the report reads), generated from the same load model as the live agents, written
// by the report tests' generator and backfilled with promtool. The TSDB is cached under $TMPDIR,
// keyed by the quarter and a fingerprint of the series, so later runs only copy it. One OPD's
// quarter is not backfilled: it comes as an RRD file laid out as MRTG writes it (5-minute rows for
// the last days, then 30-minute, 2-hour and daily averages), which the demo imports with
// `kapasitas import`, as a city moving from MRTG would.
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RECORDED } from "../core/contract.js";
import { counterFor, DIRECTIONS, measuredLinks, type Direction, type MeasuredLink } from "../core/model.js";
import type { Inventory } from "../core/schema.js";
import {
  fiscalYearOf,
  monthNumberAt,
  monthOf,
  monthStart,
  parsePeriod,
  type Period,
} from "../report/period.js";
import {
  levelAt,
  monthIndexer,
  SLOT,
  writeOpenMetrics,
  type History,
  type SeriesSpec,
} from "../lab/history.js";
import { backfill } from "../lab/history-prometheus.js";
import { writeRrd } from "../lab/rrd.js";
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

/** The OPD whose quarter the demo imports from an MRTG RRD instead of backfilling it. */
export const IMPORTED_OPD = "setwan";

/** The series the demo backfills: every one but the imported OPD's. */
export function backfilledSeries(inv: Inventory): SeriesSpec[] {
  return demoSeries(inv).filter((s) => s.labels.opd !== IMPORTED_OPD);
}

const historyOf = (inv: Inventory, period: Period): History => ({
  startS: period.start.getTime() / 1000,
  slots: (period.end.getTime() - period.start.getTime()) / 1000 / SLOT,
  timeZone: inv.timezone,
});

/**
 * The imported OPD's quarter as MRTG keeps it in RRD mode (real rrdtool, MRTG's archives, ds0 = in,
 * ds1 = out): the same load model, whole bytes per second per 5-minute slot; rrdtool consolidates.
 * Returns the link the file measures.
 */
export async function writeImportedRrd(inv: Inventory, period: Period, file: string): Promise<MeasuredLink> {
  const link = measuredLinks(inv).find((l) => l.ownerId === IMPORTED_OPD);
  if (!link) throw new Error(`the sample inventory has no link for ${IMPORTED_OPD}`);
  const series = demoSeries(inv).filter((s) => s.labels.opd === IMPORTED_OPD);
  const history = historyOf(inv, period);
  const monthIndexOf = monthIndexer(history);
  // The counter that carries each direction, as the collector reads it (a queue: out = download).
  const column = (counter: "in" | "out") =>
    series.find((s) => counterFor(link.target, s.labels.direction as Direction) === counter)!;
  const [inSpec, outSpec] = [column("in"), column("out")];
  const bytes = (spec: SeriesSpec, k: number) => Math.round(levelAt(spec, history, k, monthIndexOf) / 8);
  await writeRrd(file, {
    layout: "mrtg",
    ds: ["ds0", "ds1"],
    startS: history.startS,
    slots: history.slots,
    rate: (k) => [bytes(inSpec, k), bytes(outSpec, k)],
  });
  return link;
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
  const series = backfilledSeries(inv);
  const dir = join(tmpdir(), `kapasitas-demo-history-${period.spec}-${fingerprint(period, series)}`);
  if (existsSync(join(dir, "done"))) return { dir, built: false, generateSeconds: 0, backfillSeconds: 0 };
  const work = mkdtempSync(join(tmpdir(), "kapasitas-demo-history-build-"));
  try {
    const history = historyOf(inv, period);
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
