/**
 * A real `prometheus` on a temp data dir and 127.0.0.1:<free tcp port>, plus promtool/amtool runners
 * and OpenMetrics backfill.
 *
 * Backfill (`promtool tsdb create-blocks-from openmetrics FILE DATADIR`) writes TSDB blocks straight
 * into the data dir, so it happens while Prometheus is stopped: before start(), or backfill() on a
 * running instance stops it, writes the blocks and starts it again. Rules for the input text (what
 * openMetrics() writes for you): one `# TYPE name counter|gauge|...` line per metric family, all of
 * the family's samples right after it, counter samples named `<family>_total`, a timestamp in
 * SECONDS (not ms) after every value, samples of a series in time order, and a final `# EOF` line.
 * Blocks older than the retention window are deleted by Prometheus on start, so the helper runs with
 * a long retention (10y) by default. Block size: promtool re-reads the whole input once per block
 * and by default makes 2 h blocks (a year of one series: ~4400 blocks, 6 minutes here); the hidden
 * flag --max-block-duration=1458h (the largest compaction range, ~61 days) makes it ~7 blocks and
 * 0.3 s, so that is the default here.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { requireBinary } from "./binaries.js";
import { removeDirOnExit } from "./cleanup.js";
import { freePort } from "./ports.js";
import { run, runOrThrow, startDaemon, waitFor, type Daemon, type RunResult } from "./process.js";

export interface PrometheusOptions {
  /** prometheus.yml as an object (serialised to YAML) or as YAML text. Default: no scrape configs. */
  config?: Record<string, unknown> | string;
  /** Rule files to write next to the config (file name → YAML text or object); added to `rule_files`. */
  rules?: Record<string, string | Record<string, unknown>>;
  /** OpenMetrics texts to backfill before the first start. */
  backfill?: string[];
  /** --storage.tsdb.retention.time (default "10y", so backfilled history is kept). */
  retention?: string;
  /** promtool --max-block-duration for backfill (default "1458h"; promtool's own default is 2h). */
  maxBlockDuration?: string;
  /** Use this existing TSDB dir (e.g. a cached backfill) instead of a fresh one; it is kept on stop(). */
  dataDir?: string;
  /** Extra command-line flags, e.g. ["--query.lookback-delta=10m"]. */
  flags?: string[];
  readyTimeoutMs?: number;
}

export interface PromSample {
  /** Unix time in seconds. */
  t: number;
  v: number;
}

export interface VectorSample {
  metric: Record<string, string>;
  /** Unix time in seconds and the value as a number (NaN/±Inf parsed). */
  value: PromSample;
}

export interface MatrixSeries {
  metric: Record<string, string>;
  values: PromSample[];
}

export interface Prometheus {
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  dataDir: string;
  configPath: string;
  /** Write blocks from OpenMetrics text (stops and restarts Prometheus if it is running). */
  backfill(openMetricsText: string): Promise<RunResult>;
  start(): Promise<void>;
  /** Instant query; `time` as a Date or unix seconds (default: now). Throws on a PromQL error. */
  query(promql: string, time?: Date | number): Promise<VectorSample[]>;
  /**
   * The raw samples of `selector[seconds]` at one evaluation time (default: now), each with the
   * timestamp of the scrape that wrote it. One query, so a value and its timestamp can never come
   * from two different scrapes (as they can with `x` and `timestamp(x)` asked separately).
   */
  rawSamples(selector: string, seconds: number, time?: Date | number): Promise<MatrixSeries[]>;
  /** Range query over [start, end] with `step` seconds; matrix results. */
  queryRange(
    promql: string,
    start: Date | number,
    end: Date | number,
    stepSeconds: number,
  ): Promise<MatrixSeries[]>;
  /** Raw GET of an /api/v1 path (e.g. "targets", "rules"); returns the `data` field. */
  api<T = unknown>(path: string, params?: Record<string, string>): Promise<T>;
  /** POST /-/reload after changing the config file (lifecycle API is enabled). */
  reload(): Promise<void>;
  /** Poll until every target of `job` has been scraped successfully (health "up"). */
  waitForTargetsUp(job: string, timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export type SeriesType = "counter" | "gauge" | "unknown";

export interface OpenMetricsSeries {
  /** Metric name; for a counter the family name, with or without `_total` (the sample gets `_total`). */
  name: string;
  type: SeriesType;
  help?: string;
  labels?: Record<string, string>;
  /** t: Date or unix seconds. */
  samples: { t: Date | number; v: number }[];
}

function seconds(t: Date | number): number {
  return t instanceof Date ? t.getTime() / 1000 : t;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** OpenMetrics text for promtool backfill: families grouped, samples time-ordered, `# EOF` (pure). */
export function openMetrics(series: OpenMetricsSeries[]): string {
  const families = new Map<string, { type: SeriesType; help?: string; series: OpenMetricsSeries[] }>();
  for (const s of series) {
    const family = s.type === "counter" ? s.name.replace(/_total$/, "") : s.name;
    const entry = families.get(family) ?? { type: s.type, help: s.help, series: [] };
    if (entry.type !== s.type) throw new Error(`openMetrics: ${family} is both ${entry.type} and ${s.type}`);
    entry.series.push(s);
    families.set(family, entry);
  }
  const lines: string[] = [];
  for (const [family, { type, help, series: members }] of families) {
    lines.push(`# TYPE ${family} ${type}`);
    if (help) lines.push(`# HELP ${family} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    const sampleName = type === "counter" ? `${family}_total` : family;
    for (const s of members) {
      const labels = Object.entries(s.labels ?? {})
        .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
        .join(",");
      const head = labels ? `${sampleName}{${labels}}` : sampleName;
      const ordered = s.samples.map((p) => ({ t: seconds(p.t), v: p.v })).sort((a, b) => a.t - b.t);
      for (const p of ordered) lines.push(`${head} ${formatValue(p.v)} ${p.t}`);
    }
  }
  lines.push("# EOF");
  return lines.join("\n") + "\n";
}

function parseSample([t, v]: [number, string]): PromSample {
  return { t, v: Number(v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : v) };
}

/** Run promtool with arguments; returns stdout/stderr/exit code (never throws on non-zero). */
export function promtool(args: string[], options: { input?: string; cwd?: string } = {}): Promise<RunResult> {
  return run(requireBinary("promtool"), args, options);
}

/** Run amtool with arguments; returns stdout/stderr/exit code (never throws on non-zero). */
export function amtool(args: string[], options: { input?: string; cwd?: string } = {}): Promise<RunResult> {
  return run(requireBinary("amtool"), args, options);
}

/**
 * Test-friendly defaults unless the caller sets the same flag (pure). Prometheus learns its scrape
 * and Alertmanager targets from a discovery manager that publishes every 5 s, so the first firing
 * alert is often evaluated before Alertmanager is known and dropped; it is re-sent only after
 * --rules.alert.resend-delay (default 1m). 1s makes it arrive within ~5 s of start.
 */
export function withDefaultFlags(flags: string[]): string[] {
  const defaults = ["--rules.alert.resend-delay=1s"];
  const named = (flag: string) => flag.split("=")[0];
  return [...defaults.filter((d) => !flags.some((f) => named(f) === named(d))), ...flags];
}

/**
 * Turn an OpenMetrics FILE into TSDB blocks in dataDir (Prometheus stopped). A file, not a string,
 * so a benchmark year (~1 GB) streams through promtool. promtool re-reads its input once per block:
 * the largest compatible block (1458 h, ~61 days) makes a year ~7 passes instead of ~4,400.
 */
export async function backfillFile(
  input: string,
  dataDir: string,
  { maxBlockDuration = "1458h", timeoutMs = 900_000 }: { maxBlockDuration?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runOrThrow(
    requireBinary("promtool"),
    [
      "tsdb",
      "create-blocks-from",
      "openmetrics",
      "--quiet",
      `--max-block-duration=${maxBlockDuration}`,
      input,
      dataDir,
    ],
    { timeoutMs },
  );
}

/** Create the dirs, config and port, without starting (call backfill() then start()). */
export async function preparePrometheus(options: PrometheusOptions = {}): Promise<Prometheus> {
  const binary = requireBinary("prometheus");
  requireBinary("promtool");
  const root = mkdtempSync(join(tmpdir(), "kp-prometheus-"));
  const unregisterDir = removeDirOnExit(root);
  const dataDir = options.dataDir ?? join(root, "data");
  const configPath = join(root, "prometheus.yml");
  const ruleFiles = Object.entries(options.rules ?? {}).map(([name, body]) => {
    const path = join(root, name);
    writeFileSync(path, typeof body === "string" ? body : stringify(body));
    return path;
  });
  const config = (typeof options.config === "string" ? parse(options.config) : options.config) ?? {};
  if (ruleFiles.length > 0) {
    if ("rule_files" in config)
      throw new Error("preparePrometheus: give rules either in `rules` or in the config, not both");
    config.rule_files = ruleFiles;
  }
  writeFileSync(configPath, stringify(config));

  const port = await freePort("tcp");
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${dataDir}`,
    `--storage.tsdb.retention.time=${options.retention ?? "10y"}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-lifecycle",
    "--log.level=warn",
    ...withDefaultFlags(options.flags ?? []),
  ];
  let daemon: Daemon | undefined;

  async function api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`);
    const body = (await response.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== "success")
      throw new Error(`prometheus ${path}: ${body.errorType ?? ""} ${body.error ?? ""}`.trim());
    return body.data;
  }

  const handle: Prometheus = {
    port,
    url,
    dataDir,
    configPath,
    async backfill(text) {
      const wasRunning = daemon !== undefined && !daemon.exited();
      if (wasRunning) await daemon?.stop();
      const input = join(root, `backfill-${Date.now()}.om`);
      writeFileSync(input, text);
      const result = await backfillFile(input, dataDir, { maxBlockDuration: options.maxBlockDuration });
      rmSync(input, { force: true });
      if (wasRunning) await handle.start();
      return result;
    },
    async start() {
      if (daemon && !daemon.exited()) return;
      const started = startDaemon(binary, args);
      daemon = started;
      await waitFor("prometheus /-/ready", async () => (await fetch(`${url}/-/ready`)).ok, {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        daemon: started,
      });
    },
    async query(promql, time) {
      const params: Record<string, string> = { query: promql };
      if (time !== undefined) params.time = String(seconds(time));
      const data = await api<{ resultType: string; result: unknown }>("query", params);
      if (data.resultType === "scalar") {
        return [{ metric: {}, value: parseSample(data.result as [number, string]) }];
      }
      if (data.resultType !== "vector")
        throw new Error(`query returned ${data.resultType}, expected a vector`);
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
        metric: r.metric,
        value: parseSample(r.value),
      }));
    },
    async rawSamples(selector, windowSeconds, time) {
      const params: Record<string, string> = { query: `${selector}[${windowSeconds}s]` };
      if (time !== undefined) params.time = String(seconds(time));
      const data = await api<{ resultType: string; result: unknown }>("query", params);
      if (data.resultType !== "matrix")
        throw new Error(`query returned ${data.resultType}, expected a matrix`);
      return (data.result as { metric: Record<string, string>; values: [number, string][] }[]).map((r) => ({
        metric: r.metric,
        values: r.values.map(parseSample),
      }));
    },
    async queryRange(promql, start, end, stepSeconds) {
      const data = await api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(
        "query_range",
        {
          query: promql,
          start: String(seconds(start)),
          end: String(seconds(end)),
          step: String(stepSeconds),
        },
      );
      return data.result.map((r) => ({ metric: r.metric, values: r.values.map(parseSample) }));
    },
    api,
    async reload() {
      const response = await fetch(`${url}/-/reload`, { method: "POST" });
      if (!response.ok)
        throw new Error(`prometheus reload failed: ${response.status} ${await response.text()}`);
    },
    async waitForTargetsUp(job, timeoutMs = 30_000) {
      await waitFor(
        `prometheus targets of job ${job} to be up`,
        async () => {
          const data = await api<{
            activeTargets: { labels: Record<string, string>; health: string; lastError: string }[];
          }>("targets", {
            state: "active",
          });
          const targets = data.activeTargets.filter((t) => t.labels.job === job);
          if (targets.length === 0) throw new Error(`no active targets for job ${job}`);
          const down = targets.filter((t) => t.health !== "up");
          if (down.length > 0)
            throw new Error(
              down.map((t) => `${t.labels.instance ?? "?"}: ${t.health} ${t.lastError}`).join("; "),
            );
          return true;
        },
        { timeoutMs, daemon },
      );
    },
    output: () => daemon?.output() ?? "",
    async stop() {
      await daemon?.stop();
      rmSync(root, { recursive: true, force: true });
      unregisterDir();
    },
  };
  return handle;
}

/** prepare + backfill(options.backfill) + start, in one call. */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<Prometheus> {
  const prom = await preparePrometheus(options);
  try {
    for (const text of options.backfill ?? []) await prom.backfill(text);
    await prom.start();
  } catch (error) {
    await prom.stop();
    throw error;
  }
  return prom;
}
