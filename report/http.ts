// The report over HTTP, as an express router the collector mounts at /reports:
//   GET /reports                 the planner's page (Bahasa Indonesia; ?lang=en)
//   GET /reports/api?period=2026&format=xlsx&lang=id   (or from=YYYY-MM-DD&to=YYYY-MM-DD)
//       → the file, with Content-Disposition: attachment
// Errors are JSON {"error": "..."}: 400 bad request, 422 no data in the period, 502 Prometheus
// refused the query, 503 Prometheus unreachable or too many reports at once. The file is built
// in memory and sent whole, so a failed request never yields a half file.
import express, { type Request, type Response, type Router } from "express";
import type { Logger } from "pino";
import type { Inventory } from "../core/schema.js";
import { isLang, type Lang } from "./lang.js";
import { zonedDate } from "./period.js";
import { reportPage } from "./page.js";
import { CONTENT_TYPES } from "./render.js";
import { ReportProblem } from "./problems.js";
import { BadRequestError, generate, reasonOf, statusOf, validateRequest } from "./service.js";

export interface ReportRouterOptions {
  /** The inventory in force (the collector passes its current one, reloaded on SIGHUP). */
  inventory: Inventory | (() => Inventory);
  /** Prometheus base URL; default $KAPASITAS_PROMETHEUS_URL, then http://127.0.0.1:9090. */
  prometheusUrl?: string;
  logger?: Pick<Logger, "info" | "warn" | "error">;
  /** Reports built at once; more get 503 with Retry-After (a year takes seconds and ~100 MB). */
  maxConcurrent?: number;
  concurrency?: number;
  now?: () => Date;
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
  const maxConcurrent = options.maxConcurrent ?? 2;
  let running = 0;

  const fail = (res: Response, status: number, error: unknown, lang: Lang) => {
    const code = error instanceof ReportProblem ? error.code : status === 500 ? "internal" : "prometheus";
    const message =
      status === 500
        ? lang === "id"
          ? "laporan gagal dibuat (lihat log collector)"
          : "the report could not be built (see the collector's log)"
        : reasonOf(error, lang);
    res.status(status).type("application/json").json({ error: message, code });
  };

  router.get("/", (req: Request, res: Response) => {
    const lang: Lang = isLang(req.query.lang) ? req.query.lang : "id";
    const inventory = inventoryOf();
    const now = options.now?.() ?? new Date();
    res
      .status(200)
      .type("text/html; charset=utf-8")
      .send(
        reportPage({
          lang,
          apiPath: `${req.baseUrl}/api`,
          inventory,
          thisYear: zonedDate(now, inventory.timezone).year,
        }),
      );
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
      );
      if (request.formats.length !== 1) throw new BadRequestError("one-format", {}, 400);
    } catch (error) {
      fail(res, statusOf(error), error, uiLang);
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
      const { files } = await generate(request, {
        inventory,
        prometheusUrl,
        ...(options.now ? { now: options.now() } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
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
      if (status === 500) options.logger?.error({ err: error }, "report failed");
      else options.logger?.warn({ status, reason: (error as Error).message }, "report refused");
      fail(res, status, error, uiLang);
    } finally {
      running--;
    }
  });

  return router;
}

/** The name the collector's `kapasitas collect` looks for when it mounts optional routers. */
export const createReportRouter = reportRouter;
