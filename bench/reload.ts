/**
 * `npm run bench:reload`: SIGHUP on a large fleet. Real snmpd agents in a network namespace answer
 * for N devices (one UDP port each) with M interfaces each, every interface an OPD link; the
 * collector (the compiled build, as the container runs it) is scraped the way Prometheus spreads a
 * one-minute interval over its targets, while a probe GETs /healthz every 20 ms. Then the inventory
 * is reloaded twice: unchanged, and with one device changed. Measured: the event loop's worst delay
 * during each reload and how long it took (the collector's own "inventory reloaded" log line), the
 * probe's slowest answer, and how many devices' tables were walked again.
 *
 *   npm run bench:reload -- [--devices 1000] [--interfaces 50] [--agents 25] [--no-write]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MAX_PORTS_PER_AGENT, startAgentFleet } from "../lab/agent-fleet.js";
import { deviceId, fleetInventoryYaml, type FleetSpec } from "../lab/fleet.js";
import { waitFor } from "../lab/process.js";
import { select } from "../lab/exposition.js";
import { REPO_ROOT, startCollector, type CollectorProcess } from "../lab/kapasitas.js";
import { withSection } from "./markdown.js";
import { build, gitCommit, loadAverage } from "./measured.js";

const { values: args } = parseArgs({
  options: {
    devices: { type: "string", default: "1000" },
    interfaces: { type: "string", default: "50" },
    /** Default: as few as hold the devices (an agent answers on at most 40 ports). */
    agents: { type: "string" },
    "no-write": { type: "boolean", default: false },
    /** Write the collector's CPU profiles (main thread and reload workers) to this directory. */
    "cpu-prof": { type: "string" },
  },
});
const DEVICES = Number(args.devices);
const INTERFACES = Number(args.interfaces);
const AGENTS = Number(args.agents ?? Math.ceil(DEVICES / MAX_PORTS_PER_AGENT));
const COMMUNITY = "bench-reload";

interface ReloadResult {
  what: string;
  seconds: number;
  lagMaxMs: number;
  probeMaxMs: number;
  probes: number;
  summary: string;
  discoveries: number;
}

/** A collector-wide metric from /metrics (never read during a reload: see the notes). */
async function metric(collector: CollectorProcess, name: string): Promise<number> {
  const s = await collector.scrapeMetrics();
  return select(s.exposition, name).reduce((n, x) => n + x.value, 0);
}

async function main(): Promise<void> {
  console.error(`building, then ${DEVICES} devices × ${INTERFACES} links on ${AGENTS} agents…`);
  await build();

  const perAgent = Math.ceil(DEVICES / AGENTS);
  const agents = await startAgentFleet({
    agents: AGENTS,
    devicesPerAgent: perAgent,
    interfaces: INTERFACES,
    community: COMMUNITY,
  });
  let collector: CollectorProcess | undefined;
  try {
    const spec: FleetSpec = {
      devices: DEVICES,
      linksPerDevice: INTERFACES,
      host: () => agents.host,
      port: agents.port,
      interface: (j) => ({ name: `opd${j + 1}` }),
    };
    const loadStarted = performance.now();
    collector = await startCollector({
      inventory: fleetInventoryYaml(spec),
      entry: "built",
      readyTimeoutMs: 300_000,
      nodeFlags: args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [],
      env: { KAPASITAS_FLEET_COMMUNITY: COMMUNITY, LOG_LEVEL: "info" },
    });
    const startSeconds = (performance.now() - loadStarted) / 1000;
    console.error(`collector ready in ${startSeconds.toFixed(1)} s`);
    const c = collector;

    // Prometheus-like load: every device once a minute, spread evenly; a pass here is that minute.
    let stop = false;
    const pass = async (spreadMs: number) => {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: DEVICES }, async (_, i) => {
          await new Promise((r) => setTimeout(r, (i * spreadMs) / DEVICES));
          await c.scrapeTarget(deviceId(i), 30);
        }),
      );
      return (performance.now() - started) / 1000;
    };
    console.error(`first pass (discovery) took ${(await pass(20_000)).toFixed(1)} s`);
    const background = (async () => {
      while (!stop) await pass(60_000);
    })();
    const probes: { at: number; ms: number }[] = [];
    const prober = (async () => {
      while (!stop) {
        const t = performance.now();
        await c.get("/healthz").then((r) => r.text());
        probes.push({ at: t, ms: performance.now() - t });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 5_000));

    const results: ReloadResult[] = [];
    const reload = async (what: string, nextSpec: FleetSpec) => {
      writeFileSync(c.inventoryFile, fleetInventoryYaml(nextSpec));
      // Read /metrics before, and let its rendering (large with this many OPDs) pass: the reload
      // is measured by the collector itself, from SIGHUP to its "inventory reloaded" line.
      const discoveriesBefore = await metric(c, "kapasitas_snmp_discoveries_total");
      await new Promise((r) => setTimeout(r, 3_000));
      const logged = c.daemon.output().split('"msg":"inventory reloaded"').length;
      const probesBefore = probes.length;
      process.kill(c.pid, "SIGHUP");
      await waitFor(
        "the reload to finish",
        () => c.daemon.output().split('"msg":"inventory reloaded"').length > logged,
        { timeoutMs: 120_000, intervalMs: 10 },
      );
      const window = probes.slice(probesBefore);
      const line = c.daemon
        .output()
        .split("\n")
        .filter((l) => l.includes('"msg":"inventory reloaded"'))
        .at(-1)!;
      const s = JSON.parse(line) as Record<string, number>;
      // A full pass after the reload: only changed devices may be walked again.
      await pass(10_000);
      results.push({
        what,
        seconds: s.seconds!,
        lagMaxMs: s.event_loop_delay_max_ms!,
        probeMaxMs: Math.max(...window.map((p) => p.ms)),
        probes: window.length,
        summary: `${s.unchanged} unchanged, ${s.changed} changed, ${s.added} added, ${s.removed} removed`,
        discoveries: (await metric(c, "kapasitas_snmp_discoveries_total")) - discoveriesBefore,
      });
      console.error(JSON.stringify(results.at(-1)));
    };
    await reload("same file again", spec);
    await reload("one device loses a link", {
      ...spec,
      linksPerDevice: (i) => (i === 0 ? INTERFACES - 1 : INTERFACES),
    });
    stop = true;
    await Promise.all([background, prober]);

    const report = section(results, startSeconds);
    console.log(report);
    if (!args["no-write"]) {
      const file = join(REPO_ROOT, "BENCHMARKS.md");
      writeFileSync(file, withSection(readFileSync(file, "utf8"), report, "reload"));
      console.error("BENCHMARKS.md updated");
    }
  } finally {
    await collector?.stop();
    await agents.stop();
  }
}

function section(results: ReloadResult[], startSeconds: number): string {
  const rows = results
    .map(
      (r) =>
        `| ${r.what} | ${r.seconds.toFixed(1)} s | **${r.lagMaxMs.toFixed(0)} ms** | ${r.probeMaxMs.toFixed(0)} ms (${r.probes} probes) | ${r.summary} | ${r.discoveries} |`,
    )
    .join("\n");
  return `## Inventory reload (SIGHUP) at ${DEVICES} devices × ${INTERFACES} links

Goal (issue 14): event-loop delay during a SIGHUP reload under 100 ms at 1,000 devices, and no
re-discovery of unchanged devices. Before this work the reload parsed and planned on the event loop
and rebuilt every device: 4–5 s blocked (11 s under load), every device walked again.

| reload | took | worst event-loop delay | slowest /healthz | devices | tables walked again |
| --- | ---: | ---: | ---: | --- | ---: |
${rows}

Reproduce (as root: it creates a network namespace):

\`\`\`sh
npm run bench:reload -- --devices ${DEVICES} --interfaces ${INTERFACES} --agents ${AGENTS}
\`\`\`

- Agents: ${AGENTS} Debian snmpd processes in a network namespace, each answering on ${Math.ceil(DEVICES / AGENTS)} UDP ports
  (one port a device), ${INTERFACES} veth interfaces; every interface is an OPD link (${DEVICES * INTERFACES} OPDs).
- Collector: \`node dist/cli/kapasitas.js collect\` (compiled first), default settings; ready in ${startSeconds.toFixed(1)} s
  (the first load parses and validates on the main thread, before it listens).
- Load during the reloads: every device scraped once a minute, spread evenly, as Prometheus does,
  with a /healthz probe every 20 ms.
- "Took" and "worst event-loop delay": the collector's own \`inventory reloaded\` log line
  (\`seconds\`, \`event_loop_delay_max_ms\`: monitorEventLoopDelay at 10 ms resolution, from the
  SIGHUP to that line). "Slowest /healthz": the probe's slowest answer over the same time, as a
  client saw it. \`/metrics\` is not scraped during a reload here: with this many OPDs, rendering it
  alone holds the event loop for most of a second (the scale issue's subject, not the reload's).
  "Tables walked again": \`kapasitas_snmp_discoveries_total\` over a full pass after the reload.
- The reload loads, validates and plans the file on a worker thread (most of "took"), compares each
  device's plan with the running one by digest, sends back what changed one slice of 250 items per
  turn of the event loop, and swaps pollers device by device, yielding every 10 ms.
- Machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, 1-minute load ${loadAverage()} at the end; commit ${gitCommit()}.`;
}

await main();
