// Benchmark: the capacity report for a fiscal year, 60 OPDs and 2 uplinks at 5-minute resolution
// (124 series x 105,120 samples = 13 M samples), from a real Prometheus to all four files.
// Goal: under 10 s on the CI machine. Run: npm run bench:report [-- --runs 3 --concurrency 3]
// (--no-remote-read: the query API only, as against VictoriaMetrics or a query frontend).
// Then (issue 13) the collector's memory while it serves fiscal-year reports of the sample city
// (budget: well under its container's 256 MB), and (issue 15) a province: --province 600 OPDs in
// <= 60 s and <= 512 MiB, in a process of its own over a stand-in query API
// (bench/prometheus-standin.ts). Also what the /reports page's "data available" table costs
// Prometheus: the three-year window read whole, then a day later only its newest days.
// --only province|collector|city|availability runs one part.
//
// The history is generated once (realistic, non-round float values: a daily curve with noise),
// backfilled with promtool, and cached in $TMPDIR/kapasitas-report-bench-v1 for later runs.
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { once } from "node:events";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { RECORDED } from "../core/contract.js";
import { loadInventoryOrThrow } from "../core/load.js";
import type { Inventory } from "../core/schema.js";
import {
  AvailabilityTracker,
  availabilityQuery,
  availabilityWindow,
  fetchAvailableDays,
} from "../report/availability.js";
import { buildReport } from "../report/engine.js";
import { parsePeriod, zonedMidnight } from "../report/period.js";
import { PrometheusClient } from "../report/prometheus.js";
import { FORMATS, render } from "../report/render.js";
import { backfill, startPrometheus } from "../lab/history-prometheus.js";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { startCollector } from "../lab/kapasitas.js";
import { freePort } from "../lab/ports.js";
import { runOrThrow } from "../lab/process.js";
import { startStandIn } from "./prometheus-standin.js";
import { provinceInventory } from "./report-province.js";

const TZ = "Asia/Jakarta";
const OPDS = 60;
const SLOT = 300;
const CACHE = join(tmpdir(), "kapasitas-report-bench-v1");

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The sample city with its 55 OPDs topped up to 60 (copies of the first ones, new ids). */
function benchInventory(): Inventory {
  const inventory = loadInventoryOrThrow(
    new URL("../inventory/tanjungpinang.yaml", import.meta.url).pathname,
  );
  const opds = [...inventory.opds];
  for (let i = 0; opds.length < OPDS; i++) {
    const source = inventory.opds[i % inventory.opds.length]!;
    opds.push({
      ...source,
      id: `${source.id}-${opds.length + 1}`,
      name: `${source.name} (${opds.length + 1})`,
    });
  }
  return { ...inventory, opds: opds.slice(0, OPDS) };
}

/** A small deterministic PRNG (mulberry32): the same history on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(file: string, inventory: Inventory, startS: number, slots: number): Promise<void> {
  const out = createWriteStream(file);
  let buffer = "";
  const push = async (text: string) => {
    buffer += text;
    if (buffer.length > 1 << 22) {
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  };
  const series = (metric: string, labels: string, baseBps: number, seed: number) => ({
    metric,
    labels,
    baseBps,
    seed,
  });
  const all = [
    ...inventory.opds.flatMap((o, i) => [
      series(
        RECORDED.opdBits,
        `opd="${o.id}",direction="download"`,
        o.allocated.download_mbps * 0.45e6,
        i * 2,
      ),
      series(
        RECORDED.opdBits,
        `opd="${o.id}",direction="upload"`,
        o.allocated.upload_mbps * 0.25e6,
        i * 2 + 1,
      ),
    ]),
    ...inventory.uplinks.flatMap((u, i) => [
      series(
        RECORDED.uplinkBits,
        `uplink="${u.id}",provider="${u.provider}",direction="download"`,
        u.contracted.download_mbps * 0.5e6,
        1000 + i,
      ),
      series(
        RECORDED.uplinkBits,
        `uplink="${u.id}",provider="${u.provider}",direction="upload"`,
        u.contracted.upload_mbps * 0.2e6,
        2000 + i,
      ),
    ]),
  ];
  for (const metric of [RECORDED.opdBits, RECORDED.uplinkBits]) {
    await push(`# TYPE ${metric} gauge\n`);
    for (const s of all.filter((x) => x.metric === metric)) {
      const rnd = random(s.seed);
      for (let k = 0; k < slots; k++) {
        const hour = ((k * SLOT) / 3600 + 7) % 24; // local office hours are busy
        const daily = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
        const growth = 1 + (0.02 * k) / 8928; // ~2% a month
        const value = s.baseBps * daily * growth * (0.8 + 0.4 * rnd());
        await push(`${metric}{${s.labels}} ${value} ${startS + (k + 1) * SLOT}\n`);
      }
    }
  }
  await push("# EOF\n");
  out.write(buffer);
  out.end();
  await once(out, "close");
}

async function cachedTsdb(inventory: Inventory, startS: number, slots: number): Promise<string> {
  if (existsSync(join(CACHE, "done"))) return CACHE;
  const work = mkdtempSync(join(tmpdir(), "kapasitas-report-bench-build-"));
  try {
    const file = join(work, "history.om");
    let t = Date.now();
    await generate(file, inventory, startS, slots);
    console.error(`generated the history in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    const data = join(work, "data");
    await backfill(file, data);
    console.error(`backfilled with promtool in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    mkdirSync(join(data, "done"));
    renameSync(data, CACHE);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return CACHE;
}

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const inventory = benchInventory();
const period = parsePeriod("2025", TZ, 1);
const startS = zonedMidnight(2025, 1, 1, TZ).getTime() / 1000;
const slots = (period.end.getTime() / 1000 - startS) / SLOT;
const dataDir = await cachedTsdb(inventory, startS, slots);
const prometheus = await startPrometheus(dataDir);
const out = mkdtempSync(join(tmpdir(), "kapasitas-report-bench-out-"));
const runs = argument("runs", 3);
const concurrency = argument("concurrency", 3);
/** --no-remote-read: the query API only, as against VictoriaMetrics or a query frontend. */
const queryApiOnly = process.argv.includes("--no-remote-read");
/** --province-formats xlsx,pdf: the files the province report renders (default all four). */
const provinceFormats = process.argv.includes("--province-formats")
  ? process.argv[process.argv.indexOf("--province-formats") + 1]!
  : "xlsx,pdf,csv,json";
const totals: number[] = [];
/** Prometheus's own CPU seconds, from its process_cpu_seconds_total. */
const prometheusCpuSeconds = async (): Promise<number> => {
  const text = await (await fetch(`${prometheus.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("process_cpu_seconds_total "));
  return Number(line?.split(" ")[1] ?? NaN);
};
const nodeCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
try {
  for (let run = 1; run <= (only === undefined || only === "city" ? runs : 0); run++) {
    const t0 = performance.now();
    const cpu0 = { node: nodeCpuSeconds(), prometheus: await prometheusCpuSeconds() };
    const client = new PrometheusClient({ url: prometheus.url, remoteRead: !queryApiOnly });
    const report = await buildReport({ inventory, period, client, concurrency });
    const t1 = performance.now();
    const readWith = client.servedRemoteRead ? "remote read" : "query_range";
    const timings: string[] = [`read (${readWith})+figures ${((t1 - t0) / 1000).toFixed(2)} s`];
    for (const format of FORMATS) {
      const ts = performance.now();
      const body = await render(report, format, "id");
      writeFileSync(join(out, `report.${format}`), body);
      timings.push(
        `${format} ${((performance.now() - ts) / 1000).toFixed(2)} s (${(body.length / 1024).toFixed(0)} KiB)`,
      );
    }
    const total = (performance.now() - t0) / 1000;
    totals.push(total);
    const cpu = {
      node: nodeCpuSeconds() - cpu0.node,
      prometheus: (await prometheusCpuSeconds()) - cpu0.prometheus,
    };
    timings.push(`CPU: node ${cpu.node.toFixed(1)} s + prometheus ${cpu.prometheus.toFixed(1)} s`);
    const samples = [...report.opds, ...report.uplinks].reduce(
      (n, e) => n + e.download.samples + e.upload.samples,
      0,
    );
    console.log(
      `run ${run}: ${total.toFixed(2)} s total — ${timings.join(", ")} — ${samples.toLocaleString("en")} samples`,
    );
  }
  if (totals.length > 0) {
    totals.sort((a, b) => a - b);
    const median = totals[Math.floor(totals.length / 2)]!;
    console.log(
      `load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`,
    );
    console.log(
      `capacity report, FY 2025, ${inventory.opds.length} OPDs + ${inventory.uplinks.length} uplinks, 5-minute resolution, all four formats: median ${median.toFixed(2)} s over ${runs} runs (goal < 10 s) ${median < 10 ? "OK" : "SLOWER THAN GOAL"}`,
    );
    if (median >= 10) process.exitCode = 1;
  }
  if (only === undefined || only === "availability") await availability();
  if (only === undefined || only === "collector") await collectorMemory(prometheus.url);
  if (only === undefined || only === "province") await province(argument("province", 600));
} finally {
  await prometheus.stop();
  rmSync(out, { recursive: true, force: true });
}

/**
 * The page's availability table over the city's fiscal year 2025, as if on 2 January 2026 (a
 * window of three fiscal years): one query over the whole window (before), the tracker's first
 * read a month per query, and its refresh the next day. Prometheus CPU from its own counter.
 */
async function availability(): Promise<void> {
  const client = new PrometheusClient({ url: prometheus.url });
  const measure = async (what: string, work: () => Promise<unknown>) => {
    const cpu0 = await prometheusCpuSeconds();
    const t0 = performance.now();
    await work();
    const wall = (performance.now() - t0) / 1000;
    const cpu = (await prometheusCpuSeconds()) - cpu0;
    console.log(`availability, ${what}: ${wall.toFixed(2)} s wall, Prometheus CPU ${cpu.toFixed(2)} s`);
    return cpu;
  };
  const windowOn = (day: number) =>
    availabilityWindow(
      new Date(Date.UTC(2026, 0, day, 5)),
      TZ,
      inventory.planning.fiscal_year_start_month,
      3,
    );
  const window = windowOn(2);
  const startS = window.start.getTime() / 1000;
  const whole = await measure(`one query over ${window.days} days (before)`, () =>
    client.queryRangeInto(
      availabilityQuery(),
      { startS: startS + 86_400, endS: startS + window.days * 86_400 },
      86_400,
      () => () => undefined,
    ),
  );
  const tracker = new AvailabilityTracker(
    (w, fromDay, onPiece) => fetchAvailableDays(client, w, fromDay, onPiece),
    3_600_000,
  );
  await measure("first read, a month per query", () => tracker.refresh(window, TZ, 0));
  const refresh = await measure("the next day's refresh", () => tracker.refresh(windowOn(3), TZ, 60_000));
  console.log(
    // process_cpu_seconds_total counts in 0.01 s steps: a smaller refresh shows as 0 or 0.01.
    `availability: a refresh costs Prometheus ${whole / Math.max(refresh, 0.01) >= 100 ? "at least " : ""}${(whole / Math.max(refresh, 0.01)).toFixed(0)}x less CPU than reading the window whole`,
  );
}

/** VmRSS and VmHWM (peak) of a process, MiB. */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/**
 * The sample city's collector (inventory/tanjungpinang.yaml, its devices moved to a silent loopback
 * port so nothing leaves the machine) serving fiscal-year reports over its /reports API.
 */
async function collectorMemory(prometheusUrl: string): Promise<void> {
  const doc = parseYaml(
    readFileSync(new URL("../inventory/tanjungpinang.yaml", import.meta.url), "utf8"),
  ) as {
    devices: { host: string; port?: number }[];
  };
  const silent = await freePort("udp");
  doc.devices.forEach((device, i) => Object.assign(device, { host: `127.0.0.${i + 1}`, port: silent }));
  // What the image runs: the built JavaScript (tsx would add its own compiler to every thread).
  await runOrThrow("npm", ["run", "build"], { timeoutMs: 600_000 });
  const collector = await startCollector({
    entry: "built",
    inventory: stringifyYaml(doc),
    env: {
      KAPASITAS_PROMETHEUS_URL: prometheusUrl,
      KAPASITAS_CORE1_AUTH_KEY: "bench-auth-key",
      KAPASITAS_CORE1_PRIV_KEY: "bench-priv-key",
      KAPASITAS_DIST2_COMMUNITY: "bench",
      // As the image sets them (collector/Dockerfile).
      MALLOC_ARENA_MAX: "1",
      MALLOC_MMAP_THRESHOLD_: "131072",
    },
  });
  try {
    const idle = rssOf(collector.pid);
    const fetchReport = async (format: string) => {
      const response = await fetch(`${collector.baseUrl}/reports/api?period=2025&format=${format}`);
      const bytes = (await response.arrayBuffer()).byteLength;
      if (!response.ok) throw new Error(`report ${format}: ${response.status}`);
      return bytes;
    };
    const t0 = performance.now();
    await fetchReport("xlsx");
    const one = rssOf(collector.pid);
    const t1 = performance.now();
    // The second is refused (503: one report at a time) unless the first is done.
    await Promise.all([fetchReport("xlsx"), fetchReport("csv").catch(() => 0)]);
    const two = rssOf(collector.pid);
    const t2 = performance.now();
    await fetchReport("pdf");
    const pdf = rssOf(collector.pid);
    console.log(
      `collector (sample city, ${inventory.opds.length - 5} OPDs): RSS idle ${idle.rss.toFixed(0)} MiB; ` +
        `peak after one FY xlsx ${one.peak.toFixed(0)} MiB (${((t1 - t0) / 1000).toFixed(1)} s), ` +
        `after two asked at once ${two.peak.toFixed(0)} MiB (${((t2 - t1) / 1000).toFixed(1)} s), after a pdf ${pdf.peak.toFixed(0)} MiB; ` +
        `RSS now ${pdf.rss.toFixed(0)} MiB (budget: 256 MB container)`,
    );
    if (pdf.peak > 244) process.exitCode = 1;
  } finally {
    await collector.stop();
  }
}

/** A fiscal year for a province's OPDs, in a process of its own (its peak RSS is the report's). */
async function province(opds: number): Promise<void> {
  const provinceInv = provinceInventory(opds);
  const standIn = await startStandIn({
    opd: provinceInv.opds.map((o) => o.id),
    uplink: provinceInv.uplinks.map((u) => u.id),
  });
  try {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        new URL("./report-province.ts", import.meta.url).pathname,
        standIn.url,
        String(opds),
        provinceFormats,
        queryApiOnly ? "query-api" : "auto",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    if (code !== 0) throw new Error(`the province report exited with ${code}`);
    const result = JSON.parse(out) as {
      seconds: number;
      cpuSeconds: number;
      peakRssMiB: number;
      samples: number;
      files: string[];
    };
    const ok = result.seconds <= 60 && result.peakRssMiB <= 512;
    console.log(
      `province: FY 2025, ${opds} OPDs + ${provinceInv.uplinks.length} uplinks, ${provinceFormats}, ${queryApiOnly ? "query_range" : "remote read"}: ${result.seconds.toFixed(1)} s wall, ` +
        `${result.cpuSeconds.toFixed(1)} s CPU, peak RSS ${result.peakRssMiB.toFixed(0)} MiB, ${result.samples.toLocaleString("en")} samples, ` +
        `${result.files.join(", ")}; load average ${loadavg()[0]!.toFixed(1)} (goal <= 60 s, <= 512 MiB) ${ok ? "OK" : "MISSED"}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await standIn.stop();
  }
}
