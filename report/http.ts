// The report over HTTP, as an express router the collector mounts at /reports:
//   GET /reports                 the planner's page (Bahasa Indonesia; ?lang=en)
//   GET /reports/api?period=2026&format=xlsx&lang=id   (or from=YYYY-MM-DD&to=YYYY-MM-DD)
//       → the file, with Content-Disposition: attachment
// The page opens on the newest period holding data and shows which months hold data
// (availability.ts: the window read once, then only its newest days; cached for a minute).
// Errors are JSON {"error": "...", "detail": "...", "code": "..."}: `error` in plain words (no
// metric name, no PromQL), `detail` the technical reason behind the page's "Detail" toggle. 400 bad request (a period longer than the limit included), 422
// no data in the period, 429 too many requests from one client, 500 a local failure (out of
// memory, the worker stopped: the message says so), 502 Prometheus refused the query, 503
// Prometheus unreachable or too many reports at once. The file is built on a worker thread
// (background.ts), so scrapes are answered meanwhile, and sent whole: no half files.
import express, { type Request, type Response, type Router } from "express";
import type { Logger } from "pino";
import type { Inventory } from "../core/schema.js";
import { createHash } from "node:crypto";
import {
  AvailabilityTracker,
  availabilityWindow,
  fetchAvailableDays,
  noDataSentence,
  type Availability,
} from "./availability.js";
import { generateInBackground, ReportLocalError } from "./background.js";
import { formatter } from "./i18n.js";
import { isLang, type Lang } from "./lang.js";
import { DEFAULT_MAX_FISCAL_YEARS, zonedDate, type Period } from "./period.js";
import { PrometheusClient, PrometheusQueryError, PrometheusUnreachableError } from "./prometheus.js";
import { clientOf, RateLimiter, type RateLimitOptions } from "./rate-limit.js";
import { reportPage } from "./page.js";
import { CONTENT_TYPES } from "./render.js";
import { ReportProblem } from "./problems.js";
import { BadRequestError, reasonOf, statusOf, validateRequest } from "./service.js";

export interface ReportRouterOptions {
  /** The inventory in force (the collector passes its current one, reloaded on SIGHUP). */
  inventory: Inventory | (() => Inventory);
  /** Prometheus base URL; default $KAPASITAS_PROMETHEUS_URL, then http://127.0.0.1:9090. */
  prometheusUrl?: string;
  logger?: Pick<Logger, "info" | "warn" | "error">;
  /** Reports built at once; more get 503 with Retry-After (each is a worker thread of its own). */
  maxConcurrent?: number;
  concurrency?: number;
  now?: () => Date;
  /** The longest period served; default $KAPASITAS_REPORT_MAX_YEARS, then 3 fiscal years. */
  maxFiscalYears?: number;
  /** The report worker's heap limit, MiB; default $KAPASITAS_REPORT_HEAP_MB, then 128. */
  heapLimitMb?: number;
  /** Reports per client; default 6 at once, then 6 a minute. */
  rateLimit?: RateLimitOptions;
  /** Entities read from Prometheus at once (engine.ts BATCH_ENTITIES by default). */
  batchEntities?: number;
  /** The longest the page waits to learn which days hold data (default 10 s); then it opens without. */
  availabilityWaitMs?: number;
}

/** A report worker's default heap: the collector's container has 256 MB in all (docs/security.md). */
export const DEFAULT_REPORT_HEAP_MB = 128;

function positiveNumber(text: string | undefined, what: string): number | undefined {
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${what} must be a whole number >= 1 (got "${text}")`);
  return value;
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/**
 * The page's Content-Security-Policy: nothing but its own inline script and style (by hash), calls
 * to its own API, and no framing (pure: from the HTML as rendered).
 */
export function pageCsp(html: string): string {
  const inline = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => sha256(m[1]!));
  const scripts = inline("script");
  const styles = inline("style");
  return [
    "default-src 'none'",
    `script-src ${scripts.length > 0 ? scripts.join(" ") : "'none'"}`,
    `style-src ${styles.length > 0 ? styles.join(" ") : "'none'"}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** How long the page trusts its answer about which days hold data. */
const AVAILABILITY_TTL_MS = 60_000;
/** Each availability query's own timeout, and by default the longest the page waits for the answer. */
const AVAILABILITY_TIMEOUT_MS = 10_000;
/** How often the whole window is read again, for history imported since (import, backfill). */
const AVAILABILITY_FULL_READ_MS = 60 * 60_000;
/** The fiscal years the page offers (and asks Prometheus about). */
const PAGE_YEARS = 3;

interface AvailabilityAnswer {
  availability: Availability | null;
  /** Why it is null, in English (the "Detail" toggle). */
  detail?: string;
}

function single(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** RFC 6266: an ASCII fallback and the UTF-8 name (ours are ASCII already). */
function contentDisposition(name: string): string {
  return `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function reportRouter(options: ReportRouterOptions): Router {
  const router = express.Router();
  const inventoryOf =
    typeof options.inventory === "function" ? options.inventory : () => options.inventory as Inventory;
  const prometheusUrl =
    options.prometheusUrl ?? process.env.KAPASITAS_PROMETHEUS_URL ?? "http://127.0.0.1:9090";
  const maxConcurrent = options.maxConcurrent ?? 1;
  const maxFiscalYears =
    options.maxFiscalYears ??
    positiveNumber(process.env.KAPASITAS_REPORT_MAX_YEARS, "KAPASITAS_REPORT_MAX_YEARS") ??
    DEFAULT_MAX_FISCAL_YEARS;
  const heapLimitMb =
    options.heapLimitMb ??
    positiveNumber(process.env.KAPASITAS_REPORT_HEAP_MB, "KAPASITAS_REPORT_HEAP_MB") ??
    DEFAULT_REPORT_HEAP_MB;
  const availabilityWaitMs = options.availabilityWaitMs ?? AVAILABILITY_TIMEOUT_MS;
  const limiter = new RateLimiter(options.rateLimit ?? { burst: 6, perMinute: 6 });
  let running = 0;

  const tracker = new AvailabilityTracker(
    (window, fromDay, onPiece) =>
      fetchAvailableDays(
        new PrometheusClient({ url: prometheusUrl, timeoutMs: AVAILABILITY_TIMEOUT_MS }),
        window,
        fromDay,
        onPiece,
      ),
    AVAILABILITY_FULL_READ_MS,
  );
  let availabilityCache: { at: number; answer: Promise<AvailabilityAnswer> } | undefined;
  const availabilityNow = (inventory: Inventory, now: Date): Promise<AvailabilityAnswer> => {
    if (availabilityCache && Date.now() - availabilityCache.at < AVAILABILITY_TTL_MS)
      return availabilityCache.answer;
    const answer = (async (): Promise<AvailabilityAnswer> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const window = availabilityWindow(
          now,
          inventory.timezone,
          inventory.planning.fiscal_year_start_month,
          PAGE_YEARS,
        );
        const refresh = tracker.refresh(window, inventory.timezone, Date.now());
        refresh.catch(() => undefined); // a read the page stopped waiting for may fail unwatched
        const late = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), availabilityWaitMs);
        });
        const availability = await Promise.race([refresh, late]);
        if (availability) return { availability };
        // The first whole read of a large store: the page opens now, the read goes on.
        const { read, of } = tracker.piecesRead;
        return {
          availability: null,
          detail: `still reading which days hold data (${read} of ${of} queries done); reload the page in a minute`,
        };
      } catch (error) {
        return { availability: null, detail: reasonOf(error, "en") };
      } finally {
        clearTimeout(timer);
      }
    })();
    const entry = { at: Date.now(), answer };
    availabilityCache = entry;
    // A failure is asked again soon, not in a minute: Prometheus may be back.
    void answer.then((a) => {
      if (!a.availability) entry.at = Date.now() - AVAILABILITY_TTL_MS + 5_000;
    });
    return answer;
  };

  const fail = async (res: Response, status: number, error: unknown, lang: Lang, period?: Period) => {
    const inventory = inventoryOf();
    const w = formatter(lang, inventory.timezone).t.web;
    if (error instanceof ReportLocalError) {
      res.status(500).json({ error: error.describe(lang), code: error.reason });
      return;
    }
    const code = error instanceof ReportProblem ? error.code : status === 500 ? "internal" : "prometheus";
    let message: string;
    let detail: string | undefined;
    if (error instanceof ReportProblem && (code === "no-data" || code === "not-started") && period) {
      // The period asked for and where the data is, in words; the series and the URL in the detail.
      const { availability } = await availabilityNow(inventory, options.now?.() ?? new Date());
      message = noDataSentence(
        period,
        availability,
        formatter(lang, inventory.timezone),
        code === "not-started",
      );
      detail = error.describe("en");
    } else if (error instanceof PrometheusUnreachableError) {
      message = w.unreachable;
      detail = reasonOf(error, "en");
    } else if (error instanceof PrometheusQueryError) {
      message = w.refused;
      detail = reasonOf(error, "en");
    } else if (status === 500) {
      message = w.failedLocal;
      detail = lang === "id" ? "lihat log collector" : "see the collector's log";
    } else message = reasonOf(error, lang);
    res
      .status(status)
      .type("application/json")
      .json({ error: message, ...(detail === undefined ? {} : { detail }), code });
  };

  router.get("/", async (req: Request, res: Response) => {
    const lang: Lang = isLang(req.query.lang) ? req.query.lang : "id";
    const inventory = inventoryOf();
    const now = options.now?.() ?? new Date();
    const { availability, detail } = await availabilityNow(inventory, now);
    const html = reportPage({
      lang,
      apiPath: `${req.baseUrl}/api`,
      inventory,
      thisYear: zonedDate(now, inventory.timezone).year,
      availability,
      ...(detail === undefined ? {} : { availabilityDetail: detail }),
    });
    res
      .status(200)
      .set("Content-Security-Policy", pageCsp(html))
      .set("Cache-Control", "no-store")
      .type("text/html; charset=utf-8")
      .send(html);
  });

  router.get("/api", async (req: Request, res: Response) => {
    const inventory = inventoryOf();
    // Refusals are worded in the report's language when it is a known one, else Indonesian.
    const uiLang: Lang = isLang(req.query.lang) ? req.query.lang : "id";
    let request;
    try {
      request = validateRequest(
        {
          period: single(req.query.period),
          from: single(req.query.from),
          to: single(req.query.to),
          formats: single(req.query.format) ?? "",
          lang: single(req.query.lang),
        },
        inventory,
        maxFiscalYears,
      );
      if (request.formats.length !== 1) throw new BadRequestError("one-format", {}, 400);
    } catch (error) {
      await fail(res, statusOf(error), error, uiLang);
      return;
    }
    const admission = limiter.admit(
      clientOf(req.get("x-forwarded-for"), req.socket.remoteAddress),
      Date.now(),
    );
    if (!admission.ok) {
      res.set("Retry-After", String(admission.retryAfterSeconds));
      res.status(429).json({
        error:
          uiLang === "id"
            ? `terlalu banyak permintaan laporan; coba lagi dalam ${admission.retryAfterSeconds} detik`
            : `too many report requests; try again in ${admission.retryAfterSeconds} s`,
        code: "rate-limited",
      });
      return;
    }
    if (running >= maxConcurrent) {
      res.set("Retry-After", "10");
      res.status(503).json({
        error:
          uiLang === "id"
            ? `${running} laporan sedang dibuat; coba lagi beberapa detik lagi`
            : `${running} reports are being built; try again in a few seconds`,
        code: "busy",
      });
      return;
    }
    running++;
    const started = Date.now();
    try {
      const files = await generateInBackground(request, {
        inventory,
        prometheusUrl,
        heapLimitMb,
        now: options.now?.(),
        concurrency: options.concurrency,
        batchEntities: options.batchEntities,
      });
      const file = files[0]!;
      options.logger?.info(
        {
          period: request.period.spec,
          format: file.format,
          ms: Date.now() - started,
          bytes: file.body.length,
        },
        "report served",
      );
      res
        .status(200)
        .set("Content-Type", CONTENT_TYPES[file.format])
        .set("Content-Disposition", contentDisposition(file.name))
        .set("Cache-Control", "no-store")
        .send(file.body);
    } catch (error) {
      const status = statusOf(error);
      if (error instanceof ReportLocalError)
        options.logger?.error({ reason: error.reason, detail: error.detail }, "report failed");
      else if (status === 500) options.logger?.error({ err: error }, "report failed");
      else options.logger?.warn({ status, reason: (error as Error).message }, "report refused");
      await fail(res, status, error, uiLang, request.period);
    } finally {
      running--;
    }
  });

  return router;
}

/** The name the collector's `kapasitas collect` looks for when it mounts optional routers. */
export const createReportRouter = reportRouter;
