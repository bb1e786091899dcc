import { describe, expect, it } from "vitest";
import {
  AvailabilityTracker,
  availabilityOf,
  availabilityQuery,
  availabilityWindow,
  daysToRead,
  latestPeriods,
  noDataSentence,
  RECENT_DAYS,
} from "./availability.js";
import { formatter } from "./i18n.js";
import { parsePeriod, zonedMidnight } from "./period.js";

const TZ = "Asia/Jakarta";
const id = formatter("id", TZ);
const en = formatter("en", TZ);

describe("which days hold data", () => {
  // The page's window on 15 November 2026: fiscal years 2024, 2025, 2026 up to today.
  const now = new Date("2026-11-15T05:00:00Z");
  const window = availabilityWindow(now, TZ, 1, 3);
  const dayOf = (y: number, m: number, d: number) =>
    Math.round((zonedMidnight(y, m, d, TZ).getTime() - window.start.getTime()) / 86_400_000);

  it("spans the page's three fiscal years up to today, one point a day", () => {
    expect(window.start).toEqual(zonedMidnight(2024, 1, 1, TZ));
    expect(window.days).toBe(dayOf(2026, 11, 15) + 1);
    expect(availabilityQuery()).toBe(
      'count(last_over_time({__name__=~"opd_direction:opd_link_bits:rate5m|uplink_direction:uplink_bits:rate5m"}[86399s]))',
    );
  });

  it("counts days per month, first and last day, and opens on the newest periods", () => {
    // Data from 1 July 2026 to 14 November 2026, minus 10 days of October.
    const days: number[] = [];
    for (let i = dayOf(2026, 7, 1); i <= dayOf(2026, 11, 14); i++)
      if (i < dayOf(2026, 10, 5) || i >= dayOf(2026, 10, 15)) days.push(i);
    const a = availabilityOf(days, window.start, window.days, TZ);
    expect(a.firstDay).toEqual(zonedMidnight(2026, 7, 1, TZ));
    expect(a.lastDay).toEqual(zonedMidnight(2026, 11, 14, TZ));
    const month = (y: number, m: number) => a.months.find((x) => x.month === y * 12 + m - 1);
    expect(month(2026, 6)).toEqual({ month: 2026 * 12 + 5, daysWithData: 0, days: 30 });
    expect(month(2026, 7)).toMatchObject({ daysWithData: 31, days: 31 });
    expect(month(2026, 10)).toMatchObject({ daysWithData: 21, days: 31 });
    expect(month(2026, 11)).toMatchObject({ daysWithData: 14, days: 15 }); // today counts
    expect(a.months).toHaveLength(35);
    expect(latestPeriods(a, TZ, 1)).toEqual({
      year: 2026,
      quarter: 4,
      month: "2026-11",
      from: "2026-11-01",
      to: "2026-11-14",
    });
  });

  it("says where the data is, in words, never a metric name", () => {
    const days: number[] = [];
    for (let i = dayOf(2026, 7, 1); i < window.days; i++) days.push(i);
    const current = availabilityOf(days, window.start, window.days, TZ);
    const q1 = parsePeriod("2026-Q1", TZ, 1);
    expect(noDataSentence(q1, current, id)).toBe(
      "Belum ada data pengukuran untuk Triwulan I TA 2026; data tersedia sejak 1 Juli 2026",
    );
    expect(noDataSentence(q1, current, en)).toBe(
      "No measurements yet for Q1 of fiscal year 2026; data is available since 1 July 2026",
    );
    const stopped = availabilityOf(days.slice(0, 40), window.start, window.days, TZ);
    expect(noDataSentence(parsePeriod("2026-Q4", TZ, 1), stopped, id)).toBe(
      "Belum ada data pengukuran untuk Triwulan IV TA 2026; data tersedia dari 1 Juli 2026 sampai 9 Agustus 2026",
    );
    const none = availabilityOf([], window.start, window.days, TZ);
    expect(noDataSentence(q1, none, id)).toBe(
      "Belum ada data pengukuran untuk Triwulan I TA 2026; belum ada data pengukuran sama sekali",
    );
    expect(noDataSentence(parsePeriod("2027", TZ, 1), current, id, true)).toBe(
      "Tahun Anggaran 2027 belum dimulai; data tersedia sejak 1 Juli 2026",
    );
    expect(noDataSentence(q1, null, en)).toBe("No measurements yet for Q1 of fiscal year 2026");
  });
});

describe("reading the window once, then only its newest days", () => {
  const HOUR = 3_600_000;
  const start = new Date("2024-01-01T00:00:00+07:00");
  const windowOf = (days: number) => ({ start, days });
  // The store: a day holds data when `holds(day)`; what each read asked for is recorded.
  function store(holds: (day: number) => boolean) {
    const reads: { fromDay: number; toDay: number }[] = [];
    const readDays = async (window: { start: Date; days: number }, fromDay: number) => {
      reads.push({ fromDay, toDay: window.days });
      const days: number[] = [];
      for (let d = fromDay; d < window.days; d++) if (holds(d)) days.push(d);
      return days;
    };
    return { reads, readDays };
  }

  it("reads all of it first, then from the first unsettled day, with the same answer", async () => {
    let holds = (d: number) => d >= 500 && d % 7 !== 3;
    const s = store((d) => holds(d));
    const tracker = new AvailabilityTracker(s.readDays, HOUR);
    const first = await tracker.refresh(windowOf(1000), TZ, 0);
    // A day later: one more day in the window, and the store filled day 999 (was today) later on.
    holds = (d: number) => d >= 500 && (d % 7 !== 3 || d === 999);
    const second = await tracker.refresh(windowOf(1001), TZ, HOUR / 2);
    expect(s.reads).toEqual([
      { fromDay: 0, toDay: 1000 },
      { fromDay: 1000 - RECENT_DAYS, toDay: 1001 },
    ]);
    const whole = store((d) => holds(d));
    expect(second).toEqual(
      await new AvailabilityTracker(whole.readDays, HOUR).refresh(windowOf(1001), TZ, 0),
    );
    expect(second.months.at(-1)).not.toEqual(first.months.at(-1));
  });

  it("reads all of it again when the last whole read is old, or the window moved", () => {
    const known = { windowStartMs: start.getTime(), settledThrough: 998, days: [], fullReadAtMs: 0 };
    expect(daysToRead(undefined, windowOf(1000), 0, HOUR)).toEqual({ fromDay: 0, full: true });
    expect(daysToRead(known, windowOf(1000), HOUR - 1, HOUR)).toEqual({ fromDay: 998, full: false });
    expect(daysToRead(known, windowOf(1000), HOUR, HOUR)).toEqual({ fromDay: 0, full: true });
    const nextYear = { start: new Date("2025-01-01T00:00:00+07:00"), days: 10 };
    expect(daysToRead(known, nextYear, 1, HOUR)).toEqual({ fromDay: 0, full: true });
    // A clock set back: the window is shorter than what was settled.
    expect(daysToRead(known, windowOf(990), 1, HOUR)).toEqual({ fromDay: 0, full: true });
  });

  it("shares one read among callers, and keeps what it knew when a read fails", async () => {
    let failing = false;
    const s = store(() => true);
    const tracker = new AvailabilityTracker(async (window, fromDay, onPiece) => {
      if (failing) throw new Error("prometheus down");
      onPiece(1, 1);
      return s.readDays(window, fromDay);
    }, HOUR);
    const [a, b] = await Promise.all([
      tracker.refresh(windowOf(100), TZ, 0),
      tracker.refresh(windowOf(100), TZ, 0),
    ]);
    expect(a).toBe(b);
    expect(s.reads).toHaveLength(1);
    expect(tracker.piecesRead).toEqual({ read: 1, of: 1 });
    failing = true;
    await expect(tracker.refresh(windowOf(101), TZ, 1)).rejects.toThrow("prometheus down");
    failing = false;
    await tracker.refresh(windowOf(101), TZ, 2);
    expect(s.reads.at(-1)).toEqual({ fromDay: 100 - RECENT_DAYS, toDay: 101 });
  });
});
