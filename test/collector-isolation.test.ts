// Isolation: a device that stops answering costs its own share and nothing more. Real snmpd agents
// in a network namespace (several UDP ports each, one port a device), the collector in process
// (for its request counts) or as `kapasitas collect` scraped over HTTP (black box); silence and
// round trips come from a UDP relay, death from killing an agent.
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../collector/poll/fleet.js";
import { backoffSeconds } from "../collector/poll/plan.js";
import { parseExposition, select } from "../lab/exposition.js";
import {
  startCollector as startCollectorProcess,
  type CollectorProcess,
  type Scrape,
} from "../lab/kapasitas.js";
import { inventoryFrom, startCollector, value } from "./collector-support.js";
import { startAgentFleet, type AgentFleet } from "../lab/agent-fleet.js";
import { deviceId, fleetInventoryYaml, type FleetSpec } from "../lab/fleet.js";
import { runOrThrow, waitFor } from "../lab/process.js";
import { requireBinary } from "../lab/binaries.js";
import { startUdpRelay, type UdpRelay } from "../lab/udp-relay.js";

const COMMUNITY = "fleet-isolation";
const AGENTS = 4;
const DEVICES_PER_AGENT = 40;
const INTERFACES = 25;

let agents: AgentFleet;

beforeAll(async () => {
  process.env.KAPASITAS_FLEET_COMMUNITY = COMMUNITY;
  agents = await startAgentFleet({
    agents: AGENTS,
    devicesPerAgent: DEVICES_PER_AGENT,
    interfaces: INTERFACES,
    community: COMMUNITY,
  });
}, 120_000);

afterAll(async () => {
  await agents?.stop();
});

/** Links on the fleet's named interfaces (opd1..opdN), the way a city names OPD ports. */
const byName = (j: number) => ({ name: `opd${j + 1}` });

/** Every request of every device has ended and given its slots back. */
async function quiescent(fleet: Fleet): Promise<void> {
  await waitFor(
    "every SNMP request to end and give back its slots",
    () => {
      const lanes = fleet.laneState();
      return (
        fleet.outstandingRequests() === 0 &&
        lanes.poll.inFlight + lanes.poll.queued + lanes.probe.inFlight + lanes.probe.queued === 0
      );
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  );
}

async function lostRequests(fleet: Fleet): Promise<number> {
  const metric = await fleet.registry.getSingleMetric("kapasitas_snmp_requests_lost_total")!.get();
  return metric.values[0]!.value;
}

describe("a device that stops answering mid-poll, again and again", () => {
  // Device 0 is the flaky one, behind a relay that goes silent after a chosen number of requests;
  // its agent (the last one) serves no other device of this test, so stopping it stops only it.
  const FLAKY_DEVICE = (AGENTS - 1) * DEVICES_PER_AGENT;
  const HEALTHY = [1, 2, 3];
  let relay: UdpRelay;
  let fleet: Fleet;
  let spec: FleetSpec;

  beforeAll(async () => {
    relay = await startUdpRelay({ agent: { host: agents.host, port: agents.port(FLAKY_DEVICE) } });
    spec = {
      devices: 4,
      linksPerDevice: INTERFACES,
      host: (i) => (i === 0 ? "127.0.0.1" : agents.host),
      port: (i) => (i === 0 ? relay.port : agents.port(i)),
      interface: byName,
      pollIntervalSeconds: 2,
      timeoutSeconds: 1,
      retries: 0,
    };
    fleet = startCollector(inventoryFrom(fleetInventoryYaml(spec)));
  });

  afterAll(async () => {
    fleet?.close();
    await relay?.close();
  });

  /** Scrape every device at once, as Prometheus would; the flaky one's result is returned. */
  async function scrapeAll(): Promise<number> {
    const results = await Promise.all(
      [0, ...HEALTHY].map(async (i) => {
        const result = await fleet.scrape(deviceId(i), 5_000);
        if (!result.ok) throw new Error(result.message);
        return scrapeUp(result.text);
      }),
    );
    expect(results.slice(1), "healthy devices answer up 1 whatever the flaky one does").toEqual([1, 1, 1]);
    return results[0]!;
  }

  it("gives every slot back after each failure, reset and reload; polls again without a restart", async () => {
    expect(await scrapeAll()).toBe(1); // discovery and a first poll, all answered
    await quiescent(fleet);

    // Silent from the Nth request of the poll: before the probe, after the probe, after the first
    // GET (siblings in flight and queued), deeper in; with reloads (changed and unchanged) between.
    const rounds: { silentAfter: number; reload?: "changed" | "unchanged" }[] = [
      { silentAfter: 0 },
      { silentAfter: 1 },
      { silentAfter: 2, reload: "changed" },
      { silentAfter: 3 },
      { silentAfter: 5, reload: "unchanged" },
      { silentAfter: 2 },
    ];
    let links = INTERFACES;
    for (const round of rounds) {
      relay.dropAfter(round.silentAfter);
      expect(await scrapeAll(), `silent after ${round.silentAfter} requests`).toBe(0);
      await quiescent(fleet);
      if (round.reload) {
        if (round.reload === "changed") links--;
        // The flaky device loses a link (a changed plan); the others stay exactly as they are.
        const summary = await fleet.reload(
          inventoryFrom(
            fleetInventoryYaml({ ...spec, linksPerDevice: (i) => (i === 0 ? links : INTERFACES) }),
          ),
        );
        expect(summary).toEqual({
          unchanged: round.reload === "changed" ? 3 : 4,
          changed: round.reload === "changed" ? 1 : 0,
          added: 0,
          removed: 0,
        });
      }
      relay.pass();
      // One failure in a row carries no backoff: the next scrape probes, then polls.
      expect(await scrapeAll(), "the device answers again").toBe(1);
      await quiescent(fleet);
    }
    expect(await lostRequests(fleet), "no request was left to the watchdog").toBe(0);
  }, 90_000);

  it("an agent stopped at whatever point of a poll: every request still ends", async () => {
    const agent = agents.agentOf(FLAKY_DEVICE).snmpd;
    const before = relay.requests();
    const flaky = fleet.scrape(deviceId(0), 5_000);
    await waitFor("the poll to be under way", () => relay.requests() >= before + 2, {
      timeoutMs: 5_000,
      intervalMs: 1,
    });
    process.kill(agent.pid(), "SIGSTOP");
    try {
      const result = await flaky;
      expect(result.ok && scrapeUp(result.text)).toBe(0);
      await quiescent(fleet);
    } finally {
      process.kill(agent.pid(), "SIGCONT");
    }
    expect(await scrapeAll()).toBe(1);
    await quiescent(fleet);
  }, 30_000);
});

/** snmp_device_up of one device's exposition, read by the strict exposition parser. */
function scrapeUp(text: string): number {
  return value(parseExposition(text), "snmp_device_up");
}

describe("a quarter of the fleet dies (kapasitas collect, scraped like Prometheus)", () => {
  const DEVICES = AGENTS * DEVICES_PER_AGENT;
  const INTERVAL = 5;
  const TIMEOUT = 2;
  const TRIES = 2;
  const dying = agentDevices(AGENTS - 1);
  let collector: CollectorProcess;

  function agentDevices(agent: number): Set<number> {
    return new Set(Array.from({ length: DEVICES_PER_AGENT }, (_, i) => agent * DEVICES_PER_AGENT + i));
  }

  beforeAll(async () => {
    collector = await startCollectorProcess({
      inventory: fleetInventoryYaml({
        devices: DEVICES,
        linksPerDevice: 10,
        host: () => agents.host,
        port: agents.port,
        interface: byName,
        pollIntervalSeconds: INTERVAL,
        timeoutSeconds: TIMEOUT,
        retries: TRIES - 1,
      }),
      env: { KAPASITAS_FLEET_COMMUNITY: COMMUNITY, LOG_LEVEL: "warn" },
    });
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
  });

  /**
   * Scrape every device once, spread over a second (Prometheus spreads its targets over the
   * interval), each with Prometheus's scrape-timeout header. Returns each device's up and latency.
   */
  async function round(): Promise<{ up: number; ms: number }[]> {
    return Promise.all(
      Array.from({ length: DEVICES }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * 1000) / DEVICES));
        const s: Scrape = await collector.scrapeTarget(deviceId(i), INTERVAL);
        expect(s.status).toBe(200);
        return { up: s.exposition.samples.find((x) => x.name === "snmp_device_up")!.value, ms: s.ms };
      }),
    );
  }

  const live = (results: { up: number; ms: number }[]) => results.filter((_, i) => !dying.has(i));
  const dead = (results: { up: number; ms: number }[]) => results.filter((_, i) => dying.has(i));

  it("every live device stays up and fast while the dead quarter times out; the quarter comes back", async () => {
    expect(
      (await round()).every((r) => r.up === 1),
      "first round: discovery on every device",
    ).toBe(true);
    const baseline = live(await round());
    expect(baseline.every((r) => r.up === 1)).toBe(true);

    await agents.agentOf([...dying][0]!).snmpd.kill();
    let failedRounds = 0;
    for (let n = 0; n < 3; n++) {
      const results = await round();
      failedRounds++;
      expect(
        live(results).map((r) => r.up),
        "every live device answers up 1",
      ).toEqual(live(results).map(() => 1));
      expect(dead(results).every((r) => r.up === 0)).toBe(true);
      // A live device never waits behind a dead one: its scrape ends well inside one SNMP timeout
      // of the dead devices (which is what starving would cost it, at the least).
      const slowest = Math.max(...live(results).map((r) => r.ms));
      expect(slowest, `slowest live scrape ${slowest.toFixed(0)} ms`).toBeLessThan(TIMEOUT * 1000);
    }

    // The quarter's failures in a row set its backoff; once the agent is back it is polled again
    // within that one period (plus a probe's worth of timeout).
    const metrics = await collector.scrapeTarget(deviceId([...dying][0]!), INTERVAL);
    const failures = select(metrics.exposition, "snmp_device_poll_failures_total").reduce(
      (n, s) => n + s.value,
      0,
    );
    expect(failures).toBeGreaterThanOrEqual(2);
    await agents.agentOf([...dying][0]!).snmpd.restart();
    const restartedAt = performance.now();
    const boundMs = (backoffSeconds(failures, INTERVAL) + TIMEOUT * TRIES + 2) * 1000;
    await waitFor("the dead quarter to answer again", async () => (await round()).every((r) => r.up === 1), {
      timeoutMs: boundMs + 10_000,
      intervalMs: 500,
    });
    const recoveredMs = performance.now() - restartedAt;
    expect(recoveredMs, `recovered ${(recoveredMs / 1000).toFixed(1)} s after the restart`).toBeLessThan(
      boundMs + 2000,
    );
    expect(failedRounds).toBe(3);

    // Nothing left behind: no request held past the rounds, none failed by the watchdog.
    const own = await collector.scrapeMetrics();
    expect(select(own.exposition, "kapasitas_snmp_requests_lost_total")[0]!.value).toBe(0);
    for (const lane of ["poll", "probe"])
      expect(select(own.exposition, "kapasitas_snmp_requests_in_flight", { lane })[0]!.value).toBe(0);
  }, 180_000);
});

describe("a 400 ms round trip (a satellite or congested island link)", () => {
  const DEVICES = AGENTS * DEVICES_PER_AGENT;
  const ROUND_TRIP_MS = 400;
  const INTERVAL_MS = 5_000;
  const ROUNDS = 5;
  const relays: UdpRelay[] = [];
  let fleet: Fleet;

  beforeAll(async () => {
    for (let i = 0; i < DEVICES; i++)
      relays.push(
        await startUdpRelay({
          agent: { host: agents.host, port: agents.port(i) },
          roundTripMs: ROUND_TRIP_MS,
        }),
      );
    // Default concurrency settings: nothing here is tuned for the round trip.
    fleet = startCollector(
      inventoryFrom(
        fleetInventoryYaml({
          devices: DEVICES,
          linksPerDevice: INTERFACES,
          port: (i) => relays[i]!.port,
          interface: byName,
          pollIntervalSeconds: INTERVAL_MS / 1000,
        }),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    fleet?.close();
    await Promise.all(relays.map((r) => r.close()));
  });

  it("no live device answers up 0, without setting --concurrency", async () => {
    // Each device scraped once per interval, spread over it as Prometheus spreads its targets,
    // with Prometheus's deadline (the interval, less the collector's margin).
    const before = relays.reduce((n, r) => n + r.requests(), 0);
    const started = performance.now();
    const ups: number[][] = await Promise.all(
      Array.from({ length: DEVICES }, async (_, i) => {
        const results: number[] = [];
        for (let n = 0; n < ROUNDS; n++) {
          const due = started + n * INTERVAL_MS + (i * INTERVAL_MS) / DEVICES;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
          const result = await fleet.scrape(deviceId(i), INTERVAL_MS - 500);
          results.push(result.ok ? scrapeUp(result.text) : -1);
        }
        return results;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const pdus = relays.reduce((n, r) => n + r.requests(), 0) - before;
    const lanes = fleet.laneState();
    // The first poll of each device walks its tables (52 rows, 7 GetBulk round trips: 2.8 s at
    // 400 ms before any counter is read) and may run past the first deadline; it finishes in the
    // background. From the second scrape on, every device must answer.
    const down = ups
      .flatMap((r, i) => r.map((up, n) => ({ device: i, round: n, up })))
      .filter((x) => x.round > 0 && x.up !== 1);
    expect(
      down,
      `${pdus} PDUs in ${seconds.toFixed(0)} s (${(pdus / seconds).toFixed(0)}/s), poll lane at ${lanes.poll.limit} slots; ` +
        `down by round: ${JSON.stringify(Array.from({ length: ROUNDS }, (_, n) => ups.filter((r) => r[n] !== 1).length))}`,
    ).toEqual([]);
    // The load really needed more than the floor: a fixed 64 slots carries 64 / 0.4 s = 160 PDU/s.
    expect(pdus / seconds).toBeGreaterThan(64 / (ROUND_TRIP_MS / 1000));
    expect(lanes.poll.limit).toBeGreaterThan(64);
    await quiescent(fleet);
  }, 120_000);
});

describe("out of file descriptors (one UDP socket per device)", () => {
  it("is named as such in the failure reason, and logged once", async () => {
    const devices = 60;
    const inventory = fleetInventoryYaml({
      devices,
      linksPerDevice: 1,
      host: () => agents.host,
      port: agents.port,
      interface: byName,
      timeoutSeconds: 1,
      retries: 0,
    });
    // Once ready (it polls nothing before a scrape), allow the collector 20 descriptors more than it
    // holds. Set on the running process: a limit from start-up would also cap the module loader's
    // transient opens, which vary from run to run.
    const collector = await startCollectorProcess({
      inventory,
      env: { KAPASITAS_FLEET_COMMUNITY: COMMUNITY, LOG_LEVEL: "warn" },
    });
    const limit = readdirSync(`/proc/${collector.pid}/fd`).length + 20;
    await runOrThrow(requireBinary("prlimit"), [
      "--pid",
      String(collector.pid),
      `--nofile=${limit}:${limit}`,
    ]);
    try {
      const reasons = new Map<string, number>();
      let up = 0;
      for (let i = 0; i < devices; i++) {
        const s = await collector.scrapeTarget(deviceId(i), 10);
        up += s.exposition.samples.find((x) => x.name === "snmp_device_up")!.value;
        for (const f of select(s.exposition, "snmp_device_poll_failures_total"))
          if (f.value > 0) reasons.set(f.labels.reason!, (reasons.get(f.labels.reason!) ?? 0) + f.value);
      }
      expect(up, "the devices that got a socket are polled").toBeGreaterThan(0);
      expect(up).toBeLessThan(devices);
      expect([...reasons.keys()], "every failure says why").toEqual(["fd_exhausted"]);
      const lines = collector.daemon
        .output()
        .split("\n")
        .filter((l) => l.includes("out of file descriptors:"));
      expect(lines, "one error line for the whole process").toHaveLength(1);
    } finally {
      await collector.stop();
    }
  }, 60_000);
});
