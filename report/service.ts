// One request → one or more report files: shared by the CLI and the HTTP API, so both refuse the
// same bad requests with the same reasons.
import type { Inventory } from "../core/schema.js";
import { buildReport, NoDataError, type Report } from "./engine.js";
import { isLang, type Lang } from "./lang.js";
import { DEFAULT_MAX_FISCAL_YEARS, resolvePeriod } from "./period.js";
import { ReportProblem, type ProblemCode, type ProblemParams } from "./problems.js";
import { PrometheusClient, PrometheusQueryError, PrometheusUnreachableError } from "./prometheus.js";
import { fileName, parseFormats, render, type Format } from "./render.js";

export interface ReportRequest {
  period?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  formats: string;
  lang?: string | undefined;
}

export interface ReportFile {
  name: string;
  format: Format;
  body: Buffer;
}

/** A request the caller can fix (HTTP 4xx, CLI exit 2). */
export class BadRequestError extends ReportProblem {
  override name = "BadRequestError";
  constructor(
    code: ProblemCode,
    params: ProblemParams,
    readonly status: 400 | 422,
  ) {
    super(code, params);
  }

  static from(problem: ReportProblem, status: 400 | 422): BadRequestError {
    return new BadRequestError(problem.code, problem.params, status);
  }
}

export interface ValidRequest {
  period: ReturnType<typeof resolvePeriod>;
  formats: Format[];
  lang: Lang;
}

/** Check everything that needs no Prometheus: period, formats, language. */
export function validateRequest(
  request: ReportRequest,
  inventory: Inventory,
  maxFiscalYears = DEFAULT_MAX_FISCAL_YEARS,
): ValidRequest {
  const lang = request.lang ?? "id";
  if (!isLang(lang)) throw new BadRequestError("unknown-lang", { lang }, 400);
  try {
    const formats = parseFormats(request.formats);
    const period = resolvePeriod(
      request,
      inventory.timezone,
      inventory.planning.fiscal_year_start_month,
      maxFiscalYears,
    );
    return { period, formats, lang };
  } catch (error) {
    if (error instanceof ReportProblem) throw BadRequestError.from(error, 400);
    throw error;
  }
}

export interface GenerateOptions {
  inventory: Inventory;
  prometheusUrl: string;
  now?: Date;
  concurrency?: number;
  /** How long one Prometheus request may take before the report gives up (default 120 s). */
  timeoutMs?: number;
  batchEntities?: number;
  /** false: the query API only (PrometheusClientOptions.remoteRead). */
  remoteRead?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Build the report once and render every requested format in memory: nothing is written yet. */
export async function generate(
  request: ValidRequest,
  options: GenerateOptions,
): Promise<{ report: Report; files: ReportFile[] }> {
  const client = new PrometheusClient({
    url: options.prometheusUrl,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.remoteRead === false ? { remoteRead: false } : {}),
  });
  let report: Report;
  try {
    report = await buildReport({
      inventory: options.inventory,
      period: request.period,
      client,
      ...(options.now ? { now: options.now } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.batchEntities ? { batchEntities: options.batchEntities } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    if (error instanceof NoDataError) throw BadRequestError.from(error, 422);
    throw error;
  }
  const files: ReportFile[] = [];
  for (const format of request.formats) {
    files.push({
      name: fileName(report, request.lang, format),
      format,
      body: await render(report, format, request.lang),
    });
  }
  return { report, files };
}

/** The reason to show a person, in their language. */
export function reasonOf(error: unknown, lang: Lang): string {
  if (error instanceof ReportProblem) return error.describe(lang);
  if (lang === "id" && error instanceof PrometheusUnreachableError) {
    return `Prometheus di ${error.url} tidak dapat dihubungi: ${error.reason}`;
  }
  if (lang === "id" && error instanceof PrometheusQueryError)
    return `Prometheus menolak kueri: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** HTTP status for an error: 4xx the caller can fix, 503 Prometheus down, 502 Prometheus refused. */
export function statusOf(error: unknown): number {
  if (error instanceof BadRequestError) return error.status;
  if (error instanceof PrometheusUnreachableError) return 503;
  if (error instanceof PrometheusQueryError) return 502;
  return 500;
}
