// Report periods: a fiscal year, a fiscal quarter, a month or a from/to date range, in the
// inventory's time zone (Asia/Jakarta). Pure: every function takes the time zone it needs.
import { ReportProblem } from "./problems.js";

export type PeriodKind = "fiscal-year" | "quarter" | "month" | "range";

export interface Period {
  kind: PeriodKind;
  /** The request as written: `2026`, `2026-Q1`, `2026-03` or `2026-01-01..2026-03-31`. */
  spec: string;
  /** Inclusive start, an instant (midnight in the time zone). */
  start: Date;
  /** Exclusive end, an instant (midnight in the time zone after the last day). */
  end: Date;
}

/** A calendar month in the time zone, numbered absolutely so months subtract: year * 12 + (month - 1). */
export type MonthNumber = number;

/** A period that cannot be read; its code says why (problems.ts words it in id and en). */
export class PeriodError extends ReportProblem {
  override name = "PeriodError";
}

/**
 * Milliseconds since the epoch of a UTC calendar time, years read literally: Date.UTC takes
 * 0..99 as 1900..1999, so year 50 would silently become 1950.
 */
export function utcMs(year: number, month0: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month0, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Minutes the zone is ahead of UTC at an instant (Asia/Jakarta: 420). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(instant);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  // Intl writes years before 1 AD as "1" with an era; reports refuse them long before (see
  // checkBounds), so the era is not read here.
  const asUtc = utcMs(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The instant of local midnight starting year-month-day in the zone (month 1..12; overflow rolls). */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const naive = utcMs(year, month - 1, day);
  // Two passes settle the offset even across a DST change (none in Indonesia, but zones vary).
  let guess = naive - zoneOffsetMinutes(new Date(naive), timeZone) * 60_000;
  guess = naive - zoneOffsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}

/** The calendar date (in the zone) an instant falls on. */
export function zonedDate(instant: Date, timeZone: string): { year: number; month: number; day: number } {
  const local = new Date(instant.getTime() + zoneOffsetMinutes(instant, timeZone) * 60_000);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

export function monthNumber(year: number, month: number): MonthNumber {
  return year * 12 + (month - 1);
}

export function monthOf(n: MonthNumber): { year: number; month: number } {
  return { year: Math.floor(n / 12), month: (n % 12) + 1 };
}

/** `2026-03`: the machine-readable month key used in JSON, CSV and tests. */
export function monthKey(n: MonthNumber): string {
  const { year, month } = monthOf(n);
  return `${year}-${String(month).padStart(2, "0")}`;
}

export function monthStart(n: MonthNumber, timeZone: string): Date {
  const { year, month } = monthOf(n);
  return zonedMidnight(year, month, 1, timeZone);
}

export function monthNumberAt(instant: Date, timeZone: string): MonthNumber {
  const { year, month } = zonedDate(instant, timeZone);
  return monthNumber(year, month);
}

/** The calendar months a period touches, first to last, each clipped to the period. */
export function monthsIn(
  start: Date,
  end: Date,
  timeZone: string,
): { month: MonthNumber; start: Date; end: Date }[] {
  const out: { month: MonthNumber; start: Date; end: Date }[] = [];
  if (end <= start) return out;
  const last = monthNumberAt(new Date(end.getTime() - 1), timeZone);
  for (let m = monthNumberAt(start, timeZone); m <= last; m++) {
    const from = new Date(Math.max(monthStart(m, timeZone).getTime(), start.getTime()));
    const to = new Date(Math.min(monthStart(m + 1, timeZone).getTime(), end.getTime()));
    out.push({ month: m, start: from, end: to });
  }
  return out;
}

/**
 * The fiscal year an instant belongs to, named by the calendar year it starts in
 * (Indonesia's APBD year starts in January, so TA 2026 = January..December 2026).
 */
export function fiscalYearOf(instant: Date, timeZone: string, startMonth: number): number {
  const { year, month } = zonedDate(instant, timeZone);
  return month >= startMonth ? year : year - 1;
}

export function fiscalYearRange(
  fy: number,
  timeZone: string,
  startMonth: number,
): { start: Date; end: Date } {
  return {
    start: zonedMidnight(fy, startMonth, 1, timeZone),
    end: zonedMidnight(fy + 1, startMonth, 1, timeZone),
  };
}

/** The month number of the last month of a fiscal year. */
export function fiscalYearLastMonth(fy: number, startMonth: number): MonthNumber {
  return monthNumber(fy + 1, startMonth) - 1;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(text: string, what: string): { year: number; month: number; day: number } {
  const match = DATE.exec(text);
  if (!match) throw new PeriodError("not-a-date", { what, text });
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(utcMs(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new PeriodError("not-calendar-date", { what, text });
  }
  return { year, month, day };
}

/**
 * `--period`: `2026` (fiscal year), `2026-Q1` (fiscal quarter: Q1 starts in the fiscal start month),
 * `2026-03` (a calendar month).
 */
export function parsePeriod(spec: string, timeZone: string, fiscalStartMonth: number): Period {
  const text = spec.trim();
  let match = /^(\d{4})$/.exec(text);
  if (match) {
    const fy = Number(match[1]);
    return { kind: "fiscal-year", spec: text, ...fiscalYearRange(fy, timeZone, fiscalStartMonth) };
  }
  match = /^(\d{4})-[Qq]([1-4])$/.exec(text);
  if (match) {
    const first = monthNumber(Number(match[1]), fiscalStartMonth) + (Number(match[2]) - 1) * 3;
    return {
      kind: "quarter",
      spec: `${match[1]}-Q${match[2]}`,
      start: monthStart(first, timeZone),
      end: monthStart(first + 3, timeZone),
    };
  }
  match = /^(\d{4})-(\d{2})$/.exec(text);
  if (match) {
    const month = Number(match[2]);
    if (month < 1 || month > 12) throw new PeriodError("no-month", { month: match[2]!, text });
    const m = monthNumber(Number(match[1]), month);
    return { kind: "month", spec: text, start: monthStart(m, timeZone), end: monthStart(m + 1, timeZone) };
  }
  throw new PeriodError("bad-period", { text: spec });
}

/** `--from`/`--to`: both dates inclusive, whole days in the time zone. */
export function parseRange(from: string, to: string, timeZone: string): Period {
  const a = parseDate(from, "from");
  const b = parseDate(to, "to");
  const start = zonedMidnight(a.year, a.month, a.day, timeZone);
  const end = zonedMidnight(b.year, b.month, b.day + 1, timeZone);
  if (end <= start) throw new PeriodError("reversed", { from, to });
  return { kind: "range", spec: `${from}..${to}`, start, end };
}

/** The longest period a report covers unless configured otherwise: three fiscal years. */
export const DEFAULT_MAX_FISCAL_YEARS = 3;

/** Prometheus timestamps start at the Unix epoch: nothing before it can have been measured. */
const EPOCH = new Date(0);

/**
 * Refuse a period no report should read: one that starts before 1970 (years 0000..0099 included,
 * read literally), or one longer than `maxFiscalYears` years from its first day. A report holds
 * every series of its period in memory, so this bound is what keeps a request's cost bounded.
 */
export function checkBounds(period: Period, timeZone: string, maxFiscalYears: number): Period {
  if (period.start < EPOCH) throw new PeriodError("too-early", { text: period.spec });
  const first = zonedDate(period.start, timeZone);
  const limit = zonedMidnight(first.year + maxFiscalYears, first.month, first.day, timeZone);
  if (period.end > limit) {
    throw new PeriodError("too-long", { text: period.spec, years: String(maxFiscalYears) });
  }
  return period;
}

/** One entry point for the CLI and the HTTP API: a period spec, or from/to, within the bounds. */
export function resolvePeriod(
  request: { period?: string | undefined; from?: string | undefined; to?: string | undefined },
  timeZone: string,
  fiscalStartMonth: number,
  maxFiscalYears = DEFAULT_MAX_FISCAL_YEARS,
): Period {
  const { period, from, to } = request;
  if (period && (from || to)) throw new PeriodError("period-and-range");
  if (period) return checkBounds(parsePeriod(period, timeZone, fiscalStartMonth), timeZone, maxFiscalYears);
  if (from && to) return checkBounds(parseRange(from, to, timeZone), timeZone, maxFiscalYears);
  if (from || to) throw new PeriodError("need-both");
  throw new PeriodError("need-period");
}
