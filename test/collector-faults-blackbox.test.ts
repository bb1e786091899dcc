/**
 * Faults, black-box: `kapasitas collect` polls two healthy snmpd agents and a set of broken ones that
 * a small UDP responder in this file plays — one that never answers, one that answers garbage, and
 * proxies in front of a real snmpd that truncate its responses, lengthen one counter by a byte (so a
 * trusting parser reads a value 256 times too large and misaligns the rest), or retag every counter
 * as an OCTET STRING. Some are broken from the start, some break after the collector
 * has discovered them (so their next scrape really polls and really waits). The collector must not
 * crash, must mark them `snmp_device_up 0` and count the failures by reason, must keep answering the
 * healthy devices at their normal speed while a dead device's poll is in flight, and its counters must
 * never go backwards or spike across failures.
 *
 * (Device reboots, 32-bit wraps, ifIndex renumbering and wrong credentials are the collector
 * author's own tests, in test/collector-faults.test.ts.)
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "../core/contract.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";
import { snmpGet } from "../lab/snmpclient.js";
import { waitFor } from "../lab/process.js";
import { only, select, type Exposition } from "../lab/exposition.js";
import { opdWithLink, startCollector, type CollectorProcess, type Scrape } from "../lab/kapasitas.js";

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

/**
 * One length octet off by one: the first Counter32/Counter64 value claims one more byte than it has,
 * so a parser that trusts it reads the next varbind's SEQUENCE tag into the counter (a value 256
 * times too large, plausible on a fast link) and misaligns everything after it. The enclosing
 * lengths are left as they were, so the message is detectably inconsistent: a careful poller
 * rejects it; a trusting one exports a spike.
 */
function overrunFirstCounter(response: Buffer): Buffer {
  const out = Buffer.from(response);
  let done = false;
  const walk = (start: number, end: number): void => {
    let offset = start;
    while (offset < end && !done) {
      const tag = out[offset]!;
      const { length, size } = readLength(out, offset + 1);
      const content = offset + 1 + size;
      if (tag & 0x20) walk(content, content + length);
      else if ((tag === 0x41 || tag === 0x46) && size === 1 && length < 0x7f) {
        out[offset + 1] = length + 1;
        done = true;
      }
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

type FaultMode = "clean" | "silent" | "garbage" | "truncated" | "overrun" | "wrong-types";

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

/** What each relaying mode does to the real agent's answer. */
const MANGLE: Record<Exclude<FaultMode, "silent" | "garbage">, (response: Buffer) => Buffer> = {
  clean: (response) => response,
  truncated: truncate,
  overrun: overrunFirstCounter,
  "wrong-types": retagNumbersAsStrings,
};

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
      reply = MANGLE[current](real);
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
/** ifHCOutOctets of ifIndex 1 (lo on Linux). */
const IF_HC_OUT_OCTETS_1 = "1.3.6.1.2.1.31.1.1.1.10.1";

/** Devices that are broken before the collector starts, and ones that break after discovery. */
const BROKEN_FROM_START: FaultMode[] = ["silent", "garbage"];
const BREAK_LATER: FaultMode[] = ["silent", "garbage", "truncated", "overrun", "wrong-types"];

const deviceId = (mode: FaultMode, when: "start" | "later") =>
  `${when === "start" ? "dead" : "turns"}-${mode}`;

/** A silent device times out; one that answers with something undecodable is malformed. */
const expectedReason = (mode: FaultMode) => (mode === "silent" ? "timeout" : "malformed");

/** snmp_device_poll_failures_total of a device, by reason, leaving out the reasons still at 0. */
function failuresByReason(exposition: Exposition, device: string): Record<string, number> {
  const counted = select(exposition, METRICS.devicePollFailures, { device }).filter((s) => s.value > 0);
  return Object.fromEntries(counted.map((s) => [s.labels.reason ?? "", s.value]));
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
  it("overrunFirstCounter lengthens the first counter by one byte and nothing else", () => {
    const overrun = overrunFirstCounter(response);
    const changed = [...overrun].flatMap((byte, i) => (byte !== response[i] ? [i] : []));
    expect(changed).toHaveLength(1);
    expect(response[changed[0]! - 1]).toBe(0x46); // the Counter64's tag, just before its length octet
    expect(overrun[changed[0]!]).toBe(response[changed[0]!]! + 1);
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
  let collector: CollectorProcess;

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
    // Clean until the collector has discovered them (its first scrape); broken on cue.
    for (const mode of BREAK_LATER)
      faulty.set(deviceId(mode, "later"), await startFaultyAgent("clean", upstream));
    faulty.set("flaky", await startFaultyAgent("clean", upstream));
    faulty.set("deadline", await startFaultyAgent("silent", upstream));

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

  /** One Prometheus-style scrape of a device: status 200, its up value and its failures by reason. */
  const scrape = async (id: string) => {
    const result = await collector.scrapeTarget(id, 30);
    expect(result.status, `${id}: even a failed poll is a 200 scrape (with up 0)`).toBe(200);
    return {
      ...result,
      up: only(result.exposition, METRICS.deviceUp, { device: id }).value,
      failures: failuresByReason(result.exposition, id),
    };
  };

  it("serves the live devices and discovers the ones that will break later", async () => {
    for (const id of ["live-a", "live-b", ...BREAK_LATER.map((m) => deviceId(m, "later")), "flaky"]) {
      const result = await scrape(id);
      expect(result.up, `${id} up`).toBe(1);
      expect(select(result.exposition, METRICS.opdLinkBytes, { device: id }).length, id).toBe(2);
    }
  });

  it("marks devices broken from the start as down, with failures counted by reason", async () => {
    await Promise.all(
      BROKEN_FROM_START.map(async (mode) => {
        const id = deviceId(mode, "start");
        // Two polls, both really polled: backoff starts after the second consecutive failure.
        for (let poll = 1; poll <= 2; poll++) {
          const result = await scrape(id);
          expect(result.up, `${id} up`).toBe(0);
          expect(result.failures, `${id} failures`).toEqual({ [expectedReason(mode)]: poll });
          expect(
            select(result.exposition, METRICS.opdLinkBytes),
            `${id}: no counters without a poll`,
          ).toEqual([]);
        }
      }),
    );
  });

  it("answers a dead device's scrape before Prometheus's scrape timeout, as down with a timeout", async () => {
    // Prometheus says it will wait 1.5 s; the device's own budget is 2 s x 2 tries. The collector
    // must answer (up 0, reason timeout) before Prometheus gives up, or the scrape itself fails and
    // Prometheus records nothing about why.
    const prometheusTimeoutSeconds = 1.5;
    const result = await collector.scrapeTarget("deadline", prometheusTimeoutSeconds);
    expect(result.status).toBe(200);
    expect(result.ms).toBeLessThan(prometheusTimeoutSeconds * 1000);
    expect(only(result.exposition, METRICS.deviceUp, { device: "deadline" }).value).toBe(0);
    expect(failuresByReason(result.exposition, "deadline")).toEqual({ timeout: 1 });
  });

  it("keeps the live devices' cadence while dead devices' polls are in flight", async () => {
    // Baseline: live scrapes with nothing else going on (reported, not asserted: no timing thresholds).
    const baseline: number[] = [];
    for (let i = 0; i < 5; i++) baseline.push((await collector.scrapeTarget("live-a")).ms);

    // Break the discovered devices now: their next scrape polls for real and waits for timeouts.
    for (const mode of BREAK_LATER) faulty.get(deviceId(mode, "later"))!.mode = mode;
    let settled = false;
    const brokenDone = Promise.all(BREAK_LATER.map((mode) => scrape(deviceId(mode, "later")))).finally(
      () => (settled = true),
    );
    const during: Scrape[] = [];
    while (!settled) {
      for (const id of ["live-a", "live-b"]) {
        const result = await scrape(id);
        expect(result.up, `${id} stays up`).toBe(1);
        if (!settled) during.push(result);
      }
    }
    const broken = await brokenDone;
    const silent = broken[BREAK_LATER.indexOf("silent")]!;

    // The silent device's poll really waited for its timeout, so the live scrapes overlapped it.
    expect(silent.ms).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000 * 0.9);
    const overlapping = during.filter((s) => s.endedAt < silent.endedAt);
    expect(
      overlapping.length,
      "live scrapes completed while the dead poll was in flight",
    ).toBeGreaterThanOrEqual(3);
    // Structural, not a performance threshold: a live scrape that queued behind a dead device's
    // poll would take at least that device's timeout.
    for (const s of overlapping) expect(s.ms).toBeLessThan(TIMEOUT_SECONDS * 1000);

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `cadence: live scrape median ${median(baseline).toFixed(1)} ms alone, ` +
        `${median(overlapping.map((s) => s.ms)).toFixed(1)} ms (max ${Math.max(...overlapping.map((s) => s.ms)).toFixed(1)} ms, ` +
        `n=${overlapping.length}) while ${BREAK_LATER.length} broken devices were polled ` +
        `(the silent one's scrape took ${silent.ms.toFixed(0)} ms)`,
    );

    // Every broken device is now down, its failure counted under the right reason.
    BREAK_LATER.forEach((mode, i) => {
      const id = deviceId(mode, "later");
      expect({ id, up: broken[i]!.up, failures: broken[i]!.failures }).toEqual({
        id,
        up: 0,
        failures: { [expectedReason(mode)]: 1 },
      });
    });
  });

  it("never lets a counter go backwards or spike across failures (a flapping device)", async () => {
    const flaky = faulty.get("flaky")!;
    const loTxBytes = () => Number(readFileSync("/sys/class/net/lo/statistics/tx_bytes", "utf8"));
    const seen: { mode: FaultMode; up: number; download: number | undefined }[] = [];
    const kernelBefore = loTxBytes();
    // Alternate good and broken spells; in each, scrape until the collector has noticed.
    const spells: FaultMode[] = ["clean", "truncated", "clean", "garbage", "clean", "overrun", "clean"];
    spells.push("wrong-types", "clean");
    for (const mode of spells) {
      flaky.mode = mode;
      const wanted = mode === "clean" ? 1 : 0;
      await waitFor(
        `the flapping device to be up=${wanted} after it turned ${mode}`,
        async () => {
          const result = await scrape("flaky");
          const download = select(result.exposition, METRICS.opdLinkBytes, { direction: "download" })[0]
            ?.value;
          seen.push({ mode, up: result.up, download });
          return result.up === wanted;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    }
    const kernelAfter = loTxBytes();

    const values = seen.flatMap((s) => (s.download === undefined ? [] : [s.download]));
    expect(
      values.length,
      "the flapping device exposed its counter in the good spells",
    ).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < values.length; i++) {
      expect(values[i]!, `counter went backwards: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(
        values[i - 1]!,
      );
    }
    // lo's out-octets: the agent read the kernel at each request (cache 0), all between the two
    // kernel reads, so the collector's increase cannot exceed the kernel's. A counter re-based on a
    // failed poll, or a value misread from a broken packet, would.
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

describe("the responder is really broken: net-snmp's own snmpget (C) cannot use its answers", () => {
  let agent: Snmpd;
  const responders: FaultyAgent[] = [];
  beforeAll(async () => {
    agent = await startSnmpd({ community: COMMUNITY });
  });
  afterAll(async () => {
    await Promise.all(responders.map((r) => r.close()));
    await agent?.stop();
  });

  it.each(["garbage", "truncated", "overrun"] as const)("%s: no answer snmpget accepts", async (mode) => {
    const responder = await startFaultyAgent(mode, { host: agent.host, port: agent.port });
    responders.push(responder);
    const target = { host: "127.0.0.1", port: responder.port, community: COMMUNITY };
    await expect(snmpGet(target, [IF_HC_OUT_OCTETS_1], { timeoutSeconds: 1 })).rejects.toThrow(/Timeout/);
    expect(responder.requests).toBeGreaterThan(0);
  });

  it("wrong-types: snmpget gets a string where the counter should be", async () => {
    const responder = await startFaultyAgent("wrong-types", { host: agent.host, port: agent.port });
    responders.push(responder);
    const clean = await snmpGet(agent.target, [IF_HC_OUT_OCTETS_1]);
    const retagged = await snmpGet({ host: "127.0.0.1", port: responder.port, community: COMMUNITY }, [
      IF_HC_OUT_OCTETS_1,
    ]);
    expect(clean[0]!.value).toMatch(/^\d+$/);
    expect(retagged[0]!.value).not.toMatch(/^\d+$/);
  });
});
