/**
 * `npm run bench:scale`: the collector at fleet scale, side by side with Debian's
 * prometheus-snmp-exporter on the same simulated fleet, in one run. For each fleet size: real
 * snmpd agents in a network namespace answer for N devices (one UDP port each, lab/agent-fleet.ts)
 * with M interfaces each, every interface an OPD link (lab/fleet.ts). Each contestant is started,
 * walked once (discovery), then scraped the way Prometheus does it (every device once a minute,
 * spread evenly, `Accept-Encoding: gzip`, its scrape-timeout header) for the measured minutes;
 * then the collector reloads its inventory (SIGHUP) while the scraping goes on. Measured: CPU % of
 * one core, resident memory (steady median and peak: VmHWM, reset before each phase), scrape
 * p50/p99, failures, bytes on the wire a minute, startup and reload time, `/metrics`.
 *
 *   npm run bench:scale -- [--devices 100,300,1000] [--interfaces 50] [--minutes 1] [--no-peer] [--no-write]
 *                          [--node-flags="--max-old-space-size=320 --max-semi-space-size=2" | --as-deployed]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { MAX_PORTS_PER_AGENT, startAgentFleet, type AgentFleet } from "../lab/agent-fleet.js";
import { deviceId, fleetInventoryYaml } from "../lab/fleet.js";
import { REPO_ROOT, startCollector } from "../lab/kapasitas.js";
import { waitFor } from "../lab/process.js";
import { snmpColumn } from "../lab/snmpclient.js";
import { collectorMemoryMb, collectorNodeFlags } from "../infra/sizing.js";
import { cpuSeconds } from "./cpu.js";
import { withSection } from "./markdown.js";
import { build, gitCommit, loadAverage } from "./measured.js";
import { POLLED, renderSnmpExporterConfig, snmpExporterModule, startSnmpExporter } from "./snmp-exporter.js";

const { values: args } = parseArgs({
  options: {
    devices: { type: "string", default: "100,300,1000" },
    interfaces: { type: "string", default: "50" },
    minutes: { type: "string", default: "1" },
    "no-peer": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    /** V8 flags for the collector, e.g. `--max-old-space-size=320` (what a container limit sets). */
    "node-flags": { type: "string", default: "" },
    /** The V8 flags the Pulumi program gives a collector of this fleet (infra/sizing.ts). */
    "as-deployed": { type: "boolean", default: false },
  },
});
const SIZES = args.devices.split(",").map(Number);
const INTERFACES = Number(args.interfaces);
const MINUTES = Number(args.minutes);
const NODE_FLAGS = args["node-flags"].split(" ").filter((f) => f !== "");
/** The collector's V8 flags for a fleet: --node-flags, or the deployed ones with --as-deployed. */
const nodeFlags = (devices: number): string[] =>
  args["as-deployed"] ? collectorNodeFlags(collectorMemoryMb(devices * INTERFACES)) : NODE_FLAGS;
const COMMUNITY = "bench-scale";
/** What Prometheus sends with every scrape (the scrape timeout of a 60 s job, rendered by infra/). */
const SCRAPE_TIMEOUT_SECONDS = 48;
const DISCOVERY_SPREAD_MS = 30_000;
/** The goals of the scale issue. */
export const GOALS = { peakMiB: 256, smallPeakMiB: 96, smallDevices: 100, metricsMs: 20 } as const;

interface Answer {
  status: number;
  ms: number;
  /** Body bytes as sent (compressed when gzipped). */
  bytes: number;
  up: boolean;
}

/** One GET as Prometheus makes it; the body read whole, checked for `snmp_device_up … 1`. */
function scrape(url: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        headers: {
          "Accept-Encoding": "gzip",
          "X-Prometheus-Scrape-Timeout-Seconds": String(SCRAPE_TIMEOUT_SECONDS),
        },
        timeout: (SCRAPE_TIMEOUT_SECONDS + 5) * 1000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          const text =
            res.headers["content-encoding"] === "gzip" ? gunzipSync(body).toString() : body.toString();
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            bytes: body.length,
            // kapasitas says snmp_device_up; snmp_exporter answers 200 with its own scrape metrics
            // and no sysUpTime when the device did not answer.
            up: /^snmp_device_up\{[^}]*\} 1$/m.test(text) || /^sysUpTime /m.test(text),
          });
        });
      },
    );
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started, bytes: 0, up: false }));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** Every device once, spread evenly over `spreadMs` (Prometheus's scrape offsets). */
async function pass(urls: string[], spreadMs: number): Promise<Answer[]> {
  return Promise.all(
    urls.map(async (url, i) => {
      await new Promise((r) => setTimeout(r, (i * spreadMs) / urls.length));
      return scrape(url);
    }),
  );
}

function status(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Reset the peak resident size the kernel keeps (VmHWM) to the current one. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface Measured {
  who: string;
  devices: number;
  startupS: number;
  startupPeakMiB: number;
  cpuPct: number;
  rssMedianMiB: number;
  peakMiB: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  scrapes: number;
  bytesPerMinute: number;
  metricsMs?: number;
  metricsBytes?: number;
  reloadS?: number;
  reloadPeakMiB?: number;
}

/** The measured minutes: CPU, memory sampled every 250 ms, every scrape's time, size and result. */
async function steady(pid: number, urls: string[]) {
  resetPeak(pid);
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(status(pid, "VmRSS")), 250);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const answers: Answer[] = [];
  for (let m = 0; m < MINUTES; m++) answers.push(...(await pass(urls, 60_000)));
  const wallS = (performance.now() - t0) / 1000;
  const cpuPct = ((cpuSeconds(pid) - cpu0) / wallS) * 100;
  clearInterval(sampler);
  const ms = answers.map((a) => a.ms);
  return {
    cpuPct,
    rssMedianMiB: percentile(rss, 50),
    peakMiB: status(pid, "VmHWM"),
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    failures: answers.filter((a) => a.status !== 200 || !a.up).length,
    scrapes: answers.length,
    bytesPerMinute: answers.reduce((n, a) => n + a.bytes, 0) / MINUTES,
  };
}

async function measureKapasitas(fleet: AgentFleet, devices: number): Promise<Measured> {
  const inventory = fleetInventoryYaml({
    devices,
    linksPerDevice: INTERFACES,
    host: () => fleet.host,
    port: fleet.port,
    interface: (j) => ({ name: `opd${j + 1}` }),
  });
  const spawned = performance.now();
  const collector = await startCollector({
    inventory,
    entry: "built",
    nodeFlags: nodeFlags(devices),
    readyTimeoutMs: 600_000,
    env: { KAPASITAS_FLEET_COMMUNITY: COMMUNITY, LOG_LEVEL: "info" },
  });
  try {
    const startupS = (performance.now() - spawned) / 1000;
    const startupPeakMiB = status(collector.pid, "VmHWM");
    const urls = Array.from({ length: devices }, (_, i) => `${collector.baseUrl}/snmp?target=${deviceId(i)}`);
    await pass(urls, DISCOVERY_SPREAD_MS);
    const measured = await steady(collector.pid, urls);
    const metrics: Answer[] = [];
    for (let i = 0; i < 5; i++) metrics.push(await scrape(`${collector.baseUrl}/metrics`));

    // Reload the same file while Prometheus keeps scraping; the collector logs when it is done.
    resetPeak(collector.pid);
    const logged = () => collector.daemon.output().split('"msg":"inventory reloaded"').length;
    const before = logged();
    const background = pass(urls, 30_000);
    process.kill(collector.pid, "SIGHUP");
    await waitFor("the reload", () => logged() > before, { timeoutMs: 300_000, intervalMs: 50 });
    const line = collector.daemon
      .output()
      .split("\n")
      .filter((l) => l.includes('"msg":"inventory reloaded"'))
      .at(-1)!;
    await background;
    return {
      who: "kapasitas",
      devices,
      startupS,
      startupPeakMiB,
      ...measured,
      metricsMs: percentile(
        metrics.map((m) => m.ms),
        50,
      ),
      metricsBytes: metrics[0]!.bytes,
      reloadS: (JSON.parse(line) as { seconds: number }).seconds,
      reloadPeakMiB: status(collector.pid, "VmHWM"),
    };
  } finally {
    await collector.stop();
  }
}

async function measurePeer(fleet: AgentFleet, devices: number): Promise<Measured> {
  // The same rows kapasitas GETs: the ifIndex of opd1..opdM (every device serves the same table).
  const names = await snmpColumn(
    { host: fleet.host, port: fleet.port(0), community: COMMUNITY },
    "1.3.6.1.2.1.31.1.1.1.1",
  );
  const rows = [...names].filter(([, name]) => /^opd\d+$/.test(name)).map(([index]) => Number(index));
  const spawned = performance.now();
  const exporter = await startSnmpExporter(
    renderSnmpExporterConfig({
      kapasitas: snmpExporterModule(POLLED, {
        community: COMMUNITY,
        maxRepetitions: 25,
        timeoutSeconds: 2,
        retries: 1,
        getRows: rows,
      }),
    }),
  );
  try {
    const startupS = (performance.now() - spawned) / 1000;
    const startupPeakMiB = status(exporter.pid, "VmHWM");
    const urls = Array.from({ length: devices }, (_, i) => exporter.url(`${fleet.host}:${fleet.port(i)}`));
    await pass(urls, DISCOVERY_SPREAD_MS);
    const measured = await steady(exporter.pid, urls);
    return { who: "snmp_exporter", devices, startupS, startupPeakMiB, ...measured };
  } finally {
    await exporter.stop();
  }
}

async function main(): Promise<void> {
  await build();
  const results: Measured[] = [];
  for (const devices of SIZES) {
    const agents = Math.ceil(devices / MAX_PORTS_PER_AGENT);
    console.error(`${devices} devices × ${INTERFACES} links on ${agents} agents…`);
    const fleet = await startAgentFleet({
      agents,
      devicesPerAgent: Math.ceil(devices / agents),
      interfaces: INTERFACES,
      community: COMMUNITY,
    });
    try {
      results.push(await measureKapasitas(fleet, devices));
      console.error(JSON.stringify(results.at(-1)));
      if (!args["no-peer"]) {
        results.push(await measurePeer(fleet, devices));
        console.error(JSON.stringify(results.at(-1)));
      }
    } finally {
      await fleet.stop();
    }
  }
  const report = section(results);
  console.log(report);
  if (!args["no-write"]) {
    const file = join(REPO_ROOT, "BENCHMARKS.md");
    writeFileSync(file, withSection(readFileSync(file, "utf8"), report, "scale"));
    console.error("BENCHMARKS.md updated");
  }
}

const f0 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(0));
const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(1));

/**
 * The largest fleet that keeps peak memory (reload included) under the goal, from a straight line
 * through the measured sizes (memory grows with the devices; the intercept is the runtime).
 */
export function largestWithin(points: { devices: number; peakMiB: number }[], limitMiB: number): number {
  if (points.length < 2) return NaN;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.devices, 0) / n;
  const my = points.reduce((s, p) => s + p.peakMiB, 0) / n;
  const slope =
    points.reduce((s, p) => s + (p.devices - mx) * (p.peakMiB - my), 0) /
    points.reduce((s, p) => s + (p.devices - mx) ** 2, 0);
  const intercept = my - slope * mx;
  return slope > 0 ? Math.floor((limitMiB - intercept) / slope) : Infinity;
}

function section(results: Measured[]): string {
  const rows = results
    .map(
      (r) =>
        `| ${r.who} | ${r.devices} | ${f1(r.cpuPct)} % | ${f0(r.rssMedianMiB)} | **${f0(Math.max(r.peakMiB, r.startupPeakMiB, r.reloadPeakMiB ?? 0))}** (start ${f0(r.startupPeakMiB)}, steady ${f0(r.peakMiB)}, reload ${f0(r.reloadPeakMiB)}) | ${f0(r.p50Ms)} / ${f0(r.p99Ms)} ms | ${r.failures} of ${r.scrapes} | ${f1(r.bytesPerMinute / 2 ** 20)} MiB | ${f1(r.startupS)} s | ${r.reloadS === undefined ? "–" : `${f1(r.reloadS)} s`} | ${r.metricsMs === undefined ? "–" : `${f1(r.metricsMs)} ms, ${f0((r.metricsBytes ?? 0) / 1024)} KiB`} |`,
    )
    .join("\n");
  const ours = results
    .filter((r) => r.who === "kapasitas")
    .map((r) => ({
      devices: r.devices,
      peakMiB: Math.max(r.peakMiB, r.startupPeakMiB, r.reloadPeakMiB ?? 0),
    }));
  const largest = largestWithin(ours, GOALS.peakMiB);
  return `## Scale: ${SIZES.join(" / ")} devices × ${INTERFACES} links, side by side with snmp_exporter

Goals (issue 15): 1,000 devices × 50 links in ≤ ${GOALS.peakMiB} MiB peak RSS, reload included;
≤ ${GOALS.smallPeakMiB} MiB at ${GOALS.smallDevices} devices; \`/metrics\` for 1,000 devices in ≤ ${GOALS.metricsMs} ms.

| contestant | devices | CPU (one core) | RSS median MiB | peak RSS MiB | scrape p50 / p99 | failures | on the wire / min | startup | reload | /metrics (gzip) |
| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |
${rows}

Largest fleet within ${GOALS.peakMiB} MiB peak (a straight line through the kapasitas rows): **${Number.isFinite(largest) ? `≈ ${largest} devices` : "–"}** × ${INTERFACES} links.

Reproduce (as root: it creates a network namespace):

\`\`\`sh
npm run bench:scale -- --devices ${SIZES.join(",")} --interfaces ${INTERFACES} --minutes ${MINUTES}${args["as-deployed"] ? " --as-deployed" : NODE_FLAGS.length ? ` --node-flags="${NODE_FLAGS.join(" ")}"` : ""}
\`\`\`

- Fleet: Debian snmpd agents in a network namespace, each answering on up to ${MAX_PORTS_PER_AGENT} UDP ports (one
  port a device), ${INTERFACES} veth interfaces; every interface an OPD link (N × ${INTERFACES} OPDs).
- kapasitas: \`node ${args["as-deployed"] ? "<V8 flags> " : NODE_FLAGS.length ? `${NODE_FLAGS.join(" ")} ` : ""}dist/cli/kapasitas.js collect\` (compiled first), default settings${args["as-deployed"] ? `; V8 flags as the Pulumi program sets them for the fleet (NODE_OPTIONS, infra/sizing.ts): ${SIZES.map((n) => `${n} devices \`${nodeFlags(n).join(" ")}\``).join(", ")}` : ""}. snmp_exporter
  (Debian's 0.21): one module that GETs the same ${POLLED.length} columns' instances of the ${INTERFACES} rows and sysUpTime,
  v2c, timeout 2 s, 1 retry, as the inventory has it.
- Each contestant is walked once (every device over ${DISCOVERY_SPREAD_MS / 1000} s), then scraped for ${MINUTES} minute(s): every device
  once a minute spread evenly, with \`Accept-Encoding: gzip\` and a ${SCRAPE_TIMEOUT_SECONDS} s scrape-timeout header, as
  Prometheus does. CPU: utime + stime from /proc over that time. RSS: sampled every 250 ms;
  peak: VmHWM, reset (/proc/PID/clear_refs) before each phase: start (spawn to ready), steady
  (the measured minutes), reload (SIGHUP of the same file with a scraping pass going on).
  Failures: not 200, or the device not up in the answer. On the wire: response bodies as sent.
- Startup: spawn to \`/ready\` (kapasitas loads and validates the inventory first) or to its first answer
  (snmp_exporter). Reload: the collector's own \`inventory reloaded\` line (\`seconds\`).
- Machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, shared; 1-minute load ${loadAverage()} at the end; commit ${gitCommit()}.`;
}

if (process.argv[1]?.endsWith("scale.ts")) await main();
