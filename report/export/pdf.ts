// PDF: cover, summary (city totals, ranked bars, the rankings), one block per OPD and uplink
// (figures table, monthly p95 trend chart, recommendation, gaps), and the methodology.
// Charts are pdfkit vector graphics; text uses the standard Helvetica fonts (WinAnsi covers
// Indonesian and the few symbols used), so the PDF needs no font files and pdftotext reads it.
import PDFDocument from "pdfkit";
import { BITS_PER_MBPS, trendAt } from "../figures.js";
import type { DirectionFigures, EntityReport, Report } from "../engine.js";
import type { Formatter } from "../i18n.js";
import { formatCell, rankingTable, totalsTable, type Cell, type CellKind, type Table } from "../tables.js";

type Doc = PDFKit.PDFDocument;

const MARGIN = 40;
const PAGE = { width: 595.28, height: 841.89 }; // A4
const CONTENT_WIDTH = PAGE.width - 2 * MARGIN;
const BOTTOM = PAGE.height - MARGIN - 14; // room for the footer
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

/** The longest prefix of `text` (with "…") that fits `width` in the current font: a cell never wraps. */
function fitToWidth(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(`${text.slice(0, mid)}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo).trimEnd()}…`;
}

/** A simple table: column widths proportional to `weights`, numbers right-aligned. */
function drawTable(doc: Doc, table: Table, f: Formatter, weights: number[], fontSize = 7): void {
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => (w / total) * CONTENT_WIDTH);
  const rowHeight = fontSize + 5;
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
  ensureSpace(doc, headerHeight + rowHeight * 2);
  drawHeader();
  for (const row of table.rows) {
    if (doc.y + rowHeight > BOTTOM) {
      doc.addPage();
      drawHeader();
    }
    const y = doc.y;
    let x = MARGIN;
    doc.font("Helvetica").fontSize(fontSize).fillColor(COLOURS.text);
    row.forEach((cell: Cell, i) => {
      const kind: CellKind = table.columns[i]!.kind;
      doc.text(fitToWidth(doc, formatCell(cell, kind, f), widths[i]! - 4), x + 2, y, {
        width: widths[i]! - 4,
        align: kind === "text" ? "left" : "right",
        lineBreak: false,
      });
      x += widths[i]!;
    });
    doc
      .moveTo(MARGIN, y + rowHeight - 2)
      .lineTo(MARGIN + CONTENT_WIDTH, y + rowHeight - 2)
      .lineWidth(0.3)
      .strokeColor(COLOURS.grid)
      .stroke();
    doc.y = y + rowHeight;
  }
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
  const barHeight = 10;
  const labelWidth = 120;
  const valueWidth = 45;
  const plotWidth = CONTENT_WIDTH - labelWidth - valueWidth;
  const scaleMax = Math.max(1, ...ranked.map((e) => e.p95Ratio!));
  const height = ranked.length * (barHeight + 3) + 24;
  ensureSpace(doc, height + 20);
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
  ranked.forEach((e, i) => {
    const y = top + i * (barHeight + 3);
    const ratio = e.p95Ratio!;
    const colour = ratio >= threshold ? COLOURS.bad : ratio >= 0.7 ? COLOURS.warn : COLOURS.ok;
    doc.font("Helvetica").fontSize(7).fillColor(COLOURS.text);
    doc.text(fitToWidth(doc, e.shortName, labelWidth - 4), MARGIN, y + 1.5, {
      width: labelWidth - 4,
      lineBreak: false,
    });
    doc.rect(MARGIN + labelWidth, y, (ratio / scaleMax) * plotWidth, barHeight).fill(colour);
    doc.fillColor(COLOURS.text).text(f.percent(ratio, 0), MARGIN + labelWidth + plotWidth + 4, y + 1.5, {
      width: valueWidth - 4,
      lineBreak: false,
    });
  });
  const bottom = top + ranked.length * (barHeight + 3);
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

/** Monthly p95, both directions, with the fitted download/upload trends and allocation x threshold. */
function drawTrendChart(
  doc: Doc,
  report: Report,
  f: Formatter,
  e: EntityReport,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  const months = report.months;
  const limitMbps = (d: DirectionFigures) =>
    (d.allocatedBps * report.planning.saturation_threshold) / BITS_PER_MBPS;
  const values = [e.download, e.upload].flatMap((d) => d.monthly.map((m) => (m.p95Bps ?? 0) / BITS_PER_MBPS));
  const yMax = Math.max(1e-6, ...values, limitMbps(e.download), limitMbps(e.upload)) * 1.1;
  const px = (i: number) =>
    x + 28 + (months.length <= 1 ? (w - 28) / 2 : (i / (months.length - 1)) * (w - 36));
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
  // legend
  const legend: [string, string][] = [
    [COLOURS.download, f.t.download],
    [COLOURS.upload, f.t.upload],
    [COLOURS.limit, f.t.threshold],
    [COLOURS.trend, f.t.trendMbps.split(" ")[0]!],
  ];
  legend.forEach(([colour, label], i) => {
    const lx = x + 32 + i * ((w - 36) / 4);
    doc.rect(lx, y + 3, 6, 3).fill(colour);
    doc
      .fillColor(COLOURS.muted)
      .fontSize(5.5)
      .text(label, lx + 8, y + 1.5, { width: (w - 36) / 4 - 10, lineBreak: false });
  });
}

function entityBlock(doc: Doc, report: Report, f: Formatter, e: EntityReport): void {
  const { t } = f;
  ensureSpace(doc, 215);
  const title = `${e.shortName} — ${e.name}${e.kind === "opd" ? ` (${f.category(e.category)})` : ""}`;
  doc.font("Helvetica-Bold").fontSize(9.5).fillColor(COLOURS.text);
  doc.text(fitToWidth(doc, title, CONTENT_WIDTH), MARGIN, doc.y, { lineBreak: false });
  doc.y += 13;
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
      { key: "trend", header: t.trendMbps, kind: "mbps" },
      { key: "trendPct", header: t.trendPercent, kind: "ratio" },
      { key: "saturation", header: t.saturation, kind: "text" },
    ],
    rows: [e.download, e.upload].map((d) => [
      f.direction(d.direction),
      d.allocatedBps / BITS_PER_MBPS,
      d.meanBps === null ? null : d.meanBps / BITS_PER_MBPS,
      d.peakBps === null ? null : d.peakBps / BITS_PER_MBPS,
      d.p95Bps === null ? null : d.p95Bps / BITS_PER_MBPS,
      d.p95Utilisation,
      d.hoursAboveThreshold,
      d.coverage,
      d.trend ? d.trend.slopeBpsPerMonth / BITS_PER_MBPS : null,
      d.trend ? d.trend.ratioPerMonth : null,
      f.saturation(d.saturation),
    ]),
  };
  drawTable(doc, table, f, [8, 8, 7, 7, 8, 7, 7, 7, 7, 7, 17], 6.5);
  const chartTop = doc.y - 4;
  const chartWidth = CONTENT_WIDTH * 0.48;
  drawTrendChart(doc, report, f, e, MARGIN, chartTop, chartWidth, 92);

  // Recommendation and gaps, to the right of the chart.
  const tx = MARGIN + chartWidth + 12;
  const tw = CONTENT_WIDTH - chartWidth - 12;
  doc.y = chartTop;
  const rec = e.recommendation;
  const lines: [string, string][] = [
    [t.todayMbps, `${f.number(e.today.mbps, 1)} Mbps — ${f.idr(e.today.yearlyCostIdr)}`],
    [
      t.projectedP95,
      [e.download, e.upload]
        .map((d) => `${f.direction(d.direction)} ${f.mbps(d.projectedP95Bps)}`)
        .join(", "),
    ],
    [
      t.recommendationFor(t.fiscalYear(report.nextFiscalYear.year)),
      rec
        ? `${f.number(rec.mbps, 1)} Mbps (${t.setBy(f.direction(rec.basis).toLowerCase())}) — ${f.idr(rec.yearlyCostIdr)}`
        : t.noData,
    ],
    [
      t.change,
      rec
        ? `${rec.changeIdr > 0 ? "+" : ""}${f.idr(rec.changeIdr)}${rec.changeRatio === null ? "" : ` (${rec.changeRatio > 0 ? "+" : ""}${f.percent(rec.changeRatio, 0)})`}`
        : t.none,
    ],
  ];
  for (const [label, value] of lines) {
    doc.font("Helvetica-Bold").fontSize(7).fillColor(COLOURS.text).text(label, tx, doc.y, { width: tw });
    doc.font("Helvetica").fontSize(7).text(value, tx, doc.y, { width: tw });
    doc.y += 2;
  }
  const gaps = e.download.gaps.length >= e.upload.gaps.length ? e.download.gaps : e.upload.gaps;
  doc
    .font("Helvetica-Bold")
    .fontSize(7)
    .text(`${t.gaps} (${f.number(gaps.length, 0)})`, tx, doc.y, { width: tw });
  doc.font("Helvetica").fontSize(6.5);
  for (const g of gaps.slice(0, 3)) {
    const hours = (g.endS - g.startS) / 3600;
    doc.text(
      `${f.dateTime(new Date(g.startS * 1000))} – ${f.dateTime(new Date(g.endS * 1000))} (${f.number(hours, 1)} h)`,
      tx,
      doc.y,
      { width: tw },
    );
  }
  if (gaps.length > 3) doc.text(`+ ${gaps.length - 3}`, tx, doc.y, { width: tw });
  doc.x = MARGIN;
  doc.y = Math.max(doc.y, chartTop + 92) + 6;
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

function cover(doc: Doc, report: Report, f: Formatter): void {
  const { t } = f;
  doc
    .font("Helvetica-Bold")
    .fontSize(26)
    .fillColor(COLOURS.text)
    .text(t.title, MARGIN, 150, { width: CONTENT_WIDTH });
  doc.moveDown(0.5);
  doc.font("Helvetica").fontSize(12).fillColor(COLOURS.muted).text(t.subtitle, { width: CONTENT_WIDTH });
  doc.moveDown(2);
  doc.fillColor(COLOURS.text).fontSize(16).font("Helvetica-Bold").text(f.period(report.period));
  doc.moveDown(1);
  const rows: [string, string][] = [
    [t.organisation, report.organisation],
    [t.period, `${f.date(report.period.start)} – ${f.date(new Date(report.period.end.getTime() - 1))}`],
    [t.measuredTo, f.dateTime(report.measuredEnd)],
    [t.generated, f.dateTime(report.generatedAt)],
    [t.source, report.source],
  ];
  for (const [k, v] of rows) {
    doc.font("Helvetica-Bold").fontSize(10).text(`${k}: `, { continued: true }).font("Helvetica").text(v);
    doc.moveDown(0.2);
  }
  doc.moveDown(2);
  const o = report.totals.opds;
  const u = report.totals.uplinks;
  const change = (x: number) => `${x > 0 ? "+" : ""}${f.idr(x)}`;
  const box: [string, string][] = [
    [`${t.opds}: ${t.todayCost}`, f.idr(o.todayYearlyCostIdr)],
    [`${t.opds}: ${t.recommendedCost}`, `${f.idr(o.recommendedYearlyCostIdr)} (${change(o.changeIdr)})`],
    [`${t.uplinks}: ${t.todayCost}`, f.idr(u.todayYearlyCostIdr)],
    [`${t.uplinks}: ${t.recommendedCost}`, `${f.idr(u.recommendedYearlyCostIdr)} (${change(u.changeIdr)})`],
  ];
  const top = doc.y;
  doc.rect(MARGIN, top, CONTENT_WIDTH, box.length * 18 + 12).fill("#f3f6fa");
  box.forEach(([k, v], i) => {
    doc
      .fillColor(COLOURS.text)
      .font("Helvetica")
      .fontSize(10)
      .text(k, MARGIN + 10, top + 8 + i * 18, { width: 260, lineBreak: false });
    doc.font("Helvetica-Bold").text(v, MARGIN + 270, top + 8 + i * 18, {
      width: CONTENT_WIDTH - 280,
      align: "right",
      lineBreak: false,
    });
  });
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
  const doc = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `${t.title} — ${f.period(report.period)}`,
      Author: report.organisation,
      Creator: "kapasitas",
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });

  cover(doc, report, f);

  doc.addPage();
  heading(doc, t.sheetSummary, 16);
  drawTable(doc, totalsTable(report, f), f, [10, 5, 8, 8, 9, 9, 12, 12, 12], 7);
  drawRankedBars(doc, report, f, report.opds);
  heading(doc, t.underProvisioned, 10);
  drawTable(
    doc,
    rankingTable(report, report.ranking.underProvisioned.slice(0, 15), f),
    f,
    [6, 10, 24, 8, 8, 8, 12],
  );
  heading(doc, t.overProvisioned, 10);
  drawTable(
    doc,
    rankingTable(report, report.ranking.overProvisioned.slice(0, 15), f),
    f,
    [6, 10, 24, 8, 8, 8, 12],
  );
  if (report.ranking.noData.length > 0) {
    heading(doc, t.noData, 10);
    doc
      .font("Helvetica")
      .fontSize(8)
      .text(report.ranking.noData.join(", "), MARGIN, doc.y, { width: CONTENT_WIDTH });
  }

  for (const [title, entities] of [
    [t.opds, report.opds],
    [t.uplinks, report.uplinks],
  ] as const) {
    if (entities.length === 0) continue;
    doc.addPage();
    heading(doc, title, 16);
    for (const e of entities) entityBlock(doc, report, f, e);
  }

  methodology(doc, report, f);
  footers(doc, report, f);
  doc.end();
  await finished;
  return Buffer.concat(chunks);
}
