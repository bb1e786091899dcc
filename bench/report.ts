// Benchmark: the capacity report for a fiscal year, 60 OPDs and 2 uplinks at 5-minute resolution
// (124 series x 105,120 samples = 13 M samples), from a real Prometheus to all four files.
// Goal: under 10 s on the CI machine. Run: npm run bench:report [-- --runs 3 --concurrency 3]
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
import { buildReport } from "../report/engine.js";
import { parsePeriod, zonedMidnight } from "../report/period.js";
import { PrometheusClient } from "../report/prometheus.js";
import { FORMATS, render } from "../report/render.js";
import { backfill, startPrometheus } from "../lab/history-prometheus.js";

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

const inventory = benchInventory();
const period = parsePeriod("2025", TZ, 1);
const startS = zonedMidnight(2025, 1, 1, TZ).getTime() / 1000;
const slots = (period.end.getTime() / 1000 - startS) / SLOT;
const dataDir = await cachedTsdb(inventory, startS, slots);
const prometheus = await startPrometheus(dataDir);
const out = mkdtempSync(join(tmpdir(), "kapasitas-report-bench-out-"));
const runs = argument("runs", 3);
const concurrency = argument("concurrency", 3);
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
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    const cpu0 = { node: nodeCpuSeconds(), prometheus: await prometheusCpuSeconds() };
    const report = await buildReport({
      inventory,
      period,
      client: new PrometheusClient({ url: prometheus.url }),
      concurrency,
    });
    const t1 = performance.now();
    const timings: string[] = [`query+figures ${((t1 - t0) / 1000).toFixed(2)} s`];
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
  totals.sort((a, b) => a - b);
  const median = totals[Math.floor(totals.length / 2)]!;
  console.log(
    `load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`,
  );
  console.log(
    `capacity report, FY 2025, ${inventory.opds.length} OPDs + ${inventory.uplinks.length} uplinks, 5-minute resolution, all four formats: median ${median.toFixed(2)} s over ${runs} runs (goal < 10 s) ${median < 10 ? "OK" : "SLOWER THAN GOAL"}`,
  );
  if (median >= 10) process.exitCode = 1;
} finally {
  await prometheus.stop();
  rmSync(out, { recursive: true, force: true });
}
