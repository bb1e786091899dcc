// Which days hold measurements: what the /reports page shows before anyone asks for a report, and
// what a refusal says instead of "no data" (the period asked for, and where data is). One small
// range query: the number of recorded series with a sample on each local day, over the page's
// window of fiscal years: one point a day, one series (≤ 1,100 points for three years), whatever
// the size of the inventory. Prometheus reads each sample once to answer it; the router caches it.
import { RECORDED } from "../core/contract.js";
import type { Formatter } from "./i18n.js";
import {
  fiscalYearOf,
  fiscalYearRange,
  monthNumber,
  monthNumberAt,
  monthStart,
  zonedDate,
  type MonthNumber,
  type Period,
} from "./period.js";
import type { PrometheusClient } from "./prometheus.js";

const DAY_S = 86_400;

export interface MonthAvailability {
  month: MonthNumber;
  /** Days of the month (up to today) holding a sample of any OPD or uplink. */
  daysWithData: number;
  /** Days of the month inside the window (a running month counts up to today). */
  days: number;
}

export interface Availability {
  /** First and last instants of the window asked about. */
  windowStart: Date;
  windowEnd: Date;
  /** Local midnight starting the first and the last day holding a sample; null without any. */
  firstDay: Date | null;
  lastDay: Date | null;
  months: MonthAvailability[];
}

/** The count of recorded series (OPDs and uplinks) holding a sample in the day ending at each step. */
export function availabilityQuery(): string {
  const names = [RECORDED.opdBits, RECORDED.uplinkBits].join("|");
  // 1 s short of a day, as the report's slots (SLOT_WINDOW_SECONDS): a sample at midnight belongs to the day it ends, not both.
  return `count(last_over_time({__name__=~"${names}"}[${DAY_S - 1}s]))`;
}

/** The window the page offers: the fiscal years thisYear - (years - 1) .. thisYear, up to now. */
export function availabilityWindow(
  now: Date,
  timeZone: string,
  fiscalStartMonth: number,
  years: number,
): { start: Date; days: number } {
  const thisYear = fiscalYearOf(now, timeZone, fiscalStartMonth);
  const start = fiscalYearRange(thisYear - (years - 1), timeZone, fiscalStartMonth).start;
  // Indonesia keeps no daylight saving: local days are 24 h, so one fixed step walks them.
  const days = Math.max(1, Math.ceil((now.getTime() - start.getTime()) / 1000 / DAY_S));
  return { start, days };
}

/** Pure: the days holding data (indexes from the window's first day) → months, first and last. */
export function availabilityOf(
  dayIndexes: readonly number[],
  windowStart: Date,
  days: number,
  timeZone: string,
): Availability {
  const dayStart = (i: number) => new Date(windowStart.getTime() + i * DAY_S * 1000);
  const sorted = [...new Set(dayIndexes.filter((i) => i >= 0 && i < days))].sort((a, b) => a - b);
  // Month boundaries once (a zone lookup each), then the days walk them in order.
  const first = monthNumberAt(windowStart, timeZone);
  const last = monthNumberAt(dayStart(days - 1), timeZone);
  const windowEndMs = dayStart(days).getTime();
  const months: MonthAvailability[] = [];
  let next = 0;
  let boundary = monthStart(first, timeZone).getTime();
  for (let m = first; m <= last; m++) {
    const from = Math.max(boundary, windowStart.getTime());
    boundary = monthStart(m + 1, timeZone).getTime();
    const to = Math.min(boundary, windowEndMs);
    let daysWithData = 0;
    while (next < sorted.length && dayStart(sorted[next]!).getTime() < to) {
      daysWithData++;
      next++;
    }
    months.push({ month: m, daysWithData, days: Math.round((to - from) / 1000 / DAY_S) });
  }
  return {
    windowStart,
    windowEnd: dayStart(days),
    firstDay: sorted.length > 0 ? dayStart(sorted[0]!) : null,
    lastDay: sorted.length > 0 ? dayStart(sorted.at(-1)!) : null,
    months,
  };
}

/** Ask Prometheus which days of the window hold a sample (one range query, one point a day). */
export async function fetchAvailability(
  client: PrometheusClient,
  window: { start: Date; days: number },
  timeZone: string,
): Promise<Availability> {
  const startS = window.start.getTime() / 1000;
  const indexes: number[] = [];
  // The step ending day i is evaluated at the midnight after it: (T - 1d, T] is that local day.
  await client.queryRangeInto(
    availabilityQuery(),
    { startS: startS + DAY_S, endS: startS + window.days * DAY_S },
    DAY_S,
    () => (t, value) => {
      if (value > 0) indexes.push(Math.round((t - startS) / DAY_S) - 1);
    },
  );
  return availabilityOf(indexes, window.start, window.days, timeZone);
}

/** The newest periods holding data, to open the page on: fiscal year, quarter, month, last 30 days. */
export interface LatestPeriods {
  year: number;
  quarter: number;
  /** YYYY-MM */
  month: string;
  /** YYYY-MM-DD, inclusive */
  from: string;
  to: string;
}

const ymd = (d: { year: number; month: number; day: number }) =>
  `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;

export function latestPeriods(
  availability: Availability,
  timeZone: string,
  fiscalStartMonth: number,
): LatestPeriods | null {
  const last = availability.lastDay;
  if (!last) return null;
  const year = fiscalYearOf(last, timeZone, fiscalStartMonth);
  const m = monthNumberAt(last, timeZone);
  const quarter = Math.floor((m - monthNumber(year, fiscalStartMonth)) / 3) + 1;
  const lastDate = zonedDate(last, timeZone);
  const monthFirst = zonedDate(monthStart(m, timeZone), timeZone);
  return {
    year,
    quarter,
    month: `${lastDate.year}-${String(lastDate.month).padStart(2, "0")}`,
    from: ymd(monthFirst),
    to: ymd(lastDate),
  };
}

/**
 * A refusal in plain words: the period asked for and where the data is ("Belum ada data pengukuran
 * untuk Triwulan IV TA 2026; data tersedia sejak 1 Juli 2026"). No metric name, no PromQL.
 */
export function noDataSentence(
  period: Period,
  availability: Availability | null,
  f: Formatter,
  notStarted = false,
): string {
  const w = f.t.web;
  const label = f.period(period);
  const head = notStarted ? w.notStarted(label) : w.noDataFor(label);
  if (!availability) return head;
  const { firstDay, lastDay, windowEnd } = availability;
  if (!firstDay || !lastDay) return `${head}; ${w.noDataAtAll}`;
  const current = windowEnd.getTime() - lastDay.getTime() <= 2 * DAY_S * 1000;
  return `${head}; ${current ? w.dataSince(f.date(firstDay)) : w.dataBetween(f.date(firstDay), f.date(lastDay))}`;
}
