// Language, number and file-format details of the report's output, on hand-made values.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { isoInZone } from "./export/json.js";
import { formatter } from "./i18n.js";
import { monthNumber, zonedMidnight } from "./period.js";
import { progressBar, stderrProgress } from "./progress.js";
import { parseFormats } from "./render.js";

const TZ = "Asia/Jakarta";

describe("Indonesian and English formats", () => {
  const id = formatter("id", TZ);
  const en = formatter("en", TZ);
  it("writes numbers, percentages and rupiah the Indonesian way", () => {
    expect(id.number(1234.5)).toBe("1.234,5");
    expect(id.mbps(22_750_000)).toBe("22,8");
    expect(id.percent(0.994)).toBe("99,4%");
    expect(id.idr(288_000_000)).toBe("Rp 288.000.000");
    expect(id.idr(-249_000_000)).toBe("-Rp 249.000.000");
    expect(en.number(1234.5)).toBe("1,234.5");
    expect(en.idr(288_000_000)).toBe("Rp 288,000,000");
  });

  it("names months and dates in the report's language and time zone", () => {
    expect(id.month(monthNumber(2026, 1))).toBe("Januari 2026");
    expect(en.month(monthNumber(2026, 3))).toBe("March 2026");
    expect(id.shortMonth(monthNumber(2026, 8))).toBe("Agu");
    const midnight = zonedMidnight(2025, 3, 10, TZ);
    expect(id.dateTime(midnight)).toBe("10 Maret 2025 00.00");
    expect(isoInZone(midnight, TZ)).toBe("2025-03-10T00:00:00+07:00");
  });

  it("words saturation and periods", () => {
    expect(id.saturation({ status: "projected", month: monthNumber(2027, 1) })).toBe(
      "diproyeksikan Januari 2027",
    );
    expect(en.saturation({ status: "not-within-horizon" })).toBe("not within 36 months");
    expect(id.period({ kind: "quarter", spec: "2026-Q3", start: new Date(0), end: new Date(0) })).toBe(
      "Triwulan III TA 2026",
    );
  });
});

describe("formats and progress", () => {
  it("parses a format list and names the known ones when one is unknown", () => {
    expect(parseFormats("XLSX, pdf,pdf")).toEqual(["xlsx", "pdf"]);
    expect(() => parseFormats("xlsx,docx")).toThrow(
      'unknown format "docx": choose from xlsx, pdf, csv, json',
    );
    expect(() => parseFormats("")).toThrow(/unknown format/);
  });

  it("draws a bar on a terminal and plain lines per 10% elsewhere", () => {
    expect(progressBar(5, 20, 10)).toBe("[###-------]  25% (5/20)");
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const plain = stderrProgress("Prometheus", out as unknown as NodeJS.WriteStream, false);
    for (let i = 0; i <= 24; i++) plain.update(i, 24);
    expect(text).not.toContain("\r");
    expect(text.trim().split("\n")).toHaveLength(11); // 0%, 10%, ..., 100%
    text = "";
    const tty = stderrProgress("Prometheus", out as unknown as NodeJS.WriteStream, true);
    tty.update(1, 2);
    tty.done();
    expect(text).toBe("\rPrometheus [###############---------------]  50% (1/2)\n");
  });
});
