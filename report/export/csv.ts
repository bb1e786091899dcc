// CSV: one row per entity and direction, with the monthly p95 appended. Excel opens it with a
// double-click in either locale: Bahasa Indonesia uses `;` between fields and a decimal comma
// (Excel's id-ID list separator), English uses `,` and a decimal point. UTF-8 with a BOM, CRLF.
import type { Report } from "../engine.js";
import type { Formatter } from "../i18n.js";
import { detailTable, monthlyTable, type Cell, type CellKind } from "../tables.js";
import { isoInZone } from "./json.js";

const DIGITS: Record<CellKind, number> = { text: 0, mbps: 3, ratio: 2, idr: 0, hours: 2, int: 0, date: 0 };

export function csvDialect(lang: Formatter["lang"]): { separator: string; decimal: string } {
  return lang === "id" ? { separator: ";", decimal: "," } : { separator: ",", decimal: "." };
}

function field(
  cell: Cell,
  kind: CellKind,
  dialect: { separator: string; decimal: string },
  timeZone: string,
): string {
  if (cell === null) return "";
  if (cell instanceof Date) return isoInZone(cell, timeZone);
  if (typeof cell === "number") {
    // No thousands separators: spreadsheets read plain digits as numbers in every locale. Ratios
    // are written as percentages, as the XLSX shows them and the "%" headers say.
    const value = kind === "ratio" ? cell * 100 : cell;
    const text = String(Number(value.toFixed(DIGITS[kind])));
    return dialect.decimal === "." ? text : text.replace(".", dialect.decimal);
  }
  return /["\r\n]/.test(cell) || cell.includes(dialect.separator) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function renderCsv(report: Report, f: Formatter): Buffer {
  const dialect = csvDialect(f.lang);
  const details = detailTable(report, f);
  const monthly = monthlyTable(report, f);
  const monthColumns = monthly.columns.slice(3);
  const header = [
    ...details.columns.map((c) =>
      c.kind === "ratio" && !c.header.includes("%") ? `${c.header} (%)` : c.header,
    ),
    ...monthColumns.map((c) => `${f.t.monthlyP95} ${c.header}`),
  ];
  const tz = report.timeZone;
  const lines = [header.map((h) => field(h, "text", dialect, tz)).join(dialect.separator)];
  details.rows.forEach((row, i) => {
    const months = monthly.rows[i]!.slice(3);
    lines.push(
      [
        ...row.map((cell, c) => field(cell, details.columns[c]!.kind, dialect, tz)),
        ...months.map((cell) => field(cell, "mbps", dialect, tz)),
      ].join(dialect.separator),
    );
  });
  return Buffer.from(`\uFEFF${lines.join("\r\n")}\r\n`, "utf8");
}
