/**
 * The benchmark's own parts: pure helpers on hand-made inputs, and the snmp_exporter modules and the
 * counting relay against the real programs (snmp_exporter refuses a config it cannot load; snmpd
 * answers through the relay), so `npm run bench` measures what it says it measures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { snmpColumn, snmpGet } from "../lab/snmpclient.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";
import { decodeMessage, decodeOid, PDU } from "../bench/ber.js";
import { parseCpuTicks } from "../bench/cpu.js";
import { parseExposition, select } from "../lab/exposition.js";
import { withSection } from "../bench/markdown.js";
import { largestWithin } from "../bench/scale.js";
import { hotSpots } from "../bench/profile.js";
import { startCountingRelay } from "../bench/relay.js";
import { snappyLiteralsDecode, startStandIn } from "../bench/prometheus-standin.js";
import { PrometheusClient } from "../report/prometheus.js";
import { snappyLiterals, type SeriesSelector } from "../report/remote-read.js";
import {
  renderSnmpExporterConfig,
  snmpExporterModule,
  startSnmpExporter,
  type PolledOid,
} from "../bench/snmp-exporter.js";

// SEQUENCE { 1, "c", GetResponse { 1, 0, 0, { { sysUpTime.0, TimeTicks 5 }, { ifHCInOctets.1, Counter64 7 } } } }
const RESPONSE = Buffer.from(
  "3037020101040163a22f0201010201000201003024" +
    "301006082b06010201010300430400000005" +
    "3010060b2b060102011f01010106014601" +
    "07",
  "hex",
);

describe("bench helpers (pure)", () => {
  it("decodes a GetResponse's PDU type and OIDs", () => {
    expect(decodeMessage(RESPONSE)).toEqual({
      pduType: PDU.response,
      oids: ["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.31.1.1.1.6.1"],
    });
  });

  it("decodes multi-byte sub-identifiers and the 2.x arc", () => {
    expect(decodeOid(Buffer.from([0x2b, 0x06, 0x01, 0x04, 0x01, 0xf5, 0x04]))).toBe("1.3.6.1.4.1.14980");
    expect(decodeOid(Buffer.from([0x88, 0x37, 0x03]))).toBe("2.999.3");
  });

  it("refuses a message whose length overruns the datagram", () => {
    expect(() => decodeMessage(RESPONSE.subarray(0, 30))).toThrow(/overruns/);
  });

  it("reads utime + stime from /proc/PID/stat, whatever the command name holds", () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const stat = "4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0";
    expect(parseCpuTicks(stat)).toBe(300);
  });

  it("finds the largest fleet within a memory goal from a straight line through the sizes", () => {
    const points = [100, 300, 1000].map((devices) => ({ devices, peakMiB: 150 + 0.5 * devices }));
    expect(largestWithin(points, 256)).toBe(212);
    expect(largestWithin(points.slice(0, 1), 256)).toBeNaN();
  });

  it("rewrites only its own BENCHMARKS.md section", () => {
    const first = withSection("", "## A\nold", "a");
    expect(first.startsWith("# Benchmarks\n\n<!-- bench:a start")).toBe(true);
    const both = withSection(`${first}\n### notes kept\n`, "## B", "b");
    const updated = withSection(both, "## A\nnew", "a");
    expect(updated).toContain("## A\nnew");
    expect(updated).not.toContain("old");
    expect(updated).toContain("### notes kept");
    expect(updated.indexOf("## A")).toBeLessThan(updated.indexOf("## B"));
  });

  it("ranks a profile's self time over busy samples inside the window", () => {
    const frame = (functionName: string, url = "file:///repo/collector/x.js") => ({
      functionName,
      url,
      lineNumber: 9,
    });
    const profile = {
      startTime: 0,
      endTime: 4e6,
      nodes: [
        { id: 1, callFrame: frame("(idle)", "") },
        { id: 2, callFrame: frame("hot") },
        { id: 3, callFrame: frame("startup") },
      ],
      // startup at 0.5 s, then idle, hot, hot, idle inside [1 s, 3 s]
      samples: [3, 1, 2, 2, 1],
      timeDeltas: [500_000, 600_000, 500_000, 500_000, 300_000],
    };
    const spots = hotSpots(profile, "/repo", { window: { from: 1, to: 3 } });
    expect(spots.busySamples).toBe(2);
    expect(spots.functions).toEqual([{ what: "collector/x.js:10 hot", share: 1 }]);
  });
});

describe("bench against the real programs: snmp_exporter modules and the counting relay", () => {
  let agent: Snmpd;
  const columns: PolledOid[] = [
    { name: "sysUpTime", oid: "1.3.6.1.2.1.1.3", type: "gauge", column: false },
    { name: "ifHCInOctets", oid: "1.3.6.1.2.1.31.1.1.1.6", type: "counter", column: true },
    { name: "ifName", oid: "1.3.6.1.2.1.31.1.1.1.1", type: "DisplayString", column: true },
  ];
  const options = { community: "kp-bench-test", maxRepetitions: 25, timeoutSeconds: 2, retries: 1 };

  beforeAll(async () => {
    agent = await startSnmpd({ community: "kp-bench-test" });
  });
  afterAll(() => agent?.stop());

  it("renders the 0.21 layout: modules at the top level, auth inside, walk or get", () => {
    const rows = [1, 2];
    const config = parse(
      renderSnmpExporterConfig({
        walked: snmpExporterModule(columns, options),
        got: snmpExporterModule(columns, { ...options, getRows: rows }),
      }),
    ) as Record<string, { walk?: string[]; get?: string[]; auth: unknown; version: number }>;
    expect(config.walked).toMatchObject({
      version: 2,
      auth: { community: "kp-bench-test" },
      walk: ["1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.31.1.1.1.1"],
      get: ["1.3.6.1.2.1.1.3.0"],
    });
    expect(config.got?.walk).toBeUndefined();
    expect(config.got?.get).toEqual([
      "1.3.6.1.2.1.1.3.0",
      "1.3.6.1.2.1.31.1.1.1.6.1",
      "1.3.6.1.2.1.31.1.1.1.6.2",
      "1.3.6.1.2.1.31.1.1.1.1.1",
      "1.3.6.1.2.1.31.1.1.1.1.2",
    ]);
  });

  it("snmp_exporter loads both modules and serves the same series either way, through the relay", async () => {
    const rows = [...(await snmpColumn(agent.target, "1.3.6.1.2.1.31.1.1.1.1")).keys()].map(Number);
    const exporter = await startSnmpExporter(
      renderSnmpExporterConfig({
        walked: snmpExporterModule(columns, options),
        got: snmpExporterModule(columns, { ...options, getRows: rows }),
      }),
    );
    const relay = await startCountingRelay({ host: agent.host, port: agent.port });
    try {
      const scrape = async (module: string) => {
        const response = await fetch(exporter.url(`127.0.0.1:${relay.port}`, module));
        expect(response.status).toBe(200);
        const exposition = parseExposition(await response.text());
        return select(exposition, "ifHCInOctets")
          .map((s) => s.labels.ifIndex)
          .sort();
      };
      const walked = await scrape("walked");
      const walkCounts = relay.counts();
      relay.reset();
      const got = await scrape("got");
      const getCounts = relay.counts();
      expect(walked).toEqual(rows.map(String).sort());
      expect(got).toEqual(walked);
      // The relay saw every request answered, and the polled OIDs themselves.
      for (const counts of [walkCounts, getCounts]) {
        expect(counts.responses).toBe(counts.requests);
        expect(counts.oids).toContain("1.3.6.1.2.1.1.3.0");
        for (const row of rows) expect(counts.oids).toContain(`1.3.6.1.2.1.31.1.1.1.6.${row}`);
      }
      // GET fetches exactly the instances; the walk also reads one row past each column's end.
      expect(getCounts.varbinds).toBe(1 + 2 * rows.length);
      expect(walkCounts.varbinds).toBeGreaterThan(getCounts.varbinds);
    } finally {
      await relay.close();
      await exporter.stop();
    }
  });

  it("the relay forwards a plain snmpget and counts its varbinds", async () => {
    const relay = await startCountingRelay({ host: agent.host, port: agent.port });
    try {
      const values = await snmpGet({ host: "127.0.0.1", port: relay.port, community: "kp-bench-test" }, [
        "1.3.6.1.2.1.1.3.0",
        "1.3.6.1.2.1.1.5.0",
      ]);
      expect(values).toHaveLength(2);
      expect(relay.counts()).toMatchObject({ requests: 1, responses: 1, varbinds: 2 });
    } finally {
      await relay.close();
    }
  });
});

describe("the province stand-in (bench/prometheus-standin.ts)", () => {
  it("reads the report's snappy requests: every literal length form", () => {
    for (const size of [0, 1, 60, 61, 256, 257, 65_536, 70_000]) {
      const data = Buffer.from(new Uint8Array(size).map((_, k) => k * 31));
      expect(snappyLiteralsDecode(Buffer.from(snappyLiterals(data))).equals(data), String(size)).toBe(true);
    }
  });

  it("serves the same slots by remote read as by query_range, so both paths measure the same work", async () => {
    const standIn = await startStandIn({ opd: ["a", "b-2"], uplink: [] });
    try {
      const selector: SeriesSelector = {
        metric: "opd_direction:opd_link_bits:rate5m",
        matchers: [{ name: "opd", op: "=~", value: "a|b-2" }],
      };
      // 40 days at 300 s: more than one 10,000-step query_range part.
      const range = { startS: 1735664700, endS: 1735664700 + 40 * 86_400 };
      const read = async (client: PrometheusClient) => {
        const seen = new Map<string, [number, number][]>();
        await client.lastOverTimeInto(selector, range, 300, 299, (labels) => {
          const key = `${labels.opd}/${labels.direction}`;
          const points = seen.get(key) ?? [];
          seen.set(key, points);
          return (t, v) => points.push([t, v]);
        });
        // query_range's parts run concurrently and may answer out of order.
        for (const points of seen.values()) points.sort((x, y) => x[0] - y[0]);
        return seen;
      };
      const remote = new PrometheusClient({ url: standIn.url });
      const viaRemote = await read(remote);
      const viaQuery = await read(new PrometheusClient({ url: standIn.url, remoteRead: false }));
      expect(remote.servedRemoteRead).toBe(true);
      expect([...viaRemote.keys()].sort()).toEqual(["a/download", "a/upload", "b-2/download", "b-2/upload"]);
      expect(viaRemote).toEqual(viaQuery);
      expect(viaRemote.get("a/download")).toHaveLength(40 * 288 + 1);
    } finally {
      await standIn.stop();
    }
  });
});
