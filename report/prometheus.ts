// A small client for Prometheus's HTTP query API (/api/v1/query, /api/v1/query_range), which
// Thanos, Mimir and VictoriaMetrics also serve, so the report runs against any of them; and for
// remote read (/api/v1/read), used where the store offers it because it costs both sides far less.

import http from "node:http";
import https from "node:https";
import { readMatrix, type Labels, type SampleSink } from "./matrix.js";
import {
  encodeReadRequest,
  FrameReader,
  InRange,
  promqlSelector,
  SeriesFromChunks,
  slotsFromChunks,
  snappyLiterals,
  type SeriesSelector,
} from "./remote-read.js";

/** Prometheus cannot be reached at all (refused, DNS, timeout): the caller answers 503. */
export class PrometheusUnreachableError extends Error {
  /** ECONNREFUSED, ETIMEDOUT, ENOTFOUND, ... */
  readonly reason: string;
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const reason = describeCause(cause);
    super(`Prometheus at ${url} cannot be reached: ${reason}`);
    this.name = "PrometheusUnreachableError";
    this.reason = reason;
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
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
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
  /**
   * Read series with remote read where the store serves it (default true); false: the query API
   * only (for a proxy that passes remote read but mangles it, or to compare the two).
   */
  remoteRead?: boolean;
}

interface RawResponse {
  status: number;
  body: Buffer;
}

/** What the remote-read endpoint answers with streamed chunks (prompb ChunkedReadResponse). */
const STREAMED_CONTENT_TYPE = "application/x-streamed-protobuf";

// Keep connections open across the chunks of one report.
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export class PrometheusClient {
  /** The base URL without credentials: safe for messages and the report's "source" line. */
  readonly url: string;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  /** undefined until tried: does this store answer remote read with streamed chunks? */
  private remoteRead: boolean | undefined;

  constructor(options: PrometheusClientOptions) {
    const parsed = URL.canParse(options.url) ? new URL(options.url) : undefined;
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      // Not echoed: a mistyped URL may still hold a password.
      throw new PrometheusUnreachableError(
        "(the configured URL)",
        new Error("not an http:// or https:// URL"),
      );
    }
    // http://user:pass@host/ becomes basic auth; the credentials never appear in a message.
    this.authorization =
      parsed.username || parsed.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64")}`
        : undefined;
    parsed.username = "";
    parsed.password = "";
    this.url = parsed.toString().replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.remoteRead = options.remoteRead === false ? false : undefined;
  }

  /**
   * Whether series are read with remote read: false when the store did not serve it or it is
   * turned off, undefined before the first read.
   */
  get servedRemoteRead(): boolean | undefined {
    return this.remoteRead;
  }

  /**
   * last_over_time(selector[windowS]) evaluated at range.startS, + stepS, ..., range.endS, each
   * point handed to its series' sink exactly as queryRangeInto of that query would. Remote read
   * where the store serves it (one request, raw chunks decoded here); otherwise query_range, split
   * at 10,000 steps, `concurrency` at a time. `onDone(n)` counts finished 10,000-step parts.
   */
  async lastOverTimeInto(
    selector: SeriesSelector,
    range: RangeChunk,
    stepS: number,
    windowS: number,
    onSeries: (labels: Labels) => SampleSink,
    options: { concurrency?: number; onDone?: (parts: number) => void } = {},
  ): Promise<void> {
    const parts = chunkRange(range.startS, range.endS, stepS);
    if (this.remoteRead !== false) {
      const slots = slotsFromChunks({ firstS: range.startS, lastS: range.endS, stepS, windowS }, onSeries);
      const served = await this.remoteReadInto(
        encodeReadRequest(selector, (range.startS - windowS) * 1000, range.endS * 1000),
        (message) => slots.message(message),
      );
      if (served) {
        slots.end();
        options.onDone?.(parts.length);
        return;
      }
    }
    const query = `last_over_time(${promqlSelector(selector)}[${windowS}s])`;
    await mapLimit(parts, options.concurrency ?? 3, async (part) => {
      await this.queryRangeInto(query, part, stepS, onSeries);
      options.onDone?.(1);
    });
  }

  /**
   * Every sample of the selected series in (startS, endS], staleness markers left out, handed to
   * its series' sink in time order: what the range selector `selector[endS - startS]` at endS
   * holds. Remote read where the store serves it, otherwise that one query.
   */
  async rawSamplesInto(
    selector: SeriesSelector,
    startS: number,
    endS: number,
    onSeries: (labels: Labels) => SampleSink,
  ): Promise<void> {
    const inRange = (sink: SampleSink) => sink && new InRange(startS * 1000, endS * 1000, sink);
    if (this.remoteRead !== false) {
      const series = new SeriesFromChunks(startS * 1000, endS * 1000, (labels) => inRange(onSeries(labels)));
      const served = await this.remoteReadInto(
        encodeReadRequest(selector, startS * 1000, endS * 1000),
        (message) => series.message(message),
      );
      if (served) {
        series.end();
        return;
      }
    }
    // Prometheus 2.x selects [endS - range, endS], both ends: the left edge is the window before's.
    await this.queryMatrixInto(`${promqlSelector(selector)}[${endS - startS}s]`, endS, (labels) => {
      const consumer = inRange(onSeries(labels));
      return consumer && ((t, value) => consumer.sample(Math.round(t * 1000), value, false));
    });
  }

  /**
   * POST a remote-read request and hand each frame's message on as it arrives. False, with nothing
   * read, when the store does not answer with streamed chunks (VictoriaMetrics, a query frontend, a
   * proxy that allows only the query API): it is not asked again.
   */
  private async remoteReadInto(request: Uint8Array, onMessage: (message: Buffer) => void): Promise<boolean> {
    const body = Buffer.from(snappyLiterals(request));
    const served = await this.exchange<boolean>(
      "POST",
      "read",
      body,
      {
        "content-type": "application/x-protobuf",
        "content-encoding": "snappy",
        "x-prometheus-remote-read-version": "0.1.0",
      },
      (response, resolve, reject) => {
        const type = String(response.headers["content-type"] ?? "");
        if (response.statusCode !== 200 || !type.startsWith(STREAMED_CONTENT_TYPE)) {
          response.resume();
          response.on("end", () => resolve(false));
          return;
        }
        const frames = new FrameReader(onMessage);
        const fail = (error: unknown) => {
          response.destroy();
          reject(new PrometheusQueryError(`Prometheus at ${this.url}: ${(error as Error).message}`));
        };
        response.on("data", (chunk: Buffer) => {
          try {
            frames.push(chunk);
          } catch (error) {
            fail(error);
          }
        });
        response.on("end", () => {
          try {
            frames.end();
            resolve(true);
          } catch (error) {
            fail(error);
          }
        });
      },
    );
    this.remoteRead = served;
    return served;
  }

  /**
   * A range query read with the byte reader in matrix.ts: each sample goes straight to its
   * series' sink, no per-sample objects (a year is 13 M samples).
   */
  async queryRangeInto(
    query: string,
    chunk: RangeChunk,
    stepS: number,
    onSeries: (labels: Labels) => SampleSink,
  ): Promise<number> {
    const params = { query, start: String(chunk.startS), end: String(chunk.endS), step: `${stepS}s` };
    return this.matrixInto("query_range", params, onSeries);
  }

  /** POST a query whose answer is a matrix and read it with the byte reader. */
  private async matrixInto(
    endpoint: "query" | "query_range",
    params: Record<string, string>,
    onSeries: (labels: Labels) => SampleSink,
  ): Promise<number> {
    const response = await this.post(endpoint, params);
    if (response.status === 200 && response.body.subarray(0, 64).includes('"status":"success"')) {
      try {
        return readMatrix(response.body, onSeries);
      } catch (error) {
        throw new PrometheusQueryError(`Prometheus at ${this.url}: ${(error as Error).message}`);
      }
    }
    this.check<unknown>(endpoint, response);
    throw new PrometheusQueryError(`Prometheus at ${this.url} answered ${endpoint} without a result`);
  }

  /**
   * An instant query whose answer is a matrix (a range selector: `metric[1d]`), its raw samples read
   * as queryRangeInto reads a range query's.
   */
  private async queryMatrixInto(
    query: string,
    timeS: number,
    onSeries: (labels: Labels) => SampleSink,
  ): Promise<number> {
    return this.matrixInto("query", { query, time: String(timeS) }, onSeries);
  }

  async query(query: string, timeS: number): Promise<VectorSample[]> {
    return this.check<VectorSample[]>("query", await this.post("query", { query, time: String(timeS) }));
  }

  /** The values a label takes on the series of `metric` between two instants (the index only). */
  async labelValues(label: string, metric: string, startS: number, endS: number): Promise<string[]> {
    const endpoint = `label/${encodeURIComponent(label)}/values`;
    const params = new URLSearchParams({ "match[]": metric, start: String(startS), end: String(endS) });
    const response = await this.send("GET", `${endpoint}?${params.toString()}`, "");
    // This endpoint's data is the list itself, not {resultType, result}.
    return this.check<string[]>(endpoint, response, (data) => data as unknown as string[]);
  }

  /**
   * POST a form to /api/v1/<endpoint> with node:http: for 40 MB answers it costs less CPU than
   * fetch's web streams. Any failure to get an answer is "unreachable".
   */
  private post(endpoint: string, params: Record<string, string>): Promise<RawResponse> {
    return this.send("POST", endpoint, new URLSearchParams(params).toString());
  }

  private send(method: "GET" | "POST", endpoint: string, form: string): Promise<RawResponse> {
    const headers = method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {};
    return this.exchange(method, endpoint, form, headers, (response, resolve) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
  }

  /** One request to /api/v1/<endpoint>; `handle` reads the answer. Any failure to get one is "unreachable". */
  private exchange<T>(
    method: "GET" | "POST",
    endpoint: string,
    body: string | Buffer,
    headers: http.OutgoingHttpHeaders,
    handle: (
      response: http.IncomingMessage,
      resolve: (value: T) => void,
      reject: (error: unknown) => void,
    ) => void,
  ): Promise<T> {
    const target = new URL(`${this.url}/api/v1/${endpoint}`);
    const client = target.protocol === "https:" ? https : http;
    return new Promise<T>((resolve, reject) => {
      const unreachable = (error: unknown) =>
        reject(
          error instanceof PrometheusQueryError ? error : new PrometheusUnreachableError(this.url, error),
        );
      const request = client.request(
        target,
        {
          method,
          agent: target.protocol === "https:" ? agents.https : agents.http,
          timeout: this.timeoutMs,
          headers: {
            ...headers,
            ...(method === "POST" ? { "content-length": Buffer.byteLength(body) } : {}),
            // Large answers over loopback: compression costs more CPU than it saves.
            "accept-encoding": "identity",
            ...(this.authorization ? { authorization: this.authorization } : {}),
          },
        },
        (response) => {
          response.on("error", unreachable);
          handle(response, resolve, unreachable);
        },
      );
      request.on("timeout", () =>
        request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
      );
      request.on("error", unreachable);
      request.end(method === "POST" ? body : undefined);
    });
  }

  /** The result of an API answer, or the reason it failed. */
  private check<T>(
    endpoint: string,
    response: RawResponse,
    pick: (data: NonNullable<ApiResponse<T>["data"]>) => T = (data) => data.result,
  ): T {
    let body: ApiResponse<T>;
    try {
      body = JSON.parse(response.body.toString("utf8")) as ApiResponse<T>;
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
    return pick(body.data);
  }
}
