// Isolation: a device that stops answering costs its own share and nothing more. Real snmpd agents
// in a network namespace (several UDP ports each, one port a device), the collector in process
// (for its request counts) or as `kapasitas collect` scraped over HTTP (black box); silence and
// round trips come from a UDP relay, death from killing an agent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../collector/poll/fleet.js";
import { backoffSeconds } from "../collector/poll/plan.js";
import { select } from "./bench/exposition.js";
import { startCollector as startCollectorProcess, type Collector, type Scrape } from "./bench/kapasitas.js";
import { inventoryFrom, scrape, startCollector, value } from "./collector-support.js";
import { startAgentFleet, type AgentFleet } from "./helpers/agent-fleet.js";
import { deviceId, fleetInventoryYaml, type FleetSpec } from "./helpers/fleet.js";
import { waitFor } from "./helpers/process.js";
import { startUdpRelay, type UdpRelay } from "./helpers/udp-relay.js";

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

function scrapeUp(text: string): number {
  const m = /^snmp_device_up\{[^}]*\} (\d)$/m.exec(text);
  if (!m) throw new Error(`no snmp_device_up in:\n${text.slice(0, 500)}`);
  return Number(m[1]);
}
