// The report engine: read a period of the recorded series from Prometheus, then compute every
// figure with the pure functions in figures.ts. I/O is here; decisions are there.
import { IMPORT_LABELS, METRICS, RECORDED } from "../core/contract.js";
import type { Inventory, PricingTier } from "../core/schema.js";
import { DIRECTIONS, type Direction } from "../core/model.js";
import {
  BITS_PER_MBPS,
  dailyP95,
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
import { chunkRange, type PrometheusClient } from "./prometheus.js";
import type { SeriesSelector } from "./remote-read.js";
import { ReportProblem } from "./problems.js";
import {
  allocationPlan,
  evidenceOf,
  lastSampleEndS,
  splitAcrossContracts,
  SlotSums,
  type AllocationPlan,
  type ContractLine,
  type Evidence,
} from "./proposal.js";

export type EntityKind = "opd" | "uplink";
/** How a connection is paid for: a share of the city's uplinks, its own contract, or an uplink. */
export type PaidBy = "shared" | "own" | "uplink";

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
  /**
   * Each local day's p95 (NaN: no samples that day), computed while the batch's series are in
   * memory, so the PDF charts them without holding any series: 8 bytes a day.
   */
  dailyP95Bps: Float64Array;
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
  /** Uplink provider, or the provider of an OPD's own contract; shared OPDs: undefined. */
  provider?: string;
  paidBy: PaidBy;
  /** The MikroTik simple queue that limits a shared OPD, when the inventory names one. */
  queue?: string;
}

export interface EntityReport extends EntityIdentity {
  download: DirectionFigures;
  upload: DirectionFigures;
  /** The larger of the two directions' p95 / allocation: the ranking key. */
  p95Ratio: number | null;
  /** Today's allocation (larger direction) and its yearly price; null for a shared OPD (no price of its own). */
  today: { mbps: number; yearlyCostIdr: number | null };
  /** Whether the figures are solid enough to recommend on (planning.min_coverage, 3 covered months). */
  evidence: Evidence;
  /**
   * The contract proposed for next year: own lines and uplinks only (a shared OPD is in the
   * allocation plan instead), and only with evidence.
   */
  recommendation: Recommendation | null;
}

/** The city's simultaneous demand and what it should buy next year. */
export interface CityProposal {
  /** The sum of all uplinks per 5-minute slot, against the sum of their contracts. */
  uplinks: Record<Direction, DirectionFigures>;
  /** The sum of the shared OPDs per slot (a cross-check: what the uplinks do not see), against their allocations. */
  sharedOpds: Record<Direction, DirectionFigures>;
  /** Shared OPDs left out of that sum because they have no samples at all. */
  sharedWithoutData: string[];
  /** Sum of the shared OPDs' individual p95 (Mbps): an upper bound of the aggregate's p95. */
  sumP95Mbps: Record<Direction, number>;
  /** sumP95 ÷ p95 of the shared OPDs' aggregate: how much peaks fail to coincide. */
  concurrency: Record<Direction, number | null>;
  /** Sum of shared allocations ÷ contracted uplinks. */
  overbooking: Record<Direction, number | null>;
  evidence: Evidence;
  /** The direction whose need sets the size (uplinks are bought symmetric). */
  basis: Direction | null;
  needMbps: number | null;
  /** Sum of the proposed uplink contracts. */
  recommendedMbps: number | null;
  todayMbps: number;
  todayYearlyCostIdr: number;
  /** One line per uplink; empty without evidence. */
  lines: ContractLine[];
}

/** A line of the budget: a contract the city pays for (an uplink or an OPD's own line). */
export interface BudgetLine {
  kind: "uplink" | "own";
  id: string;
  name: string;
  provider: string;
  todayMbps: number;
  todayYearlyCostIdr: number;
  /** null without evidence: the line keeps today's contract in the total. */
  proposedMbps: number | null;
  idrPerMbpsMonth: number | null;
  proposedYearlyCostIdr: number;
  evidence: boolean;
}

export interface Budget {
  lines: BudgetLine[];
  todayYearlyCostIdr: number;
  proposedYearlyCostIdr: number;
  changeIdr: number;
}

/** How much of the proposal rests on solid data. */
export interface EvidenceSummary {
  opds: { passed: number; total: number };
  uplinks: { passed: number; total: number };
  city: boolean;
  /** Coverage of the city aggregate at the uplinks. */
  coverage: number;
  /** True when not one row (OPD, uplink or the city) passed the gate. */
  none: boolean;
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
  /** End of the last 5-minute slot holding a sample: what "data up to" means. */
  lastSampleAt: Date | null;
  generatedAt: Date;
  source: string;
  planning: Inventory["planning"];
  pricingTiers: PricingTier[];
  months: number[];
  nextFiscalYear: { year: number; start: Date; end: Date; lastMonth: number };
  opds: EntityReport[];
  uplinks: EntityReport[];
  totals: { opds: Totals; uplinks: Totals };
  city: CityProposal;
  plan: AllocationPlan;
  budget: Budget;
  evidence: EvidenceSummary;
  signatories: Inventory["report"]["signatories"];
  ranking: {
    underProvisioned: string[];
    overProvisioned: string[];
    noData: string[];
    /** Measured, but below the evidence gate. */
    noEvidence: string[];
  };
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
  /** Entities read at once (default BATCH_ENTITIES): bounds the report's memory. */
  batchEntities?: number;
}

/**
 * Slot k's value is the recorded 5-minute rate evaluated at the slot's end. `last_over_time` over
 * step - 1 s takes only a sample inside the slot: a plain selector would reach back 5 minutes and
 * carry the last value before a gap into the gap's first slot.
 */
const SLOT_WINDOW_SECONDS = SLOT_SECONDS - 1;

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

/**
 * Entities read from Prometheus at once. Memory is this many entities' series (two directions,
 * 12 bytes per 5-minute slot with its basis: 2.5 MB per entity for a fiscal year), plus the answers
 * in flight (they grow with the batch too: ~0.7 MB per entity per 10,000-step chunk), whatever the
 * size of the inventory: a province of 600 OPDs costs the same as a city of 20. 4, not 8: the same
 * CPU for a fiscal year, 35–45 MB less at peak (BENCHMARKS.md, "Memory and a province").
 */
export const BATCH_ENTITIES = 4;

export interface Source {
  kind: EntityKind;
  metric: string;
  idLabel: string;
}

const SOURCES: Record<EntityKind, Source> = {
  opd: { kind: "opd", metric: RECORDED.opdBits, idLabel: "opd" },
  uplink: { kind: "uplink", metric: RECORDED.uplinkBits, idLabel: "uplink" },
};

/** `metric{label=~"a|b"}`: one batch's series (ids are slugs; escaped all the same). */
export function batchSelector(source: Source, ids: readonly string[]): SeriesSelector {
  const alternatives = ids.map((id) => id.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&")).join("|");
  return { metric: source.metric, matchers: [{ name: source.idLabel, op: "=~", value: alternatives }] };
}

/** Small answers first: the allocations in force and the ids Prometheus holds in the period. */
async function fetchIndex(
  options: BuildOptions,
  startS: number,
  endS: number,
): Promise<Omit<Fetched, "series" | "basis">> {
  const { client, inventory } = options;
  const allocations = new Map<SeriesKey, number>();
  const allocationSources = [
    { kind: "opd" as const, metric: METRICS.opdAllocatedBps, idLabel: "opd" },
    { kind: "uplink" as const, metric: METRICS.uplinkContractedBps, idLabel: "uplink" },
  ];
  for (const source of allocationSources) {
    // The allocation in force at the end of the period (a week back covers a collector restart);
    // max by drops the collector's instance/shard labels.
    const { metric, idLabel } = source;
    const result = await client.query(`max by (${idLabel}, direction) (last_over_time(${metric}[7d]))`, endS);
    for (const s of result) {
      const id = s.metric[idLabel];
      const direction = s.metric.direction;
      const value = Number(s.value[1]);
      if (id && (direction === "download" || direction === "upload") && value > 0) {
        allocations.set(keyOf(source.kind, id, direction), value);
      }
    }
  }
  const known = new Set([
    ...inventory.opds.map((o) => `opd/${o.id}`),
    ...inventory.uplinks.map((u) => `uplink/${u.id}`),
  ]);
  const unmatched = new Set<string>();
  for (const source of Object.values(SOURCES)) {
    // The label-values endpoint reads the index only, whatever the period's length.
    for (const id of await client.labelValues(source.idLabel, source.metric, startS, endS)) {
      if (!known.has(`${source.kind}/${id}`)) unmatched.add(`${source.kind}/${id}`);
    }
  }
  return { allocations, unmatched };
}

/** One batch of entities' series, every chunk of the period. */
async function fetchBatch(
  options: BuildOptions,
  batch: readonly EntityInput[],
  startS: number,
  slots: number,
  endS: number,
  onQuery: (parts: number) => void,
): Promise<Pick<Fetched, "series" | "basis">> {
  const { client } = options;
  const kinds = (["opd", "uplink"] as const).filter((k) => batch.some((e) => e.kind === k));
  const wanted = new Set(batch.map((e) => `${e.kind}/${e.id}`));
  const series = new Map<SeriesKey, Float64Array>();
  const basis = new Map<SeriesKey, Uint32Array>();
  const seriesFor = (
    kind: EntityKind,
    labels: Labels,
    idLabel: string,
  ): { values: Float64Array; basis: Uint32Array } | null => {
    const id = labels[idLabel];
    const direction = labels.direction;
    if (!id || (direction !== "download" && direction !== "upload")) return null;
    if (!wanted.has(`${kind}/${id}`)) return null;
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
  if (slots === 0) return { series, basis };
  for (const kind of kinds) {
    const source = SOURCES[kind];
    const selector = batchSelector(
      source,
      batch.filter((e) => e.kind === kind).map((e) => e.id),
    );
    await client.lastOverTimeInto(
      selector,
      { startS: startS + SLOT_SECONDS, endS },
      SLOT_SECONDS,
      SLOT_WINDOW_SECONDS,
      (labels) => {
        const target = seriesFor(kind, labels, source.idLabel);
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
      },
      { concurrency: options.concurrency ?? 3, onDone: onQuery },
    );
  }
  return { series, basis };
}

export interface EntityInput extends EntityIdentity {
  allocatedMbps: Record<Direction, number>;
  /** What its contract costs a year today; null for a shared OPD. */
  todayYearlyCostIdr: number | null;
}

function entitiesOf(inventory: Inventory): EntityInput[] {
  return [
    ...inventory.opds.map((o): EntityInput => {
      const queue = o.links.find((l) => l.queue !== undefined)?.queue;
      return {
        kind: "opd",
        id: o.id,
        name: o.name,
        shortName: o.short_name ?? o.id,
        category: o.category,
        ...(o.contract ? { provider: o.contract.provider } : {}),
        paidBy: o.contract ? "own" : "shared",
        ...(queue === undefined ? {} : { queue }),
        allocatedMbps: { download: o.allocated.download_mbps, upload: o.allocated.upload_mbps },
        todayYearlyCostIdr: o.contract ? o.contract.monthly_price_idr * 12 : null,
      };
    }),
    ...inventory.uplinks.map((u): EntityInput => ({
      kind: "uplink",
      id: u.id,
      name: u.provider,
      shortName: u.id,
      provider: u.provider,
      paidBy: "uplink",
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
    dailyP95Bps: dailyP95(values),
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
  const today = entity.todayYearlyCostIdr ?? 0;
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
  // Shared OPDs carry no price; an entity without a recommendation keeps today's contract.
  const today = entities.reduce((s, e) => s + (e.today.yearlyCostIdr ?? 0), 0);
  const recommended = entities.reduce(
    (s, e) => s + (e.recommendation ? e.recommendation.yearlyCostIdr : (e.today.yearlyCostIdr ?? 0)),
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

/**
 * Under-provisioned: next year's proposal (own contract, or the shared OPD's planned limit) is
 * larger than today; over: smaller. Ranked by p95 / allocation. Only rows with evidence.
 */
export function rank(entities: readonly EntityReport[], plan?: AllocationPlan): Report["ranking"] {
  const planned = new Map(plan?.rows.map((r) => [r.id, r.changeMbps]));
  const change = (e: EntityReport): number =>
    e.recommendation ? e.recommendation.mbps - e.recommendation.todayMbps : (planned.get(e.id) ?? 0);
  const withData = entities.filter((e) => e.p95Ratio !== null && e.evidence.ok);
  const under = withData.filter((e) => change(e) > 0).sort((a, b) => b.p95Ratio! - a.p95Ratio!);
  const over = withData.filter((e) => change(e) < 0).sort((a, b) => a.p95Ratio! - b.p95Ratio!);
  return {
    underProvisioned: under.map((e) => e.id),
    overProvisioned: over.map((e) => e.id),
    noData: entities.filter((e) => e.p95Ratio === null).map((e) => e.id),
    noEvidence: entities.filter((e) => e.p95Ratio !== null && !e.evidence.ok).map((e) => e.id),
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

  const noData = () =>
    new NoDataError("no-data", {
      url: options.client.url,
      series: `${RECORDED.opdBits} / ${RECORDED.uplinkBits}`,
    });
  if (slots === 0) throw noData();

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

  const build = (entity: EntityInput, fetched: Omit<Fetched, "unmatched">): EntityReport => {
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
    const evidence = evidenceOf([figures.download, figures.upload], inventory.planning.min_coverage);
    return {
      kind: entity.kind,
      id: entity.id,
      name: entity.name,
      shortName: entity.shortName,
      ...(entity.category === undefined ? {} : { category: entity.category }),
      ...(entity.provider === undefined ? {} : { provider: entity.provider }),
      paidBy: entity.paidBy,
      ...(entity.queue === undefined ? {} : { queue: entity.queue }),
      download: figures.download,
      upload: figures.upload,
      p95Ratio: ratios.length === 0 ? null : Math.max(...ratios),
      today: {
        mbps: Math.max(entity.allocatedMbps.download, entity.allocatedMbps.upload),
        yearlyCostIdr: entity.todayYearlyCostIdr,
      },
      evidence,
      // Own lines only here; uplinks get their line from the city proposal below.
      recommendation:
        entity.paidBy === "own" && evidence.ok
          ? recommend(figures.download, figures.upload, entity, inventory.pricing.tiers)
          : null,
    };
  };

  // Read and figure the entities a batch at a time: only one batch's series are ever in memory.
  // The city's simultaneous demand is summed per slot as the batches go by (sumPerSlot, streamed).
  const inputs = entitiesOf(inventory);
  const batchSize = Math.max(1, options.batchEntities ?? BATCH_ENTITIES);
  const batches = Array.from({ length: Math.ceil(inputs.length / batchSize) }, (_, b) =>
    inputs.slice(b * batchSize, (b + 1) * batchSize),
  );
  const chunkCount = chunkRange(startS + SLOT_SECONDS, measuredEnd.getTime() / 1000, SLOT_SECONDS).length;
  const total = 2 + batches.reduce((n, batch) => n + chunkCount * new Set(batch.map((e) => e.kind)).size, 0);
  let done = 0;
  options.onProgress?.(0, total);
  const index = await fetchIndex(options, startS, measuredEnd.getTime() / 1000);
  options.onProgress?.((done += 2), total);
  const entities: EntityReport[] = [];
  const sums = { uplinks: new SlotSums(slots), sharedOpds: new SlotSums(slots) };
  let lastSlotEnd = -1;
  for (const batch of batches) {
    const { series, basis } = await fetchBatch(
      options,
      batch,
      startS,
      slots,
      measuredEnd.getTime() / 1000,
      (parts) => options.onProgress?.((done += parts), total),
    );
    lastSlotEnd = Math.max(lastSlotEnd, lastSampleEndS(series.values(), startS, SLOT_SECONDS) ?? -1);
    for (const input of batch) {
      const entity = build(input, { series, basis, allocations: index.allocations });
      entities.push(entity);
      const group =
        entity.kind === "uplink"
          ? sums.uplinks
          : entity.paidBy === "shared" && entity.p95Ratio !== null
            ? sums.sharedOpds
            : undefined;
      for (const d of DIRECTIONS) {
        const key = keyOf(entity.kind, entity.id, d);
        const values = series.get(key);
        if (group && values) group.add(d, values, basis.get(key)!);
      }
    }
  }
  if (lastSlotEnd < 0) throw noData();
  const opds = entities.filter((e) => e.kind === "opd");
  const uplinks = entities.filter((e) => e.kind === "uplink");
  const shared = opds.filter((e) => e.paidBy === "shared");
  const aggregate = (
    sum: SlotSums,
    members: readonly EntityReport[],
  ): Record<Direction, DirectionFigures> => {
    const figures = {} as Record<Direction, DirectionFigures>;
    for (const d of DIRECTIONS) {
      const allocated = members.reduce((s, e) => s + e[d].allocatedBps, 0);
      figures[d] = directionFigures(ctx, sum.of(d), sum.basisOf(d), allocated || 1, "inventory", d);
    }
    return figures;
  };
  const city = cityProposal(
    ctx,
    aggregate(sums.uplinks, uplinks),
    shared,
    aggregate(
      sums.sharedOpds,
      shared.filter((e) => e.p95Ratio !== null),
    ),
    uplinks,
  );
  for (const line of city.lines) {
    const uplink = uplinks.find((u) => u.id === line.id)!;
    const today = uplink.today.yearlyCostIdr ?? 0;
    uplink.recommendation = {
      basis: city.basis!,
      mbps: line.mbps,
      yearlyCostIdr: line.yearlyCostIdr,
      todayMbps: uplink.today.mbps,
      todayYearlyCostIdr: today,
      changeIdr: line.yearlyCostIdr - today,
      changeRatio: today > 0 ? (line.yearlyCostIdr - today) / today : null,
    };
  }
  const overbooking = inventory.planning.max_overbooking;
  const capacity = city.recommendedMbps ?? city.todayMbps;
  const plan = allocationPlan(
    shared.map((e) => ({
      id: e.id,
      name: e.name,
      queue: e.queue ?? null,
      today: {
        download: e.download.allocatedBps / BITS_PER_MBPS,
        upload: e.upload.allocatedBps / BITS_PER_MBPS,
      },
      needMbps: { download: e.download.needMbps, upload: e.upload.needMbps },
      evidence: e.evidence.ok,
    })),
    { download: capacity * overbooking, upload: capacity * overbooking },
  );
  const budget = budgetOf([...uplinks, ...opds.filter((e) => e.paidBy === "own")]);
  const evidenceSummary: EvidenceSummary = {
    opds: { passed: opds.filter((e) => e.evidence.ok).length, total: opds.length },
    uplinks: { passed: uplinks.filter((e) => e.evidence.ok).length, total: uplinks.length },
    city: city.evidence.ok,
    coverage: city.evidence.coverage,
    none: !city.evidence.ok && !entities.some((e) => e.evidence.ok),
  };
  return {
    organisation: inventory.organisation,
    timeZone,
    period,
    measuredEnd,
    lastSampleAt: new Date(lastSlotEnd * 1000),
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
    city,
    plan,
    budget,
    evidence: evidenceSummary,
    signatories: inventory.report.signatories,
    ranking: rank(opds, plan),
    unmatchedSeries: [...index.unmatched].sort(),
  };
}

/**
 * What the city should buy: the p95 of the uplinks' simultaneous sum, projected to the end of
 * next fiscal year, plus headroom, split into one line per uplink contract (rounded up to a tier).
 */
function cityProposal(
  ctx: Context,
  atUplinks: Record<Direction, DirectionFigures>,
  shared: readonly EntityReport[],
  sharedAggregate: Record<Direction, DirectionFigures>,
  uplinks: readonly EntityReport[],
): CityProposal {
  const { planning, pricing } = ctx.inventory;
  const measuredShared = shared.filter((e) => e.p95Ratio !== null);
  const perDirection = <T>(pick: (d: Direction) => T): Record<Direction, T> => ({
    download: pick("download"),
    upload: pick("upload"),
  });
  const sumP95Mbps = perDirection((d) =>
    measuredShared.reduce((s, e) => s + (e[d].p95Bps ?? 0) / BITS_PER_MBPS, 0),
  );
  const concurrency = perDirection((d) => {
    const p95 = sharedAggregate[d].p95Bps;
    return p95 && p95 > 0 ? (sumP95Mbps[d] * BITS_PER_MBPS) / p95 : null;
  });
  const contractedMbps = perDirection(
    (d) => uplinks.reduce((s, u) => s + u[d].allocatedBps, 0) / BITS_PER_MBPS,
  );
  const overbooking = perDirection((d) => {
    const allocated = shared.reduce((s, e) => s + e[d].allocatedBps, 0) / BITS_PER_MBPS;
    return contractedMbps[d] > 0 ? allocated / contractedMbps[d] : null;
  });
  const evidence =
    uplinks.length === 0
      ? ({ ok: false, coverage: 0, months: 0, reason: "no-data" } as const)
      : evidenceOf([atUplinks.download, atUplinks.upload], planning.min_coverage);
  const needs = perDirection((d) => atUplinks[d].needMbps);
  const basis: Direction | null =
    needs.download === null && needs.upload === null
      ? null
      : (needs.upload ?? 0) > (needs.download ?? 0)
        ? "upload"
        : "download";
  const needMbps = basis === null ? null : needs[basis];
  const lines =
    evidence.ok && needMbps !== null
      ? splitAcrossContracts(
          needMbps,
          uplinks.map((u) => ({ id: u.id, mbps: u.today.mbps, yearlyCostIdr: u.today.yearlyCostIdr ?? 0 })),
          pricing.tiers,
        )
      : [];
  return {
    uplinks: atUplinks,
    sharedOpds: sharedAggregate,
    sharedWithoutData: shared.filter((e) => e.p95Ratio === null).map((e) => e.id),
    sumP95Mbps,
    concurrency,
    overbooking,
    evidence,
    basis,
    needMbps,
    recommendedMbps: lines.length === 0 ? null : lines.reduce((s, l) => s + l.mbps, 0),
    todayMbps: uplinks.reduce((s, u) => s + u.today.mbps, 0),
    todayYearlyCostIdr: uplinks.reduce((s, u) => s + (u.today.yearlyCostIdr ?? 0), 0),
    lines,
  };
}

/** Every contract once: the uplinks and the OPDs' own lines. Shared OPDs carry no rupiah. */
function budgetOf(contracts: readonly EntityReport[]): Budget {
  const lines: BudgetLine[] = contracts.map((e) => {
    const today = e.today.yearlyCostIdr ?? 0;
    const rec = e.recommendation;
    return {
      kind: e.kind === "uplink" ? "uplink" : "own",
      id: e.id,
      name: e.name,
      provider: e.provider ?? "",
      todayMbps: e.today.mbps,
      todayYearlyCostIdr: today,
      proposedMbps: rec?.mbps ?? null,
      idrPerMbpsMonth: rec ? rec.yearlyCostIdr / rec.mbps / 12 : null,
      proposedYearlyCostIdr: rec?.yearlyCostIdr ?? today,
      evidence: rec !== null,
    };
  });
  const today = lines.reduce((s, l) => s + l.todayYearlyCostIdr, 0);
  const proposed = lines.reduce((s, l) => s + l.proposedYearlyCostIdr, 0);
  return { lines, todayYearlyCostIdr: today, proposedYearlyCostIdr: proposed, changeIdr: proposed - today };
}
