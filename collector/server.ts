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

/**
 * The header is clamped to this range: below a second no SNMP poll can be promised (a scraper that
 * sends 0.001 gets the time a healthy device needs, not a failure it did not cause), and above an
 * hour the value means "no hurry" (a poll never outlives its poll interval anyway).
 */
export const SCRAPE_TIMEOUT_RANGE_SECONDS = { min: 1, max: 3600 } as const;

/** The time a scrape may take, from Prometheus's header (as snmp_exporter does); none without it. */
export function scrapeBudgetMs(header: string | undefined): number | undefined {
  const given = Number(header);
  if (!header || !Number.isFinite(given) || given <= 0) return undefined;
  const { min, max } = SCRAPE_TIMEOUT_RANGE_SECONDS;
  const seconds = Math.min(Math.max(given, min), max);
  return Math.max(seconds - SCRAPE_TIMEOUT_MARGIN_SECONDS, seconds / 2) * 1000;
}

/** The methods every route of the collector answers; others get 405 with this Allow header. */
const ALLOWED_METHODS = "GET, HEAD";

/** The one `target` of a scrape, or why the request is refused (pure). */
export function targetOf(query: unknown): { ok: true; target: string } | { ok: false; message: string } {
  if (Array.isArray(query))
    return {
      ok: false,
      message: `target given ${query.length} times; give exactly one ?target=<device id>`,
    };
  if (typeof query !== "string" || query === "") return { ok: false, message: "missing ?target=<device id>" };
  return { ok: true, target: query };
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
  // Every answer: no MIME sniffing, no framing, no referrer, nothing loaded from anywhere (a mounted
  // page that needs more, like the report's, sets its own Content-Security-Policy).
  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    next();
  });

  // HEAD answers what a GET would start with, without polling the device.
  app.head("/snmp", (req, res) => {
    const wanted = targetOf(req.query.target);
    const known = wanted.ok && options.collector().targets().includes(wanted.target);
    res
      .status(!wanted.ok ? 400 : known ? 200 : 404)
      .type(known ? EXPOSITION_CONTENT_TYPE : "text/plain")
      .end();
  });

  app.get("/snmp", async (req, res, next) => {
    const wanted = targetOf(req.query.target);
    if (!wanted.ok) {
      res.status(400).type("text/plain").send(`${wanted.message}\n`);
      return;
    }
    const target = wanted.target;
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

  // The collector's own routes take GET (and HEAD) only: anything else is 405, not 404.
  app.all(["/snmp", "/metrics", "/healthz", "/ready", "/"], (_req, res) => {
    res.status(405).set("Allow", ALLOWED_METHODS).type("text/plain").send("method not allowed\n");
  });

  for (const mounted of options.routers ?? []) app.use(mounted.path, mounted.router);

  // express's own 404 would replace the Content-Security-Policy above with a weaker one.
  app.use((_req, res) => void res.status(404).type("text/plain").send("not found\n"));

  // Last: an unexpected error is logged and answered 500 without a stack trace.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    options.logger?.error({ path: req.path, err: error }, "request failed");
    res.status(500).type("text/plain").send("internal error\n");
  });
  return app;
}
