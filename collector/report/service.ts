// One request → one or more report files: shared by the CLI and the HTTP API, so both refuse the
// same bad requests with the same reasons.
import type { Inventory } from "../inventory/schema.js";
import { buildReport, NoDataError, type Report } from "./engine.js";
import { isLang, LANGS, type Lang } from "./i18n.js";
import { PeriodError, resolvePeriod } from "./period.js";
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
export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 422,
  ) {
    super(message);
    this.name = "BadRequestError";
  }
}

export interface ValidRequest {
  period: ReturnType<typeof resolvePeriod>;
  formats: Format[];
  lang: Lang;
}

/** Check everything that needs no Prometheus: period, formats, language. */
export function validateRequest(request: ReportRequest, inventory: Inventory): ValidRequest {
  const lang = request.lang ?? "id";
  if (!isLang(lang))
    throw new BadRequestError(`unknown language "${lang}": choose ${LANGS.join(" or ")}`, 400);
  let formats: Format[];
  try {
    formats = parseFormats(request.formats);
  } catch (error) {
    throw new BadRequestError((error as Error).message, 400);
  }
  try {
    const period = resolvePeriod(request, inventory.timezone, inventory.planning.fiscal_year_start_month);
    return { period, formats, lang };
  } catch (error) {
    if (error instanceof PeriodError) throw new BadRequestError(error.message, 400);
    throw error;
  }
}

export interface GenerateOptions {
  inventory: Inventory;
  prometheusUrl: string;
  now?: Date;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Build the report once and render every requested format in memory: nothing is written yet. */
export async function generate(
  request: ValidRequest,
  options: GenerateOptions,
): Promise<{ report: Report; files: ReportFile[] }> {
  const client = new PrometheusClient({ url: options.prometheusUrl });
  let report: Report;
  try {
    report = await buildReport({
      inventory: options.inventory,
      period: request.period,
      client,
      ...(options.now ? { now: options.now } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    if (error instanceof NoDataError) throw new BadRequestError(error.message, 422);
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

/** HTTP status for an error: 4xx the caller can fix, 503 Prometheus down, 502 Prometheus refused. */
export function statusOf(error: unknown): number {
  if (error instanceof BadRequestError) return error.status;
  if (error instanceof PrometheusUnreachableError) return 503;
  if (error instanceof PrometheusQueryError) return 502;
  return 500;
}
