// One report built on a worker thread, so the collector's event loop keeps answering scrapes
// while a year of samples is read and figured. The worker gets a heap limit: a report that would
// take more memory fails on its own, with a message that says so, and the collector stays up.
// Failures cross the thread as plain data and become the same errors again on this side, so the
// HTTP statuses stay as service.ts decides them: a local failure is never blamed on Prometheus.
import type { Inventory } from "../core/schema.js";
import { startModuleWorker } from "../core/worker.js";
import type { Lang } from "./lang.js";
import { ReportProblem, type ProblemCode, type ProblemParams } from "./problems.js";
import { PrometheusQueryError, PrometheusUnreachableError } from "./prometheus.js";
import { BadRequestError, type ReportFile, type ValidRequest } from "./service.js";

export interface WorkerInput {
  request: ValidRequest;
  inventory: Inventory;
  prometheusUrl: string;
  now?: Date | undefined;
  concurrency?: number | undefined;
  batchEntities?: number | undefined;
}

export type WorkerFailure =
  | { kind: "bad-request"; code: ProblemCode; params: ProblemParams; status: 400 | 422 }
  | { kind: "unreachable"; url: string; reason: string }
  | { kind: "query"; message: string }
  | { kind: "internal"; message: string };

export type WorkerResult = { ok: true; files: ReportFile[] } | { ok: false; failure: WorkerFailure };

/** The report could not be built for a reason on this machine (memory, a crashed worker, a bug). */
export class ReportLocalError extends Error {
  constructor(
    readonly reason: "out-of-memory" | "worker-stopped" | "internal",
    /** The heap limit (out-of-memory) or what stopped it. */
    readonly detail: string,
  ) {
    super(localMessage(reason, detail, "en"));
    this.name = "ReportLocalError";
  }

  describe(lang: Lang): string {
    return localMessage(this.reason, this.detail, lang);
  }
}

function localMessage(reason: ReportLocalError["reason"], detail: string, lang: Lang): string {
  if (reason === "out-of-memory") {
    return lang === "id"
      ? `laporan kehabisan memori di collector (batasnya ${detail} MiB; bukan kesalahan Prometheus): pilih periode yang lebih pendek atau naikkan KAPASITAS_REPORT_HEAP_MB`
      : `the report ran out of memory on the collector (its limit is ${detail} MiB; not a Prometheus failure): ask for a shorter period or raise KAPASITAS_REPORT_HEAP_MB`;
  }
  if (reason === "worker-stopped") {
    return lang === "id"
      ? `proses pembuat laporan di collector berhenti (${detail}; bukan kesalahan Prometheus)`
      : `the report worker on the collector stopped (${detail}; not a Prometheus failure)`;
  }
  return lang === "id"
    ? `laporan gagal dibuat di collector: ${detail}`
    : `the report failed on the collector: ${detail}`;
}

/** An error as data that survives postMessage (pure). */
export function encodeFailure(error: unknown): WorkerFailure {
  if (error instanceof BadRequestError)
    return { kind: "bad-request", code: error.code, params: error.params, status: error.status };
  if (error instanceof PrometheusUnreachableError)
    return { kind: "unreachable", url: error.url, reason: error.reason };
  if (error instanceof PrometheusQueryError) return { kind: "query", message: error.message };
  if (error instanceof ReportProblem)
    return { kind: "bad-request", code: error.code, params: error.params, status: 400 };
  return { kind: "internal", message: error instanceof Error ? error.message : String(error) };
}

/** The error again, on the main thread (pure). */
export function decodeFailure(failure: WorkerFailure): Error {
  switch (failure.kind) {
    case "bad-request":
      return new BadRequestError(failure.code, failure.params, failure.status);
    case "unreachable":
      return new PrometheusUnreachableError(failure.url, { code: failure.reason });
    case "query":
      return new PrometheusQueryError(failure.message);
    case "internal":
      return new ReportLocalError("internal", failure.message);
  }
}

/**
 * The worker's young generation, MiB. V8's default (up to 3 × 16 MiB semi-spaces) lets the answers
 * from Prometheus pile up between scavenges; 8 MiB costs no measurable CPU for a fiscal year and
 * takes ~30 MB off the peak (BENCHMARKS.md, "Memory and a province").
 */
export const REPORT_YOUNG_GENERATION_MB = 8;

export interface BackgroundOptions extends Omit<WorkerInput, "request"> {
  /** The worker's heap limit (V8 old generation), MiB. */
  heapLimitMb: number;
}

/** Why a worker that sent no result ended (pure). */
export function workerEnded(
  error: unknown,
  exitCode: number | undefined,
  heapLimitMb: number,
): ReportLocalError {
  if ((error as { code?: unknown } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new ReportLocalError("out-of-memory", String(heapLimitMb));
  }
  if (error instanceof Error) return new ReportLocalError("worker-stopped", error.message);
  return new ReportLocalError("worker-stopped", `exit code ${exitCode ?? "?"}`);
}

/** Build the request's files on a worker thread. */
export function generateInBackground(
  request: ValidRequest,
  options: BackgroundOptions,
): Promise<ReportFile[]> {
  const { heapLimitMb, ...input } = options;
  const workerData: WorkerInput = { request, ...input };
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
    };
    let worker;
    try {
      worker = startModuleWorker(import.meta.url, "build-worker", {
        workerData,
        resourceLimits: {
          maxOldGenerationSizeMb: heapLimitMb,
          maxYoungGenerationSizeMb: REPORT_YOUNG_GENERATION_MB,
        },
      });
    } catch (error) {
      reject(workerEnded(error, undefined, heapLimitMb));
      return;
    }
    worker.once("message", (result: WorkerResult) =>
      settle(() => {
        if (result.ok) {
          // Buffers arrive as Uint8Arrays: wrap them again without copying.
          resolve(
            result.files.map((f) => ({
              ...f,
              body: Buffer.from(f.body.buffer, f.body.byteOffset, f.body.byteLength),
            })),
          );
        } else reject(decodeFailure(result.failure));
      }),
    );
    worker.once("error", (error) => settle(() => reject(workerEnded(error, undefined, heapLimitMb))));
    worker.once("exit", (code) => settle(() => reject(workerEnded(undefined, code, heapLimitMb))));
  });
}
