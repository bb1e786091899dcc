// kapasitas import end to end with the real rrdtool, promtool and Prometheus: RRD files made the way
// MRTG and Cacti make them (their default archives), filled with a generated year whose figures are
// known by construction, imported, then read back by the report engine. Where 5-minute rows exist the
// figures are exact; where only daily rows are left they are the daily averages, marked as a lower
// bound. Collected data wins over imported; importing twice changes nothing; an overlapping file is
// refused and leaves the store as it was.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED } from "../core/contract.js";
import { loadInventoryOrThrow } from "../core/load.js";
import type { Inventory } from "../core/schema.js";
import { loadMappingOrThrow } from "../import/mapping.js";
import { runImport, type ImportResult } from "../import/run.js";
import { buildReport, type EntityReport, type Report } from "../report/engine.js";
import { nearestRank } from "../report/figures.js";
import { parsePeriod, parseRange } from "../report/period.js";
import { PrometheusClient } from "../report/prometheus.js";
import { detailTable } from "../report/tables.js";
import { formatter } from "../report/i18n.js";
import { backfillFile, openMetrics, startPrometheus, type Prometheus } from "../lab/prometheus.js";
import { writeRrd } from "../lab/rrd.js";

const TZ = "Asia/Jakarta";
/** 2025-01-01 00:00 WIB: the first counter; slot k ends at START + (k + 1) * 300. */
const START = Date.UTC(2024, 11, 31, 17) / 1000;
const SLOTS = 365 * 288;
const INVENTORY = "test/fixtures/import/inventory.yaml";

/** Bytes/s in slot k: a weekday factor (UTC days) × low 90% / busy 9% / peak 1% of the time. */
function rate(k: number, busy: number): number {
  const day = Math.floor((START + (k + 1) * 300 - 1) / 86_400);
  const factor = 1 + (day % 7) / 10;
  const q = k % 100;
  return Math.round(busy * factor * (q < 90 ? 0.2 : q < 99 ? 1 : 1.5));
}
// dinkes-1 faces the OPD (MRTG, ds0 = in = upload); bappeda-wan faces the city (Cacti, in = download).
const DINKES = { in: 500_000, out: 2_000_000 };
const BAPPEDA = { in: 3_000_000, out: 400_000 };

/** What the report must find for slots ending at `ends`, given what each slot rests on. */
function expected(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p95: nearestRank(sorted, 0.95),
    peak: sorted.at(-1),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}
const slotIndex = (endS: number) => (endS - START) / 300 - 1;
/** The average rrdtool's daily archive holds for the UTC day a slot ends in (bits/s). */
function dailyAverage(endS: number, busy: number): number {
  const dayEnd = Math.ceil(endS / 86_400) * 86_400;
  let sum = 0;
  for (let t = dayEnd - 86_400 + 300; t <= dayEnd; t += 300) sum += rate(slotIndex(t), busy);
  return (sum / 288) * 8;
}
const slotEnds = (fromS: number, toS: number) =>
  Array.from({ length: (toS - fromS) / 300 }, (_, i) => fromS + (i + 1) * 300);

const work = mkdtempSync(join(tmpdir(), "kapasitas-import-rrd-"));
const tsdb = join(work, "tsdb");
let inventory: Inventory;
let first: ImportResult;
let prometheus: Prometheus;

/** Everything in the store: names, sizes, the ledger's bytes. */
function snapshot(): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      const info = statSync(path);
      return info.isDirectory() ? walk(path) : [`${path.slice(tsdb.length)} ${info.size}`];
    });
  return walk(tsdb).sort().join("\n");
}

beforeAll(async () => {
  inventory = loadInventoryOrThrow(INVENTORY);
  await writeRrd(join(work, "dinkes.rrd"), {
    layout: "mrtg",
    ds: ["ds0", "ds1"],
    startS: START,
    slots: SLOTS,
    maxBytes: 12_500_000,
    rate: (k) => [rate(k, DINKES.in), rate(k, DINKES.out)],
  });
  await writeRrd(join(work, "bappeda.rrd"), {
    layout: "cacti",
    ds: ["traffic_in", "traffic_out"],
    startS: START,
    slots: SLOTS,
    rate: (k) => [rate(k, BAPPEDA.in), rate(k, BAPPEDA.out)],
  });
  writeFileSync(
    join(work, "import.yaml"),
    [
      "sources:",
      "  - file: dinkes.rrd     # MRTG, RRD mode",
      "    link: dinkes-1",
      "  - file: bappeda.rrd    # Cacti",
      "    link: bappeda-wan",
      "    max_mbps: 1000",
      "",
    ].join("\n"),
  );
  mkdirSync(tsdb);
  // Collected data for dinkes's download on 2025-12-31 (WIB): a flat 1 Mbit/s, at rule-evaluation
  // times that are not on the 5-minute grid.
  const collectedFrom = Date.UTC(2025, 11, 30, 17) / 1000;
  const collected = openMetrics([
    {
      name: RECORDED.opdBits,
      type: "gauge",
      labels: { direction: "download", opd: "dinkes" },
      samples: slotEnds(collectedFrom, collectedFrom + 86_400).map((t) => ({ t: t - 17, v: 1e6 })),
    },
  ]);
  writeFileSync(join(work, "collected.om"), collected);
  await backfillFile(join(work, "collected.om"), tsdb);

  const sources = loadMappingOrThrow(join(work, "import.yaml"), inventory);
  first = await runImport({ inventory, tsdb, sources });
  prometheus = await startPrometheus({ dataDir: tsdb });
}, 240_000);

afterAll(async () => {
  await prometheus?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function reportFor(period: ReturnType<typeof parseRange>): Promise<Report> {
  return buildReport({ inventory, period, client: new PrometheusClient({ url: prometheus.url }) });
}
const entity = (report: Report, id: string): EntityReport => report.opds.find((e) => e.id === id)!;

describe("RRD files as MRTG and Cacti make them", () => {
  it("imports every AVERAGE archive at its own resolution, the finest for each stretch", () => {
    const byLink = Object.fromEntries(first.imported.map((i) => [i.link, i.slots]));
    // MRTG: 800 rows each of 5 min, 30 min (6 slots), 2 h (24) and 1 day (288); each finer
    // archive takes its stretch from the coarser one.
    expect(byLink["dinkes-1"]!["5m"]).toBe(800);
    expect(byLink["dinkes-1"]!["30m"]).toBe(800 * 6 - 800);
    // Cacti: 600 × 5 min, 700 × 30 min, 775 × 2 h, 797 × 1 day.
    expect(byLink["bappeda-wan"]!["5m"]).toBe(600);
    expect(byLink["bappeda-wan"]!["30m"]).toBe(700 * 6 - 600);
    expect(first.blocks.length).toBeGreaterThan(0);
  });

  it("labels the recorded series as the rules do, plus resolution and source", async () => {
    const series = await prometheus.query(
      `count by (opd, direction, resolution, source) (${RECORDED.opdBits})`,
      END_S(),
    );
    const labels = series
      .map((s) => s.metric)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(labels).toContainEqual({ opd: "dinkes", direction: "upload", resolution: "5m", source: "rrd" });
    expect(labels).toContainEqual({ opd: "bappeda", direction: "download", resolution: "5m", source: "rrd" });
  });

  it("is exact where 5-minute rows exist, with faces deciding download and upload", async () => {
    const report = await reportFor(parseRange("2025-12-30", "2025-12-30", TZ));
    const from = Date.UTC(2025, 11, 29, 17) / 1000;
    const ends = slotEnds(from, from + 86_400);
    const cases = [
      // dinkes faces the OPD: download is MRTG's out (ds1), upload its in (ds0).
      { d: entity(report, "dinkes").upload, busy: DINKES.in },
      { d: entity(report, "dinkes").download, busy: DINKES.out },
      // bappeda's link faces the city: download is Cacti's traffic_in.
      { d: entity(report, "bappeda").download, busy: BAPPEDA.in },
      { d: entity(report, "bappeda").upload, busy: BAPPEDA.out },
    ];
    for (const { d, busy } of cases) {
      const want = expected(ends.map((t) => rate(slotIndex(t), busy) * 8));
      expect(d.coverage).toBe(1);
      expect(d.p95Bps).toBe(want.p95);
      expect(d.peakBps).toBe(want.peak);
      expect(d.meanBps).toBeCloseTo(want.mean!, 3);
      expect(d.fiveMinuteShare).toBe(1);
      expect(d.coarserShare).toBe(0);
      expect(d.p95LowerBound).toBe(false);
    }
  });

  it("gives the daily averages where only daily rows are left, and marks the p95 as a lower bound", async () => {
    const report = await reportFor(parsePeriod("2025-03", TZ, 1));
    const from = Date.UTC(2025, 1, 28, 17) / 1000;
    const ends = slotEnds(from, from + 31 * 86_400);
    for (const { d, busy } of [
      { d: entity(report, "dinkes").download, busy: DINKES.out },
      { d: entity(report, "bappeda").download, busy: BAPPEDA.in },
    ]) {
      const want = expected(ends.map((t) => dailyAverage(t, busy)));
      expect(d.coverage).toBe(1);
      expect(d.p95Bps! / want.p95!).toBeCloseTo(1, 9);
      expect(d.peakBps! / want.peak!).toBeCloseTo(1, 9);
      expect(d.fiveMinuteShare).toBe(0);
      expect(d.coarserShare).toBe(1);
      expect(d.p95LowerBound).toBe(true);
      // A daily average hides the busy hour: the true 5-minute p95 is higher.
      expect(d.p95Bps!).toBeLessThan(expected(ends.map((t) => rate(slotIndex(t), busy) * 8)).p95!);
    }
    const table = detailTable(report, formatter("en", TZ));
    const column = table.columns.findIndex((c) => c.key === "p95_lower_bound");
    const dinkesRow = table.rows.find((r) => r[1] === "dinkes")!;
    expect(dinkesRow[column]).toBe("≥ (lower bound)");
  });

  it("states the share of 5-minute and coarser data over the whole year", async () => {
    const report = await reportFor(parsePeriod("2025", TZ, 1));
    const d = entity(report, "dinkes").upload;
    // 800 5-minute slots of 365 × 288 - the first, partly unknown day (xff 0.5).
    expect(d.fiveMinuteShare! * d.samples).toBeCloseTo(800, 6);
    expect(d.p95LowerBound).toBe(true);
  });

  it("lets collected data win where both exist", async () => {
    const report = await reportFor(parseRange("2025-12-31", "2025-12-31", TZ));
    const dinkes = entity(report, "dinkes");
    expect(dinkes.download.p95Bps).toBe(1e6);
    expect(dinkes.download.peakBps).toBe(1e6);
    expect(dinkes.download.fiveMinuteShare).toBe(1);
    // Upload has no collected data: the imported 5-minute rows stand.
    const from = Date.UTC(2025, 11, 30, 17) / 1000;
    expect(dinkes.upload.p95Bps).toBe(
      expected(slotEnds(from, from + 86_400).map((t) => rate(slotIndex(t), DINKES.in) * 8)).p95,
    );
  });
});

describe("the store stays as it was", () => {
  // Prometheus compacts overlapping blocks on its own schedule: compare the store with it stopped.
  beforeAll(async () => prometheus.stop());

  it("importing the same files twice changes nothing", async () => {
    const before = snapshot();
    const again = await runImport({
      inventory,
      tsdb,
      sources: loadMappingOrThrow(join(work, "import.yaml"), inventory),
    });
    expect(again.skipped).toHaveLength(2);
    expect(again.blocks).toEqual([]);
    expect(snapshot()).toBe(before);
  });

  it("refuses a file that overlaps one already imported for the same link", async () => {
    const before = snapshot();
    const ledger = readFileSync(join(tsdb, "kapasitas-imports.json"), "utf8");
    writeFileSync(join(work, "later.csv"), "time,in,out\n2025-12-31T10:00:00,1,2\n2025-12-31T10:05:00,1,2\n");
    writeFileSync(
      join(work, "overlap.yaml"),
      "sources:\n  - file: later.csv\n    link: dinkes-1\n    unit: Mbps\n    timezone: Asia/Jakarta\n",
    );
    const sources = loadMappingOrThrow(join(work, "overlap.yaml"), inventory);
    await expect(runImport({ inventory, tsdb, sources })).rejects.toThrow(
      /later\.csv: overlaps .*dinkes\.rrd/,
    );
    expect(snapshot()).toBe(before);
    expect(readFileSync(join(tsdb, "kapasitas-imports.json"), "utf8")).toBe(ledger);
  });
});

function END_S(): number {
  return START + SLOTS * 300;
}
