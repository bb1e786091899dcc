import { describe, expect, it } from "vitest";
import { ExpositionWriter, escapeLabelValue, formatValue, seriesPrefix } from "./exposition.js";

describe("exposition text", () => {
  it("escapes backslash, double quote and newline in label values, nothing else", () => {
    expect(escapeLabelValue('PT "ICON+" \\ Batam\nRiau')).toBe('PT \\"ICON+\\" \\\\ Batam\\nRiau');
    expect(escapeLabelValue("Dinas Pendidikan (Disdik) — é")).toBe("Dinas Pendidikan (Disdik) — é");
  });
  it("precomputes series prefixes", () => {
    expect(seriesPrefix("m", { a: "x", b: 'y"' })).toBe('m{a="x",b="y\\""} ');
    expect(seriesPrefix("m", {})).toBe("m ");
  });
  it("formats special values as Prometheus spells them", () => {
    expect([NaN, Infinity, -Infinity, 0, 1.5, 2 ** 53].map(formatValue)).toEqual([
      "NaN",
      "+Inf",
      "-Inf",
      "0",
      "1.5",
      "9007199254740992",
    ]);
  });
  it("groups samples by family with one HELP and TYPE each, skipping empty families", () => {
    const w = new ExpositionWriter();
    w.sample("a_total", "counter", "A.", 'a_total{x="1"} ', 1);
    w.sample("b", "gauge", "B.", "b ", 2);
    w.sample("a_total", "counter", "A.", 'a_total{x="2"} ', 3);
    w.family("empty", "gauge", "E.");
    expect(w.toString()).toBe(
      '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 1\na_total{x="2"} 3\n# HELP b B.\n# TYPE b gauge\nb 2\n',
    );
  });
});
