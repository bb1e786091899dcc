// `kapasitas import` as an operator runs it (the real command, rrdtool, promtool, Prometheus): a CSV
// with a time-zone offset and a unit, a second Prometheus as the source, and every bad input the
// issue lists, each refused with a clear message (no stack) and the store left exactly as it was.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRICS, RECORDED } from "../core/contract.js";
import { openMetrics, startPrometheus, type Prometheus } from "../lab/prometheus.js";
import { run } from "../lab/process.js";
import { findBinary } from "../lab/binaries.js";
import { loadInventoryOrThrow } from "../core/load.js";
import { loadMappingOrThrow } from "../import/mapping.js";
import { runImport } from "../import/run.js";
import { writeRrd } from "../lab/rrd.js";

const REPO_ROOT = resolve(import.meta.dirname, "..");
const INVENTORY = join(REPO_ROOT, "test/fixtures/import/inventory.yaml");
const work = mkdtempSync(join(tmpdir(), "kapasitas-import-inputs-"));
const tsdb = join(work, "tsdb");
/** 2025-06-01 00:00 UTC. */
const DAY = Date.UTC(2025, 5, 1) / 1000;

function kapasitas(args: string[]) {
  return run(process.execPath, ["--import", "tsx", join(REPO_ROOT, "cli/kapasitas.ts"), ...args], {
    cwd: REPO_ROOT,
  });
}
const importWith = (mapping: string) =>
  kapasitas(["import", "--inventory", INVENTORY, "--mapping", join(work, mapping), "--storage", tsdb]);

function snapshot(): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      const info = statSync(path);
      return info.isDirectory() ? walk(path) : [`${path.slice(tsdb.length)} ${info.size} ${info.mtimeMs}`];
    });
  return walk(tsdb).sort().join("\n");
}

let source: Prometheus;
let target: Prometheus | undefined;

beforeAll(async () => {
  mkdirSync(tsdb);
  // A second Prometheus (a test install) holding the collector's raw counters for dinkes, one
  // scrape a minute: 1 Mbit/s down, 2 Mbit/s up.
  const scrapes = Array.from({ length: 24 * 60 + 1 }, (_, i) => DAY - 600 + i * 60);
  source = await startPrometheus({
    backfill: [
      openMetrics(
        (["download", "upload"] as const).map((direction) => ({
          name: METRICS.opdLinkBytes,
          type: "counter" as const,
          labels: { job: "kapasitas-snmp", opd: "dinkes", link: "dinkes-1", device: "core-1", direction },
          samples: scrapes.map((t, i) => ({ t, v: i * 60 * (direction === "download" ? 125_000 : 250_000) })),
        })),
      ),
    ],
  });
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await target?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("sources that import", { timeout: 120_000 }, () => {
  it("a CSV export with its own time-zone offset and a unit", async () => {
    writeFileSync(
      join(work, "satpol.csv"),
      [
        "waktu,rx,tx",
        "2025-06-01T07:05:00+07:00,2,7",
        "2025-06-01T07:10:00+07:00,2,7",
        "2025-06-01T07:15:00+07:00,2,7",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(work, "csv.yaml"),
      "sources:\n  - file: satpol.csv\n    link: satpol-1\n    unit: Mbps\n    timezone: Asia/Makassar\n    max_mbps: 100\n",
    );
    const result = await importWith("csv.yaml");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /imported .*satpol\.csv → satpol-1 \(csv\), 2025-06-01 00:05 to 2025-06-01 00:15 UTC; 5-minute slots by resolution: 5m: 3/,
    );
  });

  it("another Prometheus over its HTTP API, with the rules' own expression", async () => {
    const result = await kapasitas([
      "import",
      "--inventory",
      INVENTORY,
      "--from-prometheus",
      source.url,
      "--from",
      "2025-06-01T00:00:00Z",
      "--to",
      "2025-06-01T12:00:00Z",
      "--storage",
      tsdb,
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/imported http:\/\/127\.0\.0\.1:\d+ → \* \(prometheus\)/);
  });

  it("reads back as the recorded series, labelled, in the OPD's directions", async () => {
    target = await startPrometheus({ dataDir: tsdb });
    // The CSV's 07:05 +07:00 is 00:05 UTC; satpol-1 faces the OPD, so download is the out column.
    const csv = await target.query(`${RECORDED.opdBits}{opd="satpol-pp"}`, DAY + 300);
    expect(
      csv.map((s) => [s.metric.direction, s.metric.source, s.metric.resolution, s.value.v]).sort(),
    ).toEqual([
      ["download", "csv", "5m", 7e6],
      ["upload", "csv", "5m", 2e6],
    ]);
    const fromProm = await target.query(`${RECORDED.opdBits}{opd="dinkes"}`, DAY + 6 * 3600);
    // Stopped before any check: a running Prometheus compacts the store on its own schedule.
    await target.stop();
    const byDirection = Object.fromEntries(fromProm.map((s) => [s.metric.direction, s]));
    expect(byDirection.download!.metric.source).toBe("prometheus");
    expect(byDirection.download!.value.v).toBeCloseTo(1e6, 6);
    expect(byDirection.upload!.value.v).toBeCloseTo(2e6, 6);
    target = undefined;
  });

  it("and the raw counters, labelled as the collector labelled them, plus source", async () => {
    target = await startPrometheus({ dataDir: tsdb });
    const { result: raw } = await target.api<{
      result: { metric: Record<string, string>; values: [number, string][] }[];
    }>("query", { query: `${METRICS.opdLinkBytes}{opd="dinkes"}[12h]`, time: String(DAY + 12 * 3600) });
    await target.stop();
    target = undefined;
    expect(raw.map((s) => s.metric).sort((a, b) => (a.direction! < b.direction! ? -1 : 1))).toEqual(
      (["download", "upload"] as const).map((direction) => ({
        __name__: METRICS.opdLinkBytes,
        job: "kapasitas-snmp",
        opd: "dinkes",
        link: "dinkes-1",
        device: "core-1",
        direction,
        source: "prometheus",
      })),
    );
    // The source's scrapes after --from up to --to, each value as it was.
    for (const s of raw) {
      const perSecond = s.metric.direction === "download" ? 125_000 : 250_000;
      expect(s.values).toHaveLength(720);
      for (const [t, v] of s.values) expect(Number(v)).toBe((t - (DAY - 600)) * perSecond);
    }
  });
});

// Each case runs the command once or more (a few seconds each on a loaded 2-core machine).
describe("bad input: a clear message, and the store as it was", { timeout: 180_000 }, () => {
  const refused = async (mapping: string, message: RegExp) => {
    const before = snapshot();
    const result = await importWith(mapping);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/nothing imported: the store is as it was/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot()).toBe(before);
  };
  const csv = (name: string, rows: string[]) =>
    writeFileSync(join(work, name), ["time,in,out", ...rows, ""].join("\n"));
  const mapping = (name: string, body: string) => writeFileSync(join(work, name), `sources:\n${body}`);

  it("an RRD whose data sources cannot be mapped", async () => {
    await writeRrd(join(work, "odd.rrd"), {
      layout: "cacti",
      ds: ["rx", "tx"],
      startS: DAY + 86_400,
      slots: 12,
      rate: () => [1000, 2000],
    });
    mapping("odd.yaml", "  - { file: odd.rrd, link: bappeda-wan }\n");
    await refused("odd.yaml", /odd\.rrd: cannot tell in from out: the RRD's data sources are "rx", "tx"/);
  });

  it("a truncated RRD and a truncated MRTG log", async () => {
    await writeRrd(join(work, "whole.rrd"), {
      layout: "mrtg",
      ds: ["ds0", "ds1"],
      startS: DAY + 86_400,
      slots: 12,
      rate: () => [1000, 2000],
    });
    const bytes = readFileSync(join(work, "whole.rrd"));
    writeFileSync(join(work, "cut.rrd"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    mapping("cut.yaml", "  - { file: cut.rrd, link: bappeda-wan }\n");
    await refused("cut.yaml", /cut\.rrd: rrdtool cannot read it: /);
    writeFileSync(
      join(work, "cut.log"),
      `${DAY + 90_000} 1 2\n${DAY + 90_000} 10 20 30 40\n${DAY + 89_700} 10 2`,
    );
    mapping("cutlog.yaml", "  - { file: cut.log, link: bappeda-wan }\n");
    await refused("cutlog.yaml", /cut\.log:3: expected `time avg-in avg-out max-in max-out`.*truncated\?/);
  });

  it("a CSV with an unknown unit or time zone, at the mapping's line and column", async () => {
    csv("ok.csv", ["2025-06-02T00:05:00Z,1,1"]);
    mapping("unit.yaml", "  - file: ok.csv\n    link: bappeda-wan\n    unit: megabit\n    timezone: UTC\n");
    await refused("unit.yaml", /unit\.yaml:4:11 sources\[0\]\.unit: unknown unit "megabit"/);
    mapping("zone.yaml", "  - file: ok.csv\n    link: bappeda-wan\n    unit: Mbps\n    timezone: WIB\n");
    await refused("zone.yaml", /zone\.yaml:5:15 sources\[0\]\.timezone: unknown time zone "WIB"/);
  });

  it("two files that overlap for the same link", async () => {
    csv("a.csv", ["2025-06-03T00:05:00Z,1,1", "2025-06-03T00:10:00Z,1,1"]);
    csv("b.csv", ["2025-06-03T00:10:00Z,1,1", "2025-06-03T00:15:00Z,1,1"]);
    const entry = (f: string) => `  - { file: ${f}, link: kominfo-a, unit: Mbps, timezone: UTC }\n`;
    mapping("overlap.yaml", entry("a.csv") + entry("b.csv"));
    await refused(
      "overlap.yaml",
      /b\.csv: overlaps .*a\.csv for link "kominfo-a" \(both hold 2025-06-03 00:10 to 2025-06-03 00:10 UTC\)/,
    );
  });

  it("timestamps in the future, negative and absurd rates", async () => {
    csv("future.csv", ["2099-01-01T00:05:00Z,1,1"]);
    mapping("future.yaml", "  - { file: future.csv, link: kominfo-b, unit: Mbps, timezone: UTC }\n");
    await refused("future.yaml", /future\.csv: a row at 2099-01-01T00:05:00\.000Z is in the future/);
    csv("negative.csv", ["2025-06-04T00:05:00Z,1,-3"]);
    mapping("negative.yaml", "  - { file: negative.csv, link: kominfo-b, unit: Mbps, timezone: UTC }\n");
    await refused("negative.yaml", /negative\.csv: negative out rate -3000000 bit\/s/);
    csv("absurd.csv", ["2025-06-04T00:05:00Z,1,1", "2025-06-04T00:10:00Z,2500,1"]);
    mapping(
      "absurd.yaml",
      "  - { file: absurd.csv, link: kominfo-b, unit: Mbps, timezone: UTC, max_mbps: 1000 }\n",
    );
    await refused(
      "absurd.yaml",
      /absurd\.csv: in rate 2\.50 Gbit\/s at 2025-06-04T00:10:00\.000Z is above the interface's 1\.00 Gbit\/s/,
    );
  });

  it("a storage folder that is not there", async () => {
    csv("late.csv", ["2025-06-05T00:05:00Z,1,1"]);
    mapping("late.yaml", "  - { file: late.csv, link: kominfo-b, unit: Mbps, timezone: UTC }\n");
    const result = await kapasitas([
      "import",
      "--inventory",
      INVENTORY,
      "--mapping",
      join(work, "late.yaml"),
      "--storage",
      join(work, "no-such-tsdb"),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no-such-tsdb is not a folder: give Prometheus's --storage\.tsdb\.path/);
  });

  it("a failure while writing blocks leaves nothing behind", async () => {
    // Every file read and checked, then the block writer fails (here: a promtool that exits 1).
    const inventory = loadInventoryOrThrow(INVENTORY);
    const sources = loadMappingOrThrow(join(work, "late.yaml"), inventory);
    const before = snapshot();
    await expect(runImport({ inventory, tsdb, sources, promtool: findBinary("false")! })).rejects.toThrow(
      /promtool could not write blocks/,
    );
    expect(snapshot()).toBe(before);
  });
});
