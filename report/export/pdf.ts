// PDF: cover (evidence, grand total), executive summary, city proposal, budget, signature block,
// allocation plan, rankings, one block per OPD and uplink (figures table, monthly p95 trend chart
// and daily p95 chart side by side, proposal, gaps, monthly p95 table; three blocks a page), and the
// methodology. Tables wrap their cells and continue across pages, never
// cut. Charts are pdfkit vector graphics; fonts are embedded (DejaVu Sans Condensed).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import PDFDocument from "pdfkit";
import { BITS_PER_MBPS, trendAt } from "../figures.js";
import { monthStart } from "../period.js";
import type { DirectionFigures, EntityReport, Report } from "../engine.js";
import type { Formatter } from "../i18n.js";
import {
  budgetTable,
  cityTable,
  evidenceText,
  formatCell,
  paidByText,
  planTable,
  rankingTable,
  totalsTable,
  type CellKind,
  type Table,
} from "../tables.js";

type Doc = PDFKit.PDFDocument;

/**
 * Embedded fonts (a PDF a reviewer archives must not depend on the reader's fonts): DejaVu Sans
 * Condensed from Debian's fonts-dejavu-core, registered under the standard names the drawing code
 * uses. Without it, the standard (not embedded) Helvetica.
 */
const FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"];
const EMBEDDED: Record<"Helvetica" | "Helvetica-Bold", string> = {
  Helvetica: "DejaVuSansCondensed.ttf",
  "Helvetica-Bold": "DejaVuSansCondensed-Bold.ttf",
};

let fontData: Record<string, Buffer> | null | undefined;

/** The embedded fonts' bytes, read once per process (or null without fonts-dejavu-core). */
function embeddedFonts(): Record<string, Buffer> | null {
  if (fontData === undefined) {
    const files = embeddedFontFiles();
    fontData = files && Object.fromEntries(Object.entries(files).map(([n, p]) => [n, readFileSync(p)]));
  }
  return fontData;
}

export function embeddedFontFiles(): Record<string, string> | null {
  const found: Record<string, string> = {};
  for (const [name, file] of Object.entries(EMBEDDED)) {
    const dir = FONT_DIRS.find((d) => existsSync(join(d, file)));
    if (!dir) return null;
    found[name] = join(dir, file);
  }
  return found;
}

const MARGIN = 40;
const PAGE = { width: 595.28, height: 841.89 }; // A4
const CONTENT_WIDTH = PAGE.width - 2 * MARGIN;
const BOTTOM = PAGE.height - MARGIN - 14; // room for the footer
/** The per-entity charts' height: small enough for three OPDs a page. */
const CHART_HEIGHT = 56;
const COLOURS = {
  download: "#1f77b4",
  upload: "#ff7f0e",
  limit: "#d62728",
  trend: "#555555",
  grid: "#dddddd",
  text: "#222222",
  muted: "#666666",
  ok: "#2ca02c",
  warn: "#ff9f1c",
  bad: "#d62728",
  header: "#dce6f1",
};

function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > BOTTOM) doc.addPage();
}

function heading(doc: Doc, text: string, size = 14): void {
  ensureSpace(doc, size + 40);
  doc
    .font("Helvetica-Bold")
    .fontSize(size)
    .fillColor(COLOURS.text)
    .text(text, MARGIN, doc.y, { width: CONTENT_WIDTH });
  doc.moveDown(0.4);
}

/**
 * A table: column widths proportional to `weights`, numbers right-aligned, text wrapped inside its
 * cell (never cut), every row drawn: a row that does not fit starts a new page under a repeated
 * header.
 */
function drawTable(doc: Doc, table: Table, f: Formatter, weights: number[], fontSize = 7): void {
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => (w / total) * CONTENT_WIDTH);
  const headerHeight = Math.max(
    ...table.columns.map((c, i) =>
      doc
        .font("Helvetica-Bold")
        .fontSize(fontSize)
        .heightOfString(c.header, { width: widths[i]! - 4 }),
    ),
  );
  const drawHeader = () => {
    const y = doc.y;
    doc.rect(MARGIN, y, CONTENT_WIDTH, headerHeight + 4).fill(COLOURS.header);
    let x = MARGIN;
    doc.font("Helvetica-Bold").fontSize(fontSize).fillColor(COLOURS.text);
    table.columns.forEach((c, i) => {
      doc.text(c.header, x + 2, y + 2, {
        width: widths[i]! - 4,
        align: c.kind === "text" ? "left" : "right",
      });
      x += widths[i]!;
    });
    doc.y = y + headerHeight + 6;
  };
  doc.font("Helvetica").fontSize(fontSize);
  const texts = table.rows.map((row) => row.map((cell, i) => formatCell(cell, table.columns[i]!.kind, f)));
  const heights = texts.map(
    (row) => Math.max(...row.map((text, i) => doc.heightOfString(text, { width: widths[i]! - 4 }))) + 3,
  );
  ensureSpace(doc, headerHeight + 6 + (heights[0] ?? 0) * 2);
  drawHeader();
  texts.forEach((row, r) => {
    const rowHeight = heights[r]!;
    if (doc.y + rowHeight > BOTTOM) {
      doc.addPage();
      drawHeader();
    }
    const y = doc.y;
    let x = MARGIN;
    doc.font("Helvetica").fontSize(fontSize).fillColor(COLOURS.text);
    row.forEach((text, i) => {
      const kind: CellKind = table.columns[i]!.kind;
      doc.text(text, x + 2, y, { width: widths[i]! - 4, align: kind === "text" ? "left" : "right" });
      x += widths[i]!;
    });
    doc
      .moveTo(MARGIN, y + rowHeight - 1.5)
      .lineTo(MARGIN + CONTENT_WIDTH, y + rowHeight - 1.5)
      .lineWidth(0.3)
      .strokeColor(COLOURS.grid)
      .stroke();
    doc.y = y + rowHeight;
  });
  doc.x = MARGIN;
  doc.moveDown(0.6);
}

/** Horizontal bars of p95 ÷ allocation, highest first, with the saturation threshold marked. */
function drawRankedBars(
  doc: Doc,
  report: Report,
  f: Formatter,
  entities: readonly EntityReport[],
  limit = 25,
): void {
  const measured = entities.filter((e) => e.p95Ratio !== null).sort((a, b) => b.p95Ratio! - a.p95Ratio!);
  const ranked = measured.slice(0, limit);
  if (ranked.length === 0) return;
  const barHeight = 9;
  const labelWidth = 150;
  const valueWidth = 45;
  const plotWidth = CONTENT_WIDTH - labelWidth - valueWidth;
  const scaleMax = Math.max(1, ...ranked.map((e) => e.p95Ratio!));
  doc.font("Helvetica").fontSize(6.5);
  // A long name wraps inside its label column; the row grows with it.
  const rowHeights = ranked.map(
    (e) => Math.max(barHeight, doc.heightOfString(e.shortName, { width: labelWidth - 4 })) + 3,
  );
  const height = rowHeights.reduce((a, b) => a + b, 0) + 24;
  ensureSpace(doc, Math.min(height + 20, BOTTOM - MARGIN));
  doc
    .font("Helvetica-Bold")
    .fontSize(9)
    .fillColor(COLOURS.text)
    .text(
      measured.length > limit ? f.t.chartRankedTop(limit, measured.length) : f.t.chartRanked,
      MARGIN,
      doc.y,
    );
  const top = doc.y + 4;
  const threshold = report.planning.saturation_threshold;
  let y = top;
  ranked.forEach((e, i) => {
    const ratio = e.p95Ratio!;
    const colour = ratio >= threshold ? COLOURS.bad : ratio >= 0.7 ? COLOURS.warn : COLOURS.ok;
    doc.font("Helvetica").fontSize(6.5).fillColor(COLOURS.text);
    doc.text(e.shortName, MARGIN, y + 1, { width: labelWidth - 4 });
    doc.rect(MARGIN + labelWidth, y, (ratio / scaleMax) * plotWidth, barHeight).fill(colour);
    doc.fillColor(COLOURS.text).text(f.percent(ratio, 0), MARGIN + labelWidth + plotWidth + 4, y + 1.5, {
      width: valueWidth - 4,
      lineBreak: false,
    });
    y += rowHeights[i]!;
  });
  const bottom = y;
  for (const mark of [threshold, 1]) {
    const x = MARGIN + labelWidth + (mark / scaleMax) * plotWidth;
    doc
      .moveTo(x, top - 2)
      .lineTo(x, bottom)
      .lineWidth(0.8)
      .dash(3, { space: 2 })
      .strokeColor(mark === 1 ? COLOURS.text : COLOURS.limit)
      .stroke()
      .undash();
    doc
      .font("Helvetica")
      .fontSize(6)
      .fillColor(COLOURS.muted)
      .text(f.percent(mark, 0), x - 10, bottom + 2, { width: 20, align: "center", lineBreak: false });
  }
  doc.x = MARGIN;
  doc.y = bottom + 16;
}

/** Where a chart goes: its frame, in points. */
interface Area {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * A chart's frame and its horizontal grid at 0, half and the top value, labelled on the left;
 * returns the y of a value (the plot leaves 12 pt below for the x labels).
 */
function chartFrame(doc: Doc, f: Formatter, { x, y, w, h }: Area, yMax: number): (mbps: number) => number {
  const py = (mbps: number) => y + h - 12 - (mbps / yMax) * (h - 16);
  doc.rect(x, y, w, h).lineWidth(0.3).strokeColor(COLOURS.grid).stroke();
  doc.font("Helvetica").fontSize(5.5).fillColor(COLOURS.muted);
  for (const frac of [0, 0.5, 1]) {
    const v = (yMax / 1.1) * frac;
    doc
      .moveTo(x + 28, py(v))
      .lineTo(x + w - 4, py(v))
      .lineWidth(0.2)
      .strokeColor(COLOURS.grid)
      .stroke();
    doc.text(f.number(v, 1), x + 1, py(v) - 3, { width: 25, align: "right", lineBreak: false });
  }
  return py;
}

/** Monthly p95, both directions, with the fitted download/upload trends and allocation x threshold. */
function drawTrendChart(doc: Doc, report: Report, f: Formatter, e: EntityReport, { x, y, w, h }: Area): void {
  const months = report.months;
  const limitMbps = (d: DirectionFigures) =>
    (d.allocatedBps * report.planning.saturation_threshold) / BITS_PER_MBPS;
  const values = [e.download, e.upload].flatMap((d) => d.monthly.map((m) => (m.p95Bps ?? 0) / BITS_PER_MBPS));
  const yMax = Math.max(1e-6, ...values, limitMbps(e.download), limitMbps(e.upload)) * 1.1;
  const px = (i: number) =>
    x + 28 + (months.length <= 1 ? (w - 28) / 2 : (i / (months.length - 1)) * (w - 36));
  const py = chartFrame(doc, f, { x, y, w, h }, yMax);
  const step = Math.max(1, Math.ceil(months.length / 6));
  months.forEach((m, i) => {
    if (i % step === 0 || i === months.length - 1) {
      doc.text(f.shortMonth(m), px(i) - 10, y + h - 9, { width: 20, align: "center", lineBreak: false });
    }
  });
  for (const d of [e.download, e.upload]) {
    const colour = d.direction === "download" ? COLOURS.download : COLOURS.upload;
    // allocation x threshold
    doc
      .moveTo(x + 28, py(limitMbps(d)))
      .lineTo(x + w - 4, py(limitMbps(d)))
      .lineWidth(0.6)
      .dash(2, { space: 2 })
      .strokeColor(d.direction === "download" ? COLOURS.limit : "#ff9896")
      .stroke()
      .undash();
    // measured monthly p95
    let started = false;
    d.monthly.forEach((m, i) => {
      if (m.p95Bps === null) {
        started = false;
        return;
      }
      const pt: [number, number] = [px(i), py(m.p95Bps / BITS_PER_MBPS)];
      if (started) doc.lineTo(...pt);
      else doc.moveTo(...pt);
      started = true;
    });
    doc.lineWidth(1.2).strokeColor(colour).stroke();
    d.monthly.forEach((m, i) => {
      if (m.p95Bps !== null) doc.circle(px(i), py(m.p95Bps / BITS_PER_MBPS), 1.3).fill(colour);
    });
    // fitted trend over the period
    if (d.trend && months.length > 1) {
      const a = trendAt(d.trend, months[0]!) / BITS_PER_MBPS;
      const b = trendAt(d.trend, months.at(-1)!) / BITS_PER_MBPS;
      doc
        .moveTo(px(0), py(Math.max(0, a)))
        .lineTo(px(months.length - 1), py(Math.max(0, b)))
        .lineWidth(0.6)
        .dash(4, { space: 2 })
        .strokeColor(COLOURS.trend)
        .stroke()
        .undash();
    }
  }
  legendAbove(doc, x, y, w, [
    [COLOURS.download, f.t.download],
    [COLOURS.upload, f.t.upload],
    [COLOURS.limit, f.t.threshold],
    [COLOURS.trend, f.t.trendMbps.split(" ")[0]!],
  ]);
}

/** Day offsets of the first day of each month of the period (the daily chart's x labels), once per report. */
const monthDays = new WeakMap<Report, { day: number; month: number }[]>();
function monthTicks(report: Report): { day: number; month: number }[] {
  let ticks = monthDays.get(report);
  if (!ticks) {
    const start = report.period.start.getTime();
    ticks = report.months.map((m) => ({
      month: m,
      day: Math.max(0, Math.round((monthStart(m, report.timeZone).getTime() - start) / 86_400_000)),
    }));
    monthDays.set(report, ticks);
  }
  return ticks;
}

/** A coordinate as a PDF content stream writes it (pdfkit rounds to 6 decimals; 2 is 1/100 pt). */
const pdfNumber = (n: number): string => String(Math.round(n * 100) / 100);

/**
 * Daily p95 of both directions against the allocation (solid) and allocation × threshold (dashed
 * red); a day at or above the threshold is marked red. The y-axis always reaches the allocation.
 * Legend above the frame, outside the plotted area.
 */
function drawDailyChart(doc: Doc, report: Report, f: Formatter, e: EntityReport, { x, y, w, h }: Area): void {
  const threshold = report.planning.saturation_threshold;
  const directions = [e.download, e.upload];
  const days = Math.max(...directions.map((d) => d.dailyP95Bps.length), 1);
  const mbpsOf = (bps: number) => bps / BITS_PER_MBPS;
  let top = Math.max(...directions.map((d) => mbpsOf(d.allocatedBps)));
  for (const d of directions) for (const v of d.dailyP95Bps) if (v === v && mbpsOf(v) > top) top = mbpsOf(v);
  const yMax = Math.max(1e-6, top) * 1.1;
  const left = x + 28;
  const plotW = w - 32;
  const px = (i: number) => left + (days <= 1 ? plotW / 2 : (i / (days - 1)) * plotW);
  const py = chartFrame(doc, f, { x, y, w, h }, yMax);
  const ticks = monthTicks(report);
  const every = Math.max(1, Math.ceil(ticks.length / 6));
  ticks.forEach((t, i) => {
    if (i % every !== 0) return;
    const tx = Math.min(Math.max(px(t.day) - 10, x + 1), x + w - 21);
    doc.text(f.shortMonth(t.month), tx, y + h - 9, { width: 20, align: "center", lineBreak: false });
  });
  for (const d of directions) {
    const allocation = mbpsOf(d.allocatedBps);
    doc
      .moveTo(left, py(allocation))
      .lineTo(x + w - 4, py(allocation))
      .lineWidth(0.6);
    doc.strokeColor(COLOURS.text).stroke();
    doc.moveTo(left, py(allocation * threshold)).lineTo(x + w - 4, py(allocation * threshold));
    doc.lineWidth(0.6).dash(2, { space: 2 }).strokeColor(COLOURS.limit).stroke().undash();
  }
  for (const d of directions) {
    const colour = d.direction === "download" ? COLOURS.download : COLOURS.upload;
    const limit = mbpsOf(d.allocatedBps) * threshold;
    // A year is 730 points a chart and a province 600 charts: each path goes to the page as one
    // string. Drawn point by point, pdfkit keeps a Buffer per operator on every buffered page
    // (1.1 GB for a province's PDF).
    const line: string[] = [];
    let started = false;
    d.dailyP95Bps.forEach((v, i) => {
      if (v !== v) {
        started = false;
        return;
      }
      line.push(`${pdfNumber(px(i))} ${pdfNumber(py(mbpsOf(v)))} ${started ? "l" : "m"}`);
      started = true;
    });
    if (line.length > 0) {
      doc.addContent(line.join("\n"));
      doc.lineWidth(0.6).strokeColor(colour).stroke();
    }
    // Status colour: a saturated day is a red square.
    const marks: string[] = [];
    d.dailyP95Bps.forEach((v, i) => {
      if (v === v && mbpsOf(v) >= limit) {
        marks.push(`${pdfNumber(px(i) - 0.9)} ${pdfNumber(py(mbpsOf(v)) - 0.9)} 1.8 1.8 re`);
      }
    });
    if (marks.length > 0) {
      doc.addContent(marks.join("\n"));
      doc.fill(COLOURS.bad);
    }
  }
  legendAbove(doc, x, y, w, [
    [COLOURS.download, f.t.download],
    [COLOURS.upload, f.t.upload],
    [COLOURS.text, f.t.allocationLine],
    [COLOURS.limit, f.t.threshold],
  ]);
}

/** A chart's legend: above its frame, outside the plotted area, never over a line. */
function legendAbove(doc: Doc, x: number, y: number, w: number, entries: [string, string][]): void {
  const slot = (w - 36) / entries.length;
  entries.forEach(([colour, label], i) => {
    const lx = x + 32 + i * slot;
    doc.rect(lx, y - 6, 6, 3).fill(colour);
    doc
      .fillColor(COLOURS.muted)
      .fontSize(5.5)
      .text(label, lx + 8, y - 7.5, { width: slot - 10, lineBreak: false });
  });
}

function entityBlock(doc: Doc, report: Report, f: Formatter, e: EntityReport): void {
  const { t } = f;
  ensureSpace(doc, 225); // a block stays on one page: title, table, charts, text, months
  const title = `${e.shortName} — ${e.name}${e.kind === "opd" ? ` (${f.category(e.category)})` : ""}`;
  doc.font("Helvetica-Bold").fontSize(9.5).fillColor(COLOURS.text);
  doc.text(title, MARGIN, doc.y, { width: CONTENT_WIDTH });
  doc.y += 3;
  const table: Table = {
    columns: [
      { key: "direction", header: t.direction, kind: "text" },
      { key: "allocation", header: t.allocation, kind: "mbps" },
      { key: "mean", header: t.mean, kind: "mbps" },
      { key: "peak", header: t.peak, kind: "mbps" },
      { key: "p95", header: t.p95, kind: "mbps" },
      { key: "util", header: t.p95Utilisation, kind: "ratio" },
      { key: "hours", header: t.hoursAbove, kind: "hours" },
      { key: "coverage", header: t.coverage, kind: "ratio" },
      { key: "fiveMinute", header: t.fiveMinuteShare, kind: "ratio" },
      { key: "trend", header: t.trendMbps, kind: "mbps" },
      { key: "trendPct", header: t.trendPercent, kind: "ratio" },
      { key: "saturation", header: t.saturation, kind: "text" },
    ],
    rows: [e.download, e.upload].map((d) => [
      f.direction(d.direction),
      d.allocatedBps / BITS_PER_MBPS,
      d.meanBps === null ? null : d.meanBps / BITS_PER_MBPS,
      d.peakBps === null ? null : d.peakBps / BITS_PER_MBPS,
      // "≥": a p95 resting partly on imported averages coarser than 5 minutes is a lower bound.
      d.p95Bps === null
        ? null
        : d.p95LowerBound
          ? `≥ ${f.number(d.p95Bps / BITS_PER_MBPS, 1)}`
          : d.p95Bps / BITS_PER_MBPS,
      d.p95Utilisation,
      d.hoursAboveThreshold,
      d.coverage,
      d.fiveMinuteShare,
      d.trend ? d.trend.slopeBpsPerMonth / BITS_PER_MBPS : null,
      d.trend ? d.trend.ratioPerMonth : null,
      f.saturation(d.saturation),
    ]),
  };
  drawTable(doc, table, f, [8, 8, 7, 7, 8, 7, 7, 7, 6, 7, 7, 15], 6.5);
  // Two charts side by side, each titled, its legend above its frame: the monthly trend and the
  // daily p95 against the allocation.
  ensureSpace(doc, 16 + CHART_HEIGHT + 8);
  const chartTop = doc.y + 16;
  const half = (CONTENT_WIDTH - 12) / 2;
  const charts = [
    [t.chartTrend, MARGIN, drawTrendChart],
    [t.dailyP95, MARGIN + half + 12, drawDailyChart],
  ] as const;
  for (const [title, x, draw] of charts) {
    doc.font("Helvetica-Bold").fontSize(6.5).fillColor(COLOURS.text);
    doc.text(title, x, chartTop - 17, { width: half, lineBreak: false });
    draw(doc, report, f, e, { x, y: chartTop, w: half, h: CHART_HEIGHT });
  }
  doc.y = chartTop + CHART_HEIGHT + 6;

  // Below the charts, two columns: what is paid and measured (with the gaps), and the proposal.
  const rec = e.recommendation;
  const planned = report.plan.rows.find((r) => r.id === e.id);
  const proposal: [string, string] =
    e.paidBy === "shared"
      ? [
          `${t.planTitle} (${t.fiscalYear(report.nextFiscalYear.year)})`,
          planned && e.evidence.ok
            ? `${f.direction("download")} ${f.number(planned.proposed.download, 1)} Mbps, ${f.direction("upload").toLowerCase()} ${f.number(planned.proposed.upload, 1)} Mbps`
            : evidenceText(e.evidence, f),
        ]
      : [
          t.recommendationFor(t.fiscalYear(report.nextFiscalYear.year)),
          rec
            ? `${f.number(rec.mbps, 1)} Mbps (${t.setBy(f.direction(rec.basis).toLowerCase())}) — ${f.idr(rec.yearlyCostIdr)}`
            : evidenceText(e.evidence, f),
        ];
  const lines: [string, string][] = [
    [t.paidBy, `${paidByText(e.paidBy, f)}${e.paidBy === "shared" ? "" : ` (${e.provider ?? ""})`}`],
    [
      t.todayMbps,
      `${f.number(e.today.mbps, 1)} Mbps${e.today.yearlyCostIdr === null ? "" : ` — ${f.idr(e.today.yearlyCostIdr)}`}`,
    ],
    [
      t.projectedP95,
      [e.download, e.upload]
        .map((d) => `${f.direction(d.direction)} ${f.mbps(d.projectedP95Bps)}`)
        .join(", "),
    ],
    proposal,
    ...(e.paidBy === "shared"
      ? [[t.budgetTitle, t.sharedNoPrice] as [string, string]]
      : [
          [
            t.change,
            rec
              ? `${rec.changeIdr > 0 ? "+" : ""}${f.idr(rec.changeIdr)}${rec.changeRatio === null ? "" : ` (${rec.changeRatio > 0 ? "+" : ""}${f.percent(rec.changeRatio, 0)})`}`
              : t.none,
          ] as [string, string],
        ]),
  ];
  const columns = [
    { x: MARGIN, lines: lines.slice(0, 3) },
    { x: MARGIN + half + 12, lines: lines.slice(3) },
  ];
  const textTop = doc.y;
  let textBottom = textTop;
  for (const column of columns) {
    doc.y = textTop;
    for (const [label, value] of column.lines) {
      doc.font("Helvetica-Bold").fontSize(6.5).fillColor(COLOURS.text);
      doc.text(`${label}: `, column.x, doc.y, { width: half, continued: true });
      doc.font("Helvetica").text(value);
      doc.y += 1;
    }
    textBottom = Math.max(textBottom, doc.y);
  }
  doc.y = textBottom;
  const gaps = e.download.gaps.length >= e.upload.gaps.length ? e.download.gaps : e.upload.gaps;
  const gapText = gaps
    .slice(0, 3)
    .map(
      (g) =>
        `${f.dateTime(new Date(g.startS * 1000))} – ${f.dateTime(new Date(g.endS * 1000))} ${t.wib} (${f.number((g.endS - g.startS) / 3600, 1)} ${f.lang === "id" ? "jam" : "h"})`,
    )
    .concat(gaps.length > 3 ? [`+ ${gaps.length - 3}`] : [])
    .join("; ");
  doc.font("Helvetica-Bold").fontSize(6.5).fillColor(COLOURS.text);
  doc.text(`${t.gaps} (${f.number(gaps.length, 0)})${gapText ? ": " : ""}`, MARGIN, doc.y, {
    width: CONTENT_WIDTH,
    continued: gapText !== "",
  });
  if (gapText) doc.font("Helvetica").text(gapText);
  doc.x = MARGIN;
  doc.y += 4;
  // The chart's numbers, month by month (a year fits; longer ranges show their last 12 months).
  const shown = report.months.slice(-12);
  const offset = report.months.length - shown.length;
  drawTable(
    doc,
    {
      columns: [
        { key: "direction", header: t.monthlyP95, kind: "text" },
        ...shown.map((m) => ({ key: String(m), header: f.shortMonth(m), kind: "mbps" as const })),
      ],
      rows: [e.download, e.upload].map((d) => [
        f.direction(d.direction),
        ...d.monthly.slice(offset).map((m) => (m.p95Bps === null ? null : m.p95Bps / BITS_PER_MBPS)),
      ]),
    },
    f,
    [4, ...shown.map(() => 1)],
    6.5,
  );
  doc.y += 4;
}

/** "47 dari 55 OPD, 2 dari 2 uplink, cakupan 96%", or that nothing passed the gate. */
function evidenceLine(report: Report, f: Formatter): string {
  const ev = report.evidence;
  if (ev.none) return f.t.nothingPasses;
  return f.t.evidenceSummary(
    ev.opds.passed,
    ev.opds.total,
    ev.uplinks.passed,
    ev.uplinks.total,
    f.percent(ev.coverage, 0),
  );
}

const signed = (x: number, f: Formatter) => `${x > 0 ? "+" : ""}${f.idr(x)}`;

/**
 * The executive summary, generated: what is measured, what is proposed, the change in rupiah,
 * how solid the evidence is. Indonesian or English from the same figures.
 */
export function executiveSummary(report: Report, f: Formatter): string {
  const c = report.city;
  const b = report.budget;
  const ev = report.evidence;
  const fy = f.t.fiscalYear(report.nextFiscalYear.year);
  const p95 = f.mbps(c.uplinks.download.p95Bps);
  const conc = c.concurrency.download === null ? f.t.none : f.number(c.concurrency.download, 2);
  const own = b.lines.filter((l) => l.kind === "own").length;
  const gains = report.plan.gains.length;
  const gives = report.plan.givesBack.length;
  if (f.lang === "id") {
    return [
      `Laporan ini mengukur pemakaian bandwidth ${ev.opds.total} OPD dan ${ev.uplinks.total} uplink ISP ${f.period(report.period)} dalam slot 5 menit.`,
      c.recommendedMbps === null
        ? `Beban serentak kota di uplink belum cukup bukti untuk usulan; kontrak uplink saat ini (${f.number(c.todayMbps, 0)} Mbps) dipertahankan.`
        : `Beban serentak kota di uplink (p95 gabungan) ${p95} Mbps; OPD tidak memuncak bersamaan (faktor konkurensi ${conc}). Untuk ${fy} diusulkan kapasitas uplink ${f.number(c.recommendedMbps, 0)} Mbps (saat ini ${f.number(c.todayMbps, 0)} Mbps).`,
      `Total kontrak yang dibayar kota (uplink${own > 0 ? ` dan ${own} kontrak sendiri OPD` : ""}) ${f.idr(b.proposedYearlyCostIdr)} per tahun, selisih ${signed(b.changeIdr, f)} dari saat ini ${f.idr(b.todayYearlyCostIdr)}.`,
      `Rencana alokasi OPD berbagi: ${gains} OPD bertambah, ${gives} OPD berkurang, tanpa rupiah per OPD.`,
      ev.none ? f.t.nothingPasses : `Usulan bertumpu pada data yang cukup untuk ${evidenceLine(report, f)}.`,
    ].join(" ");
  }
  return [
    `This report measures the bandwidth of ${ev.opds.total} OPDs and ${ev.uplinks.total} ISP uplinks over ${f.period(report.period)} in 5-minute slots.`,
    c.recommendedMbps === null
      ? `The city's simultaneous demand at the uplinks lacks the evidence for a proposal; today's uplink contracts (${f.number(c.todayMbps, 0)} Mbps) are kept.`
      : `The city's simultaneous demand at the uplinks (p95 of the sum) is ${p95} Mbps; OPDs do not peak together (concurrency factor ${conc}). For ${fy} the proposal is ${f.number(c.recommendedMbps, 0)} Mbps of uplinks (today ${f.number(c.todayMbps, 0)} Mbps).`,
    `The contracts the city pays for (uplinks${own > 0 ? ` and ${own} OPD own line(s)` : ""}) total ${f.idr(b.proposedYearlyCostIdr)} a year, ${signed(b.changeIdr, f)} against ${f.idr(b.todayYearlyCostIdr)} today.`,
    `Allocation plan for the shared OPDs: ${gains} gain, ${gives} give back, no rupiah per OPD.`,
    ev.none ? f.t.nothingPasses : `The proposal rests on solid data for ${evidenceLine(report, f)}.`,
  ].join(" ");
}

function cover(doc: Doc, report: Report, f: Formatter): void {
  const { t } = f;
  doc
    .font("Helvetica-Bold")
    .fontSize(26)
    .fillColor(COLOURS.text)
    .text(t.title, MARGIN, 130, { width: CONTENT_WIDTH });
  doc.moveDown(0.5);
  doc.font("Helvetica").fontSize(12).fillColor(COLOURS.muted).text(t.subtitle, { width: CONTENT_WIDTH });
  doc.moveDown(2);
  doc.fillColor(COLOURS.text).fontSize(16).font("Helvetica-Bold").text(f.period(report.period));
  doc.moveDown(1);
  const rows: [string, string][] = [
    [t.organisation, report.organisation],
    [t.period, `${f.date(report.period.start)} – ${f.date(new Date(report.period.end.getTime() - 1))}`],
    [t.measuredTo, report.lastSampleAt ? `${f.dateTime(report.lastSampleAt)} ${t.wib}` : t.none],
    [t.generated, `${f.dateTime(report.generatedAt)} ${t.wib}`],
    [t.source, report.source],
    [t.evidenceLabel, evidenceLine(report, f)],
  ];
  for (const [k, v] of rows) {
    doc
      .font("Helvetica-Bold")
      .fontSize(10)
      .text(`${k}: `, MARGIN, doc.y, { continued: true, width: CONTENT_WIDTH })
      .font("Helvetica")
      .text(v);
    doc.moveDown(0.2);
  }
  doc.moveDown(1.5);
  const c = report.city;
  const b = report.budget;
  const box: [string, string][] = [
    [
      t.cityProposed,
      c.recommendedMbps === null
        ? `${f.number(c.todayMbps, 0)} Mbps (${t.noEvidence})`
        : `${f.number(c.todayMbps, 0)} → ${f.number(c.recommendedMbps, 0)} Mbps`,
    ],
    [t.todayCost, f.idr(b.todayYearlyCostIdr)],
    [t.recommendedCost, f.idr(b.proposedYearlyCostIdr)],
    [t.change, signed(b.changeIdr, f)],
  ];
  const top = doc.y;
  doc.rect(MARGIN, top, CONTENT_WIDTH, box.length * 18 + 12).fill("#f3f6fa");
  box.forEach(([k, v], i) => {
    doc
      .fillColor(COLOURS.text)
      .font(i === 2 ? "Helvetica-Bold" : "Helvetica")
      .fontSize(10)
      .text(k, MARGIN + 10, top + 8 + i * 18, { width: 260, lineBreak: false });
    doc.font("Helvetica-Bold").text(v, MARGIN + 270, top + 8 + i * 18, {
      width: CONTENT_WIDTH - 280,
      align: "right",
      lineBreak: false,
    });
  });
  doc.y = top + box.length * 18 + 20;
  doc.font("Helvetica").fontSize(9).fillColor(COLOURS.muted).text(t.sharedNoPrice, MARGIN, doc.y, {
    width: CONTENT_WIDTH,
  });
  if (report.evidence.none) {
    doc.moveDown(0.8);
    doc.font("Helvetica-Bold").fontSize(11).fillColor(COLOURS.bad).text(t.nothingPasses, {
      width: CONTENT_WIDTH,
    });
  }
}

/** Names and NIP from the inventory (report.signatories), side by side, with room to sign. */
function signatureBlock(doc: Doc, report: Report, f: Formatter): void {
  const people = report.signatories;
  if (people.length === 0) return;
  const { t } = f;
  ensureSpace(doc, 130);
  heading(doc, t.signatures, 11);
  const place = report.organisation.replace(/^Pemerintah\s+(Kota|Kabupaten)\s+/i, "").split(/\s+[—-]\s+/)[0]!;
  doc
    .font("Helvetica")
    .fontSize(9)
    .fillColor(COLOURS.text)
    .text(t.signedAt(place, "......................"), MARGIN, doc.y, {
      width: CONTENT_WIDTH,
      align: "right",
    });
  doc.moveDown(0.8);
  const width = CONTENT_WIDTH / people.length;
  const top = doc.y;
  let bottom = top;
  people.forEach((p, i) => {
    const x = MARGIN + i * width;
    doc
      .font("Helvetica")
      .fontSize(9)
      .text(p.role, x + 4, top, { width: width - 8, align: "center" });
    const nameY = Math.max(doc.y, top + 24) + 48;
    doc
      .font("Helvetica-Bold")
      .text(p.name, x + 4, nameY, { width: width - 8, align: "center", underline: true });
    if (p.nip)
      doc.font("Helvetica").text(`${t.nip} ${p.nip}`, x + 4, doc.y, { width: width - 8, align: "center" });
    bottom = Math.max(bottom, doc.y);
  });
  doc.x = MARGIN;
  doc.y = bottom + 10;
}

function methodology(doc: Doc, report: Report, f: Formatter): void {
  const { t } = f;
  doc.addPage();
  heading(doc, t.methodology, 16);
  for (const paragraph of t.methodologyText) {
    doc
      .font("Helvetica")
      .fontSize(9)
      .fillColor(COLOURS.text)
      .text(paragraph, MARGIN, doc.y, { width: CONTENT_WIDTH, align: "justify" });
    doc.moveDown(0.6);
  }
  heading(doc, t.settings, 11);
  const settings: [string, string][] = [
    [t.headroom, f.percent(report.planning.headroom, 0)],
    [t.threshold, f.percent(report.planning.saturation_threshold, 0)],
    [t.minCoverage, f.percent(report.planning.min_coverage, 0)],
    [t.maxOverbooking, f.number(report.planning.max_overbooking, 2)],
    [t.fiscalStart, f.month(2000 * 12 + report.planning.fiscal_year_start_month - 1).replace(/\s*2000$/, "")],
    [
      t.nextFiscalYear,
      `${t.fiscalYear(report.nextFiscalYear.year)} (${f.month(report.nextFiscalYear.lastMonth)})`,
    ],
  ];
  for (const [k, v] of settings)
    doc.font("Helvetica-Bold").fontSize(9).text(`${k}: `, { continued: true }).font("Helvetica").text(v);
  doc.moveDown(0.6);
  drawTable(
    doc,
    {
      columns: [
        { key: "mbps", header: "Mbps", kind: "mbps" },
        { key: "price", header: t.tierPrice, kind: "idr" },
        {
          key: "year",
          header: `${t.todayCost.replace(/ \(.*/, "")} (Rp/${f.lang === "id" ? "tahun" : "year"})`,
          kind: "idr",
        },
      ],
      rows: report.pricingTiers.map((tier) => [
        tier.mbps,
        tier.idr_per_mbps_month,
        tier.mbps * tier.idr_per_mbps_month * 12,
      ]),
    },
    f,
    [1, 2, 2],
    8,
  );
}

function footers(doc: Doc, report: Report, f: Formatter): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would start a new page: lift the margin while we write.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font("Helvetica").fontSize(7).fillColor(COLOURS.muted);
    doc.text(`${f.t.title} — ${f.period(report.period)}`, MARGIN, PAGE.height - MARGIN + 8, {
      width: CONTENT_WIDTH / 2,
      lineBreak: false,
    });
    doc.text(f.t.pageOf(i + 1, range.count), MARGIN + CONTENT_WIDTH / 2, PAGE.height - MARGIN + 8, {
      width: CONTENT_WIDTH / 2,
      align: "right",
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
}

export async function renderPdf(report: Report, f: Formatter): Promise<Buffer> {
  const { t } = f;
  const fonts = embeddedFonts();
  const doc = new PDFDocument({
    size: "A4",
    // No default font when ours are embedded: pdfkit would otherwise load its (unembedded)
    // Helvetica, or, given our file here, cache it by its PostScript name so that every later
    // font("Helvetica") parsed the file again (6 s of a fiscal-year report's CPU went there).
    font: fonts ? (null as unknown as string) : "Helvetica",
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `${t.title} — ${f.period(report.period)}`,
      Author: report.organisation,
      Creator: "kapasitas",
    },
  });
  for (const [name, data] of Object.entries(fonts ?? {})) doc.registerFont(name, data);
  doc.font("Helvetica");
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });

  cover(doc, report, f);

  doc.addPage();
  heading(doc, t.summaryTitle, 16);
  doc
    .font("Helvetica")
    .fontSize(9.5)
    .fillColor(COLOURS.text)
    .text(executiveSummary(report, f), MARGIN, doc.y, { width: CONTENT_WIDTH, align: "justify" });
  doc.moveDown(0.8);
  heading(doc, t.cityTitle, 11);
  drawTable(doc, cityTable(report, f), f, [30, 10, 10], 7.5);
  heading(doc, t.budgetTitle, 11);
  drawTable(doc, budgetTable(report, f), f, [9, 9, 14, 7, 11, 8, 11, 11, 10], 6.5);
  doc.font("Helvetica").fontSize(8).fillColor(COLOURS.muted).text(t.sharedNoPrice, MARGIN, doc.y, {
    width: CONTENT_WIDTH,
  });
  doc.moveDown(0.8);
  signatureBlock(doc, report, f);

  doc.addPage();
  heading(doc, t.planTitle, 14);
  doc
    .font("Helvetica")
    .fontSize(8)
    .fillColor(COLOURS.text)
    .text(
      t.planIntro(
        f.number(report.plan.capacityMbps.download, 0),
        f.number(report.planning.max_overbooking, 2),
      ),
      MARGIN,
      doc.y,
      { width: CONTENT_WIDTH },
    );
  doc.moveDown(0.5);
  drawTable(doc, planTable(report, f), f, [9, 22, 9, 7, 7, 8, 8, 7, 13], 6.5);
  heading(doc, t.sheetSummary, 14);
  drawTable(doc, totalsTable(report, f), f, [10, 5, 8, 8, 9, 9, 12, 12, 12], 7);
  drawRankedBars(doc, report, f, report.opds);
  heading(doc, t.underProvisioned, 10);
  drawTable(doc, rankingTable(report, report.ranking.underProvisioned, f), f, [6, 10, 24, 8, 10, 8, 8, 12]);
  heading(doc, t.overProvisioned, 10);
  drawTable(doc, rankingTable(report, report.ranking.overProvisioned, f), f, [6, 10, 24, 8, 10, 8, 8, 12]);
  for (const [title, ids] of [
    [t.noData, report.ranking.noData],
    [t.noEvidence, report.ranking.noEvidence],
  ] as const) {
    if (ids.length === 0) continue;
    heading(doc, title, 10);
    doc.font("Helvetica").fontSize(8).text(ids.join(", "), MARGIN, doc.y, { width: CONTENT_WIDTH });
    doc.moveDown(0.6);
  }

  for (const [title, entities] of [
    [t.opds, report.opds],
    [t.uplinks, report.uplinks],
  ] as const) {
    if (entities.length === 0) continue;
    doc.addPage();
    heading(doc, title, 16);
    if (entities.some((e) => e.download.coarserShare || e.upload.coarserShare)) {
      doc.font("Helvetica").fontSize(8).fillColor(COLOURS.text).text(t.lowerBoundNote, MARGIN, doc.y, {
        width: CONTENT_WIDTH,
      });
      doc.moveDown(0.5);
    }
    for (const e of entities) entityBlock(doc, report, f, e);
  }

  methodology(doc, report, f);
  footers(doc, report, f);
  doc.end();
  await finished;
  return Buffer.concat(chunks);
}
