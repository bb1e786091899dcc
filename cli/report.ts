// `kapasitas report`: the capacity report from the command line.
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { InventoryError, loadInventoryOrThrow } from "../core/load.js";
import { stderrProgress } from "../report/progress.js";
import type { ReportFile } from "../report/service.js";

/** The report engine pulls in the XLSX and PDF writers: load it only when a report is asked for. */
type Service = typeof import("../report/service.js");

export const DEFAULT_PROMETHEUS_URL = "http://127.0.0.1:9090";

interface ReportOptions {
  inventory: string;
  period?: string;
  from?: string;
  to?: string;
  format: string;
  lang: string;
  prometheus: string;
  out: string;
  concurrency: string;
  timeout: string;
  maxYears: string;
  /** false with --no-remote-read. */
  remoteRead: boolean;
}

/** `--out` cannot be created or written: exit 4, with the reason, never a stack trace. */
export class OutputError extends Error {
  override name = "OutputError";
  constructor(
    readonly dir: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(
      `cannot write the report into ${dir}: ${cause.code ?? ""} ${describeErrno(cause)}`.replace(/\s+/g, " "),
    );
  }
}

function describeErrno(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "EACCES":
    case "EPERM":
      return "permission denied (choose another --out or fix its permissions)";
    case "ENOTDIR":
      return "a file is in the way (--out must be a directory)";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    case "EEXIST":
      return "a file with that name is in the way";
    default:
      return error.message;
  }
}

/** "30s", "2m", "90" (seconds) → ms; rejects anything else. */
export function parseTimeout(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match || Number(match[1]) <= 0)
    throw new Error(`--timeout: "${text}" is not a duration such as 30s or 2m`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? "s") as "ms" | "s" | "m"];
}

/**
 * Fail before an hour of Prometheus work if `--out` cannot be written: the nearest existing
 * ancestor must be a writable directory (nothing is created yet).
 */
export function checkWritable(dir: string): void {
  let probe = resolve(dir);
  for (;;) {
    try {
      const stat = statSync(probe);
      if (!stat.isDirectory()) {
        throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" }) as NodeJS.ErrnoException;
      }
      accessSync(probe, constants.W_OK | constants.X_OK);
      return;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code !== "ENOENT") throw new OutputError(dir, e);
      const parent = dirname(probe);
      if (parent === probe) throw new OutputError(dir, e);
      probe = parent;
    }
  }
}

/**
 * Write every file under a temporary name in the target directory, then rename them all:
 * a failure leaves no half-written report behind (rename is atomic within one file system).
 */
export function writeAtomically(dir: string, files: readonly ReportFile[]): string[] {
  const staged: { tmp: string; final: string }[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const tmp = join(dir, `.${file.name}.${process.pid}.tmp`);
      staged.push({ tmp, final: join(dir, file.name) });
      writeFileSync(tmp, file.body);
    }
    for (const { tmp, final } of staged) renameSync(tmp, final);
  } catch (error) {
    for (const { tmp } of staged) rmSync(tmp, { force: true });
    if ((error as NodeJS.ErrnoException).code) throw new OutputError(dir, error as NodeJS.ErrnoException);
    throw error;
  }
  return staged.map((s) => s.final);
}

async function runReport(options: ReportOptions, { generate, validateRequest }: Service): Promise<void> {
  const inventory = loadInventoryOrThrow(options.inventory);
  const timeoutMs = parseTimeout(options.timeout);
  checkWritable(options.out);
  const request = validateRequest(
    {
      period: options.period,
      from: options.from,
      to: options.to,
      formats: options.format,
      lang: options.lang,
    },
    inventory,
    Math.max(1, Number.parseInt(options.maxYears, 10) || 1),
  );
  const progress = stderrProgress("Prometheus");
  const started = Date.now();
  const { report, files } = await generate(request, {
    inventory,
    prometheusUrl: options.prometheus,
    concurrency: Math.max(1, Number.parseInt(options.concurrency, 10) || 3),
    timeoutMs,
    remoteRead: options.remoteRead,
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.done();
  if (report.unmatchedSeries.length > 0) {
    progress.note(
      `note: Prometheus has series the inventory does not list: ${report.unmatchedSeries.join(", ")}`,
    );
  }
  for (const path of writeAtomically(options.out, files)) console.log(path);
  progress.note(`report ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export function registerReportCommands(program: Command): void {
  program
    .command("report")
    .description(
      "capacity report for the APBD proposal: per OPD and uplink, from Prometheus, as XLSX, PDF, CSV and JSON",
    )
    .requiredOption("-i, --inventory <file>", "inventory YAML file")
    .option("-p, --period <period>", "fiscal year (2026), fiscal quarter (2026-Q1) or month (2026-03)")
    .option("--from <date>", "first day, YYYY-MM-DD (with --to)")
    .option("--to <date>", "last day, YYYY-MM-DD, inclusive (with --from)")
    .option("-f, --format <list>", "comma-separated: xlsx,pdf,csv,json", "xlsx,pdf,csv,json")
    .option("-l, --lang <lang>", "id (Bahasa Indonesia) or en", "id")
    .option(
      "--prometheus <url>",
      "Prometheus (or Thanos/Mimir/VictoriaMetrics) base URL",
      process.env.KAPASITAS_PROMETHEUS_URL ?? DEFAULT_PROMETHEUS_URL,
    )
    .option("-o, --out <dir>", "directory for the files", ".")
    .option("--concurrency <n>", "range queries in flight at once (query API only)", "3")
    .option(
      "--no-remote-read",
      "read series with the query API only, even from a Prometheus that serves remote read",
    )
    .option("--timeout <duration>", "give up on a Prometheus request after this long (30s, 2m)", "120s")
    .option(
      "--max-years <n>",
      "the longest period to read, in fiscal years",
      process.env.KAPASITAS_REPORT_MAX_YEARS ?? "3",
    )
    .action(async (options: ReportOptions) => {
      const service = await import("../report/service.js");
      try {
        await runReport(options, service);
      } catch (error) {
        if (error instanceof InventoryError) {
          console.error(error.message);
          process.exitCode = 1;
          return;
        }
        if (error instanceof OutputError) {
          console.error(`report: ${error.message}`);
          process.exitCode = 4;
          return;
        }
        if (error instanceof Error && error.message.startsWith("--timeout:")) {
          console.error(`report: ${error.message}`);
          process.exitCode = 2;
          return;
        }
        const status = service.statusOf(error);
        if (status === 500) throw error;
        console.error(`report: ${(error as Error).message}`);
        // 2: fix the request; 3: Prometheus is down or refused.
        process.exitCode = error instanceof service.BadRequestError ? 2 : 3;
      }
    });
}
