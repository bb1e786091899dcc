// One report, four files. The format list is the one place the CLI and the HTTP API check against.
import type { Report } from "./engine.js";
import { renderCsv } from "./export/csv.js";
import { renderJson } from "./export/json.js";
import { formatter } from "./i18n.js";
import type { Lang } from "./lang.js";
import { ReportProblem } from "./problems.js";
import { routerOsScript } from "./proposal.js";

/** `rsc`: the allocation plan as a RouterOS script, for review (kapasitas never applies it). */
export const FORMATS = ["xlsx", "pdf", "csv", "json", "rsc"] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPES: Record<Format, string> = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pdf: "application/pdf",
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
  rsc: "text/plain; charset=utf-8",
};

export function isFormat(value: unknown): value is Format {
  return typeof value === "string" && (FORMATS as readonly string[]).includes(value);
}

/** `xlsx,pdf` → ["xlsx", "pdf"]; throws on an unknown format, naming the known ones. */
export function parseFormats(list: string): Format[] {
  const wanted = list
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !isFormat(w));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new ReportProblem("unknown-format", {
      formats: unknown.map((u) => `"${u}"`).join(", ") || "(none)",
      known: FORMATS.join(", "),
    });
  }
  return [...new Set(wanted as Format[])];
}

/** `laporan-kapasitas-2026-Q1.xlsx` / `capacity-report-2026-Q1.xlsx`: safe as a file name and in a header. */
export function fileName(report: Report, lang: Lang, format: Format): string {
  const base = lang === "id" ? "laporan-kapasitas" : "capacity-report";
  const spec = report.period.kind === "range" ? report.period.spec.replace("..", "_") : report.period.spec;
  return `${base}-${spec.replace(/[^0-9A-Za-z_-]/g, "-")}.${format}`;
}

export async function render(report: Report, format: Format, lang: Lang): Promise<Buffer> {
  const f = formatter(lang, report.timeZone);
  switch (format) {
    // exceljs and pdfkit (with its fonts) are loaded on first use: ~35 MB the collector's main
    // thread never needs, and a report worker loads only the writer of the format it renders.
    case "xlsx":
      return (await import("./export/xlsx.js")).renderXlsx(report, f);
    case "pdf":
      return (await import("./export/pdf.js")).renderPdf(report, f);
    case "csv":
      return renderCsv(report, f);
    case "json":
      return renderJson(report, f);
    case "rsc":
      return Buffer.from(
        routerOsScript(report.plan, [
          `kapasitas: ${f.t.planTitle} — ${f.period(report.period)} → ${f.t.fiscalYear(report.nextFiscalYear.year)}`,
          `${report.organisation}; ${f.t.generated} ${f.dateTime(report.generatedAt)} ${f.t.wib}`,
          "For review only: kapasitas never applies it. Check each line, then paste into the router's terminal.",
        ]),
        "utf8",
      );
  }
}
