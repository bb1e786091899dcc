// The TSDB blocks `kapasitas import` writes itself (import/blocks.ts), checked by the real tools:
// `promtool tsdb analyze` reads every block, `promtool tsdb dump` gives back exactly the samples
// written (bit-exact floats), the same as when promtool writes the blocks (--promtool), and a real
// Prometheus started on the storage answers range queries with those exact values. The history
// crosses a month boundary (two blocks), holds series of two resolutions, a gap, awkward floats and
// more than 120 samples per series (several chunks). And a disk that fills up while the blocks are
// written (a small tmpfs) leaves the store as it was.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED } from "../core/contract.js";
import { loadInventoryOrThrow } from "../core/load.js";
import { loadMappingOrThrow } from "../import/mapping.js";
import { runImport } from "../import/run.js";
import { findBinary } from "../lab/binaries.js";
import { run, runOrThrow } from "../lab/process.js";
import { promtool, startPrometheus, type Prometheus } from "../lab/prometheus.js";

const REPO_ROOT = resolve(import.meta.dirname, "..");
const INVENTORY = join(REPO_ROOT, "test/fixtures/import/inventory.yaml");
const work = mkdtempSync(join(tmpdir(), "kapasitas-import-blocks-"));
const direct = join(work, "direct");
const viaPromtool = join(work, "promtool");
/** 2025-01-31 22:00 UTC: two hours before February. */
const FROM = Date.UTC(2025, 0, 31, 22) / 1000;

/** The CSV rows (end time, in, out, step) and the samples they must become, key `labels@ms`. */
function history() {
  const rows: { t: number; in: number; out: number }[] = [];
  let t = FROM;
  // 5-minute rows into February, 30-minute rows (a coarser stretch), then 5-minute rows again.
  for (const [step, count] of [
    [300, 48],
    [1800, 8],
    [300, 216],
  ] as const) {
    for (let i = 0; i < count; i++) {
      t += step;
      const k = rows.length;
      rows.push({ t, in: 1234567.891 + k * 0.1, out: (k * 1e5) / 3 + Math.sqrt(k) });
    }
  }
  const samples = new Map<string, number>();
  const label = (direction: string, step: number) =>
    `{__name__="${RECORDED.opdBits}", direction="${direction}", opd="dinkes", resolution="${step === 300 ? "5m" : "30m"}", source="csv"}`;
  rows.forEach((row, k) => {
    const step = k === 0 ? rows[1]!.t - row.t : row.t - rows[k - 1]!.t;
    for (let slot = row.t - step + 300; slot <= row.t; slot += 300) {
      // dinkes-1 faces the OPD: its out is the OPD's download.
      samples.set(`${label("download", step)}@${slot * 1000}`, row.out);
      samples.set(`${label("upload", step)}@${slot * 1000}`, row.in);
    }
  });
  const csv = ["time,in,out", ...rows.map((r) => `${r.t},${r.in},${r.out}`), ""].join("\n");
  return { csv, samples, lastS: t };
}

const { csv, samples, lastS } = history();

/** `promtool tsdb dump` of a storage folder as label set @ ms → value. */
async function dump(tsdb: string): Promise<Map<string, number>> {
  // promtool opens the folder as a database: it wants the WAL folder Prometheus would have made.
  mkdirSync(join(tsdb, "wal"), { recursive: true });
  const result = await promtool(["tsdb", "dump", tsdb]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const out = new Map<string, number>();
  for (const line of result.stdout.trim().split("\n")) {
    const m = /^(\{.*\}) (\S+) (\d+)$/.exec(line);
    if (!m) throw new Error(`promtool dump line not understood: ${line}`);
    out.set(`${m[1]}@${m[3]}`, Number(m[2]));
  }
  return out;
}

interface Meta {
  minTime: number;
  maxTime: number;
  stats: { numSamples: number; numSeries: number };
}
const metaOf = (tsdb: string, block: string) =>
  JSON.parse(readFileSync(join(tsdb, block, "meta.json"), "utf8")) as Meta;
const blocksOf = (tsdb: string) => readdirSync(tsdb).filter((d) => /^[0-9A-Z]{26}$/.test(d));

let prometheus: Prometheus | undefined;

const kapasitasImport = (mapping: string, storage: string) =>
  run(
    process.execPath,
    [
      "--import",
      "tsx",
      join(REPO_ROOT, "cli/kapasitas.ts"),
      "import",
      "--inventory",
      INVENTORY,
      "--mapping",
      mapping,
      "--storage",
      storage,
    ],
    { cwd: REPO_ROOT },
  );

beforeAll(async () => {
  for (const dir of [direct, viaPromtool]) mkdirSync(dir);
  writeFileSync(join(work, "dinkes.csv"), csv);
  writeFileSync(
    join(work, "import.yaml"),
    "sources:\n  - file: dinkes.csv\n    link: dinkes-1\n    unit: bps\n    timezone: +00:00\n",
  );
  // The real command, as an operator runs it.
  const result = await kapasitasImport(join(work, "import.yaml"), direct);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`${samples.size} samples in 2 block(s)`);
  // The same file through promtool's own block writer.
  const inventory = loadInventoryOrThrow(INVENTORY);
  await runImport({
    inventory,
    tsdb: viaPromtool,
    sources: loadMappingOrThrow(join(work, "import.yaml"), inventory),
    promtool: findBinary("promtool")!,
  });
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("blocks written directly", { timeout: 120_000 }, () => {
  it("one block per UTC month, each read by promtool tsdb analyze", async () => {
    const blocks = blocksOf(direct);
    expect(blocks).toHaveLength(2);
    const metas = blocks.map((b) => metaOf(direct, b)).sort((a, b) => a.minTime - b.minTime);
    const february = Date.UTC(2025, 1, 1);
    expect(metas.map((m) => [m.minTime, m.maxTime])).toEqual([
      [(FROM + 300) * 1000, february - 300_000 + 1],
      [february, lastS * 1000 + 1],
    ]);
    expect(metas.reduce((n, m) => n + m.stats.numSamples, 0)).toBe(samples.size);
    mkdirSync(join(direct, "wal"), { recursive: true });
    for (const block of blocks) {
      const result = await promtool(["tsdb", "analyze", direct, block]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Block ID: ${block}`);
    }
    // January: 5-minute series only; February: both resolutions, both directions.
    expect(metas.map((m) => m.stats.numSeries)).toEqual([2, 4]);
  });

  it("promtool tsdb dump gives back exactly the samples written, as promtool's own blocks do", async () => {
    const written = await dump(direct);
    expect(written.size).toBe(samples.size);
    for (const [key, value] of samples) expect(Object.is(written.get(key), value), key).toBe(true);
    expect(await dump(viaPromtool)).toEqual(written);
  });

  it("a real Prometheus on the storage answers range queries with the exact values", async () => {
    prometheus = await startPrometheus({ dataDir: direct });
    const result = await prometheus.queryRange(`${RECORDED.opdBits}{opd="dinkes"}`, FROM, lastS, 300);
    expect(result).toHaveLength(4);
    let seen = 0;
    for (const s of result) {
      const { __name__: name, ...rest } = s.metric;
      const labels = `{__name__="${name ?? RECORDED.opdBits}", ${Object.entries(rest)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ")}}`;
      for (const point of s.values) {
        // A range query also repeats a sample for up to 5 minutes after it (lookback): compare the
        // instants the series has a sample at.
        const want = samples.get(`${labels}@${point.t * 1000}`);
        if (want === undefined) continue;
        expect(Object.is(point.v, want), `${labels} at ${point.t}`).toBe(true);
        seen++;
      }
    }
    expect(seen).toBe(samples.size);
  });
});

describe("a disk that fills up while the blocks are written", { timeout: 120_000 }, () => {
  const full = join(work, "full");
  let mounted = false;

  afterAll(async () => {
    if (mounted) await runOrThrow("umount", [full]);
  });

  it("fails with the system's word for it and leaves the store as it was", async () => {
    // Two months of 5-minute rows with values that do not compress: ~300 KB of blocks for 128 KB.
    const rows = ["time,in,out"];
    for (let k = 1; k <= 2 * 30 * 288; k++)
      rows.push(`${FROM + k * 300},${Math.sin(k) * 1e6 + 2e6},${k * Math.PI}`);
    writeFileSync(join(work, "big.csv"), rows.join("\n") + "\n");
    writeFileSync(
      join(work, "big.yaml"),
      "sources:\n  - file: big.csv\n    link: dinkes-1\n    unit: bps\n    timezone: +00:00\n",
    );
    mkdirSync(full);
    await runOrThrow("mount", ["-t", "tmpfs", "-o", "size=128k", "tmpfs", full]);
    mounted = true;
    writeFileSync(join(full, "queries.active"), "");
    const listing = () =>
      readdirSync(full, { recursive: true })
        .map((f) => `${String(f)} ${statSync(join(full, String(f))).size}`)
        .sort();
    const before = listing();
    const result = await kapasitasImport(join(work, "big.yaml"), full);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no space left on device/);
    expect(result.stderr).toMatch(/nothing imported: the store is as it was/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(listing()).toEqual(before);
  });
});
