// `npm run demo -- --once`: the whole chain on loopback (snmpsimd agents generated from the sample
// inventory, the built collector, a real Prometheus with the mixin's rules and a backfilled quarter,
// the report CLI), checked by its results, the way a newcomer meets it: in a fresh clone of this
// repository's HEAD with nothing beside it. Plus the demo's pure parts: the quarter it reports and
// the recordings it serves; and the demo until Ctrl-C, in this work tree.
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "../core/contract.js";
import { loadInventoryOrThrow } from "../core/load.js";
import { measuredLinks } from "../core/model.js";
import { IF, MTXR_QUEUE } from "../collector/poll/oids.js";
import { compareOids, deviceRecording, liveBytesPerSecond } from "../demo/agents.js";
import { HISTORY_MONTHS, lastFullQuarter } from "../demo/history.js";
import { communityEnvName } from "../demo/inventory.js";
import type { ReportJson } from "../demo/summary.js";
import { run, runOrThrow, startDaemon, waitFor, type Daemon, type RunResult } from "../lab/process.js";
import { REPO_ROOT } from "../lab/snmpsim.js";

const sample = loadInventoryOrThrow(join(REPO_ROOT, "inventory", "tanjungpinang.yaml"));
const TZ = sample.timezone;

describe("the demo's quarter", () => {
  it("is the last fiscal quarter that has ended", () => {
    expect(lastFullQuarter(new Date("2026-11-28T01:00:00Z"), TZ, 1).spec).toBe("2026-Q3");
    expect(lastFullQuarter(new Date("2026-10-01T00:00:00+07:00"), TZ, 1).spec).toBe("2026-Q3");
    expect(lastFullQuarter(new Date("2026-09-30T23:59:00+07:00"), TZ, 1).spec).toBe("2026-Q2");
    expect(lastFullQuarter(new Date("2026-01-05T00:00:00Z"), TZ, 1).spec).toBe("2025-Q4");
    // A fiscal year from April: January-March 2026 is Q4 of fiscal year 2025.
    expect(lastFullQuarter(new Date("2026-05-01T00:00:00Z"), TZ, 4).spec).toBe("2025-Q4");
  });
});

describe("the demo's recordings", () => {
  const core = sample.devices.find((d) => d.id === "core-1")!;
  const rows = deviceRecording(sample, core, HISTORY_MONTHS)
    .split("\n")
    .map((line) => line.split("|"));

  it("are sorted by OID, as snmpsim answers GETNEXT in file order", () => {
    const oids = rows.map((r) => r[0]!);
    expect([...oids].sort(compareOids)).toEqual(oids);
  });

  it("hold a simple queue per OPD queue link, growing download on BytesOut and upload on BytesIn", () => {
    const queues = measuredLinks(sample).filter((l) => l.device === "core-1" && l.target.kind === "queue");
    const names = rows.filter((r) => r[0]!.startsWith(`${MTXR_QUEUE.name}.`));
    expect(names.map((r) => r[2])).toEqual(
      queues.map((q) => (q.target.kind === "queue" ? q.target.queue : "")),
    );
    const disdik = queues.find((q) => q.ownerId === "disdik")!;
    const index = names
      .find((r) => r[2] === "disdik")![0]!
      .split(".")
      .at(-1);
    const rate = (column: string) =>
      Number(/rate=(\d+)/.exec(rows.find((r) => r[0] === `${column}.${index}`)![2]!)![1]);
    expect(rate(MTXR_QUEUE.bytesOut)).toBe(
      Math.round(liveBytesPerSecond(sample, disdik, "download", HISTORY_MONTHS)),
    );
    expect(rate(MTXR_QUEUE.bytesIn)).toBe(
      Math.round(liveBytesPerSecond(sample, disdik, "upload", HISTORY_MONTHS)),
    );
  });

  it("name the uplink interfaces the inventory selects", () => {
    const names = rows.filter((r) => r[0]!.startsWith(`${IF.name}.`)).map((r) => r[2]);
    expect(names).toEqual(["sfp-sfpplus1", "ether1-iconplus"]);
  });
});

/**
 * A clone of HEAD (what is committed: work in progress is not in it) in an empty temporary directory,
 * so the clone has nothing beside it: no shared/ folder, no other checkout. node_modules is a link to
 * this checkout's: `npm ci` is what scripts/setup.sh runs and CI proves on every run; a second
 * install here would add a minute and need the registry or a warm cache, and prove nothing more
 * about what the repository holds. Everything else (dist/, the demo's inventory and output) is made
 * in the clone.
 */
async function freshClone(): Promise<{ parent: string; clone: string }> {
  const parent = mkdtempSync(join(tmpdir(), "kapasitas-fresh-clone-"));
  const clone = join(parent, "kapasitas");
  const head = (await runOrThrow("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT })).stdout.trim();
  await runOrThrow("git", ["clone", "--quiet", "--no-checkout", REPO_ROOT, clone]);
  await runOrThrow("git", ["checkout", "--quiet", "--detach", head], { cwd: clone });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(clone, "node_modules"), "dir");
  expect(readdirSync(parent)).toEqual(["kapasitas"]);
  return { parent, clone };
}

describe("npm run demo -- --once, in a fresh clone with nothing beside it", () => {
  let parent: string;
  let clone: string;
  let out: string;
  // Communities the test chooses, so it can check that none is ever printed.
  const communities = Object.fromEntries(
    sample.devices.map((d, i) => [communityEnvName(d.id), `kpTestSecret${i}x${process.pid}`]),
  );
  let result: RunResult;
  let report: ReportJson;
  const file = (ext: string) => join(out, `laporan-kapasitas-${report.period.spec}.${ext}`);

  beforeAll(async () => {
    ({ parent, clone } = await freshClone());
    out = join(clone, "out", "demo"); // the demo's default --out
    // The newcomer's command, word for word. The clone has no dist/: the demo runs `npm run build`.
    result = await run("npm", ["run", "demo", "--", "--once"], {
      cwd: clone,
      env: { ...process.env, ...communities },
      timeoutMs: 400_000,
    });
    const json = result.stdout.match(/\S+\.json/)?.[0];
    if (result.code === 0 && json)
      report = JSON.parse(readFileSync(resolve(clone, json), "utf8")) as ReportJson;
  }, 420_000);
  afterAll(() => {
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it("exits 0 and writes the report for the last full quarter, with every OPD", () => {
    expect(result.stderr).toContain("--once: stopped everything");
    expect(result.code).toBe(0);
    expect(report.period.spec).toBe(lastFullQuarter(new Date(), TZ, 1).spec);
    expect(report.opds.map((o) => o.id).sort()).toEqual(sample.opds.map((o) => o.id).sort());
    // The near-saturated public services the demo models lead the ranking.
    expect(report.ranking.underProvisioned.slice(0, 2)).toEqual(["disdukcapil", "dpmptsp"]);
  });

  it("writes a valid XLSX, PDF and CSV", async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(file("xlsx")) as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toContain("Ringkasan");
    expect(readFileSync(file("pdf")).subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const csv = readFileSync(file("csv"), "utf8");
    expect(csv.split("\n").filter((l) => l.includes(";")).length).toBeGreaterThan(2 * sample.opds.length);
  });

  it("summarises real OPDs with their live rates near the modelled load", () => {
    const disdukcapil = sample.opds.find((o) => o.id === "disdukcapil")!;
    const link = measuredLinks(sample).find((l) => l.ownerId === "disdukcapil")!;
    expect(result.stdout).toMatch(
      /1\. Disdukcapil +p95 [\d.]+ of 50\.0 Mbps download \(\d+%\), saturation: reached since [A-Z][a-z]+ \d{4}/,
    );
    const live = /^ +Disdukcapil +download +([\d.]+) \/ ([\d.]+) Mbps/m.exec(result.stdout);
    expect(live?.[2]).toBe(disdukcapil.allocated.download_mbps.toFixed(1));
    const modelMbps = (liveBytesPerSecond(sample, link, "download", HISTORY_MONTHS) * 8) / 1e6;
    // irate over two scrapes: the agent's and the scrape's clocks differ by milliseconds.
    expect(Number(live?.[1])).toBeGreaterThan(modelMbps * 0.85);
    expect(Number(live?.[1])).toBeLessThan(modelMbps * 1.15);
    expect(result.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/reports/);
  });

  it("never prints or writes a community", () => {
    const inventory = readFileSync(join(out, "inventory.demo.yaml"), "utf8");
    expect(inventory).toContain(`community: env:${communityEnvName("core-1")}`);
    for (const secret of Object.values(communities)) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
      expect(inventory).not.toContain(secret);
    }
  });
});

describe("npm run demo, until Ctrl-C", () => {
  let out: string;
  let demo: Daemon;
  let urls: { reports: string; prometheus: string };

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "kapasitas-demo-test-"));
    // In its own process group (startDaemon), so SIGINT to the group is a terminal's Ctrl-C:
    // npm, its shell, tsx and the demo all receive it.
    demo = startDaemon("npm", ["run", "demo", "--", "--out", out], { cwd: REPO_ROOT });
    await waitFor("the demo's summary", () => demo.output().includes("Running until Ctrl-C."), {
      timeoutMs: 150_000,
      intervalMs: 250,
      daemon: demo,
    });
    urls = {
      reports: /planner's download page +(\S+)/.exec(demo.output())![1]!,
      prometheus: new URL(/Prometheus +(http\S+)/.exec(demo.output())![1]!).origin,
    };
  }, 180_000);
  afterAll(async () => {
    await demo?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("serves the planner's download page and its report API from the live collector", async () => {
    const page = await fetch(urls.reports);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Unduh laporan");
    const spec = lastFullQuarter(new Date(), TZ, 1).spec;
    const csv = await fetch(`${urls.reports}/api?period=${spec}&format=csv&lang=id`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toContain(`laporan-kapasitas-${spec}.csv`);
    expect(await csv.text()).toContain(";disdukcapil;Dinas Kependudukan dan Pencatatan Sipil;");
  });

  it("feeds Prometheus every inventory link, hotspot and device from the generated agents", async () => {
    const query = async (promql: string) => {
      const response = await fetch(`${urls.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result.map((r) => Number(r.value[1]));
    };
    const opdLinks = measuredLinks(sample).filter((l) => l.owner === "opd").length;
    expect(await query(`count(${METRICS.opdLinkBytes}) by (direction)`)).toEqual([opdLinks, opdLinks]);
    expect(await query(`count(${METRICS.uplinkBytes})`)).toEqual([2 * sample.uplinks.length]);
    expect(await query(`sum(${METRICS.deviceUp})`)).toEqual([sample.devices.length]);
    expect(await query("sum(kapasitas_link_unresolved) or vector(0)")).toEqual([0]);
    const hotspotServers = sample.opds.flatMap((o) => o.hotspots.filter((h) => h.server_id !== undefined));
    expect(await query(`count(${METRICS.hotspotActiveUsers} > 0)`)).toEqual([hotspotServers.length]);
  });

  it("stops everything it started on SIGINT, each part by its own stop()", async () => {
    const agentPorts = [...demo.output().matchAll(/ on udp\/(\d+)/g)].map((m) => m[1]!);
    expect(agentPorts).toHaveLength(sample.devices.length);
    process.kill(-demo.pid, "SIGINT");
    // npm may exit before the demo has finished stopping: wait for the demo's own last line too.
    await waitFor("the demo to stop", () => demo.exited() && /\] stopped\n/.test(demo.output()), {
      timeoutMs: 30_000,
    });
    expect(demo.output()).toMatch(/SIGINT: stopping everything[\s\S]*\] stopped\n/);
    await expect(fetch(urls.reports)).rejects.toThrow();
    await expect(fetch(`${urls.prometheus}/-/ready`)).rejects.toThrow();
    const snmpsimds = readdirSync("/proc")
      .filter((pid) => /^\d+$/.test(pid))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return ""; // exited meanwhile
        }
      })
      .filter((cmd) => agentPorts.some((port) => cmd.includes(`--agent-udpv4-endpoint=127.0.0.1:${port}\0`)));
    expect(snmpsimds).toEqual([]);
  });
});
