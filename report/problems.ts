// Why a report request was refused, in both languages: the CLI prints English, the web page shows
// the planner's language. Each refusal has a code (stable, for API clients) and a few parameters.
import type { Lang } from "./lang.js";

export type ProblemCode =
  | "not-a-date"
  | "not-calendar-date"
  | "no-month"
  | "bad-period"
  | "reversed"
  | "period-and-range"
  | "need-both"
  | "need-period"
  | "too-early"
  | "too-long"
  | "unknown-lang"
  | "unknown-format"
  | "one-format"
  | "not-started"
  | "no-data";

export type ProblemParams = Record<string, string>;

type Messages = Record<ProblemCode, (p: ProblemParams) => string>;

const en: Messages = {
  "not-a-date": (p) => `${p.what} must be a date written YYYY-MM-DD (got "${p.text}")`,
  "not-calendar-date": (p) => `${p.what} is not a calendar date: ${p.text}`,
  "no-month": (p) => `no month ${p.month} in "${p.text}"`,
  "bad-period": (p) =>
    `period must be a fiscal year (2026), a quarter (2026-Q1) or a month (2026-03); got "${p.text}"`,
  reversed: (p) => `the period is reversed: "to" (${p.to}) is before "from" (${p.from})`,
  "period-and-range": () => "give either a period or from/to, not both",
  "need-both": () => "give both from and to (YYYY-MM-DD, inclusive)",
  "need-period": () => "give a period (2026, 2026-Q1, 2026-03) or from and to dates",
  "too-early": (p) =>
    `the period ${p.text} starts before 1970-01-01: Prometheus holds nothing that old (years are read as written, 0050 is the year 50)`,
  "too-long": (p) =>
    `the period ${p.text} is longer than the limit of ${p.years} fiscal years: ask for a shorter period`,
  "unknown-lang": (p) => `unknown language "${p.lang}": choose id or en`,
  "unknown-format": (p) => `unknown format ${p.formats}: choose from ${p.known}`,
  "one-format": () => "ask for one format per download",
  "not-started": () => "the period has not started yet: there is nothing measured to report",
  "no-data": (p) => `Prometheus (${p.url}) holds no ${p.series} samples in this period`,
};

const id: Messages = {
  "not-a-date": (p) =>
    `${p.what === "from" ? "Tanggal awal" : "Tanggal akhir"} harus ditulis YYYY-MM-DD (tertulis "${p.text}")`,
  "not-calendar-date": (p) => `${p.text} bukan tanggal yang ada di kalender`,
  "no-month": (p) => `tidak ada bulan ${p.month} pada "${p.text}"`,
  "bad-period": (p) =>
    `periode harus berupa tahun anggaran (2026), triwulan (2026-Q1) atau bulan (2026-03); tertulis "${p.text}"`,
  reversed: (p) => `periode terbalik: tanggal akhir (${p.to}) sebelum tanggal awal (${p.from})`,
  "period-and-range": () => "pilih periode atau rentang tanggal, bukan keduanya",
  "need-both": () => "isi tanggal awal dan tanggal akhir (YYYY-MM-DD, keduanya termasuk)",
  "need-period": () => "pilih periode (2026, 2026-Q1, 2026-03) atau tanggal awal dan akhir",
  "too-early": (p) =>
    `periode ${p.text} dimulai sebelum 1970-01-01: Prometheus tidak menyimpan data setua itu (tahun dibaca apa adanya, 0050 adalah tahun 50)`,
  "too-long": (p) =>
    `periode ${p.text} melebihi batas ${p.years} tahun anggaran: pilih periode yang lebih pendek`,
  "unknown-lang": (p) => `bahasa "${p.lang}" tidak dikenal: pilih id atau en`,
  "unknown-format": (p) => `format ${p.formats} tidak dikenal: pilih ${p.known}`,
  "one-format": () => "satu format per unduhan",
  "not-started": () => "periode ini belum dimulai: belum ada yang terukur",
  "no-data": (p) => `Prometheus (${p.url}) tidak memiliki data ${p.series} pada periode ini`,
};

const MESSAGES: Record<Lang, Messages> = { id, en };

export function problemMessage(code: ProblemCode, params: ProblemParams, lang: Lang): string {
  return MESSAGES[lang][code](params);
}

/** Base for refusals that carry a code: the message is English; describe() gives either language. */
export class ReportProblem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly params: ProblemParams = {},
  ) {
    super(problemMessage(code, params, "en"));
    this.name = "ReportProblem";
  }

  describe(lang: Lang): string {
    return problemMessage(this.code, this.params, lang);
  }
}
