import { describe, expect, it } from "vitest";
import {
  availabilityOf,
  availabilityQuery,
  availabilityWindow,
  latestPeriods,
  noDataSentence,
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
