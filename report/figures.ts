// The report's figures, as pure functions over arrays of 5-minute averages. Every rule here is
// written down for planners in docs/report.md ("How each figure is computed"); keep them in step.
import type { PricingTier } from "../core/schema.js";

/** The report's resolution: one 5-minute average per slot. */
export const SLOT_SECONDS = 300;

/**
 * A series of 5-minute averages over a period. Slot k covers [startS + k*step, startS + (k+1)*step)
 * and holds the average rate over that slot, in bits/s; NaN where no sample exists (a gap).
 */
export interface SlotSeries {
  startS: number;
  stepS: number;
  values: Float64Array;
}

export interface Gap {
  /** First missing instant (unix seconds), inclusive. */
  startS: number;
  /** End of the last missing slot (unix seconds), exclusive. */
  endS: number;
  slots: number;
}

export interface Summary {
  /** Slots in the range, with or without a sample. */
  slots: number;
  /** Slots with a sample. */
  samples: number;
  /** samples / slots; 0 for an empty range. */
  coverage: number;
  meanBps: number | null;
  peakBps: number | null;
  /** Start of the slot holding the peak (unix seconds). */
  peakAtS: number | null;
  p95Bps: number | null;
}

/**
 * 95th percentile by the nearest-rank method on the samples present: sort the n values ascending
 * and take the one at rank ceil(0.95 * n) (1-based). The result is always a measured value, and
 * 95% of the samples are at or below it. Missing slots are not counted as zero.
 */
export function nearestRank(sortedAscending: ArrayLike<number>, quantile: number): number | null {
  const n = sortedAscending.length;
  if (n === 0) return null;
  return sortedAscending[nearestRankIndex(n, quantile) - 1]!;
}

/**
 * Rank (1-based) of the nearest-rank quantile among n values: ceil(quantile * n), kept in 1..n.
 * The epsilon keeps 0.95 * 20 = 19.000000000000004 at rank 19.
 */
export function nearestRankIndex(n: number, quantile: number): number {
  return Math.min(n, Math.max(1, Math.ceil(quantile * n - 1e-9)));
}

/**
 * The k-th smallest value (0-based) of `values`, which it reorders: Hoare's quickselect with a
 * median-of-three pivot, O(n) on average. Same answer as sorting and indexing, without the sort:
 * a year of 5-minute slots for 124 series is 13 M values.
 */
export function selectKth(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three to the middle
    if (values[mid]! < values[lo]!) swap(values, mid, lo);
    if (values[hi]! < values[lo]!) swap(values, hi, lo);
    if (values[hi]! < values[mid]!) swap(values, hi, mid);
    const pivot = values[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

function swap(values: Float64Array, a: number, b: number): void {
  const t = values[a]!;
  values[a] = values[b]!;
  values[b] = t;
}

export function presentValues(values: Float64Array, from = 0, to = values.length): Float64Array {
  const out = new Float64Array(to - from);
  let n = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[n++] = v;
  }
  return out.subarray(0, n);
}

/** Mean, peak, p95 and coverage of slots [from, to) of a series. */
export function summarise(series: SlotSeries, from = 0, to = series.values.length): Summary {
  const present = presentValues(series.values, from, to);
  const slots = Math.max(0, to - from);
  const samples = present.length;
  let sum = 0;
  let peak = -Infinity;
  let peakIndex = -1;
  for (let i = from; i < to; i++) {
    const v = series.values[i]!;
    if (Number.isNaN(v)) continue;
    sum += v;
    if (v > peak) {
      peak = v;
      peakIndex = i;
    }
  }
  return {
    slots,
    samples,
    coverage: slots === 0 ? 0 : samples / slots,
    meanBps: samples === 0 ? null : sum / samples,
    peakBps: samples === 0 ? null : peak,
    peakAtS: peakIndex < 0 ? null : series.startS + peakIndex * series.stepS,
    p95Bps: samples === 0 ? null : selectKth(present, nearestRankIndex(samples, 0.95) - 1),
  };
}

/** 5-minute slots in a day (Indonesia keeps no daylight saving: every local day is 24 h). */
export const SLOTS_PER_DAY = 86_400 / SLOT_SECONDS;

/**
 * The p95 of each day of a series (slots [d × slotsPerDay, (d + 1) × slotsPerDay)), NaN for a day
 * without samples: the PDF's per-OPD daily chart. One day's values at a time in a reused buffer.
 */
export function dailyP95(values: Float64Array, slotsPerDay = SLOTS_PER_DAY): Float64Array {
  const days = Math.ceil(values.length / slotsPerDay);
  const out = new Float64Array(days);
  const buffer = new Float64Array(slotsPerDay);
  for (let d = 0; d < days; d++) {
    let n = 0;
    const end = Math.min(values.length, (d + 1) * slotsPerDay);
    for (let i = d * slotsPerDay; i < end; i++) {
      const v = values[i]!;
      if (!Number.isNaN(v)) buffer[n++] = v;
    }
    out[d] = n === 0 ? NaN : selectKth(buffer.subarray(0, n), nearestRankIndex(n, 0.95) - 1);
  }
  return out;
}

/** Slots whose average is strictly above limitBps, as hours (each slot is stepS long). */
export function hoursAbove(series: SlotSeries, limitBps: number): number {
  let count = 0;
  for (const v of series.values) if (v > limitBps) count++; // NaN > x is false: gaps never count
  return (count * series.stepS) / 3600;
}

/** Maximal runs of missing slots, in time order. */
export function findGaps(series: SlotSeries): Gap[] {
  const gaps: Gap[] = [];
  const { values, startS, stepS } = series;
  let runStart = -1;
  for (let i = 0; i <= values.length; i++) {
    const missing = i < values.length && Number.isNaN(values[i]!);
    if (missing && runStart < 0) runStart = i;
    if (!missing && runStart >= 0) {
      gaps.push({ startS: startS + runStart * stepS, endS: startS + i * stepS, slots: i - runStart });
      runStart = -1;
    }
  }
  return gaps;
}

export interface LinearFit {
  /** Units of y per unit of x. */
  slope: number;
  /** y at x = 0. */
  intercept: number;
  points: number;
}

/** Ordinary least squares y = intercept + slope * x; null with fewer than two distinct x. */
export function leastSquares(points: readonly { x: number; y: number }[]): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - meanX) ** 2;
    sxy += (p.x - meanX) * (p.y - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, points: n };
}

/** A month's p95 and how much of the month was measured; month is an absolute month number. */
export interface MonthP95 {
  month: number;
  p95Bps: number | null;
  coverage: number;
}

export interface Trend {
  /** Growth of the monthly p95, bits/s per month. */
  slopeBpsPerMonth: number;
  /** The slope as a share of the average monthly p95 used in the fit (0.02 = 2%/month). */
  ratioPerMonth: number;
  /** The fitted line: p95(month) = interceptBps + slope * (month - originMonth). */
  interceptBps: number;
  originMonth: number;
  monthsUsed: number;
}

/** Months measured for less than this share are too thin to carry a trend. */
export const TREND_MIN_MONTH_COVERAGE = 0.5;
/** Fewer months than this give no trend (a line through two points is not a trend). */
export const TREND_MIN_MONTHS = 3;

/** Least squares over the monthly p95 values of months measured at least half. */
export function fitTrend(months: readonly MonthP95[]): Trend | null {
  const used = months.filter(
    (m): m is MonthP95 & { p95Bps: number } => m.p95Bps !== null && m.coverage >= TREND_MIN_MONTH_COVERAGE,
  );
  if (used.length < TREND_MIN_MONTHS) return null;
  const origin = used[0]!.month;
  const fit = leastSquares(used.map((m) => ({ x: m.month - origin, y: m.p95Bps })));
  if (!fit) return null;
  const average = used.reduce((s, m) => s + m.p95Bps, 0) / used.length;
  return {
    slopeBpsPerMonth: fit.slope,
    ratioPerMonth: average > 0 ? fit.slope / average : 0,
    interceptBps: fit.intercept,
    originMonth: origin,
    monthsUsed: used.length,
  };
}

export function trendAt(trend: Trend, month: number): number {
  return trend.interceptBps + trend.slopeBpsPerMonth * (month - trend.originMonth);
}

/** How far ahead a saturation is projected. */
export const SATURATION_HORIZON_MONTHS = 36;

export type Saturation =
  /** The last measured month's p95 is already at or above the limit, since `month`. */
  | { status: "reached"; month: number }
  /** The trend line first reaches the limit in `month`. */
  | { status: "projected"; month: number }
  /** The trend stays below the limit for the next 36 months. */
  | { status: "not-within-horizon" }
  /** Too few measured months for a trend, and not saturated now. */
  | { status: "no-trend" };

/**
 * When does the monthly p95 reach limitBps (allocation x saturation threshold)? If the last
 * measured month is already there, it is "reached" since the first month of that trailing run.
 * Otherwise the first month after lastMonth where the trend line is at or above the limit.
 */
export function projectSaturation(
  months: readonly MonthP95[],
  trend: Trend | null,
  limitBps: number,
  lastMonth: number,
): Saturation {
  const measured = months.filter((m) => m.p95Bps !== null);
  let since: number | null = null;
  for (let i = measured.length - 1; i >= 0 && measured[i]!.p95Bps! >= limitBps; i--)
    since = measured[i]!.month;
  if (since !== null) return { status: "reached", month: since };
  if (!trend) return { status: "no-trend" };
  for (let m = lastMonth + 1; m <= lastMonth + SATURATION_HORIZON_MONTHS; m++) {
    if (trendAt(trend, m) >= limitBps) return { status: "projected", month: m };
  }
  return { status: "not-within-horizon" };
}

export interface TierChoice {
  /** The allocation to buy, Mbps (a tier's size, or a multiple of the largest tier). */
  mbps: number;
  idrPerMbpsMonth: number;
}

/** Round a need up to the smallest tier that holds it; above the largest, to a multiple of it. */
export function roundUpToTier(needMbps: number, tiers: readonly PricingTier[]): TierChoice {
  const sorted = [...tiers].sort((a, b) => a.mbps - b.mbps);
  const fit = sorted.find((t) => t.mbps >= needMbps - 1e-9);
  if (fit) return { mbps: fit.mbps, idrPerMbpsMonth: fit.idr_per_mbps_month };
  const largest = sorted.at(-1);
  if (!largest) throw new Error("pricing has no tiers (the schema requires one)");
  return {
    mbps: Math.ceil(needMbps / largest.mbps - 1e-9) * largest.mbps,
    idrPerMbpsMonth: largest.idr_per_mbps_month,
  };
}

/** The yearly price of an allocation: the tier it rounds up to, x its IDR/Mbps/month, x 12. */
export function yearlyCostIdr(mbps: number, tiers: readonly PricingTier[]): number {
  const tier = roundUpToTier(mbps, tiers);
  return tier.mbps * tier.idrPerMbpsMonth * 12;
}

export const BITS_PER_MBPS = 1_000_000;
