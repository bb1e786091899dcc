// A small client for Prometheus's HTTP query API (/api/v1/query, /api/v1/query_range): nothing
// beyond what Thanos, Mimir and VictoriaMetrics also serve, so the report runs against any of them.

import { readMatrix, type SampleSink } from "./matrix.js";

export type Labels = Record<string, string>;

/** Prometheus cannot be reached at all (refused, DNS, timeout): the caller answers 503. */
export class PrometheusUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`Prometheus at ${url} cannot be reached: ${describeCause(cause)}`);
    this.name = "PrometheusUnreachableError";
  }
}

/** Prometheus answered, but with an error (bad query, limits, 5xx): the caller answers 502. */
export class PrometheusQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrometheusQueryError";
  }
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (inner?.code) return inner.code;
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/** Prometheus refuses a range query that would return more than 11,000 points per series. */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface RangeChunk {
  /** First evaluation timestamp (unix seconds), inclusive. */
  startS: number;
  /** Last evaluation timestamp (unix seconds), inclusive. */
  endS: number;
}

/** Split evaluation timestamps startS, startS+step, ..., endS into queries of at most maxPoints. */
export function chunkRange(startS: number, endS: number, stepS: number, maxPoints = 10_000): RangeChunk[] {
  const chunks: RangeChunk[] = [];
  for (let s = startS; s <= endS; s += maxPoints * stepS) {
    chunks.push({ startS: s, endS: Math.min(endS, s + (maxPoints - 1) * stepS) });
  }
  return chunks;
}

/** Run tasks with at most `limit` in flight; results keep the tasks' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface MatrixSeries {
  metric: Labels;
  values: [number, string][];
}

export interface VectorSample {
  metric: Labels;
  value: [number, string];
}

interface ApiResponse<T> {
  status: "success" | "error";
  data?: { resultType: string; result: T };
  errorType?: string;
  error?: string;
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://127.0.0.1:9090 or a Thanos/Mimir query frontend's prefix. */
  url: string;
  /** Per request. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class PrometheusClient {
  /** The base URL without credentials: safe for messages and the report's "source" line. */
  readonly url: string;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: PrometheusClientOptions) {
    const parsed = new URL(options.url);
    // http://user:pass@host/ becomes basic auth; the credentials never appear in a message.
    this.authorization =
      parsed.username || parsed.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64")}`
        : undefined;
    parsed.username = "";
    parsed.password = "";
    this.url = parsed.toString().replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async queryRange(query: string, chunk: RangeChunk, stepS: number): Promise<MatrixSeries[]> {
    return this.call<MatrixSeries[]>("query_range", {
      query,
      start: String(chunk.startS),
      end: String(chunk.endS),
      step: `${stepS}s`,
    });
  }

  /**
   * The same range query, read with the streaming-free byte reader in matrix.ts: each sample goes
   * straight to the series' sink, no per-sample objects. Use this for long periods.
   */
  async queryRangeInto(
    query: string,
    chunk: RangeChunk,
    stepS: number,
    onSeries: (labels: Labels) => SampleSink,
  ): Promise<number> {
    const response = await this.post("query_range", {
      query,
      start: String(chunk.startS),
      end: String(chunk.endS),
      step: `${stepS}s`,
    });
    const body = Buffer.from(await response.arrayBuffer());
    if (response.ok && body.subarray(0, 64).includes('"status":"success"')) {
      try {
        return readMatrix(body, onSeries);
      } catch (error) {
        throw new PrometheusQueryError(`Prometheus at ${this.url}: ${(error as Error).message}`);
      }
    }
    this.check<unknown>("query_range", response, body.toString("utf8"));
    throw new PrometheusQueryError(`Prometheus at ${this.url} answered query_range without a result`);
  }

  async query(query: string, timeS: number): Promise<VectorSample[]> {
    return this.call<VectorSample[]>("query", { query, time: String(timeS) });
  }

  private async post(endpoint: string, params: Record<string, string>): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.url}/api/v1/${endpoint}`, {
        method: "POST",
        // Large matrices over loopback: compression costs more CPU than it saves.
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "accept-encoding": "identity",
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new PrometheusUnreachableError(this.url, error);
    }
  }

  /** The result of an API answer, or the reason it failed. */
  private check<T>(endpoint: string, response: Response, text: string): T {
    let body: ApiResponse<T>;
    try {
      body = JSON.parse(text) as ApiResponse<T>;
    } catch (error) {
      throw new PrometheusQueryError(
        `Prometheus at ${this.url} answered ${response.status} without a JSON body (${describeCause(error)})`,
      );
    }
    if (body.status !== "success" || !body.data) {
      throw new PrometheusQueryError(
        `Prometheus at ${this.url} refused ${endpoint}: ${body.errorType ?? response.status}: ${body.error ?? "no detail"}`,
      );
    }
    return body.data.result;
  }

  private async call<T>(endpoint: string, params: Record<string, string>): Promise<T> {
    const response = await this.post(endpoint, params);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new PrometheusUnreachableError(this.url, error);
    }
    return this.check<T>(endpoint, response, text);
  }
}
