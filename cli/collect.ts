// `kapasitas collect`: run the SNMP collector over an inventory.
//   SIGHUP  reload the inventory; an invalid file keeps the running one and logs every problem.
//   SIGTERM / SIGINT  stop accepting scrapes, let running polls finish, close sockets, exit 0.
import type { Server } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Command } from "commander";
import type { RequestHandler } from "express";
import pino, { type DestinationStream, type Logger } from "pino";
import { formatProblem, loadInventory } from "../core/load.js";
import { Fleet } from "../collector/poll/fleet.js";
import { parseShard, type Shard } from "../collector/poll/plan.js";
import { loadInBackground } from "../collector/poll/reload.js";
import { createApp, type MountedRouter } from "../collector/server.js";

export interface CollectOptions {
  inventory: string;
  listen: string;
  shard?: string;
  logLevel: string;
  concurrency: string;
  maxConcurrency: string;
  deviceConcurrency: string;
}

/** Longest a SIGTERM waits for scrapes in progress before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 15_000;
/** How long a SIGTERM lets running polls finish before it ends them. */
const SHUTDOWN_POLL_GRACE_MS = 3_000;

/** Paths pino must never print, wherever a config object ends up in a log line. */
export const REDACT_PATHS = [
  "community",
  "auth_key",
  "priv_key",
  "authKey",
  "privKey",
  "password",
  "*.community",
  "*.auth_key",
  "*.priv_key",
  "*.authKey",
  "*.privKey",
  "*.password",
  "snmp.community",
  "*.snmp.community",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "kapasitas-collector" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!m) throw new Error(`--listen must be host:port (e.g. 127.0.0.1:9105), got "${text}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen: port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return n;
}

/**
 * The capacity report's web routes (`/reports`), loaded on their first request: the report engine
 * pulls in the XLSX and PDF writers, which a collector that is only scraped never needs in memory.
 */
function reportRoutes(collector: () => Fleet, logger: Logger): MountedRouter {
  let router: Promise<RequestHandler> | undefined;
  const load = async (): Promise<RequestHandler> => {
    const { createReportRouter } = await import("../report/http.js");
    return createReportRouter({ inventory: () => collector().currentInventory(), logger });
  };
  return {
    path: "/reports",
    router: (req, res, next) => {
      (router ??= load()).then((handler) => handler(req, res, next), next);
    },
  };
}

export async function runCollector(
  options: CollectOptions,
): Promise<{ server: Server; stop: () => Promise<void> }> {
  const logger = createLogger(options.logLevel);
  const listen = parseListen(options.listen);
  const shard: Shard | undefined = options.shard ? parseShard(options.shard) : undefined;
  const concurrency = positiveInt("--concurrency", options.concurrency);
  const maxConcurrency = positiveInt("--max-concurrency", options.maxConcurrency);
  if (maxConcurrency < concurrency)
    throw new Error(`--max-concurrency (${maxConcurrency}) must be at least --concurrency (${concurrency})`);
  const loaded = loadInventory(options.inventory);
  if (!loaded.ok) {
    for (const p of loaded.problems) logger.error({ inventory: options.inventory }, formatProblem(p));
    throw new Error(`${loaded.problems.length} problem(s) in ${options.inventory}; not starting`);
  }
  const collector = new Fleet(loaded.inventory, {
    inventoryFile: options.inventory,
    logger,
    shard,
    globalConcurrency: concurrency,
    maxConcurrency,
    perDeviceConcurrency: positiveInt("--device-concurrency", options.deviceConcurrency),
  });
  let ready = false;
  const app = createApp({
    collector: () => collector,
    isReady: () => ready,
    routers: [reportRoutes(() => collector, logger)],
    logger,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(listen.port, listen.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : listen.port;
  ready = true;
  logger.info(
    { listen: `${listen.host}:${port}`, devices: collector.targets().length, shard: options.shard ?? "all" },
    "collector listening",
  );

  // One reload at a time; a SIGHUP during a reload asks for one more after it (the file may have
  // changed again), however many arrive.
  let reloading: Promise<void> | undefined;
  let again = false;
  const reload = async (): Promise<void> => {
    const started = performance.now();
    // The worst the reload held up the event loop: what a scrape during it may have waited.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    try {
      const result = await loadInBackground(options.inventory, collector.planDigests(), shard);
      if (!result.ok) {
        collector.reloadFailed();
        for (const p of result.problems) logger.error({ inventory: options.inventory }, formatProblem(p));
        logger.error(
          `${result.problems.length} problem(s): reload refused, the previous inventory stays in force`,
        );
        return;
      }
      const summary = await collector.reload(result.inventory, result.plans, result.gauges);
      logger.info(
        {
          devices: collector.targets().length,
          ...summary,
          seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
          event_loop_delay_max_ms: Number((delay.max / 1e6).toFixed(1)),
        },
        "inventory reloaded",
      );
    } finally {
      delay.disable();
    }
  };
  const onHup = () => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = reload()
      .catch((error: unknown) => {
        collector.reloadFailed();
        logger.error({ err: error }, "reload failed; the previous inventory stays in force");
      })
      .finally(() => {
        reloading = undefined;
        if (again) {
          again = false;
          onHup();
        }
      });
  };
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => {
      ready = false;
      logger.info("shutting down: finishing scrapes in progress");
      process.off("SIGHUP", onHup);
      // close() waits for in-flight requests; idle keep-alive sockets are closed at once. Polls
      // still running after a short grace are ended, so their scrapes answer and nothing holds
      // the exit (a device that never stops answering, say).
      const abort = setTimeout(() => collector.close(), SHUTDOWN_POLL_GRACE_MS);
      abort.unref();
      server.close(() => {
        clearTimeout(abort);
        collector.close();
        logger.info("stopped");
        resolve();
      });
      server.closeIdleConnections();
    }));
  process.on("SIGHUP", onHup);
  return { server, stop };
}

/**
 * `kapasitas poll DEVICE`: poll one device once, as a scrape would, and print its exposition; for
 * checking credentials and selectors from the command line before Prometheus is involved.
 * Exit status 1 when the device could not be polled.
 */
export async function pollOnce(inventoryFile: string, deviceId: string, logLevel: string): Promise<number> {
  const logger = createLogger(logLevel, pino.destination(2));
  const loaded = loadInventory(inventoryFile);
  if (!loaded.ok) {
    for (const p of loaded.problems) console.error(formatProblem(p));
    return 1;
  }
  const collector = new Fleet(loaded.inventory, { inventoryFile, logger });
  try {
    const result = await collector.scrape(deviceId);
    if (!result.ok) {
      console.error(result.message);
      return 1;
    }
    process.stdout.write(result.text);
    return /^snmp_device_up\{[^}]*\} 1$/m.test(result.text) ? 0 : 1;
  } finally {
    collector.close();
  }
}

export function registerCollectCommands(program: Command): void {
  program
    .command("poll")
    .description(
      "poll one device once and print what /snmp?target=<device> would return (a connectivity check)",
    )
    .requiredOption("--inventory <file>", "inventory YAML file")
    .argument("<device>", "device id from the inventory")
    .option("--log-level <level>", "pino log level, on stderr", process.env.LOG_LEVEL ?? "info")
    .action(async (device: string, opts: { inventory: string; logLevel: string }) => {
      process.exitCode = await pollOnce(opts.inventory, device, opts.logLevel);
    });
  program
    .command("collect")
    .description(
      "poll the inventory's devices over SNMP and serve /snmp?target=<device> and /metrics to Prometheus",
    )
    .requiredOption("--inventory <file>", "inventory YAML file")
    .option("--listen <host:port>", "address to listen on", "127.0.0.1:9105")
    .option(
      "--shard <k/n>",
      "serve only devices whose hashmod(device id, n) is k (0-based, like Prometheus hashmod)",
    )
    .option(
      "--concurrency <n>",
      "SNMP requests in flight across all devices to start with, and never fewer; raised from the measured load and round trip",
      "64",
    )
    .option("--max-concurrency <n>", "the most SNMP requests in flight across all devices", "1024")
    .option("--device-concurrency <n>", "SNMP requests in flight to one device", "4")
    .option(
      "--log-level <level>",
      "pino log level (default: $LOG_LEVEL or info)",
      process.env.LOG_LEVEL ?? "info",
    )
    .action(async (opts: CollectOptions) => {
      const { stop } = await runCollector(opts);
      const shutdown = () => {
        // Polls are bounded by their timeouts; this only guards against the unforeseen.
        setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
        void stop().then(() => process.exit(0));
      };
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
    });
}
