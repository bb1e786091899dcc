// The PDF's layout, checked from the words poppler reads back (pdftotext -bbox): a 60-OPD report
// with long names keeps every word inside the margins, never draws text over text, shows every
// row the JSON has (allocation plan, rankings, budget), embeds its fonts and signs with the
// inventory's names and NIP.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../core/load.js";
import { buildReport, type EntityReport, type Report } from "../report/engine.js";
import { parsePeriod } from "../report/period.js";
import { PrometheusClient } from "../report/prometheus.js";
import { render } from "../report/render.js";
import { requireBinary } from "../lab/binaries.js";
import {
  colourPixels,
  figureWords,
  overlappingWords,
  pdfWords,
  wordsLeaving,
  wordsOutside,
  type PdfWords,
} from "../lab/pdf-layout.js";
import { runOrThrow } from "../lab/process.js";
import type { BackfilledPrometheus } from "../lab/history-prometheus.js";
import { INVENTORY_FILE, startScenarioPrometheus, TZ } from "./fixtures/report/scenario.js";

const MARGIN = 40;
/** The OPD (index) drawn with every day above its threshold. */
const SATURATED = 2;
const LONG = "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana";

let prometheus: BackfilledPrometheus;
let big: Report;
let pdf: PdfWords;
const work = mkdtempSync(join(tmpdir(), "kapasitas-pdf-layout-"));
const file = join(work, "big.pdf");

/** 60 OPDs from the measured ones, renamed long, with their plan rows and rankings. */
function sixtyOpds(report: Report): Report {
  const measured = report.opds.filter((e) => e.p95Ratio !== null);
  const opds: EntityReport[] = Array.from({ length: 60 }, (_, i) => {
    const from = measured[i % measured.length]!;
    const n = String(i + 1).padStart(2, "0");
    // Every fifth OPD rests partly on imported 2-hour averages: its download p95 is a lower bound.
    const imported =
      i % 5 === 0 && from.download.p95Bps !== null
        ? { download: { ...from.download, fiveMinuteShare: 0.75, coarserShare: 0.25, p95LowerBound: true } }
        : {};
    // OPD 03's allocation is cut below its daily p95: every day of its chart is saturated (red).
    const saturated =
      i === SATURATED && from.download.p95Bps !== null
        ? { download: { ...from.download, allocatedBps: from.download.p95Bps / 2 } }
        : {};
    return {
      ...from,
      ...imported,
      ...saturated,
      id: `opd-${n}`,
      name: `${LONG} Kota Uji, Unit Pelaksana Teknis ${n}`,
      shortName: `UPT ${n} ${LONG.slice(6, 40)}`,
    };
  });
  const rowOf = new Map(report.plan.rows.map((r) => [r.id, r]));
  const shared = opds.flatMap((e, i) => {
    const row = rowOf.get(measured[i % measured.length]!.id);
    return row ? [{ e, row }] : [];
  });
  const plan = {
    ...report.plan,
    rows: shared.map(({ e, row }) => ({
      ...row,
      id: e.id,
      name: e.name,
      queue: `${e.id}-queue-with-a-long-router-name`,
    })),
  };
  const under = opds.filter((_, i) => i % 2 === 0).map((e) => e.id);
  const over = opds.filter((_, i) => i % 2 === 1).map((e) => e.id);
  return {
    ...report,
    opds,
    plan,
    ranking: { ...report.ranking, underProvisioned: under, overProvisioned: over },
  };
}

beforeAll(async () => {
  prometheus = await startScenarioPrometheus();
  const report = await buildReport({
    inventory: loadInventoryOrThrow(INVENTORY_FILE),
    period: parsePeriod("2025", TZ, 1),
    client: new PrometheusClient({ url: prometheus.url }),
  });
  big = sixtyOpds(report);
  writeFileSync(file, await render(big, "pdf", "id"));
  pdf = await pdfWords(file);
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  rmSync(work, { recursive: true, force: true });
});

/**
 * The daily p95 charts, in the order of the report's entities. "p95 harian (Mbps)" is a chart's
 * title; the chart is half the content width, its frame 56 pt high under a 17 pt band for the title
 * and the legend.
 */
function dailyCharts() {
  const half = (595.28 - 2 * MARGIN - 12) / 2;
  return figureWords(
    pdf,
    (w, i) => w.text === "harian" && pdf.words[i - 1]?.text === "p95" && pdf.words[i + 1]?.text === "(Mbps)",
    half,
    66,
  );
}

describe("PDF layout (pdftotext -bbox) on 60 OPDs with long names", () => {
  it("keeps every word inside the page's margins", () => {
    expect(pdf.pages.length).toBeGreaterThan(20);
    expect(wordsOutside(pdf, MARGIN)).toEqual([]);
  });

  it("never draws text over text", () => {
    const overlaps = overlappingWords(pdf).map(
      ([a, b]) =>
        `p${a.page} "${a.text}"@${a.xMin.toFixed(0)},${a.yMin.toFixed(0)} × "${b.text}"@${b.xMin.toFixed(0)},${b.yMin.toFixed(0)}`,
    );
    expect(overlaps).toEqual([]);
  });

  it("shows every row: the plan, both rankings, the budget", () => {
    const words = new Set(pdf.words.map((w) => w.text));
    const count = (text: string) => pdf.words.filter((w) => w.text === text).length;
    for (const row of big.plan.rows) expect(words.has(row.id), row.id).toBe(true);
    for (const id of [...big.ranking.underProvisioned, ...big.ranking.overProvisioned]) {
      // plan table + ranking table (+ the block title's short name is not the id)
      expect(count(id), id).toBeGreaterThanOrEqual(big.plan.rows.some((r) => r.id === id) ? 2 : 1);
    }
    for (const line of big.budget.lines) expect(words.has(line.id), line.id).toBe(true);
    // No truncation marks: a cell wraps, it is never cut.
    expect(pdf.words.filter((w) => w.text.endsWith("…"))).toEqual([]);
  });

  it("draws each OPD's and uplink's daily p95 chart with every label inside its box", () => {
    const charts = dailyCharts();
    const entities = [...big.opds, ...big.uplinks];
    expect(charts).toHaveLength(entities.length);
    charts.forEach((chart, i) => {
      // The y-axis labels (left of the plot) reach the allocation: its top label is at least it.
      const axis = chart.words
        .filter((w) => w.xMax < chart.title.xMin + 28 && /^[\d.,]+$/.test(w.text))
        .map((w) => Number(w.text.replace(/\./g, "").replace(",", ".")));
      const e = entities[i]!;
      const allocation = Math.max(e.download.allocatedBps, e.upload.allocatedBps) / 1e6;
      expect(Math.max(...axis), `${e.id}'s daily chart's y-axis`).toBeGreaterThanOrEqual(allocation - 0.05);
    });
    for (const chart of charts) {
      const where = `page ${chart.title.page} at y ${chart.title.yMin.toFixed(0)}`;
      expect(wordsLeaving(chart.words, chart.box), where).toEqual([]);
      const texts = chart.words.map((w) => w.text);
      // The legend names the allocation and the threshold; the axes carry months and Mbps.
      expect(texts, where).toEqual(expect.arrayContaining(["Alokasi", "Ambang", "jenuh", "Jan", "0"]));
    }
  });

  it("marks saturated days red: the status colour, seen in the rendered chart (pdftoppm)", async () => {
    const charts = dailyCharts();
    const red = [0xd6, 0x27, 0x28] as const;
    const redIn = (i: number) => colourPixels(file, charts[i]!.title.page, charts[i]!.box, red);
    // Both charts draw the red threshold line and the legend's swatch; only OPD 03 has red days.
    const plain = await redIn(SATURATED + 1);
    const saturated = await redIn(SATURATED);
    expect(big.opds[SATURATED]!.download.dailyP95Bps.length).toBeGreaterThan(300);
    expect(saturated - plain).toBeGreaterThan(1000);
  });

  it("states what each p95 rests on: the 5-minute share, ≥ on a lower bound, one legend sentence", () => {
    const text = pdf.words.map((w) => w.text).join(" ");
    expect(text).toContain("Data 5 menit");
    expect(text).toContain("Tanda ≥ pada p95: sebagian dihitung dari rata-rata kasar itu");
    const lowerBounds = big.opds.filter((e) => e.download.p95LowerBound).length;
    expect(lowerBounds).toBeGreaterThan(0);
    // One "≥" per lower-bound row, plus the legend sentence's own.
    expect(pdf.words.filter((w) => w.text === "≥").length).toBe(lowerBounds + 1);
    expect(pdf.words.filter((w) => w.text === "75%").length).toBeGreaterThanOrEqual(lowerBounds);
  });

  it("signs with the inventory's names and NIP, states WIB and embeds its fonts", async () => {
    const text = pdf.words.map((w) => w.text).join(" ");
    expect(text).toContain("Budi Santoso, S.T.");
    expect(text).toContain("NIP 196805152000032002");
    expect(text).toContain("Pengesahan");
    expect(text).toMatch(/Data sampai: 1 Januari 2026 00\.00 WIB/);
    expect(text).toContain("Ringkasan eksekutif");
    const fonts = (await runOrThrow(requireBinary("pdffonts"), [file])).stdout.trim().split("\n").slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) expect(line, line).toMatch(/\syes\s+yes\s+(yes|no)\s+\d+\s+\d+$/); // emb sub uni
  });
});
