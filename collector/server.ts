// The collector's HTTP face, the way Prometheus exporters are laid out:
//   /snmp?target=<device-id>  poll that device now and return its series (multi-target pattern)
//   /metrics                  the collector's own health and the inventory gauges
//   /healthz, /ready          liveness and readiness
// Other parts mount their routers through `routers` (e.g. the capacity report under /reports).
import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import type { Logger } from "pino";
import { acceptsGzip, encodeBody, type FixedBlock } from "./compress.js";
import type { Fleet } from "./poll/fleet.js";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Prometheus tells every target how long it will wait for the scrape. */
export const SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds";
/** Answer this much before Prometheus's deadline, so the answer (device down) still arrives. */
export const SCRAPE_TIMEOUT_MARGIN_SECONDS = 0.5;

/** The time a scrape may take, from Prometheus's header (as snmp_exporter does); none without it. */
export function scrapeBudgetMs(header: string | undefined): number | undefined {
  const seconds = Number(header);
  if (!header || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.max(seconds - SCRAPE_TIMEOUT_MARGIN_SECONDS, seconds / 2) * 1000;
}

export interface MountedRouter {
  path: string;
  /** An express Router, or any handler (e.g. one that loads its router on first use). */
  router: RequestHandler;
}

export interface AppOptions {
  collector: () => Fleet;
  /** False while starting or shutting down: /ready answers 503. */
  isReady: () => boolean;
  routers?: MountedRouter[];
  logger?: Logger;
}

/**
 * The hot path of every scrape: gzip when asked (on the thread pool), no ETag (express would SHA-1
 * every body), no Buffer copy through res.send. `fixed`: blocks sent after the text, compressed once.
 */
async function sendExposition(
  req: Request,
  res: Response,
  contentType: string,
  text: string,
  fixed: readonly FixedBlock[] = [],
): Promise<void> {
  const { parts, length, encoding } = await encodeBody(text, fixed, acceptsGzip(req.get("Accept-Encoding")));
  res.writeHead(200, {
    "Content-Type": contentType,
    "Content-Length": length,
    "Cache-Control": "no-store",
    Vary: "Accept-Encoding",
    ...(encoding && { "Content-Encoding": encoding }),
  });
  for (const part of parts) res.write(part);
  res.end();
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  // Scrapes are never conditional requests: ETags only cost a hash of every body.
  app.set("etag", false);

  app.get("/snmp", async (req, res, next) => {
    const target = typeof req.query.target === "string" ? req.query.target : "";
    if (!target) {
      res.status(400).type("text/plain").send("missing ?target=<device id>\n");
      return;
    }
    try {
      const result = await options.collector().scrape(target, scrapeBudgetMs(req.get(SCRAPE_TIMEOUT_HEADER)));
      if (!result.ok) {
        res.status(result.status).type("text/plain").send(`${result.message}\n`);
        return;
      }
      await sendExposition(req, res, EXPOSITION_CONTENT_TYPE, result.text);
    } catch (error) {
      next(error);
    }
  });

  app.get("/metrics", async (req, res, next) => {
    try {
      const fleet = options.collector();
      // prom-client prints NaN as "Nan" (event-loop lag before its first sample); Prometheus reads
      // either, stricter parsers only the canonical spelling.
      const text = (await fleet.registry.metrics()).replace(/ Nan$/gm, " NaN");
      await sendExposition(req, res, fleet.registry.contentType, text, fleet.inventoryGauges());
    } catch (error) {
      next(error);
    }
  });

  app.get("/healthz", (_req, res) => {
    res.status(200).type("text/plain").send("ok\n");
  });

  app.get("/ready", (_req, res) => {
    if (options.isReady()) res.status(200).type("text/plain").send("ready\n");
    else res.status(503).type("text/plain").send("not ready\n");
  });

  app.get("/", (_req, res) => {
    const targets = options.collector().targets();
    res
      .status(200)
      .type("text/plain")
      .send(
        [
          "kapasitas collector",
          "",
          "/snmp?target=<device id>   poll one device (Prometheus multi-target pattern)",
          "/metrics                   collector health and inventory gauges",
          ...(options.routers ?? []).map((r) => `${r.path.padEnd(27)}mounted`),
          "",
          `devices: ${targets.join(", ")}`,
          "",
        ].join("\n"),
      );
  });

  for (const mounted of options.routers ?? []) app.use(mounted.path, mounted.router);

  // Last: an unexpected error is logged and answered 500 without a stack trace.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    options.logger?.error({ path: req.path, err: error }, "request failed");
    res.status(500).type("text/plain").send("internal error\n");
  });
  return app;
}
