/**
 * Faults, black-box: `kapasitas collect` polls two healthy snmpd agents and a set of broken ones that
 * a small UDP responder in this file plays — one that never answers, one that answers garbage, and
 * proxies in front of a real snmpd that truncate its responses, overstate their BER length, or retag
 * every counter as an OCTET STRING. Some are broken from the start, some break after the collector
 * has discovered them (so their next scrape really polls and really waits). The collector must not
 * crash, must mark them `snmp_device_up 0` and count the failures by reason, must keep answering the
 * healthy devices at their normal speed while a dead device's poll is in flight, and its counters must
 * never go backwards or spike across failures.
 *
 * (Device reboots, 32-bit wraps, ifIndex renumbering and wrong credentials are the collector's own
 * tests: test/collector-*.test.ts by the collector's author.)
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "../collector/contract.js";
import { startSnmpd, type Snmpd } from "./helpers/snmpd.js";
import { snmpGet } from "./helpers/snmpclient.js";
import { waitFor } from "./helpers/process.js";
import { select, type Exposition } from "./bench/exposition.js";
import { opdWithLink, startCollector, type Collector, type Scrape } from "./bench/kapasitas.js";

// ---------------------------------------------------------------------------------------------
// Pure packet manglers: each turns a real agent's response into the kind of packet broken
// firmware, a lossy path or a hostile box sends back.

/** The first half of the response, as if the rest was lost (a datagram cut short). */
function truncate(response: Buffer): Buffer {
  return Buffer.from(response.subarray(0, Math.floor(response.length / 2)));
}

/** BER length octets at `offset`: the value and how many octets the length field takes. */
function readLength(buf: Buffer, offset: number): { length: number; size: number } {
  const first = buf[offset];
  if (first === undefined) throw new Error("BER length past the end");
  if (first < 0x80) return { length: first, size: 1 };
  const octets = first & 0x7f;
  let length = 0;
  for (let i = 1; i <= octets; i++) length = length * 256 + (buf[offset + i] ?? 0);
  return { length, size: 1 + octets };
}

/** The outer SEQUENCE claims 16 more bytes than the datagram holds (a classic parser overrun). */
function overstateLength(response: Buffer): Buffer {
  const out = Buffer.from(response);
  const { length, size } = readLength(out, 1);
  const claimed = length + 16;
  if (size === 1 && claimed < 0x80) out[1] = claimed;
  else if (size === 2 && claimed <= 0xff) out[2] = claimed;
  else out.writeUInt16BE(Math.min(claimed, 0xffff), 2); // long form with two length octets
  return out;
}

const NUMERIC_APPLICATION_TAGS = new Set([0x41, 0x42, 0x43, 0x46]); // Counter32, Gauge32, TimeTicks, Counter64
const OCTET_STRING = 0x04;

/**
 * Well-formed BER, wrong types: every Counter32, Gauge32, TimeTicks and Counter64 value becomes an
 * OCTET STRING of the same bytes. The message parses; the values are garbage to a poller.
 */
function retagNumbersAsStrings(response: Buffer): Buffer {
  const out = Buffer.from(response);
  const walk = (start: number, end: number): void => {
    let offset = start;
    while (offset < end) {
      const tag = out[offset]!;
      const { length, size } = readLength(out, offset + 1);
      const content = offset + 1 + size;
      if (tag & 0x20)
        walk(content, content + length); // constructed: SEQUENCE, PDU
      else if (NUMERIC_APPLICATION_TAGS.has(tag)) out[offset] = OCTET_STRING;
      offset = content + length;
    }
  };
  walk(0, out.length);
  return out;
}

/** Bytes that are not BER at all. */
const GARBAGE = Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\nthis is not SNMP\n");

// ---------------------------------------------------------------------------------------------
// The responder: answers on 127.0.0.1 either by itself (silent, garbage) or by relaying each request
// to a real snmpd and mangling the answer. Its mode can change while the collector runs.

type FaultMode = "clean" | "silent" | "garbage" | "truncated" | "bad-length" | "wrong-types";

interface FaultyAgent {
  port: number;
  mode: FaultMode;
  /** Requests received, whatever was (or was not) sent back. */
  requests: number;
  close(): Promise<void>;
}

function bindUdp(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind({ address: "127.0.0.1", port: 0 }, () => resolve(socket));
  });
}

/** Send one request to the real agent and wait for its answer (undefined if it does not answer). */
async function relay(request: Buffer, upstream: { host: string; port: number }): Promise<Buffer | undefined> {
  const socket = await bindUdp();
  try {
    return await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5_000);
      socket.once("message", (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      socket.send(request, upstream.port, upstream.host);
    });
  } finally {
    socket.close();
  }
}

async function startFaultyAgent(
  mode: FaultMode,
  upstream: { host: string; port: number },
): Promise<FaultyAgent> {
  const socket = await bindUdp();
  const agent: FaultyAgent = {
    port: socket.address().port,
    mode,
    requests: 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  const answer = async (request: Buffer, from: RemoteInfo) => {
    agent.requests++;
    const current = agent.mode;
    if (current === "silent") return;
    let reply: Buffer | undefined;
    if (current === "garbage") reply = GARBAGE;
    else {
      const real = await relay(request, upstream);
      if (!real) return;
      reply =
        current === "clean"
          ? real
          : current === "truncated"
            ? truncate(real)
            : current === "bad-length"
              ? overstateLength(real)
              : retagNumbersAsStrings(real);
    }
    socket.send(reply, from.port, from.address);
  };
  socket.on("message", (request, from) => void answer(request, from).catch(() => undefined));
  return agent;
}

// ---------------------------------------------------------------------------------------------

const COMMUNITY = `kp${randomBytes(8).toString("hex")}`;
const TIMEOUT_SECONDS = 2;
const RETRIES = 1;

/** Devices that are broken before the collector starts, and ones that break after discovery. */
const BROKEN_FROM_START: FaultMode[] = ["silent", "garbage"];
const BREAK_LATER: FaultMode[] = ["silent", "garbage", "truncated", "bad-length", "wrong-types"];

const deviceId = (mode: FaultMode, when: "start" | "later") =>
  `${when === "start" ? "dead" : "turns"}-${mode}`;

function sumOf(exposition: Exposition, name: string, match: Record<string, string>): number {
  return select(exposition, name, match).reduce((sum, s) => sum + s.value, 0);
}

/**
 * Read a per-device series wherever the collector exposes it: the device's own scrape first (the
 * snmp_exporter way), else /metrics (the collector's health). Undefined when neither has it.
 */
function deviceValue(
  scrapes: Exposition[],
  name: string,
  match: Record<string, string>,
): { value: number; labels: Record<string, string>[] } | undefined {
  for (const exposition of scrapes) {
    const found = select(exposition, name, match);
    if (found.length > 0)
      return { value: sumOf(exposition, name, match), labels: found.map((s) => s.labels) };
  }
  return undefined;
}

describe("packet manglers (pure)", () => {
  // A real GetResponse from snmpd would do; this one is hand-assembled BER so the test needs no agent:
  // SEQUENCE { version 1, community "c", GetResponse { id 1, 0, 0, { { sysUpTime.0, TimeTicks 5 },
  // { ifHCInOctets.1, Counter64 7 } } } }
  const response = Buffer.from(
    "3037020101040163a22f0201010201000201003024" +
      "301006082b06010201010300430400000005" +
      "3010060b2b060102011f01010106014601" +
      "07",
    "hex",
  );
  it("the sample is well-formed: lengths add up", () => {
    expect(response[1]).toBe(response.length - 2);
  });
  it("truncate cuts the datagram in half", () => {
    expect(truncate(response)).toEqual(response.subarray(0, response.length / 2));
  });
  it("overstateLength claims 16 bytes that are not there", () => {
    expect(overstateLength(response)[1]).toBe(response.length - 2 + 16);
    expect(overstateLength(response).length).toBe(response.length);
  });
  it("retagNumbersAsStrings turns TimeTicks and Counter64 into OCTET STRING and nothing else", () => {
    const retagged = retagNumbersAsStrings(response);
    const changed = [...retagged].flatMap((byte, i) => (byte !== response[i] ? [i] : []));
    expect(changed.map((i) => response[i])).toEqual([0x43, 0x46]);
    expect(changed.map((i) => retagged[i])).toEqual([OCTET_STRING, OCTET_STRING]);
  });
});

describe("kapasitas collect with dead, garbage-sending and truncating devices among live ones", () => {
  const agents: Snmpd[] = [];
  const faulty = new Map<string, FaultyAgent>();
  let collector: Collector;

  beforeAll(async () => {
    // ifCacheSeconds 0: the agent reads the kernel on every request, so a counter it reports is
    // never older than the request (the spike bound below relies on that).
    const [liveA, liveB] = await Promise.all([
      startSnmpd({ community: COMMUNITY, ifCacheSeconds: 0 }),
      startSnmpd({ community: COMMUNITY, ifCacheSeconds: 0 }),
    ]);
    agents.push(liveA!, liveB!);
    const upstream = { host: liveA!.host, port: liveA!.port };
    for (const mode of BROKEN_FROM_START)
      faulty.set(deviceId(mode, "start"), await startFaultyAgent(mode, upstream));
    // Clean until discovery is done; broken on cue.
    for (const mode of BREAK_LATER)
      faulty.set(deviceId(mode, "later"), await startFaultyAgent("clean", upstream));
    faulty.set("flaky", await startFaultyAgent("clean", upstream));

    const device = (id: string, port: number) => ({
      id,
      host: "127.0.0.1",
      port,
      vendor: "linux",
      snmp: { version: "v2c", community: "env:KAPASITAS_TEST_COMMUNITY" },
    });
    const devices = [
      device("live-a", liveA!.port),
      device("live-b", liveB!.port),
      ...[...faulty].map(([id, agent]) => device(id, agent.port)),
    ];
    collector = await startCollector({
      env: { KAPASITAS_TEST_COMMUNITY: COMMUNITY },
      inventory: {
        defaults: {
          poll_interval: "10s",
          timeout: `${TIMEOUT_SECONDS}s`,
          retries: RETRIES,
          max_repetitions: 25,
        },
        devices,
        // Every device's loopback carries one OPD's traffic, so each has a counter to watch.
        opds: devices.map((d) =>
          opdWithLink(`opd-${d.id}`, { device: d.id, interface: { name: "lo" }, faces: "downstream" }),
        ),
      },
    });
  }, 90_000);

  afterAll(async () => {
    await collector?.stop();
    await Promise.all([...faulty.values()].map((a) => a.close()));
    await Promise.all(agents.map((a) => a.stop()));
  });

  const scrapeBoth = async (id: string): Promise<{ target: Scrape; metrics: Scrape }> => {
    const target = await collector.scrapeTarget(id, 30);
    const metrics = await collector.scrapeMetrics();
    return { target, metrics };
  };

  it("serves the live devices: up, with their loopback counters", async () => {
    for (const id of ["live-a", "live-b"]) {
      const { target, metrics } = await scrapeBoth(id);
      expect(target.status).toBe(200);
      expect(
        deviceValue([target.exposition, metrics.exposition], METRICS.deviceUp, { device: id })?.value,
      ).toBe(1);
      expect(select(target.exposition, METRICS.opdLinkBytes, { device: id }).length).toBe(2);
    }
  });

  it("marks devices broken from the start as down, with failures counted by reason", async () => {
    for (const mode of BROKEN_FROM_START) {
      const id = deviceId(mode, "start");
      const first = await scrapeBoth(id);
      const second = await scrapeBoth(id);
      for (const scrape of [first, second]) {
        expect(scrape.target.status, `${id}: a failed poll is still a 200 scrape with up 0`).toBe(200);
        const up = deviceValue([scrape.target.exposition, scrape.metrics.exposition], METRICS.deviceUp, {
          device: id,
        });
        expect(up?.value, `${id}: ${METRICS.deviceUp}`).toBe(0);
      }
      const failures = deviceValue(
        [second.metrics.exposition, second.target.exposition],
        METRICS.devicePollFailures,
        {
          device: id,
        },
      );
      expect(failures?.value, `${id}: ${METRICS.devicePollFailures}`).toBeGreaterThan(0);
      for (const labels of failures!.labels)
        expect(labels.reason, `${id}: reason label`).toMatch(/^[a-z_]+$/);
      if (mode === "silent") expect(failures!.labels.map((l) => l.reason)).toContain("timeout");
      // A dead device has no fresh counters to offer; whatever it shows must not be a negative value.
      for (const s of select(second.target.exposition, METRICS.opdLinkBytes))
        expect(s.value).toBeGreaterThanOrEqual(0);
    }
  });

  it("keeps the live devices' cadence while dead devices' polls are in flight", async () => {
    // Baseline: live scrapes with nothing else going on (reported, not asserted: no timing thresholds).
    const baseline: number[] = [];
    for (let i = 0; i < 5; i++) baseline.push((await collector.scrapeTarget("live-a")).ms);

    // Break the discovered devices now: their next scrape polls for real and waits for timeouts.
    for (const mode of BREAK_LATER) faulty.get(deviceId(mode, "later"))!.mode = mode;
    const broken = BREAK_LATER.map((mode) => collector.scrapeTarget(deviceId(mode, "later"), 30));
    let settled = false;
    const brokenDone = Promise.allSettled(broken).then((results) => {
      settled = true;
      return results;
    });
    const during: Scrape[] = [];
    while (!settled) {
      for (const id of ["live-a", "live-b"]) {
        const scrape = await collector.scrapeTarget(id);
        if (!settled) during.push(scrape);
        expect(scrape.status).toBe(200);
        expect(select(scrape.exposition, METRICS.deviceUp, { device: id }).map((s) => s.value)).not.toContain(
          0,
        );
      }
    }
    const results = await brokenDone;
    const silent = results[BREAK_LATER.indexOf("silent")]!;
    expect(silent.status).toBe("fulfilled");
    const silentScrape = (silent as PromiseFulfilledResult<Scrape>).value;

    // The silent device's poll really waited for its timeout: the live scrapes below overlapped it.
    expect(silentScrape.ms).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 * 0.9);
    const overlapping = during.filter((s) => s.endedAt < silentScrape.endedAt);
    expect(
      overlapping.length,
      "live scrapes completed while the dead poll was in flight",
    ).toBeGreaterThanOrEqual(3);
    // Structural, not a performance threshold: a live scrape that queued behind a dead device's
    // poll would take at least that device's timeout.
    for (const s of overlapping) expect(s.ms).toBeLessThan(TIMEOUT_SECONDS * 1000);

    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
    console.log(
      `cadence: live scrape median ${median(baseline).toFixed(1)} ms alone, ` +
        `${median(overlapping.map((s) => s.ms)).toFixed(1)} ms (max ${Math.max(...overlapping.map((s) => s.ms)).toFixed(1)} ms, n=${overlapping.length}) ` +
        `while ${BREAK_LATER.length} broken devices were polled (silent one took ${silentScrape.ms.toFixed(0)} ms)`,
    );

    // And every broken device is now down, with a counted, named reason.
    const metrics = (await collector.scrapeMetrics()).exposition;
    for (const [i, mode] of BREAK_LATER.entries()) {
      const id = deviceId(mode, "later");
      const result = results[i]!;
      expect(result.status, `${id}: scrape answered`).toBe("fulfilled");
      const scrape = (result as PromiseFulfilledResult<Scrape>).value;
      expect(scrape.status).toBe(200);
      expect(
        deviceValue([scrape.exposition, metrics], METRICS.deviceUp, { device: id })?.value,
        `${id} up`,
      ).toBe(0);
      const failures = deviceValue([metrics, scrape.exposition], METRICS.devicePollFailures, { device: id });
      expect(failures?.value, `${id}: failures counted`).toBeGreaterThan(0);
      console.log(`${id}: reasons ${JSON.stringify(failures!.labels.map((l) => l.reason))}`);
    }
  });

  it("never lets a counter go backwards or spike across failures (a flapping device)", async () => {
    const flaky = faulty.get("flaky")!;
    const lo = () => Number(readFileSync("/sys/class/net/lo/statistics/tx_bytes", "utf8"));
    const seen: { phase: string; up: number | undefined; download: number | undefined }[] = [];
    const kernelBefore = lo();
    const read = async (phase: string) => {
      const { target, metrics } = await scrapeBoth("flaky");
      expect(target.status).toBe(200);
      const up = deviceValue([target.exposition, metrics.exposition], METRICS.deviceUp, {
        device: "flaky",
      })?.value;
      const download = select(target.exposition, METRICS.opdLinkBytes, {
        device: "flaky",
        direction: "download",
      })[0]?.value;
      seen.push({ phase, up, download });
      return up;
    };
    // Alternate good and broken spells; in each, scrape until the collector has noticed.
    const spells: FaultMode[] = ["clean", "truncated", "clean", "garbage", "clean", "wrong-types", "clean"];
    for (const mode of spells) {
      flaky.mode = mode;
      const wanted = mode === "clean" ? 1 : 0;
      await waitFor(
        `flaky device up=${wanted} after switching to ${mode}`,
        async () => (await read(mode)) === wanted,
        {
          timeoutMs: 40_000,
          intervalMs: 200,
        },
      );
    }
    const kernelAfter = lo();

    const values = seen.flatMap((s) => (s.download === undefined ? [] : [s.download]));
    expect(
      values.length,
      "the flapping device exposed its counter in the good spells",
    ).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < values.length; i++) {
      expect(
        values[i]!,
        `scrape ${i}: counter went backwards (${JSON.stringify(seen)})`,
      ).toBeGreaterThanOrEqual(values[i - 1]!);
    }
    // lo's out-octets: the agent read the kernel at each request (cache 0), all between the two
    // kernel reads, so the collector's increase cannot exceed the kernel's. A counter re-based on a
    // failed poll, or a wrap invented from garbage, would.
    expect(values.at(-1)! - values[0]!).toBeLessThanOrEqual(kernelAfter - kernelBefore);
  });

  it("is still alive and healthy, and never logged the community", async () => {
    expect(collector.daemon.exited()).toBe(false);
    expect((await collector.get("/healthz")).status).toBe(200);
    expect((await collector.scrapeMetrics()).status).toBe(200);
    // The live agent still answers the helper's own client: the collector did not wedge it either.
    await snmpGet(agents[0]!.target, ["1.3.6.1.2.1.1.3.0"]);
    expect(collector.daemon.output()).not.toContain(COMMUNITY);
  });
});
