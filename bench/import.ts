// Benchmark: `kapasitas import` of a fiscal year for 60 OPDs and 2 uplinks from 5-minute RRD files
// (62 files × 105,120 rows, made with the real rrdtool), into an empty Prometheus storage folder.
// Goal (issue 10): under 60 s and under 1 GiB peak memory (the command and its rrdtool children
// together) on this machine. Run: npm run bench:import [-- --runs 3]
//
// The RRD files are generated once and cached in $TMPDIR/kapasitas-import-bench-v1. The command runs
// as it ships (dist/); its process tree's resident memory is sampled every 50 ms from /proc.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { loadInventoryOrThrow } from "../core/load.js";
import { measuredLinks } from "../core/model.js";
import { REPO_ROOT } from "../lab/kapasitas.js";
import { writeRrd } from "../lab/rrd.js";
import { withSection } from "./markdown.js";
import { build, gitCommit, loadAverage } from "./measured.js";
import { rssBytes } from "./cpu.js";

const OPDS = 60;
const CACHE = join(tmpdir(), "kapasitas-import-bench-v1");
/** Fiscal year 2025 in Asia/Jakarta: 2025-01-01 00:00 +07:00. */
const START = Date.UTC(2024, 11, 31, 17) / 1000;
const SLOTS = 365 * 288;

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The sample city topped up to 60 OPDs (as bench/report.ts does), and one RRD per OPD and uplink. */
async function prepare(): Promise<{ inventory: string; mapping: string }> {
  const inventoryFile = join(CACHE, "inventory.yaml");
  const mappingFile = join(CACHE, "import.yaml");
  if (existsSync(mappingFile)) return { inventory: inventoryFile, mapping: mappingFile };
  mkdirSync(CACHE, { recursive: true });
  // The raw YAML (the parsed inventory turns durations into numbers, which do not load again).
  const city = parse(readFileSync(join(REPO_ROOT, "inventory/tanjungpinang.yaml"), "utf8")) as {
    opds: { id: string; name: string; [field: string]: unknown }[];
  };
  const opds = [...city.opds];
  for (let i = 0; opds.length < OPDS; i++) {
    const source = city.opds[i % city.opds.length]!;
    const n = opds.length + 1;
    // A copy needs its own links: the same interface twice would be one link claimed twice.
    opds.push({
      ...source,
      id: `${source.id}-${n}`,
      name: `${source.name} (${n})`,
      links: [{ device: "core-1", queue: `${source.id}-${n}` }],
      hotspots: [],
    });
  }
  const raw = { ...city, opds: opds.slice(0, OPDS) };
  writeFileSync(inventoryFile, stringify(raw));
  const inventory = loadInventoryOrThrow(inventoryFile);
  // One link per OPD and uplink.
  const links = measuredLinks(inventory);
  const owners = [...inventory.opds.map((o) => o.id), ...inventory.uplinks.map((u) => u.id)];
  const sources: { file: string; link: string }[] = [];
  for (const [n, owner] of owners.entries()) {
    const link = links.find((l) => l.ownerId === owner);
    if (!link) continue;
    const file = `${n}.rrd`;
    const base = 2e6 + n * 50_000;
    await writeRrd(join(CACHE, file), {
      layout: "fiveMinuteYear",
      ds: ["traffic_in", "traffic_out"],
      startS: START,
      slots: SLOTS,
      rate: (k) => {
        const hour = ((k * 5) / 60 + 7) % 24;
        const office = hour >= 8 && hour < 16 ? 1 : 0.25;
        return [
          Math.round(base * office * (1 + (k % 17) / 40)),
          Math.round(base * 0.3 * office * (1 + (k % 13) / 30)),
        ];
      },
    });
    sources.push({ file, link: link.linkId });
    process.stderr.write(`\rgenerated ${sources.length} RRD files`);
  }
  process.stderr.write("\n");
  writeFileSync(mappingFile, stringify({ sources }));
  return { inventory: inventoryFile, mapping: mappingFile };
}

/** Resident memory of a process and all its descendants (the command and its rrdtool children). */
function treeRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      // A process without VmRSS (exiting, or a kernel thread) counts as 0.
      total += rssBytes(p) || 0;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        if (children) stack.push(...children.split(" ").map(Number));
      }
    } catch {
      // gone between the listing and the read
    }
  }
  return total;
}

interface Run {
  seconds: number;
  /** User + system CPU of the command and its children: what the machine's load does not change much. */
  cpuSeconds: number;
  peakBytes: number;
  samples: number;
  blocks: number;
}

async function once(files: { inventory: string; mapping: string }): Promise<Run> {
  const tsdb = join(CACHE, "tsdb");
  rmSync(tsdb, { recursive: true, force: true });
  mkdirSync(tsdb);
  const started = performance.now();
  // bash's `times` reports the user and system CPU of every process it waited for, rrdtool included.
  const child = spawn(
    "bash",
    [
      "-c",
      '"$@"; rc=$?; times >&2; exit $rc',
      "bash",
      process.execPath,
      join(REPO_ROOT, "dist/cli/kapasitas.js"),
      "import",
      "--inventory",
      files.inventory,
      "--mapping",
      files.mapping,
      "--storage",
      tsdb,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
    process.stderr.write(c);
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid!))), 50);
  let stdout = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`kapasitas import exited ${code}:\n${stdout}`);
  const m = /(\d+) samples in (\d+) block/.exec(stdout);
  // `times`: the shell's own line, then its children's: "0m12.345s 0m1.234s".
  const cpu = [...stderr.matchAll(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/g)].at(-1);
  const cpuSeconds = cpu ? Number(cpu[1]) * 60 + Number(cpu[2]) + Number(cpu[3]) * 60 + Number(cpu[4]) : NaN;
  return {
    seconds,
    cpuSeconds,
    peakBytes: peak,
    samples: Number(m?.[1] ?? NaN),
    blocks: Number(m?.[2] ?? NaN),
  };
}

const runs = argument("runs", 3);
await build();
const files = await prepare();
const results: Run[] = [];
const loadBefore = loadAverage();
for (let i = 0; i < runs; i++) {
  const r = await once(files);
  console.error(
    `run ${i + 1}: ${r.seconds.toFixed(1)} s, CPU ${r.cpuSeconds.toFixed(1)} s, peak ${(r.peakBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  results.push(r);
}
const loadAfter = loadAverage();
const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
const median = sorted[Math.floor(sorted.length / 2)]!;
const maxPeak = Math.max(...results.map((r) => r.peakBytes));
const verdict = (ok: boolean) => (ok ? "**goal met**" : "**goal not met**");
const section = `## Import (kapasitas import)

Goal (issue 10): a fiscal year of 60 OPDs and 2 uplinks from 5-minute RRD files imported in **under
60 s** with **under 1 GiB** peak memory on this machine.

Reproduce (the first run makes 62 RRD files with rrdtool, cached in \`$TMPDIR/kapasitas-import-bench-v1\`):

\`\`\`sh
npm run bench:import -- --runs ${runs}
\`\`\`

| measured ${new Date().toISOString().slice(0, 10)} (commit ${gitCommit()}), load average ${loadBefore} → ${loadAfter} | |
| --- | --- |
| wall time, ${runs} runs, empty storage each time | ${results.map((r) => r.seconds.toFixed(1)).join(", ")} s; median **${median.seconds.toFixed(1)} s**: ${verdict(median.seconds < 60)} |
| CPU (user + system), the command and its children | ${results.map((r) => r.cpuSeconds.toFixed(1)).join(", ")} s |
| peak memory, the command and its rrdtool children together | ${results.map((r) => (r.peakBytes / 2 ** 20).toFixed(0)).join(", ")} MiB: ${verdict(maxPeak < 2 ** 30)} |
| samples written, blocks | ${median.samples.toLocaleString("en")} in ${median.blocks} blocks |

Setup: 62 RRD files (\`rrdtool create\` with one AVERAGE archive of 106,000 5-minute rows, COUNTER
data sources \`traffic_in\`/\`traffic_out\` as Cacti names them, 105,120 updates each), the mapping
naming one link per OPD and uplink. \`kapasitas import\` runs from \`dist/\`: \`rrdtool dump\` per file
(the next file dumped while this one is parsed), the recorded series cut into XOR chunks as they are
read, one TSDB block per UTC month written directly (no promtool), the blocks moved into the storage
folder. Memory is the resident set of the command's whole process tree, sampled every 50 ms. Before
the blocks were written directly (\`promtool tsdb create-blocks-from openmetrics\` per month, still
available as \`--promtool\`): 141.5 s CPU, 944.9 s wall at load ~22, 19 blocks (commit 33de28c).
`;
const path = join(REPO_ROOT, "BENCHMARKS.md");
writeFileSync(path, withSection(readFileSync(path, "utf8"), section, "import"));
console.error(`wrote the import section of ${path}`);
