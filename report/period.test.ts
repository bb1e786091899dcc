import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_FISCAL_YEARS,
  parsePeriod,
  parseRange,
  PeriodError,
  resolvePeriod,
  zonedDate,
} from "./period.js";

const TZ = "Asia/Jakarta";

describe("years are read as written", () => {
  it("takes 0050 as the year 50, not 1950", () => {
    const r = parseRange("0050-03-01", "0050-03-31", TZ);
    expect(zonedDate(r.start, TZ)).toEqual({ year: 50, month: 3, day: 1 });
    expect(r.start.getUTCFullYear()).toBe(50);
    expect(parsePeriod("0099", TZ, 1).start.getUTCFullYear()).toBe(98); // 0099-01-01 07:00 is still 98 in UTC
  });
});

describe("the period bound", () => {
  it("allows up to three fiscal years by default", () => {
    expect(DEFAULT_MAX_FISCAL_YEARS).toBe(3);
    const three = resolvePeriod({ from: "2024-01-01", to: "2026-12-31" }, TZ, 1);
    expect(three.kind).toBe("range");
    expect(resolvePeriod({ from: "2024-03-15", to: "2027-03-14" }, TZ, 1).kind).toBe("range");
  });

  it("refuses a longer period, naming the limit in both languages", () => {
    const attempt = () => resolvePeriod({ from: "2024-01-01", to: "2027-01-01" }, TZ, 1);
    expect(attempt).toThrow(PeriodError);
    expect(attempt).toThrow(/longer than the limit of 3 fiscal years/);
    try {
      attempt();
    } catch (error) {
      expect((error as PeriodError).code).toBe("too-long");
      expect((error as PeriodError).describe("id")).toMatch(/melebihi batas 3 tahun anggaran/);
    }
  });

  it("takes a configured limit", () => {
    expect(() => resolvePeriod({ from: "2025-01-01", to: "2026-12-31" }, TZ, 1, 1)).toThrow(
      /limit of 1 fiscal/,
    );
    expect(resolvePeriod({ period: "2026" }, TZ, 1, 1).kind).toBe("fiscal-year");
  });

  it("refuses the 1,900-year request and any period before 1970, years 0000-0099 included", () => {
    expect(() => resolvePeriod({ from: "0100-01-01", to: "2026-11-29" }, TZ, 1)).toThrow(/before 1970-01-01/);
    expect(() => resolvePeriod({ from: "0050-01-01", to: "0050-12-31" }, TZ, 1)).toThrow(/before 1970-01-01/);
    expect(() => resolvePeriod({ period: "0000" }, TZ, 1)).toThrow(/before 1970-01-01/);
    expect(() => resolvePeriod({ period: "1969-12" }, TZ, 1)).toThrow(/before 1970-01-01/);
    expect(resolvePeriod({ period: "1970-02" }, TZ, 1).kind).toBe("month");
  });
});
