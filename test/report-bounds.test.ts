// The report's bounds, as the collector serves them: a real collector (an in-process Fleet polling a
// real snmpd) with the report mounted at /reports, over the backfilled scenario Prometheus. The
// 1,900-year request is refused before anything is read; a report runs on a worker thread while
// /snmp scrapes are answered; a report that runs out of memory says so (never "Prometheus"); a
// client that asks too often gets 429.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { loadInventoryOrThrow } from "../core/load.js";
import type { Fleet } from "../collector/poll/fleet.js";
import { createApp } from "../collector/server.js";
import { reportRouter } from "../report/http.js";
import { freePort } from "../lab/ports.js";
import { waitFor } from "../lab/process.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";
import type { BackfilledPrometheus } from "../lab/history-prometheus.js";
import { INVENTORY_FILE, startScenarioPrometheus } from "./fixtures/report/scenario.js";
import { PRICING, inventoryFrom, setSecret, startCollector } from "./collector-support.js";

const NOW = new Date("2026-06-15T05:00:00Z");
const reportInventory = loadInventoryOrThrow(INVENTORY_FILE);
let prometheus: BackfilledPrometheus;
let agent: Snmpd;
let collector: Fleet;
let server: Server;
let base: string;

beforeAll(async () => {
  prometheus = await startScenarioPrometheus();
  agent = await startSnmpd({ community: "bounds-test" });
  const community = setSecret("KP_BOUNDS_COMMUNITY", "bounds-test");
  collector = startCollector(
    inventoryFrom(`version: 1
organisation: test
devices:
  - { id: core-1, host: ${agent.host}, port: ${agent.port}, snmp: { version: v2c, community: ${community} } }
opds:
  - id: opd-core
    name: OPD core
    category: internal
    allocated: { download_mbps: 10, upload_mbps: 10 }
    links: [{ device: core-1, interface: { name: lo } }]
${PRICING}`),
  );
  // One batch for the whole scenario inventory: the test counts the range queries.
  const common = {
    inventory: reportInventory,
    prometheusUrl: prometheus.url,
    now: () => NOW,
    batchEntities: 100,
  };
  const app = createApp({
    collector: () => collector,
    isReady: () => true,
    logger: pino({ level: "silent" }),
    routers: [
      { path: "/reports", router: reportRouter(common) },
      // A worker heap far too small for a year: the failure must be named for what it is.
      { path: "/small/reports", router: reportRouter({ ...common, heapLimitMb: 4 }) },
      {
        path: "/limited/reports",
        router: reportRouter({ ...common, rateLimit: { burst: 1, perMinute: 1 } }),
      },
    ],
  });
  const port = await freePort("tcp");
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(port, "127.0.0.1", () => resolve(s));
  });
  base = `http://127.0.0.1:${port}`;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  collector?.close();
  await agent?.stop();
  await prometheus?.stop();
});

const json = async (response: Response) => (await response.json()) as { error: string; code: string };

/** Reads of series Prometheus has answered so far (its own counter): remote reads and range queries. */
async function seriesReads(): Promise<number> {
  const text = await (await fetch(`${prometheus.url}/metrics`)).text();
  return text
    .split("\n")
    .filter(
      (l) =>
        l.startsWith("prometheus_http_requests_total{") &&
        (l.includes('handler="/api/v1/read"') || l.includes('handler="/api/v1/query_range"')),
    )
    .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
}

describe("the period bound", () => {
  it("refuses the 1,900-year request with 400 before reading anything, and scrapes go on", async () => {
    const before = await seriesReads();
    const ancient = await fetch(`${base}/reports/api?from=0100-01-01&to=2026-11-29&format=json&lang=en`);
    expect(ancient.status).toBe(400);
    expect(await json(ancient)).toEqual({
      code: "too-early",
      error: expect.stringMatching(/starts before 1970-01-01/) as unknown as string,
    });
    const long = await fetch(`${base}/reports/api?from=2020-01-01&to=2026-11-29&format=json`);
    expect(long.status).toBe(400);
    const body = await json(long);
    expect(body.code).toBe("too-long");
    expect(body.error).toMatch(/melebihi batas 3 tahun anggaran/);
    expect(await seriesReads()).toBe(before);
    expect((await fetch(`${base}/snmp?target=core-1`)).status).toBe(200);
  });
});

describe("a report off the event loop", () => {
  it("answers a scrape while a fiscal-year report is figured and rendered: the scrape completes first", async () => {
    const order: string[] = [];
    const before = await seriesReads();
    const report = fetch(`${base}/reports/api?period=2025&format=pdf`).then(async (r) => {
      order.push("report");
      return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
    });
    // All of its reading done (one batch: a remote read for each of the two recorded series), the
    // report is figuring and rendering: CPU only. Were that on this event loop, this wait would
    // only see the count once the report was sent, and the scrape would come second.
    await waitFor("the report's last read", async () => (await seriesReads()) >= before + 2, {
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    const scrape = await fetch(`${base}/snmp?target=core-1`);
    const text = await scrape.text();
    order.push("scrape");
    expect(scrape.status).toBe(200);
    expect(text).toMatch(/kapasitas_/);
    const done = await report;
    expect(done.status).toBe(200);
    expect(done.bytes).toBeGreaterThan(10_000);
    expect(order).toEqual(["scrape", "report"]);
  }, 120_000);
});

describe("local failures", () => {
  it("a report that runs out of memory says so, and is not blamed on Prometheus", async () => {
    const response = await fetch(`${base}/small/reports/api?period=2025&format=xlsx&lang=en`);
    expect(response.status).toBe(500);
    const body = await json(response);
    expect(body.code).toBe("out-of-memory");
    expect(body.error).toMatch(
      /ran out of memory on the collector \(its limit is 4 MiB; not a Prometheus failure\)/,
    );
    expect((await fetch(`${base}/snmp?target=core-1`)).status).toBe(200);
  }, 120_000);
});

describe("the rate limit", () => {
  it("answers 429 with Retry-After once a client has used its burst", async () => {
    const first = await fetch(`${base}/limited/reports/api?period=2024&format=csv`);
    expect(first.status).toBe(422); // no data in 2024: an answer all the same
    const second = await fetch(`${base}/limited/reports/api?period=2024&format=csv`);
    expect(second.status).toBe(429);
    const wait = Number(second.headers.get("retry-after"));
    expect(wait >= 1 && wait <= 60, `Retry-After ${wait}`).toBe(true);
    expect((await json(second)).code).toBe("rate-limited");
  }, 120_000);
});
