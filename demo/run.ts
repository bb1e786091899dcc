// `npm run demo [-- --once] [-- --out DIR]`: the whole of kapasitas on one machine, loopback only.
// Simulated agents for the city's devices -> the collector -> a real Prometheus with the mixin's
// rules (and a backfilled quarter of history) -> the capacity report in four formats -> a summary.
// Progress goes to stderr, the summary to stdout. Runs until Ctrl-C, or stops at once with --once.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { JOBS, RECORDED } from "../core/contract.js";
import { loadInventoryOrThrow } from "../core/load.js";
import type { Direction } from "../core/model.js";
import type { Inventory } from "../core/schema.js";
import { configFromInventory } from "../dashboards/config.js";
import { buildMixin, RULES_FILE } from "../dashboards/index.js";
import { renderPrometheusConfig } from "../infra/render/prometheus.js";
import { onExit, removeDirOnExit } from "../lab/cleanup.js";
import { freePort } from "../lab/ports.js";
import { run, startDaemon, waitFor, type Daemon } from "../lab/process.js";
import { preparePrometheus, type Prometheus } from "../lab/prometheus.js";
import { REPO_ROOT, startSnmpsim } from "../lab/snmpsim.js";
import { deviceRecording } from "./agents.js";
import {
  cachedHistory,
  copyHistory,
  HISTORY_MONTHS,
  IMPORTED_OPD,
  lastFullQuarter,
  writeImportedRrd,
} from "./history.js";
import { communityEnvName, demoInventoryText, type DemoDevice } from "./inventory.js";
import { summaryText, topUnderProvisioned, type LiveRates, type ReportJson } from "./summary.js";

/** Short enough for the recording rule's rate to have samples within seconds of the start. */
const POLL_INTERVAL = "5s";
const SAMPLE_INVENTORY = join(REPO_ROOT, "inventory", "tanjungpinang.yaml");
const CLI = join(REPO_ROOT, "dist", "cli", "kapasitas.js");
/** The folders `npm run build` compiles (tsconfig.build.json's include). */
const BUILT_FOLDERS = (
  JSON.parse(readFileSync(join(REPO_ROOT, "tsconfig.build.json"), "utf8")) as { include: string[] }
).include;

interface Options {
  once: boolean;
  out: string;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { once: false, out: "out/demo" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--once") options.once = true;
    else if (arg === "--out" && argv[i + 1]) options.out = argv[++i]!;
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: npm run demo [-- --once] [-- --out DIR]   (default DIR: out/demo)");
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return { ...options, out: resolve(options.out) };
}

const started = performance.now();
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
/** A path as the user would type it from here: relative below the current directory, else absolute. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
};
const progress = (text: string) => process.stderr.write(`[demo ${seconds(started).padStart(7)}] ${text}\n`);

/** Run one step with a start and an end line on stderr. */
async function step<T>(what: string, work: () => Promise<T>, detail?: (value: T) => string): Promise<T> {
  const t = performance.now();
  progress(`${what} ...`);
  const value = await work();
  progress(`${what}: done in ${seconds(t)}${detail ? ` (${detail(value)})` : ""}`);
  return value;
}

/** The newest modification time of the sources `npm run build` compiles. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Build dist/ when it is missing or older than a source file (the demo runs the built CLI, as users do). */
async function ensureBuilt(): Promise<string> {
  const sources = Math.max(...BUILT_FOLDERS.map((d) => newestSource(join(REPO_ROOT, d))));
  let built = 0;
  try {
    built = statSync(CLI).mtimeMs;
  } catch {
    // not built yet
  }
  if (built >= sources) return "dist/ is up to date";
  const result = await run("npm", ["run", "build"], { cwd: REPO_ROOT, timeoutMs: 600_000 });
  if (result.code !== 0) {
    // tsc still emits on type errors; a missing CLI is fatal, errors elsewhere are shown and passed over.
    statSync(CLI);
    progress(`npm run build reported errors:\n${result.stdout.slice(-2000)}`);
  }
  return "built with npm run build";
}

interface Agents {
  devices: DemoDevice[];
  /** Environment for the collector: each device's community under its env: name. */
  env: Record<string, string>;
}

/**
 * One snmpsimd per device (the inventory refuses two devices on one address), each on its own port.
 * Each community goes into `secrets` and each agent into `stops` as soon as it exists, so a failure
 * half-way is still redacted and cleaned up.
 */
async function startAgents(inv: Inventory, secrets: string[], stops: Stop[]): Promise<Agents> {
  const agents: Agents = { devices: [], env: {} };
  // allSettled: every agent that does start is in `stops` before a failure is passed on.
  const started = await Promise.allSettled(
    inv.devices.map(async (device) => {
      // $KAPASITAS_DEMO_<DEVICE>_COMMUNITY if set, else a fresh random one; snmpsim takes the
      // community from the recording's file name.
      const communityEnv = communityEnvName(device.id);
      const community = process.env[communityEnv] || `kp${randomBytes(9).toString("hex")}`;
      if (!/^[A-Za-z0-9_-]+$/.test(community))
        throw new Error(`$${communityEnv}: use letters, digits, "-" and "_" only (it names a file)`);
      secrets.push(community);
      const sim = await startSnmpsim({
        recordings: [],
        extraRecordings: { [community]: deviceRecording(inv, device, HISTORY_MONTHS) },
      });
      stops.push({ name: `agent ${device.id}`, stop: () => sim.stop() });
      agents.devices.push({ id: device.id, port: sim.port, communityEnv });
      agents.env[communityEnv] = community;
    }),
  );
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return agents;
}

/** Prometheus's config for the demo: the infra's rendering, pointed at the local collector. */
function prometheusConfig(inv: Inventory, collector: string): Record<string, unknown> {
  const config = renderPrometheusConfig(inv, {
    collectors: [collector],
    alertmanagers: [],
    ruleFiles: [],
    evaluationInterval: POLL_INTERVAL,
  });
  // No Alertmanager runs in the demo, and the self-scrape would hit whatever owns localhost:9090;
  // the rule file is passed to the helper, which lists it itself.
  delete config.rule_files;
  delete config.alerting;
  const jobs = config.scrape_configs as { job_name: string }[];
  config.scrape_configs = jobs.filter(
    (j) => j.job_name === JOBS.collector || j.job_name.startsWith(JOBS.snmp),
  );
  return config;
}

/**
 * The recording rule's own expression with irate over the last two scrapes instead of rate over
 * 5 minutes: rate()'s 5-minute window is full only after 5 minutes, and until then it divides a few
 * seconds of increase by 300 s.
 */
function liveExpression(mixin: ReturnType<typeof buildMixin>): string {
  const recording: { record?: string; expr: string }[] = mixin.rules.groups.flatMap((g) => [...g.rules]);
  const rule = recording.find((r) => r.record === RECORDED.opdBits);
  if (!rule || !rule.expr.includes("(rate(") || !rule.expr.includes("[5m]"))
    throw new Error(`the mixin's ${RECORDED.opdBits} rule is not the rate over [5m] the demo expects`);
  return rule.expr.replace("(rate(", "(irate(").replace("[5m]", "[1m]");
}

function ratesByOpd(samples: { metric: Record<string, string>; value: { v: number } }[]): LiveRates {
  const rates: LiveRates = new Map();
  for (const s of samples) {
    const opd = s.metric.opd;
    const direction = s.metric.direction as Direction | undefined;
    if (!opd || !direction) continue;
    rates.set(opd, { ...rates.get(opd), [direction]: s.value.v });
  }
  return rates;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const secrets: string[] = [];
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.splice(0).reverse()) {
      const t = performance.now();
      await stop().catch((error: unknown) => progress(`stopping ${name}: ${String(error)}`));
      progress(`stopped ${name} in ${seconds(t)}`);
    }
  };
  // Ctrl-C: stop each part by its own stop(). The helpers' signal hooks kill everything at once,
  // so they are installed now and taken off the signals again (only theirs: tsx relays signals
  // through a handler of its own); their exit hook stays as the safety net.
  const signals = ["SIGINT", "SIGTERM"] as const;
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  onExit(() => undefined);
  for (const signal of signals) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    process.once(signal, () => {
      progress(`${signal}: stopping everything ...`);
      const first = Date.now();
      // A second Ctrl-C exits at once (the exit hook kills the rest). One within a second is the
      // same Ctrl-C relayed by tsx, which re-sends it when the child confirms late (after 30 ms).
      process.on(signal, () => {
        if (Date.now() - first > 1000) process.exit(130);
      });
      void stopAll().then(() => {
        progress("stopped");
        process.exit(0);
      });
    });
  }
  try {
    await demo(options, secrets, stops);
  } catch (error) {
    // Output of a failed daemon may quote a community (snmpsim names its data files after them).
    let message = error instanceof Error ? error.message : String(error);
    for (const s of secrets) message = message.split(s).join("<community>");
    progress(`failed: ${message}`);
    await stopAll();
    process.exit(1); // whatever a failed step left behind goes with the helpers' exit hook
  }
  if (options.once) {
    await stopAll();
    progress("--once: stopped everything");
  }
}

/**
 * The imported OPD's MRTG file into the TSDB the way an operator imports one (docs/import.md): a
 * mapping naming the link, then `kapasitas import` (the built command) on the storage folder.
 */
async function importHistory(
  inventoryFile: string,
  rrdFile: string,
  linkId: string,
  dataDir: string,
  out: string,
): Promise<void> {
  const mapping = join(out, "import.demo.yaml");
  writeFileSync(mapping, `sources:\n  - file: ${relative(out, rrdFile)}\n    link: ${linkId}\n`);
  const result = await run(
    process.execPath,
    [CLI, "import", "--inventory", inventoryFile, "--mapping", mapping, "--storage", dataDir],
    { timeoutMs: 120_000 },
  );
  if (result.code !== 0) throw new Error(`kapasitas import exited ${result.code}: ${result.stderr.trim()}`);
  progress(`imported ${shown(rrdFile)} (${shown(mapping)}): ${result.stdout.trim().split("\n").join("; ")}`);
}

/** Something the demo started, and how to stop it (its helper's own stop()). */
interface Stop {
  name: string;
  stop: () => Promise<void>;
}

async function demo(options: Options, secrets: string[], stops: Stop[]): Promise<void> {
  const sampleText = readFileSync(SAMPLE_INVENTORY, "utf8");
  const sample = loadInventoryOrThrow(SAMPLE_INVENTORY);
  const period = lastFullQuarter(new Date(), sample.timezone, sample.planning.fiscal_year_start_month);
  progress(
    `inventory: ${sample.opds.length} OPDs, ${sample.uplinks.length} uplinks, ${sample.devices.length} devices`,
  );

  // Independent: the build, the history, the MRTG file to import and the agents.
  mkdirSync(join(options.out, "mrtg"), { recursive: true });
  const rrdFile = join(options.out, "mrtg", `${IMPORTED_OPD}.rrd`);
  const [, history, importedLink, agents] = await Promise.all([
    step("build the collector", ensureBuilt, (s) => s),
    step(
      `history for ${period.spec}`,
      () => cachedHistory(sample, period),
      (h) =>
        h.built
          ? `generated in ${h.generateSeconds.toFixed(1)} s, backfilled in ${h.backfillSeconds.toFixed(1)} s, cached in ${h.dir}`
          : `from the cache ${h.dir}`,
    ),
    step(
      `${IMPORTED_OPD}'s ${period.spec} as MRTG keeps it (rrdtool, MRTG's RRD archives)`,
      () => writeImportedRrd(sample, period, rrdFile),
      () => shown(rrdFile),
    ),
    step(
      "SNMP agents (snmpsimd) for the inventory's devices",
      () => startAgents(sample, secrets, stops),
      (a) => a.devices.map((d) => `${d.id} on udp/${d.port}`).join(", "),
    ),
  ]);

  mkdirSync(options.out, { recursive: true });
  const inventoryFile = join(options.out, "inventory.demo.yaml");
  writeFileSync(inventoryFile, demoInventoryText(sampleText, sample, agents.devices, POLL_INTERVAL));
  const inventory = loadInventoryOrThrow(inventoryFile);
  progress(`demo inventory: ${shown(inventoryFile)} (communities as env: references)`);

  const collectorPort = await freePort("tcp");
  const collector = `127.0.0.1:${collectorPort}`;
  const mixin = buildMixin(configFromInventory(inventory, { reportUrl: `http://${collector}/reports` }));
  const prometheus: Prometheus = await step(
    "Prometheus with the mixin's rules and the history",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "kapasitas-demo-tsdb-"));
      const forget = removeDirOnExit(dataDir);
      copyHistory(history.dir, dataDir);
      await importHistory(inventoryFile, rrdFile, importedLink.linkId, dataDir, options.out);
      const prom = await preparePrometheus({
        config: prometheusConfig(inventory, collector),
        rules: { [RULES_FILE]: mixin.rulesYaml },
        dataDir,
      });
      stops.push({
        name: "Prometheus",
        stop: async () => {
          await prom.stop();
          rmSync(dataDir, { recursive: true, force: true });
          forget();
        },
      });
      await prom.start();
      return prom;
    },
    (p) => p.url,
  );

  const collectorDaemon: Daemon = await step(
    "collector (node dist/cli/kapasitas.js collect)",
    async () => {
      const daemon = startDaemon(
        process.execPath,
        [CLI, "collect", "--inventory", inventoryFile, "--listen", collector, "--log-level", "warn"],
        { env: { ...process.env, ...agents.env, KAPASITAS_PROMETHEUS_URL: prometheus.url } },
      );
      stops.push({ name: "collector", stop: () => daemon.stop() });
      await waitFor("collector /ready", async () => (await fetch(`http://${collector}/ready`)).ok, {
        timeoutMs: 30_000,
        daemon,
      });
      return daemon;
    },
    () => `http://${collector}`,
  );

  const scraped = step("Prometheus scraping the collector", () =>
    prometheus.waitForTargetsUp(JOBS.snmp, 60_000),
  );
  const reportFiles = step(
    "capacity report (node dist/cli/kapasitas.js report)",
    async () => {
      const result = await run(
        process.execPath,
        [
          CLI,
          "report",
          "-i",
          inventoryFile,
          "--period",
          period.spec,
          "--lang",
          "id",
          "--prometheus",
          prometheus.url,
          "--out",
          options.out,
        ],
        { timeoutMs: 300_000 },
      );
      if (result.code !== 0) throw new Error(`report exited ${result.code}: ${result.stderr.trim()}`);
      return result.stdout.trim().split("\n").filter(Boolean);
    },
    (files) => `${files.length} files`,
  );
  const [files] = await Promise.all([reportFiles, scraped]);

  const jsonFile = files.find((f) => f.endsWith(".json"));
  if (!jsonFile) throw new Error("the report wrote no JSON file");
  const report = JSON.parse(readFileSync(jsonFile, "utf8")) as ReportJson;
  const top = topUnderProvisioned(report, 5);

  const expression = liveExpression(mixin);
  const live = await step("live rates from Prometheus (two scrapes)", () =>
    waitFor(
      "live rates of the top OPDs",
      async () => {
        const rates = ratesByOpd(await prometheus.query(expression));
        return (
          top.every(
            (o) => rates.get(o.id)?.download !== undefined && rates.get(o.id)?.upload !== undefined,
          ) && rates
        );
      },
      { timeoutMs: 60_000, intervalMs: 500, daemon: collectorDaemon },
    ),
  );

  const imported = report.opds.find((o) => o.id === IMPORTED_OPD);
  const prometheusUrl = `${prometheus.url}/graph?g0.expr=${encodeURIComponent(RECORDED.opdBits)}&g0.tab=0`;
  process.stdout.write(
    summaryText({
      report,
      files: files.map(shown),
      live,
      liveMethod: `the ${RECORDED.opdBits} rule's expression with irate over the last two ${POLL_INTERVAL} scrapes; the rule itself averages 5 minutes and shows full values 5 minutes after start`,
      urls: {
        reports: `http://${collector}/reports`,
        prometheus: prometheusUrl,
        collector: `http://${collector}`,
      },
      historySeconds: history.built
        ? `${(history.generateSeconds + history.backfillSeconds).toFixed(1)} s (now cached)`
        : "an earlier run (cached)",
      once: options.once,
      ...(imported ? { imported: { opd: imported, file: shown(rrdFile) } } : {}),
    }),
  );

  if (!options.once) {
    // Once the rule's 5-minute window is full, show what the recording rule itself says.
    setTimeout(() => {
      void (async () => {
        const rates = ratesByOpd(await prometheus.query(RECORDED.opdBits));
        const line = top
          .map((o) => `${o.shortName} ${((rates.get(o.id)?.download ?? 0) / 1e6).toFixed(1)} Mbps unduh`)
          .join(", ");
        const alerts = (await prometheus.query('ALERTS{alertstate=~"pending|firing"}')).map(
          ({ metric: m }) => `${m.alertname} ${m.opd ?? m.uplink ?? m.device ?? ""} (${m.alertstate})`,
        );
        process.stdout.write(
          `\n${RECORDED.opdBits} (5-minute window now full): ${line}\n` +
            `alerts: ${alerts.join(", ") || "none"} (see ${prometheus.url}/alerts)\n`,
        );
      })().catch((error: unknown) => progress(`could not query the rule: ${String(error)}`));
    }, 310_000).unref();
    setInterval(() => undefined, 1 << 30); // keep running until Ctrl-C
  }
}

await main();
