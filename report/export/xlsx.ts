// XLSX: Ringkasan/Summary (city proposal first), RKA (a budget line per contract, totals as
// formulas), Rencana alokasi/Allocation plan, Rincian/Details, Bulanan/Monthly, Celah data/Data
// gaps, Harga dan metode/Prices and method. Numbers are stored as numbers with number formats
// (Excel shows them in the reader's locale: 1.234,5 in Indonesian), dates as dates in local time
// (WIB), headers frozen, long sheets filterable.
import ExcelJS from "exceljs";
import type { Report } from "../engine.js";
import type { Formatter } from "../i18n.js";
import { zoneOffsetMinutes } from "../period.js";
import {
  budgetTable,
  cityTable,
  detailTable,
  gapsTable,
  monthlyTable,
  planTable,
  rankingTable,
  type CellKind,
  type Table,
} from "../tables.js";

export const NUMBER_FORMATS: Record<CellKind, string | undefined> = {
  text: undefined,
  mbps: "#,##0.0",
  ratio: "0.0%",
  idr: '"Rp" #,##0;[Red]-"Rp" #,##0',
  hours: "#,##0.0",
  int: "0",
  date: "dd/mm/yyyy hh:mm",
};

const HEADER_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDCE6F1" } };

/**
 * Spreadsheets hold dates without a zone: store the local wall time (WIB) so the cell shows what
 * the PDF shows.
 */
export function localDate(instant: Date, timeZone: string): Date {
  return new Date(instant.getTime() + zoneOffsetMinutes(instant, timeZone) * 60_000);
}

/** Write a table at `startRow`; returns the next free row. */
function writeTable(sheet: ExcelJS.Worksheet, table: Table, startRow: number, timeZone: string): number {
  const header = sheet.getRow(startRow);
  table.columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
    cell.alignment = { wrapText: true, vertical: "top" };
  });
  table.rows.forEach((row, r) => {
    const line = sheet.getRow(startRow + 1 + r);
    row.forEach((value, i) => {
      const cell = line.getCell(i + 1);
      cell.value = value instanceof Date ? localDate(value, timeZone) : value;
      const format = NUMBER_FORMATS[table.columns[i]!.kind];
      if (format && (typeof value === "number" || value instanceof Date)) cell.numFmt = format;
    });
  });
  return startRow + table.rows.length + 2;
}

function widths(sheet: ExcelJS.Worksheet, table: Table, first = 14): void {
  table.columns.forEach((c, i) => {
    sheet.getColumn(i + 1).width =
      c.kind === "text" ? (i < 3 ? 22 : first) : c.kind === "idr" || c.kind === "date" ? 18 : 13;
  });
}

function filterable(sheet: ExcelJS.Worksheet, table: Table): void {
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.columns.length } };
}

/** The RKA sheet's cells, exported for the test that recalculates them in LibreOffice. */
export const RKA_COLUMNS = { volume: "B", unitPrice: "D", amount: "E", today: "F", change: "G" } as const;

/**
 * One budget line per contract (uraian, volume, satuan, harga satuan, jumlah), the way an RKA is
 * written: jumlah = volume × harga satuan and the totals are formulas, with their values cached
 * so a reader that does not recalculate still shows them.
 */
function rkaSheet(book: ExcelJS.Workbook, report: Report, f: Formatter): void {
  const { t } = f;
  const sheet = book.addWorksheet(t.rka.sheet, { views: [{ state: "frozen", ySplit: 1 }] });
  const headers = [
    t.rka.uraian,
    t.rka.volume,
    t.rka.satuan,
    t.rka.hargaSatuan,
    t.rka.jumlah,
    t.todayCost,
    t.change,
    t.evidence,
  ];
  headers.forEach((h, i) => {
    const cell = sheet.getRow(1).getCell(i + 1);
    cell.value = h;
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
    cell.alignment = { wrapText: true, vertical: "top" };
  });
  const idr = NUMBER_FORMATS.idr!;
  const { volume, unitPrice, amount, today, change } = RKA_COLUMNS;
  report.budget.lines.forEach((l, i) => {
    const r = i + 2;
    const monthly = l.proposedYearlyCostIdr / 12;
    const row = sheet.getRow(r);
    row.getCell(1).value = t.rka.line(l.provider || l.name, l.proposedMbps ?? l.todayMbps, l.id);
    row.getCell(2).value = 12;
    row.getCell(3).value = t.rka.month;
    row.getCell(4).value = monthly;
    row.getCell(5).value = { formula: `${volume}${r}*${unitPrice}${r}`, result: l.proposedYearlyCostIdr };
    row.getCell(6).value = l.todayYearlyCostIdr;
    row.getCell(7).value = {
      formula: `${amount}${r}-${today}${r}`,
      result: l.proposedYearlyCostIdr - l.todayYearlyCostIdr,
    };
    row.getCell(8).value = l.evidence ? t.evidenceOk : t.rka.kept;
    for (const c of [4, 5, 6, 7]) row.getCell(c).numFmt = idr;
  });
  const last = report.budget.lines.length + 1;
  const total = sheet.getRow(last + 1);
  total.getCell(1).value = t.grandTotal;
  total.font = { bold: true };
  const sum = (col: string, result: number) => ({
    formula: last >= 2 ? `SUM(${col}2:${col}${last})` : "0",
    result,
  });
  total.getCell(5).value = sum(amount, report.budget.proposedYearlyCostIdr);
  total.getCell(6).value = sum(today, report.budget.todayYearlyCostIdr);
  total.getCell(7).value = sum(change, report.budget.changeIdr);
  for (const c of [5, 6, 7]) total.getCell(c).numFmt = idr;
  sheet.getCell(last + 3, 1).value = t.sharedNoPrice;
  sheet.getColumn(1).width = 60;
  for (let c = 2; c <= 8; c++) sheet.getColumn(c).width = c === 3 ? 9 : 20;
}

export async function renderXlsx(report: Report, f: Formatter): Promise<Buffer> {
  const { t } = f;
  const tz = report.timeZone;
  const book = new ExcelJS.Workbook();
  book.creator = "kapasitas";
  book.created = report.generatedAt;
  book.title = `${t.title} — ${f.period(report.period)}`;

  // Summary: what the report covers, how solid it is, the city proposal, the budget, the rankings.
  const summary = book.addWorksheet(t.sheetSummary);
  summary.getColumn(1).width = 48;
  const ev = report.evidence;
  const info: [string, string | number | Date, CellKind][] = [
    [t.organisation, report.organisation, "text"],
    [t.period, f.period(report.period), "text"],
    [t.measuredTo, report.lastSampleAt ?? report.measuredEnd, "date"],
    [t.generated, report.generatedAt, "date"],
    [t.source, report.source, "text"],
    [t.nextFiscalYear, t.fiscalYear(report.nextFiscalYear.year), "text"],
    [t.headroom, report.planning.headroom, "ratio"],
    [t.threshold, report.planning.saturation_threshold, "ratio"],
    [t.minCoverage, report.planning.min_coverage, "ratio"],
    [t.maxOverbooking, report.planning.max_overbooking, "mbps"],
    [
      t.evidenceLabel,
      ev.none
        ? t.nothingPasses
        : t.evidenceSummary(
            ev.opds.passed,
            ev.opds.total,
            ev.uplinks.passed,
            ev.uplinks.total,
            f.percent(ev.coverage, 0),
          ),
      "text",
    ],
  ];
  summary.getCell("A1").value = t.title;
  summary.getCell("A1").font = { bold: true, size: 14 };
  info.forEach(([k, v, kind], i) => {
    summary.getCell(i + 3, 1).value = k;
    summary.getCell(i + 3, 1).font = { bold: true };
    const cell = summary.getCell(i + 3, 2);
    cell.value = v instanceof Date ? localDate(v, tz) : v;
    const format = NUMBER_FORMATS[kind];
    if (format) cell.numFmt = kind === "mbps" ? "0.0#" : format;
  });
  let row = info.length + 4;
  const section = (title: string) => {
    summary.getCell(row, 1).value = title;
    summary.getCell(row++, 1).font = { bold: true, size: 12 };
  };
  section(t.cityTitle);
  row = writeTable(summary, cityTable(report, f), row, tz);
  section(t.budgetTitle);
  row = writeTable(summary, budgetTable(report, f), row, tz);
  summary.getCell(row - 1, 1).value = t.sharedNoPrice;
  row++;
  for (const [title, ids] of [
    [t.underProvisioned, report.ranking.underProvisioned],
    [t.overProvisioned, report.ranking.overProvisioned],
  ] as const) {
    section(title);
    row = writeTable(summary, rankingTable(report, ids, f), row, tz);
  }
  for (const [title, ids] of [
    [t.noData, report.ranking.noData],
    [t.noEvidence, report.ranking.noEvidence],
  ] as const) {
    if (ids.length === 0) continue;
    summary.getCell(row, 1).value = title;
    summary.getCell(row, 1).font = { bold: true };
    summary.getCell(row++, 2).value = ids.join(", ");
  }
  for (let c = 2; c <= 10; c++) summary.getColumn(c).width = 18;

  rkaSheet(book, report, f);

  const frozen = { views: [{ state: "frozen" as const, ySplit: 1, xSplit: 2 }] };
  const sheets: [string, Table][] = [
    [t.sheetPlan, planTable(report, f)],
    [t.sheetDetails, detailTable(report, f)],
    [t.sheetMonthly, monthlyTable(report, f)],
    [t.sheetGaps, gapsTable(report, f)],
  ];
  for (const [name, table] of sheets) {
    const sheet = book.addWorksheet(name, frozen);
    writeTable(sheet, table, 1, tz);
    widths(sheet, table);
    filterable(sheet, table);
  }
  book.getWorksheet(t.sheetMonthly)!.getColumn(2).width = 48; // full names

  // Prices and method: the tier list the proposal rounds to, and how every figure is made.
  const method = book.addWorksheet(t.sheetMethod);
  const tiers: Table = {
    columns: [
      { key: "mbps", header: "Mbps", kind: "mbps" },
      { key: "price", header: t.tierPrice, kind: "idr" },
      { key: "year", header: t.recommendedCost, kind: "idr" },
    ],
    rows: report.pricingTiers.map((tier) => [
      tier.mbps,
      tier.idr_per_mbps_month,
      tier.mbps * tier.idr_per_mbps_month * 12,
    ]),
  };
  method.getCell(1, 1).value = t.tiers;
  method.getCell(1, 1).font = { bold: true };
  let m = writeTable(method, tiers, 2, tz);
  method.getCell(m++, 1).value = t.methodology;
  method.getCell(m - 1, 1).font = { bold: true };
  for (const paragraph of t.methodologyText) {
    const cell = method.getCell(m++, 1);
    cell.value = paragraph;
    cell.alignment = { wrapText: true, vertical: "top" };
    method.mergeCells(m - 1, 1, m - 1, 6);
    method.getRow(m - 1).height = Math.ceil(paragraph.length / 110) * 15;
  }
  for (let c = 1; c <= 3; c++) method.getColumn(c).width = 22;

  return Buffer.from(await book.xlsx.writeBuffer());
}
