// Which days hold measurements: what the /reports page shows before anyone asks for a report, and
// what a refusal says instead of "no data" (the period asked for, and where data is). Small range
// queries: the number of recorded series with a sample on each local day, one point a day, one
// series, whatever the size of the inventory. Prometheus reads each sample once to answer them, so
// the window is read a month per query (none nears the timeout at province scale), and only once:
// AvailabilityTracker keeps the settled days and reads again only the newest ones, with a whole
// re-read now and then for history imported since.
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

/** Days read in one query: a month's samples, so no one query nears the timeout at province scale. */
export const AVAILABILITY_PIECE_DAYS = 31;

/**
 * Ask Prometheus which days of the window, from day `fromDay` on, hold a sample: one range query,
 * one point a day, per AVAILABILITY_PIECE_DAYS days. `onPiece(read, of)` before the first query
 * and after each one.
 */
export async function fetchAvailableDays(
  client: PrometheusClient,
  window: { start: Date; days: number },
  fromDay = 0,
  onPiece?: (read: number, of: number) => void,
): Promise<number[]> {
  const startS = window.start.getTime() / 1000;
  const indexes: number[] = [];
  const pieces = Math.ceil(Math.max(0, window.days - fromDay) / AVAILABILITY_PIECE_DAYS);
  onPiece?.(0, pieces);
  for (let piece = 0; piece < pieces; piece++) {
    const first = fromDay + piece * AVAILABILITY_PIECE_DAYS;
    const last = Math.min(window.days, first + AVAILABILITY_PIECE_DAYS) - 1;
    // The step ending day i is evaluated at the midnight after it: (T - 1d, T] is that local day.
    await client.queryRangeInto(
      availabilityQuery(),
      { startS: startS + (first + 1) * DAY_S, endS: startS + (last + 1) * DAY_S },
      DAY_S,
      () => (t, value) => {
        if (value > 0) indexes.push(Math.round((t - startS) / DAY_S) - 1);
      },
    );
    onPiece?.(piece + 1, pieces);
  }
  return indexes;
}

/**
 * The newest days, read again at every refresh: today is still filling, and yesterday's last
 * samples may still be on their way (a scrape in flight at midnight, a remote-write queue).
 */
export const RECENT_DAYS = 2;

/** What a tracker knows: the days holding data among those before `settledThrough`. */
export interface KnownDays {
  windowStartMs: number;
  settledThrough: number;
  days: readonly number[];
  /** When the last whole read of the window started. */
  fullReadAtMs: number;
}

/**
 * Pure: the days to read now. The whole window the first time, when the window moved (a new fiscal
 * year, another time zone) or when the last whole read is older than `fullEveryMs` (history
 * imported meanwhile); otherwise only the days from the first unsettled one.
 */
export function daysToRead(
  known: KnownDays | undefined,
  window: { start: Date; days: number },
  nowMs: number,
  fullEveryMs: number,
): { fromDay: number; full: boolean } {
  const stale =
    !known ||
    known.windowStartMs !== window.start.getTime() ||
    nowMs - known.fullReadAtMs >= fullEveryMs ||
    known.settledThrough > window.days;
  return stale ? { fromDay: 0, full: true } : { fromDay: known.settledThrough, full: false };
}

/**
 * Which days hold data, read once and then kept: each refresh reads only the days not settled yet
 * (usually RECENT_DAYS: two small queries' worth of samples instead of three fiscal years'), and
 * the whole window again every `fullEveryMs`. One refresh at a time; callers share it.
 */
export class AvailabilityTracker {
  private known: KnownDays | undefined;
  private running: Promise<Availability> | undefined;
  private progress = { read: 0, of: 0 };

  constructor(
    private readonly readDays: (
      window: { start: Date; days: number },
      fromDay: number,
      onPiece: (read: number, of: number) => void,
    ) => Promise<number[]>,
    private readonly fullEveryMs: number,
  ) {}

  /** Queries done and planned of the refresh under way (for "still reading, 12 of 36"). */
  get piecesRead(): { read: number; of: number } {
    return { ...this.progress };
  }

  refresh(window: { start: Date; days: number }, timeZone: string, nowMs: number): Promise<Availability> {
    this.running ??= this.read(window, timeZone, nowMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async read(window: { start: Date; days: number }, timeZone: string, nowMs: number) {
    const plan = daysToRead(this.known, window, nowMs, this.fullEveryMs);
    this.progress = { read: 0, of: 0 };
    const fresh = await this.readDays(window, plan.fromDay, (read, of) => {
      this.progress = { read, of };
    });
    const kept = plan.full ? [] : this.known!.days.filter((d) => d < plan.fromDay);
    const days = [...kept, ...fresh];
    const settledThrough = Math.max(0, window.days - RECENT_DAYS);
    this.known = {
      windowStartMs: window.start.getTime(),
      settledThrough,
      days: days.filter((d) => d < settledThrough),
      fullReadAtMs: plan.full ? nowMs : this.known!.fullReadAtMs,
    };
    return availabilityOf(days, window.start, window.days, timeZone);
  }
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
