// The MRTG log parser against what a real `mrtg` (Debian package) writes: a few polling cycles of a
// real snmpd whose counters the test moves (pass_persist), then the log read and imported. The
// counters move three times as fast out as in, so every row MRTG averages has out = 3 × in.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../core/load.js";
import { loadMappingOrThrow } from "../import/mapping.js";
import { mrtgLogRows } from "../import/mrtg-log.js";
import { runImport } from "../import/run.js";
import { requireBinary } from "../lab/binaries.js";
import { waitFor } from "../lab/process.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";

const run = promisify(execFile);
const SUBTREE = "1.3.6.1.4.1.99999.1";
const IN = `${SUBTREE}.1.0`;
const OUT = `${SUBTREE}.2.0`;
const CYCLES = 4;

const work = mkdtempSync(join(tmpdir(), "kapasitas-import-mrtg-"));
let agent: Snmpd;
let log: string;
const served: { in: number; out: number }[] = [];

beforeAll(async () => {
  const mrtg = requireBinary("mrtg");
  agent = await startSnmpd({ passPersist: [{ subtree: SUBTREE, values: {} }] });
  const config = join(work, "mrtg.cfg");
  writeFileSync(
    config,
    [
      `WorkDir: ${work}`,
      // Two counters by OID, in&out, as for any device MRTG polls.
      `Target[dinkes]: ${IN}&${OUT}:${agent.community}@127.0.0.1:${agent.port}`,
      "MaxBytes[dinkes]: 12500000",
      "Title[dinkes]: Dinas Kesehatan",
      "",
    ].join("\n"),
  );
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const counters = { in: 1000 + cycle * 300_000, out: 5000 + cycle * 900_000 };
    served.push(counters);
    agent.setServed(SUBTREE, {
      [IN]: { type: "counter", value: counters.in },
      [OUT]: { type: "counter", value: counters.out },
    });
    const second = Math.floor(Date.now() / 1000);
    // mrtg refuses a UTF-8 LANG; its lock and config cache stay in the work dir.
    await run(
      mrtg,
      ["--lock-file", join(work, "mrtg.lock"), "--confcache-file", join(work, "mrtg.ok"), config],
      {
        env: { ...process.env, LANG: "C", LC_ALL: "C" },
      },
    );
    // MRTG averages over whole seconds: the next cycle starts in a later one.
    await waitFor("the next second", () => Math.floor(Date.now() / 1000) > second, {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
  }
  log = readFileSync(join(work, "dinkes.log"), "utf8");
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("what a real mrtg writes", () => {
  it("starts with the last counters MRTG read", () => {
    const [, inC, outC] = log.split("\n")[0]!.split(" ").map(Number);
    expect(inC).toBe(served.at(-1)!.in);
    expect(outC).toBe(served.at(-1)!.out);
  });

  it("parses every row, drops MRTG's zero padding, and keeps out = 3 × in", () => {
    const rows = mrtgLogRows(log, "dinkes.log");
    const written = log.trimEnd().split("\n").length - 1;
    // MRTG pads its tiers back about two years with zero rows; only the measured rows remain.
    expect(written).toBeGreaterThan(2000);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(CYCLES + 2);
    for (const row of rows) {
      expect(row.outBps).toBeCloseTo(3 * row.inBps, -1);
      expect(row.stepS).toBeGreaterThanOrEqual(300);
    }
    // Newest first, in bytes per second: MRTG's first row is the last interval.
    expect(rows[0]!.endS).toBe(Number(log.split("\n")[0]!.split(" ")[0]));
  });

  it("imports as source mrtg, through the link's faces", async () => {
    const inventory = loadInventoryOrThrow("test/fixtures/import/inventory.yaml");
    writeFileSync(join(work, "import.yaml"), "sources:\n  - file: dinkes.log\n    link: dinkes-1\n");
    mkdirSync(join(work, "tsdb"));
    const result = await runImport({
      inventory,
      tsdb: join(work, "tsdb"),
      sources: loadMappingOrThrow(join(work, "import.yaml"), inventory),
    });
    expect(result.imported).toHaveLength(1);
    expect(result.imported[0]).toMatchObject({ source: "mrtg", link: "dinkes-1" });
    expect(result.blocks.length).toBeGreaterThan(0);
  });
});
