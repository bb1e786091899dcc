// The report's two ways of reading a series from a real Prometheus give the same slots: remote
// read (raw XOR chunks, report/remote-read.ts) and query_range of last_over_time (the query API).
// The series are written as TSDB blocks (import/blocks.ts) so they can hold what a collector's
// recording never shows neatly: several samples a slot, samples exactly on and 1 ms past a window's
// edge, NaN, +Inf, Prometheus's staleness marker (alone in a slot and after a value), a gap, a
// month boundary (two blocks), chunks of 120 samples and a series larger than one 1 MiB frame
// (Prometheus splits it: 1.05 MB, then 0.27 MB, same labels). And a store without remote read.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockBuilder, writeBlock } from "../import/blocks.js";
import { startPrometheus, type Prometheus } from "../lab/prometheus.js";
import type { Labels } from "../report/matrix.js";
import { PrometheusClient } from "../report/prometheus.js";
import type { SeriesSelector } from "../report/remote-read.js";

const METRIC = "opd_direction:opd_link_bits:rate5m";
const STEP_S = 300;
const WINDOW_S = 299;
/** 2025-01-30 17:00 UTC (midnight WIB): the history crosses into February. */
const FROM_S = Date.UTC(2025, 0, 30, 17) / 1000;
const DAYS = 4;
const work = mkdtempSync(join(tmpdir(), "kapasitas-remote-read-"));
let prometheus: Prometheus;

/** Deterministic noise in [0, 1). */
function noise(): () => number {
  let seed = 12345;
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Times (s, ms decimals) and values with a staleness marker's bits where `stale` says. */
function series(points: { t: number; v: number; stale?: boolean }[]) {
  const values = new Float64Array(points.map((p) => p.v));
  const bits = new Uint32Array(values.buffer);
  points.forEach((p, k) => {
    // The marker's bits set in place (a NaN passed through a JS array may lose its payload).
    if (p.stale) bits.set([2, 0x7ff00000], 2 * k);
  });
  return { timesS: new Float64Array(points.map((p) => p.t)), values };
}

/** Odd samples around each slot end e: on e − 299 s, 1 ms before it, on e, several a slot, NaN, +Inf, stale. */
function oddPoints() {
  const random = noise();
  const points: { t: number; v: number; stale?: boolean }[] = [];
  for (let k = 1; k <= DAYS * 288; k++) {
    const e = FROM_S + k * STEP_S;
    const kind = k % 11;
    const v = random() * 1e7;
    if (kind === 0) continue; // an empty slot
    if (kind === 1)
      points.push({ t: e - 299, v }); // on the window's edge: counted
    else if (kind === 2)
      points.push({ t: e - 299.001, v }); // 1 ms outside every window
    else if (kind === 3) points.push({ t: e - 200, v }, { t: e - 100, v: v / 2 }, { t: e, v: v / 3 });
    else if (kind === 4)
      points.push({ t: e - 100, v }, { t: e - 50, v: 0, stale: true }); // the value, then stale
    else if (kind === 5)
      points.push({ t: e - 10, v: 0, stale: true }); // only a marker: no point
    else if (kind === 6) points.push({ t: e - 30, v: NaN });
    else if (kind === 7) points.push({ t: e - 1, v: Infinity });
    else if (kind === 8 && k % 3 === 0) continue;
    else points.push({ t: e - random() * 298, v });
  }
  return points;
}

/** Every 2 s for 4 days, random floats: ~1.5 MB of chunks, more than one 1 MiB frame. */
function densePoints() {
  const random = noise();
  const points: { t: number; v: number }[] = [];
  for (let t = FROM_S + 2; t <= FROM_S + DAYS * 86_400; t += 2) points.push({ t, v: random() * 1e9 });
  return points;
}

beforeAll(async () => {
  const builder = new BlockBuilder();
  builder.add({ metric: METRIC, labels: { direction: "download", opd: "odd" }, ...series(oddPoints()) });
  builder.add({ metric: METRIC, labels: { direction: "download", opd: "dense" }, ...series(densePoints()) });
  builder.add({
    metric: METRIC,
    labels: { direction: "upload", opd: "dense", resolution: "1h", source: "rrd" },
    ...series(densePoints().filter((_, k) => k % 1800 === 0)),
  });
  const data = join(work, "data");
  for (const month of builder.monthStarts()) await writeBlock(data, builder.take(month, Date.now()));
  prometheus = await startPrometheus({ dataDir: data });
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** What lastOverTimeInto hands the sinks: series (labels as text) → [time, value] in order. */
async function read(client: PrometheusClient, selector: SeriesSelector, startS: number, endS: number) {
  const seen = new Map<string, [number, number][]>();
  await client.lastOverTimeInto(selector, { startS, endS }, STEP_S, WINDOW_S, (labels: Labels) => {
    const key = JSON.stringify(labels);
    // query_range splits a long range in parts: a series comes once per part.
    const points = seen.get(key) ?? [];
    seen.set(key, points);
    return (t, v) => points.push([t, v]);
  });
  // query_range's parts run concurrently and may answer out of order.
  for (const points of seen.values()) points.sort((x, y) => x[0] - y[0]);
  return seen;
}

const byRegex = (pattern: string): SeriesSelector => ({
  metric: METRIC,
  matchers: [{ name: "opd", op: "=~", value: pattern }],
});

describe("remote read against query_range, same Prometheus", () => {
  it("gives every slot the same point, edge cases included", async () => {
    const remote = new PrometheusClient({ url: prometheus.url });
    const query = new PrometheusClient({ url: prometheus.url, remoteRead: false });
    for (const [startS, endS] of [
      [FROM_S + STEP_S, FROM_S + DAYS * 86_400], // the whole history, across the month
      [FROM_S + 50 * STEP_S, FROM_S + 51 * STEP_S], // two slots inside a chunk
      [FROM_S + DAYS * 86_400 - 3600, FROM_S + DAYS * 86_400 + 3600], // past the end
    ] as const) {
      const viaRemote = await read(remote, byRegex("odd|dense"), startS, endS);
      const viaQuery = await read(query, byRegex("odd|dense"), startS, endS);
      expect([...viaRemote.keys()].sort()).toEqual([...viaQuery.keys()].sort());
      for (const [key, points] of viaQuery) expect(viaRemote.get(key), key).toEqual(points);
    }
    expect(remote.servedRemoteRead).toBe(true);
    expect(query.servedRemoteRead).toBe(false);

    // The construction shows through: the edge sample counts, the one 1 ms out does not, a slot
    // holding only a marker has no point, and a value followed by a marker keeps the value.
    const odd = (await read(remote, byRegex("odd"), FROM_S + STEP_S, FROM_S + 22 * STEP_S)).get(
      JSON.stringify({ __name__: METRIC, direction: "download", opd: "odd" }),
    )!;
    const slotsWithPoints = odd.map(([t]) => (t - FROM_S) / STEP_S);
    expect(slotsWithPoints).toEqual([1, 3, 4, 6, 7, 8, 9, 10, 12, 14, 15, 17, 18, 19, 20, 21]);
    expect(odd.find(([t]) => t === FROM_S + 6 * STEP_S)![1]).toBeNaN();
    expect(odd.find(([t]) => t === FROM_S + 7 * STEP_S)![1]).toBe(Infinity);
  });

  it("gives a range selector's samples alike (the importer's raw counters), edges included", async () => {
    const samples = async (client: PrometheusClient, startS: number, endS: number) => {
      const seen = new Map<string, [number, number][]>();
      await client.rawSamplesInto(byRegex("odd|dense"), startS, endS, (labels) => {
        const points: [number, number][] = [];
        seen.set(JSON.stringify(labels), points);
        return (t, v) => points.push([t, v]);
      });
      return seen;
    };
    const remote = new PrometheusClient({ url: prometheus.url });
    const query = new PrometheusClient({ url: prometheus.url, remoteRead: false });
    // The first slot's only sample sits at FROM_S + 1 (on its window's edge); the third slot's last
    // at FROM_S + 900: (FROM_S + 1, FROM_S + 900] leaves the first out and keeps the second.
    const edges = [FROM_S + 1, FROM_S + 3 * STEP_S] as const;
    for (const [startS, endS] of [[FROM_S, FROM_S + DAYS * 86_400], edges] as const) {
      const viaRemote = await samples(remote, startS, endS);
      const viaQuery = await samples(query, startS, endS);
      expect([...viaRemote.keys()].sort()).toEqual([...viaQuery.keys()].sort());
      for (const [key, points] of viaQuery) expect(viaRemote.get(key), key).toEqual(points);
    }
    expect(remote.servedRemoteRead).toBe(true);
    const odd = (await samples(remote, ...edges)).get(
      JSON.stringify({ __name__: METRIC, direction: "download", opd: "odd" }),
    )!;
    // Slot 2's sample is 1 ms before its window (FROM_S + 300.999), slot 3's three samples end on e.
    expect(odd.map(([t]) => t)).toEqual([FROM_S + 300.999, FROM_S + 700, FROM_S + 800, FROM_S + 900]);
    // The whole dense series (more than one frame), every sample once.
    const dense = (await samples(remote, FROM_S, FROM_S + DAYS * 86_400)).get(
      JSON.stringify({ __name__: METRIC, direction: "download", opd: "dense" }),
    )!;
    expect(dense).toHaveLength((DAYS * 86_400) / 2);
  });

  it("sends a long selector (a 90 KB request, snappy in several literals) and an empty one", async () => {
    const remote = new PrometheusClient({ url: prometheus.url });
    const many = [...Array.from({ length: 8000 }, (_, k) => `nobody-${k}`), "odd"].join("|");
    const found = await read(remote, byRegex(many), FROM_S + STEP_S, FROM_S + 86_400);
    expect([...found.keys()]).toEqual([
      JSON.stringify({ __name__: METRIC, direction: "download", opd: "odd" }),
    ]);
    expect((await read(remote, byRegex("nobody"), FROM_S + STEP_S, FROM_S + 86_400)).size).toBe(0);
    expect(remote.servedRemoteRead).toBe(true);
  });

  it("falls back to query_range, once, where the store does not serve remote read", async () => {
    // A proxy that answers 404 on /api/v1/read, as a query frontend or VictoriaMetrics does.
    const asked: string[] = [];
    const proxy = createServer((req, res) => {
      asked.push(req.url ?? "");
      if (req.url?.startsWith("/api/v1/read")) {
        req.resume();
        res.writeHead(404).end("not here");
        return;
      }
      const upstream = httpRequest(
        `${prometheus.url}${req.url}`,
        { method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const client = new PrometheusClient({ url });
      const direct = new PrometheusClient({ url: prometheus.url });
      for (let k = 0; k < 2; k++) {
        const viaProxy = await read(client, byRegex("odd"), FROM_S + STEP_S, FROM_S + 86_400);
        expect(viaProxy).toEqual(await read(direct, byRegex("odd"), FROM_S + STEP_S, FROM_S + 86_400));
      }
      expect(client.servedRemoteRead).toBe(false);
      expect(asked.filter((u) => u.startsWith("/api/v1/read"))).toHaveLength(1);
      expect(asked.filter((u) => u.startsWith("/api/v1/query_range"))).toHaveLength(2);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
