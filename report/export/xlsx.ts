// XLSX: Ringkasan/Summary, Rincian/Details, Bulanan/Monthly. Numbers are stored as numbers with
// number formats (Excel shows them in the reader's locale: 1.234,5 in Indonesian), headers frozen.
import ExcelJS from "exceljs";
import type { Report } from "../engine.js";
import type { Formatter } from "../i18n.js";
import {
  detailTable,
  monthlyTable,
  rankingTable,
  totalsTable,
  type CellKind,
  type Table,
} from "../tables.js";
import { isoInZone } from "./json.js";

export const NUMBER_FORMATS: Record<CellKind, string | undefined> = {
  text: undefined,
  mbps: "#,##0.0",
  ratio: "0.0%",
  idr: '"Rp" #,##0;[Red]-"Rp" #,##0',
  hours: "#,##0.0",
  int: "0",
};

const HEADER_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDCE6F1" } };

/** Write a table at `startRow`; returns the next free row. */
function writeTable(sheet: ExcelJS.Worksheet, table: Table, startRow: number): number {
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
      cell.value = value;
      const format = NUMBER_FORMATS[table.columns[i]!.kind];
      if (format && typeof value === "number") cell.numFmt = format;
    });
  });
  return startRow + table.rows.length + 2;
}

function widths(sheet: ExcelJS.Worksheet, table: Table, first = 14): void {
  table.columns.forEach((c, i) => {
    sheet.getColumn(i + 1).width = c.kind === "text" ? (i < 3 ? 22 : first) : c.kind === "idr" ? 18 : 13;
  });
}

export async function renderXlsx(report: Report, f: Formatter): Promise<Buffer> {
  const { t } = f;
  const book = new ExcelJS.Workbook();
  book.creator = "kapasitas";
  book.created = report.generatedAt;
  book.title = `${t.title} — ${f.period(report.period)}`;

  // Summary: what the report covers, city totals, the rankings.
  const summary = book.addWorksheet(t.sheetSummary);
  summary.getColumn(1).width = 34;
  const info: [string, string][] = [
    [t.organisation, report.organisation],
    [t.period, f.period(report.period)],
    [t.measuredTo, f.dateTime(report.measuredEnd)],
    [t.generated, isoInZone(report.generatedAt, report.timeZone)],
    [t.source, report.source],
    [t.nextFiscalYear, t.fiscalYear(report.nextFiscalYear.year)],
    [t.headroom, f.percent(report.planning.headroom, 0)],
    [t.threshold, f.percent(report.planning.saturation_threshold, 0)],
  ];
  summary.getCell("A1").value = t.title;
  summary.getCell("A1").font = { bold: true, size: 14 };
  info.forEach(([k, v], i) => {
    summary.getCell(i + 3, 1).value = k;
    summary.getCell(i + 3, 1).font = { bold: true };
    summary.getCell(i + 3, 2).value = v;
  });
  let row = info.length + 4;
  summary.getCell(row++, 1).value = t.totals;
  const totals = totalsTable(report, f);
  totals.columns[0]!.header = t.totals;
  row = writeTable(summary, totals, row);
  for (const [title, ids] of [
    [t.underProvisioned, report.ranking.underProvisioned],
    [t.overProvisioned, report.ranking.overProvisioned],
  ] as const) {
    summary.getCell(row, 1).value = title;
    summary.getCell(row++, 1).font = { bold: true };
    row = writeTable(summary, rankingTable(report, ids, f), row);
  }
  if (report.ranking.noData.length > 0) {
    summary.getCell(row, 1).value = t.noData;
    summary.getCell(row, 1).font = { bold: true };
    summary.getCell(row, 2).value = report.ranking.noData.join(", ");
  }
  for (let c = 2; c <= 9; c++) summary.getColumn(c).width = 18;

  // Details: one row per entity and direction.
  const details = detailTable(report, f);
  const detailSheet = book.addWorksheet(t.sheetDetails, {
    views: [{ state: "frozen", ySplit: 1, xSplit: 3 }],
  });
  writeTable(detailSheet, details, 1);
  widths(detailSheet, details);
  detailSheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: details.columns.length } };

  // Monthly: p95 per month.
  const monthly = monthlyTable(report, f);
  const monthlySheet = book.addWorksheet(t.sheetMonthly, {
    views: [{ state: "frozen", ySplit: 1, xSplit: 3 }],
  });
  writeTable(monthlySheet, monthly, 1);
  widths(monthlySheet, monthly);

  return Buffer.from(await book.xlsx.writeBuffer());
}
