// The report's figures on hand-made arrays: every rule in docs/report.md, checked by hand.
import { describe, expect, it } from "vitest";
import {
  dailyP95,
  findGaps,
  fitTrend,
  hoursAbove,
  leastSquares,
  nearestRank,
  nearestRankIndex,
  projectSaturation,
  selectKth,
  roundUpToTier,
  summarise,
  yearlyCostIdr,
  type MonthP95,
  type SlotSeries,
} from "./figures.js";
import {
  fiscalYearOf,
  monthKey,
  monthNumber,
  monthsIn,
  parsePeriod,
  parseRange,
  PeriodError,
  resolvePeriod,
} from "./period.js";
import { chunkRange, mapLimit } from "./prometheus.js";

const TZ = "Asia/Jakarta";
const series = (values: number[], startS = 0, stepS = 300): SlotSeries => ({
  startS,
  stepS,
  values: Float64Array.from(values),
});

describe("95th percentile, nearest rank", () => {
  it("takes the value at rank ceil(0.95 n) of the sorted samples", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(nearestRank(hundred, 0.95)).toBe(95);
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(nearestRank(twenty, 0.95)).toBe(19); // 0.95 * 20 = 19 exactly, despite floating point
    expect(nearestRank([7], 0.95)).toBe(7);
    expect(nearestRank([1, 2, 3], 0.95)).toBe(3);
    expect(nearestRank([], 0.95)).toBeNull();
  });

  it("selects the same value as sorting would, on random arrays with ties", () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const n of [1, 2, 3, 19, 20, 21, 100, 1000, 8928]) {
      const values = Float64Array.from(
        { length: n },
        () => Math.floor(rnd() * 50) * 1000 + (rnd() < 0.1 ? 0.5 : 0),
      );
      const sorted = Float64Array.from(values).sort();
      const k = nearestRankIndex(n, 0.95) - 1;
      expect(selectKth(Float64Array.from(values), k)).toBe(sorted[k]);
      expect(selectKth(Float64Array.from(values), 0)).toBe(sorted[0]);
      expect(selectKth(Float64Array.from(values), n - 1)).toBe(sorted[n - 1]);
    }
  });

  it("ignores gaps instead of counting them as zero", () => {
    const s = summarise(series([NaN, 10, 20, NaN, 30, 40]));
    expect(s.samples).toBe(4);
    expect(s.slots).toBe(6);
    expect(s.coverage).toBeCloseTo(4 / 6, 12);
    expect(s.p95Bps).toBe(40);
    expect(s.meanBps).toBe(25);
    expect(s.peakBps).toBe(40);
    expect(s.peakAtS).toBe(5 * 300);
  });

  it("summarises a sub-range of slots", () => {
    const s = summarise(series([1, 2, 3, 4, 5, 6]), 2, 4);
    expect(s).toMatchObject({ slots: 2, samples: 2, meanBps: 3.5, peakBps: 4, p95Bps: 4, peakAtS: 900 });
  });

  it("has no figures without samples", () => {
    expect(summarise(series([NaN, NaN]))).toMatchObject({
      samples: 0,
      coverage: 0,
      meanBps: null,
      p95Bps: null,
    });
  });
});

describe("daily p95", () => {
  it("takes each day's nearest-rank p95 and leaves a day without samples empty", () => {
    // Days of 20 slots: day 0 holds 1..20 (p95 = 19), day 1 is empty, day 2 holds 5 values of 7.
    const values = new Float64Array(50).fill(NaN);
    for (let i = 0; i < 20; i++) values[i] = i + 1;
    for (let i = 40; i < 45; i++) values[i] = 7;
    const daily = dailyP95(values, 20);
    expect(daily).toHaveLength(3);
    expect(daily[0]).toBe(19);
    expect(daily[1]).toBeNaN();
    expect(daily[2]).toBe(7);
    expect(values[0]).toBe(1); // the series is left as it was
  });
});

describe("coverage, gaps and hours above the threshold", () => {
  it("lists maximal runs of missing slots with start and end", () => {
    const s = series([NaN, 1, NaN, NaN, 2, 3, NaN], 1000);
    expect(findGaps(s)).toEqual([
      { startS: 1000, endS: 1300, slots: 1 },
      { startS: 1600, endS: 2200, slots: 2 },
      { startS: 2800, endS: 3100, slots: 1 },
    ]);
    expect(findGaps(series([1, 2]))).toEqual([]);
  });

  it("counts 5-minute slots strictly above the limit, never gaps", () => {
    expect(hoursAbove(series([10, 91, 90, NaN, 100, 95]), 90)).toBeCloseTo(3 * (5 / 60), 12);
  });
});

describe("trend and saturation", () => {
  it("fits least squares exactly on a straight line", () => {
    const fit = leastSquares([0, 1, 2, 3].map((x) => ({ x, y: 5 + 2 * x })))!;
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(5, 12);
    expect(leastSquares([{ x: 1, y: 1 }])).toBeNull();
  });

  const jan2025 = monthNumber(2025, 1);
  const months = (p95: (i: number) => number | null, n = 12, coverage = 1): MonthP95[] =>
    Array.from({ length: n }, (_, i) => ({ month: jan2025 + i, p95Bps: p95(i), coverage }));

  it("states growth per month, in bits/s and as a share of the average monthly p95", () => {
    const trend = fitTrend(months((i) => 6e6 + 0.5e6 * i))!;
    expect(trend.slopeBpsPerMonth).toBeCloseTo(0.5e6, 6);
    expect(trend.ratioPerMonth).toBeCloseTo(0.5e6 / 8.75e6, 12); // average of 6..11.5 Mbps
    expect(trend.monthsUsed).toBe(12);
  });

  it("leaves thin months out of the fit and needs three months", () => {
    const m = months((i) => (i === 5 ? 100e6 : 1e6 * i));
    m[5]!.coverage = 0.4; // an outlier measured for 40% of the month
    expect(fitTrend(m)!.slopeBpsPerMonth).toBeCloseTo(1e6, 6);
    expect(fitTrend(months((i) => i, 2))).toBeNull();
  });

  it("projects the month the trend crosses allocation x threshold", () => {
    const m = months((i) => 6e6 + 0.5e6 * i); // 6 .. 11.5 Mbps over 2025
    const trend = fitTrend(m);
    const last = jan2025 + 11;
    // 20 Mbps x 0.9 = 18 Mbps: 6 + 0.5 x = 18 at x = 24, January 2027.
    expect(projectSaturation(m, trend, 18e6, last)).toEqual({
      status: "projected",
      month: monthNumber(2027, 1),
    });
    expect(projectSaturation(m, trend, 100e6, last)).toEqual({ status: "not-within-horizon" });
    expect(projectSaturation(m, trend, 11e6, last)).toEqual({ status: "reached", month: jan2025 + 10 });
    expect(projectSaturation(m.slice(0, 2), null, 100e6, jan2025 + 1)).toEqual({ status: "no-trend" });
    const falling = months((i) => 10e6 - 0.1e6 * i);
    expect(projectSaturation(falling, fitTrend(falling), 12e6, last)).toEqual({
      status: "not-within-horizon",
    });
  });
});

describe("tiers and cost", () => {
  const tiers = [
    { mbps: 10, idr_per_mbps_month: 600_000 },
    { mbps: 5, idr_per_mbps_month: 650_000 },
    { mbps: 50, idr_per_mbps_month: 480_000 },
  ];
  it("rounds up to the smallest tier that holds the need", () => {
    expect(roundUpToTier(0.1, tiers)).toEqual({ mbps: 5, idrPerMbpsMonth: 650_000 });
    expect(roundUpToTier(10, tiers)).toEqual({ mbps: 10, idrPerMbpsMonth: 600_000 });
    expect(roundUpToTier(22.75, tiers)).toEqual({ mbps: 50, idrPerMbpsMonth: 480_000 });
  });
  it("above the largest tier, rounds up to a multiple of it at its price", () => {
    expect(roundUpToTier(101, tiers)).toEqual({ mbps: 150, idrPerMbpsMonth: 480_000 });
    expect(roundUpToTier(100, tiers)).toEqual({ mbps: 100, idrPerMbpsMonth: 480_000 });
  });
  it("prices a year as tier Mbps x IDR/Mbps/month x 12", () => {
    expect(yearlyCostIdr(20, tiers)).toBe(50 * 480_000 * 12);
    expect(yearlyCostIdr(8, tiers)).toBe(10 * 600_000 * 12);
  });
});

describe("periods in Asia/Jakarta", () => {
  it("parses a fiscal year, a fiscal quarter and a month at local midnight", () => {
    const fy = parsePeriod("2026", TZ, 1);
    expect(fy.start.toISOString()).toBe("2025-12-31T17:00:00.000Z");
    expect(fy.end.toISOString()).toBe("2026-12-31T17:00:00.000Z");
    const q = parsePeriod("2026-q2", TZ, 1);
    expect([q.spec, q.start.toISOString(), q.end.toISOString()]).toEqual([
      "2026-Q2",
      "2026-03-31T17:00:00.000Z",
      "2026-06-30T17:00:00.000Z",
    ]);
    const m = parsePeriod("2026-03", TZ, 1);
    expect([m.start.toISOString(), m.end.toISOString()]).toEqual([
      "2026-02-28T17:00:00.000Z",
      "2026-03-31T17:00:00.000Z",
    ]);
  });

  it("follows a fiscal year that starts in another month", () => {
    const fy = parsePeriod("2026", TZ, 4); // April 2026 .. March 2027
    expect(fy.start.toISOString()).toBe("2026-03-31T17:00:00.000Z");
    expect(parsePeriod("2026-Q4", TZ, 4).start.toISOString()).toBe("2026-12-31T17:00:00.000Z");
    expect(fiscalYearOf(new Date("2027-02-01T00:00:00Z"), TZ, 4)).toBe(2026);
  });

  it("takes from/to as inclusive dates and refuses a reversed or malformed period", () => {
    const r = parseRange("2026-01-01", "2026-01-31", TZ);
    expect(r.end.getTime() - r.start.getTime()).toBe(31 * 86_400_000);
    expect(() => parseRange("2026-02-01", "2026-01-31", TZ)).toThrow(/reversed/);
    expect(() => parseRange("2026-02-30", "2026-03-01", TZ)).toThrow(PeriodError);
    expect(() => parsePeriod("2026-13", TZ, 1)).toThrow(PeriodError);
    expect(() => resolvePeriod({ from: "2026-01-01" }, TZ, 1)).toThrow(/both/);
    expect(() => resolvePeriod({ period: "2026", from: "2026-01-01" }, TZ, 1)).toThrow(/not both/);
  });

  it("lists the months a period touches, clipped", () => {
    const r = parseRange("2026-01-15", "2026-03-10", TZ);
    const months = monthsIn(r.start, r.end, TZ);
    expect(months.map((m) => monthKey(m.month))).toEqual(["2026-01", "2026-02", "2026-03"]);
    expect(months[0]!.start).toEqual(r.start);
    expect(months[2]!.end).toEqual(r.end);
  });
});

describe("Prometheus query planning", () => {
  it("chunks a year of 5-minute steps under the 11,000-point limit", () => {
    const start = 1_000_000;
    const chunks = chunkRange(start, start + 105_120 * 300, 300);
    expect(chunks.length).toBe(11);
    expect(chunks[0]).toEqual({ startS: start, endS: start + 9_999 * 300 });
    expect(chunks[1]!.startS).toBe(start + 10_000 * 300);
    expect(chunks.at(-1)!.endS).toBe(start + 105_120 * 300);
    const points = chunks.reduce((n, c) => n + (c.endS - c.startS) / 300 + 1, 0);
    expect(points).toBe(105_121);
  });

  it("runs tasks with a bounded concurrency and keeps their order", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 4, 3, 2, 1], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 40, 30, 20, 10]);
    expect(most).toBe(2);
  });
});
