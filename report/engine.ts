// The report engine: read a period of the recorded series from Prometheus, then compute every
// figure with the pure functions in figures.ts. I/O is here; decisions are there.
import { IMPORT_LABELS, METRICS, RECORDED } from "../core/contract.js";
import type { Inventory, PricingTier } from "../core/schema.js";
import { DIRECTIONS, type Direction } from "../core/model.js";
import {
  BITS_PER_MBPS,
  fitTrend,
  findGaps,
  hoursAbove,
  projectSaturation,
  roundUpToTier,
  SLOT_SECONDS,
  summarise,
  trendAt,
  yearlyCostIdr,
  type Gap,
  type MonthP95,
  type Saturation,
  type SlotSeries,
  type Summary,
  type Trend,
} from "./figures.js";
import { fiscalYearLastMonth, fiscalYearOf, fiscalYearRange, monthsIn, type Period } from "./period.js";
import type { Labels } from "./matrix.js";
import { chunkRange, mapLimit, type PrometheusClient } from "./prometheus.js";
import { ReportProblem } from "./problems.js";

export type EntityKind = "opd" | "uplink";

export interface DirectionFigures extends Summary {
  direction: Direction;
  /** Allocation (OPD) or contract (uplink), bits/s. */
  allocatedBps: number;
  allocationSource: "prometheus" | "inventory";
  /** p95 / allocation; null without samples. */
  p95Utilisation: number | null;
  meanUtilisation: number | null;
  /** Hours with a 5-minute average above allocation x saturation threshold. */
  hoursAboveThreshold: number;
  gaps: Gap[];
  monthly: MonthP95[];
  trend: Trend | null;
  saturation: Saturation;
  /** The p95 the trend projects for the last month of next fiscal year (or today's p95 without a trend). */
  projectedP95Bps: number | null;
  /** projectedP95 x (1 + headroom), Mbps, before rounding to a tier. */
  needMbps: number | null;
  /** The tier the need rounds up to, Mbps. */
  recommendedMbps: number | null;
  /**
   * What the figures rest on (kapasitas import, docs/import.md): the share of the slots holding a
   * value that hold a 5-minute average (collected, or imported at 5 minutes), and the share that
   * hold a coarser imported average (30 minutes, 2 hours, a day). Null without samples.
   */
  fiveMinuteShare: number | null;
  coarserShare: number | null;
  /** The p95 rests partly on averages coarser than 5 minutes: the true p95 is likely higher. */
  p95LowerBound: boolean;
}

export interface Recommendation {
  /** The direction whose need sets the size of a symmetric product. */
  basis: Direction;
  mbps: number;
  yearlyCostIdr: number;
  todayMbps: number;
  todayYearlyCostIdr: number;
  changeIdr: number;
  /** changeIdr / todayYearlyCostIdr; null when today's cost is 0. */
  changeRatio: number | null;
}

/** Who a row of the report is about. */
export interface EntityIdentity {
  kind: EntityKind;
  id: string;
  name: string;
  /** For charts and narrow tables: the OPD's short_name, or its id. */
  shortName: string;
  /** OPD category (public_service | internal); uplinks: undefined. */
  category?: string;
  /** Uplink provider; OPDs: undefined. */
  provider?: string;
}

export interface EntityReport extends EntityIdentity {
  download: DirectionFigures;
  upload: DirectionFigures;
  /** The larger of the two directions' p95 / allocation: the ranking key. */
  p95Ratio: number | null;
  /** Today's allocation (larger direction) and its yearly price. */
  today: { mbps: number; yearlyCostIdr: number };
  recommendation: Recommendation | null;
}

export interface Totals {
  count: number;
  allocatedMbps: Record<Direction, number>;
  /** Sum of each entity's own p95: not a city-wide p95 (peaks do not coincide), an upper bound of it. */
  sumP95Mbps: Record<Direction, number>;
  meanMbps: Record<Direction, number>;
  todayYearlyCostIdr: number;
  recommendedYearlyCostIdr: number;
  changeIdr: number;
}

export interface Report {
  organisation: string;
  timeZone: string;
  period: Period;
  /** End of the data read: the period's end, or now for a period still running. */
  measuredEnd: Date;
  generatedAt: Date;
  source: string;
  planning: Inventory["planning"];
  pricingTiers: PricingTier[];
  months: number[];
  nextFiscalYear: { year: number; start: Date; end: Date; lastMonth: number };
  opds: EntityReport[];
  uplinks: EntityReport[];
  totals: { opds: Totals; uplinks: Totals };
  ranking: { underProvisioned: string[]; overProvisioned: string[]; noData: string[] };
  /** Series in Prometheus for an OPD or uplink the inventory does not list (renamed? removed?). */
  unmatchedSeries: string[];
}

/** Nothing measured in the period (not started yet, or no samples at all). */
export class NoDataError extends ReportProblem {
  override name = "NoDataError";
}

export interface BuildOptions {
  inventory: Inventory;
  period: Period;
  client: PrometheusClient;
  now?: Date;
  /** Range queries in flight at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Slot k's value is the recorded 5-minute rate evaluated at the slot's end. `last_over_time` over
 * step - 1 s takes only a sample inside the slot: a plain selector would reach back 5 minutes and
 * carry the last value before a gap into the gap's first slot.
 */
export function slotQuery(metric: string, stepS = SLOT_SECONDS): string {
  return `last_over_time(${metric}[${stepS - 1}s])`;
}

type SeriesKey = `${EntityKind}\0${string}\0${Direction}`;
const keyOf = (kind: EntityKind, id: string, direction: Direction): SeriesKey =>
  `${kind}\0${id}\0${direction}`;

/**
 * What a slot's value rests on: 0 empty, 1 collected, otherwise the step (s) of the imported
 * average. Collected data wins over imported; among imported, the finer average wins.
 */
export const COLLECTED = 1;
export function takes(held: number, offered: number): boolean {
  if (held === 0) return true;
  if (offered === COLLECTED) return held !== COLLECTED;
  return held !== COLLECTED && offered < held;
}

/** The step a series' samples stand for: imported series carry `resolution` ("5m", "2h", "1d"). */
export function stepOfLabels(labels: Labels): number {
  if (labels[IMPORT_LABELS.source] === undefined) return COLLECTED;
  const m = /^(\d+)(s|m|h|d)$/.exec(labels[IMPORT_LABELS.resolution] ?? "");
  if (!m) return SLOT_SECONDS;
  return Math.max(
    SLOT_SECONDS,
    Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as "s" | "m" | "h" | "d"],
  );
}

/** Shares of the slots holding a value: 5-minute (collected or imported at 5 min) and coarser. */
export function resolutionShares(
  basis: Uint32Array,
  from = 0,
  to = basis.length,
): { fiveMinuteShare: number | null; coarserShare: number | null } {
  let fine = 0;
  let coarse = 0;
  for (let i = from; i < to; i++) {
    const b = basis[i]!;
    if (b === 0) continue;
    if (b <= SLOT_SECONDS) fine++;
    else coarse++;
  }
  const n = fine + coarse;
  return n === 0
    ? { fiveMinuteShare: null, coarserShare: null }
    : { fiveMinuteShare: fine / n, coarserShare: coarse / n };
}

interface Fetched {
  series: Map<SeriesKey, Float64Array>;
  /** Per series, what each slot rests on (takes()). */
  basis: Map<SeriesKey, Uint32Array>;
  allocations: Map<SeriesKey, number>;
  /** `opd/<id>` or `uplink/<id>` of series Prometheus has but the inventory does not name. */
  unmatched: Set<string>;
}

async function fetchSeries(
  options: BuildOptions,
  startS: number,
  slots: number,
  endS: number,
): Promise<Fetched> {
  const { client, inventory } = options;
  const chunks = slots > 0 ? chunkRange(startS + SLOT_SECONDS, endS, SLOT_SECONDS) : [];
  const sources = [
    { kind: "opd" as const, metric: RECORDED.opdBits, idLabel: "opd", wanted: inventory.opds.length > 0 },
    {
      kind: "uplink" as const,
      metric: RECORDED.uplinkBits,
      idLabel: "uplink",
      wanted: inventory.uplinks.length > 0,
    },
  ].filter((s) => s.wanted);
  const allocationSources = [
    { kind: "opd" as const, metric: METRICS.opdAllocatedBps, idLabel: "opd" },
    { kind: "uplink" as const, metric: METRICS.uplinkContractedBps, idLabel: "uplink" },
  ];
  const tasks = [
    ...sources.flatMap((source) => chunks.map((chunk) => ({ type: "range" as const, source, chunk }))),
    ...allocationSources.map((source) => ({ type: "allocation" as const, source })),
  ];
  const series = new Map<SeriesKey, Float64Array>();
  const basis = new Map<SeriesKey, Uint32Array>();
  const allocations = new Map<SeriesKey, number>();
  const known = new Set([
    ...inventory.opds.map((o) => `opd/${o.id}`),
    ...inventory.uplinks.map((u) => `uplink/${u.id}`),
  ]);
  const unmatched = new Set<string>();
  const seriesFor = (
    kind: EntityKind,
    labels: Labels,
    idLabel: string,
  ): { values: Float64Array; basis: Uint32Array } | null => {
    const id = labels[idLabel];
    const direction = labels.direction;
    if (!id || (direction !== "download" && direction !== "upload")) return null;
    if (!known.has(`${kind}/${id}`)) {
      unmatched.add(`${kind}/${id}`);
      return null;
    }
    const key = keyOf(kind, id, direction);
    let values = series.get(key);
    let held = basis.get(key);
    if (!values || !held) {
      values = new Float64Array(slots).fill(NaN);
      held = new Uint32Array(slots);
      series.set(key, values);
      basis.set(key, held);
    }
    return { values, basis: held };
  };

  let done = 0;
  options.onProgress?.(0, tasks.length);
  await mapLimit(tasks, options.concurrency ?? 3, async (task) => {
    if (task.type === "range") {
      await client.queryRangeInto(slotQuery(task.source.metric), task.chunk, SLOT_SECONDS, (labels) => {
        const target = seriesFor(task.source.kind, labels, task.source.idLabel);
        if (!target) return null;
        const { values, basis: held } = target;
        const step = stepOfLabels(labels);
        return (t, value) => {
          const slot = Math.round((t - startS) / SLOT_SECONDS) - 1;
          if (slot >= 0 && slot < slots && Number.isFinite(value) && takes(held[slot]!, step)) {
            values[slot] = value;
            held[slot] = step;
          }
        };
      });
    } else {
      // The allocation in force at the end of the period (a week back covers a collector restart);
      // max by drops the collector's instance/shard labels.
      const { metric, idLabel } = task.source;
      const result = await client.query(
        `max by (${idLabel}, direction) (last_over_time(${metric}[7d]))`,
        endS,
      );
      for (const s of result) {
        const id = s.metric[task.source.idLabel];
        const direction = s.metric.direction;
        const value = Number(s.value[1]);
        if (id && (direction === "download" || direction === "upload") && value > 0) {
          allocations.set(keyOf(task.source.kind, id, direction), value);
        }
      }
    }
    options.onProgress?.(++done, tasks.length);
  });
  return { series, basis, allocations, unmatched };
}

export interface EntityInput extends EntityIdentity {
  allocatedMbps: Record<Direction, number>;
  todayYearlyCostIdr: number;
}

function entitiesOf(inventory: Inventory): EntityInput[] {
  const tiers = inventory.pricing.tiers;
  return [
    ...inventory.opds.map((o) => ({
      kind: "opd" as const,
      id: o.id,
      name: o.name,
      shortName: o.short_name ?? o.id,
      category: o.category,
      allocatedMbps: { download: o.allocated.download_mbps, upload: o.allocated.upload_mbps },
      todayYearlyCostIdr: yearlyCostIdr(Math.max(o.allocated.download_mbps, o.allocated.upload_mbps), tiers),
    })),
    ...inventory.uplinks.map((u) => ({
      kind: "uplink" as const,
      id: u.id,
      name: u.provider,
      shortName: u.id,
      provider: u.provider,
      allocatedMbps: { download: u.contracted.download_mbps, upload: u.contracted.upload_mbps },
      todayYearlyCostIdr: u.monthly_price_idr * 12,
    })),
  ];
}

interface Context {
  inventory: Inventory;
  period: Period;
  startS: number;
  months: { month: number; fromSlot: number; toSlot: number }[];
  lastMonth: number;
  nextFyLastMonth: number;
}

function directionFigures(
  ctx: Context,
  values: Float64Array,
  basis: Uint32Array,
  allocatedBps: number,
  allocationSource: DirectionFigures["allocationSource"],
  direction: Direction,
): DirectionFigures {
  const { planning, pricing } = ctx.inventory;
  const series: SlotSeries = { startS: ctx.startS, stepS: SLOT_SECONDS, values };
  const summary = summarise(series);
  const monthly: MonthP95[] = ctx.months.map((m) => {
    const s = summarise(series, m.fromSlot, m.toSlot);
    return { month: m.month, p95Bps: s.p95Bps, coverage: s.coverage };
  });
  const trend = fitTrend(monthly);
  const limitBps = allocatedBps * planning.saturation_threshold;
  const projected =
    summary.p95Bps === null
      ? null
      : trend
        ? Math.max(0, trendAt(trend, ctx.nextFyLastMonth))
        : summary.p95Bps;
  const needMbps = projected === null ? null : (projected * (1 + planning.headroom)) / BITS_PER_MBPS;
  const shares = resolutionShares(basis);
  return {
    ...summary,
    direction,
    allocatedBps,
    allocationSource,
    p95Utilisation: summary.p95Bps === null ? null : summary.p95Bps / allocatedBps,
    meanUtilisation: summary.meanBps === null ? null : summary.meanBps / allocatedBps,
    hoursAboveThreshold: hoursAbove(series, limitBps),
    gaps: findGaps(series),
    monthly,
    trend,
    saturation: projectSaturation(monthly, trend, limitBps, ctx.lastMonth),
    projectedP95Bps: projected,
    needMbps,
    recommendedMbps: needMbps === null ? null : roundUpToTier(needMbps, pricing.tiers).mbps,
    ...shares,
    p95LowerBound: summary.p95Bps !== null && (shares.coarserShare ?? 0) > 0,
  };
}

/**
 * A symmetric product (a dedicated line sold as N Mbps both ways) is sized by the direction
 * that needs more; the recommendation prices that tier.
 */
export function recommend(
  download: DirectionFigures,
  upload: DirectionFigures,
  entity: EntityInput,
  tiers: readonly PricingTier[],
): Recommendation | null {
  if (download.recommendedMbps === null && upload.recommendedMbps === null) return null;
  const basis: Direction =
    (upload.recommendedMbps ?? 0) > (download.recommendedMbps ?? 0) ? "upload" : "download";
  const mbps = (basis === "upload" ? upload.recommendedMbps : download.recommendedMbps)!;
  const cost = yearlyCostIdr(mbps, tiers);
  const today = entity.todayYearlyCostIdr;
  return {
    basis,
    mbps,
    yearlyCostIdr: cost,
    todayMbps: Math.max(entity.allocatedMbps.download, entity.allocatedMbps.upload),
    todayYearlyCostIdr: today,
    changeIdr: cost - today,
    changeRatio: today > 0 ? (cost - today) / today : null,
  };
}

function totalsOf(entities: readonly EntityReport[]): Totals {
  const byDirection = (pick: (d: DirectionFigures) => number | null): Record<Direction, number> => ({
    download: entities.reduce((s, e) => s + (pick(e.download) ?? 0), 0),
    upload: entities.reduce((s, e) => s + (pick(e.upload) ?? 0), 0),
  });
  const today = entities.reduce((s, e) => s + e.today.yearlyCostIdr, 0);
  // An entity without data keeps today's allocation in the total.
  const recommended = entities.reduce(
    (s, e) => s + (e.recommendation ? e.recommendation.yearlyCostIdr : e.today.yearlyCostIdr),
    0,
  );
  return {
    count: entities.length,
    allocatedMbps: byDirection((d) => d.allocatedBps / BITS_PER_MBPS),
    sumP95Mbps: byDirection((d) => (d.p95Bps === null ? null : d.p95Bps / BITS_PER_MBPS)),
    meanMbps: byDirection((d) => (d.meanBps === null ? null : d.meanBps / BITS_PER_MBPS)),
    todayYearlyCostIdr: today,
    recommendedYearlyCostIdr: recommended,
    changeIdr: recommended - today,
  };
}

/** Under-provisioned: the recommendation is larger than today; over: smaller. Ranked by p95 / allocation. */
export function rank(entities: readonly EntityReport[]): Report["ranking"] {
  const withData = entities.filter((e) => e.p95Ratio !== null && e.recommendation);
  const under = withData
    .filter((e) => e.recommendation!.mbps > e.recommendation!.todayMbps)
    .sort((a, b) => b.p95Ratio! - a.p95Ratio!);
  const over = withData
    .filter((e) => e.recommendation!.mbps < e.recommendation!.todayMbps)
    .sort((a, b) => a.p95Ratio! - b.p95Ratio!);
  return {
    underProvisioned: under.map((e) => e.id),
    overProvisioned: over.map((e) => e.id),
    noData: entities.filter((e) => e.p95Ratio === null).map((e) => e.id),
  };
}

export async function buildReport(options: BuildOptions): Promise<Report> {
  const { inventory, period } = options;
  const timeZone = inventory.timezone;
  const now = options.now ?? new Date();
  const nowS = Math.floor(now.getTime() / 1000 / SLOT_SECONDS) * SLOT_SECONDS;
  const startS = Math.floor(period.start.getTime() / 1000);
  if (startS >= nowS) throw new NoDataError("not-started");
  const endS = Math.min(Math.floor(period.end.getTime() / 1000), nowS);
  const slots = Math.floor((endS - startS) / SLOT_SECONDS);
  const measuredEnd = new Date((startS + slots * SLOT_SECONDS) * 1000);

  const fetched = await fetchSeries(options, startS, slots, startS + slots * SLOT_SECONDS);
  const hasData = [...fetched.series.values()].some((v) => v.some((x) => !Number.isNaN(x)));
  if (!hasData) {
    throw new NoDataError("no-data", {
      url: options.client.url,
      series: `${RECORDED.opdBits} / ${RECORDED.uplinkBits}`,
    });
  }

  const months = monthsIn(period.start, measuredEnd, timeZone).map((m) => ({
    month: m.month,
    fromSlot: Math.round((m.start.getTime() / 1000 - startS) / SLOT_SECONDS),
    toSlot: Math.round((m.end.getTime() / 1000 - startS) / SLOT_SECONDS),
  }));
  const startMonth = inventory.planning.fiscal_year_start_month;
  const nextFy = fiscalYearOf(new Date(measuredEnd.getTime() - 1), timeZone, startMonth) + 1;
  const ctx: Context = {
    inventory,
    period,
    startS,
    months,
    lastMonth: months.at(-1)!.month,
    nextFyLastMonth: fiscalYearLastMonth(nextFy, startMonth),
  };

  const build = (entity: EntityInput): EntityReport => {
    const figures = {} as Record<Direction, DirectionFigures>;
    for (const direction of DIRECTIONS) {
      const key = keyOf(entity.kind, entity.id, direction);
      const fromPrometheus = fetched.allocations.get(key);
      figures[direction] = directionFigures(
        ctx,
        fetched.series.get(key) ?? new Float64Array(slots).fill(NaN),
        fetched.basis.get(key) ?? new Uint32Array(slots),
        fromPrometheus ?? entity.allocatedMbps[direction] * BITS_PER_MBPS,
        fromPrometheus === undefined ? "inventory" : "prometheus",
        direction,
      );
    }
    const ratios = DIRECTIONS.map((d) => figures[d].p95Utilisation).filter((r): r is number => r !== null);
    return {
      kind: entity.kind,
      id: entity.id,
      name: entity.name,
      shortName: entity.shortName,
      ...(entity.category === undefined ? {} : { category: entity.category }),
      ...(entity.provider === undefined ? {} : { provider: entity.provider }),
      download: figures.download,
      upload: figures.upload,
      p95Ratio: ratios.length === 0 ? null : Math.max(...ratios),
      today: {
        mbps: Math.max(entity.allocatedMbps.download, entity.allocatedMbps.upload),
        yearlyCostIdr: entity.todayYearlyCostIdr,
      },
      recommendation: recommend(figures.download, figures.upload, entity, inventory.pricing.tiers),
    };
  };

  const entities = entitiesOf(inventory).map(build);
  const opds = entities.filter((e) => e.kind === "opd");
  const uplinks = entities.filter((e) => e.kind === "uplink");
  return {
    organisation: inventory.organisation,
    timeZone,
    period,
    measuredEnd,
    generatedAt: now,
    source: options.client.url,
    planning: inventory.planning,
    pricingTiers: [...inventory.pricing.tiers].sort((a, b) => a.mbps - b.mbps),
    months: months.map((m) => m.month),
    nextFiscalYear: {
      year: nextFy,
      ...fiscalYearRange(nextFy, timeZone, startMonth),
      lastMonth: ctx.nextFyLastMonth,
    },
    opds,
    uplinks,
    totals: { opds: totalsOf(opds), uplinks: totalsOf(uplinks) },
    ranking: rank(opds),
    unmatchedSeries: [...fetched.unmatched].sort(),
  };
}
