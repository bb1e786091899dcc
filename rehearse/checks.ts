// The end-to-end checks on the running stack. Each is named (the deliberate breaks expect a named
// check to fail), polls with a deadline, and throws a plain sentence when the stack is wrong.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../core/schema.js";
import { JOBS, METRICS, RECORDED } from "../core/contract.js";
import type { StackSettings } from "../infra/settings.js";
import type { Dockerd } from "../lab/docker.js";
import { run, waitFor } from "../lab/process.js";
import { FatalError, type Applier } from "./engine.js";
import { appGreeting } from "./images.js";
import type { Plan } from "./translate.js";

export interface StackUnderTest {
  engine: Dockerd;
  applier: Applier;
  plan: Plan;
  settings: StackSettings;
  apps: readonly App[];
  /** The network namespace the engine runs in (the data-centre host). */
  hostNetns: string;
  /** The device on the management side: its inventory id and an HTTP listener beside its agent. */
  device: { id: string; outsideUrl: string };
  /** The report host's basic-auth account (the program's REPORT_USER; the mocks' password). */
  reportCredentials: { user: string; password: string };
  /** Restart the device's SNMP agent (its sysUpTime starts again: a reboot). */
  rebootDevice(): Promise<void>;
}

export interface Check {
  name: string;
  what: string;
  /** Resolves with a one-line result; throws when the stack is wrong. */
  run(stack: StackUnderTest, deadlineMs: number): Promise<string>;
}

const prefixed = (s: StackUnderTest, service: string) => `${s.settings.name_prefix}-${service}`;

/** `docker exec` of a command; its stdout, or an error with its output. */
async function exec(s: StackUnderTest, container: string, command: string[]): Promise<string> {
  const result = await s.engine.cli(["exec", container, ...command]);
  if (result.code !== 0)
    throw new Error(`${command.join(" ")} in ${container}: ${`${result.stdout}${result.stderr}`.trim()}`);
  return result.stdout;
}

/** A GET inside a container that has busybox wget (Prometheus, Alertmanager), parsed as JSON. */
async function getJson<T>(s: StackUnderTest, container: string, url: string): Promise<T> {
  return JSON.parse(await exec(s, container, ["wget", "-q", "-O", "-", url])) as T;
}

async function promQuery(
  s: StackUnderTest,
  expr: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const body = await getJson<{
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  }>(s, prefixed(s, "prometheus"), `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(expr)}`);
  return body.data.result;
}

/** Remote-read requests Prometheus has answered with 200 (its own counter). */
async function remoteReadsServed(s: StackUnderTest): Promise<number> {
  const text = await exec(s, prefixed(s, "prometheus"), [
    "wget",
    "-q",
    "-O",
    "-",
    "http://127.0.0.1:9090/metrics",
  ]);
  const line = text
    .split("\n")
    .find(
      (l) =>
        l.startsWith("prometheus_http_requests_total{") && l.includes('code="200",handler="/api/v1/read"'),
    );
  return Number(line?.split(" ").at(-1) ?? 0);
}

interface Target {
  scrapeUrl: string;
  health: string;
  lastError: string;
  labels: Record<string, string>;
}

async function targets(s: StackUnderTest): Promise<Target[]> {
  const body = await getJson<{ data: { activeTargets: Target[] } }>(
    s,
    prefixed(s, "prometheus"),
    "http://127.0.0.1:9090/api/v1/targets",
  );
  return body.data.activeTargets;
}

/** curl inside the engine's namespace (the host), through the proxy's published port, TLS verified. */
async function viaProxy(
  s: StackUnderTest,
  host: string,
  path: string,
  ca: string,
  credentials?: { user: string; password: string },
): Promise<{ status: string; body: string; issuer: string }> {
  const { https, bind_address: ip } = s.settings.ports;
  const result = await run("nsenter", [
    `--net=/run/netns/${s.hostNetns}`,
    "curl",
    "-sS",
    "--max-time",
    "10",
    "--cacert",
    ca,
    "--resolve",
    `${host}:${https}:${ip}`,
    ...(credentials ? ["-u", `${credentials.user}:${credentials.password}`] : []),
    "-w",
    "\n%{http_code}\n%{certs}",
    `https://${host}:${https}${path}`,
  ]);
  if (result.code !== 0) throw new Error(`https://${host}${path}: ${result.stderr.trim()}`);
  const lines = result.stdout.split("\n");
  const statusIndex = lines.findIndex((l) => /^\d{3}$/.test(l));
  return {
    body: lines.slice(0, statusIndex).join("\n"),
    status: lines[statusIndex] ?? "",
    issuer: lines.slice(statusIndex + 1).find((l) => l.startsWith("Issuer:")) ?? "",
  };
}

/** Caddy's internal root certificate, from the proxy's data volume on the host. */
async function caddyRoot(s: StackUnderTest): Promise<string> {
  const volume = (await s.engine.api("GET", `/volumes/${prefixed(s, "caddy-data")}`)).body as {
    Mountpoint: string;
  };
  const path = join(volume.Mountpoint, "caddy/pki/authorities/local/root.crt");
  await waitFor("Caddy's internal CA", () => readFileSync(path, "utf8").includes("BEGIN CERTIFICATE"), {
    timeoutMs: 30_000,
    intervalMs: 500,
  });
  return path;
}

const describe = (down: readonly Target[]) =>
  down.map((t) => `${t.scrapeUrl} is ${t.health}${t.lastError ? `: ${t.lastError}` : ""}`).join("; ");

export const CHECKS: Record<string, Check> = {
  "containers-healthy": {
    name: "containers-healthy",
    what: "every container the program starts is healthy under its declared health check",
    async run(s, deadlineMs) {
      const started = s.plan.containers.filter((c) => c.start);
      await Promise.all(
        started.map((c) =>
          s.applier.waitHealthy({ ...c, waitSeconds: Math.min(c.waitSeconds ?? 120, deadlineMs / 1000) }),
        ),
      );
      return `${started.length} containers healthy (${started.map((c) => c.name.replace(`${s.settings.name_prefix}-`, "")).join(", ")})`;
    },
  },

  "prometheus-scrapes-collector": {
    name: "prometheus-scrapes-collector",
    what: "Prometheus, by in-network names, scrapes the collector's /metrics and /snmp?target= for a device on the management side",
    async run(s, deadlineMs) {
      const scraped = await waitFor(
        "Prometheus's first scrape of the collector and of the device",
        async () => {
          const all = await targets(s);
          const collector = all.filter((t) => t.labels.job === JOBS.collector);
          const device = all.filter(
            (t) => t.scrapeUrl.includes("/snmp?") && t.scrapeUrl.includes(`target=${s.device.id}`),
          );
          // Until its first service discovery, Prometheus lists no targets.
          if (collector.length === 0 || device.length === 0)
            throw new Error("no collector or device target yet");
          const down = [...collector, ...device].filter((t) => t.health !== "up");
          // A name that does not resolve on the network never will: say so at once. Anything
          // else (the collector still starting) gets the next scrape.
          const unresolved = down.filter((t) =>
            /no such host|server misbehaving|lookup \S+ on /.test(t.lastError),
          );
          if (unresolved.length > 0) throw new FatalError(describe(unresolved));
          if (down.length > 0) throw new Error(describe(down));
          return [...collector, ...device].map((t) => t.scrapeUrl);
        },
        { timeoutMs: deadlineMs, intervalMs: 1000, failFast: (e) => e instanceof FatalError },
      );
      await waitFor(
        `${METRICS.deviceUp}{device="${s.device.id}"} == 1`,
        async () => (await promQuery(s, `${METRICS.deviceUp}{device="${s.device.id}"} == 1`)).length > 0,
        { timeoutMs: deadlineMs, intervalMs: 1000 },
      );
      return `up: ${scraped.join(", ")}; ${METRICS.deviceUp}{device="${s.device.id}"} is 1`;
    },
  },

  "recording-rules": {
    name: "recording-rules",
    what: "the recording rules produce series from what was scraped",
    async run(s, deadlineMs) {
      const series = await waitFor(
        `a series of ${RECORDED.opdBits}`,
        async () => {
          const result = await promQuery(s, RECORDED.opdBits);
          return result.length > 0 ? result : false;
        },
        { timeoutMs: deadlineMs, intervalMs: 2000 },
      );
      return `${RECORDED.opdBits}: ${series.map((r) => `${r.metric.opd}/${r.metric.direction}=${Number(r.value[1]).toFixed(0)} bit/s`).join(", ")}`;
    },
  },

  "alert-reaches-alertmanager": {
    name: "alert-reaches-alertmanager",
    what: "a device reboot fires KapasitasDeviceRestarted, and Alertmanager receives it",
    async run(s, deadlineMs) {
      // The restart counter must exist (a poll before the reboot) for increase() to see it move.
      await waitFor(
        `${METRICS.deviceRestarts}{device="${s.device.id}"}`,
        async () => (await promQuery(s, `${METRICS.deviceRestarts}{device="${s.device.id}"}`)).length > 0,
        { timeoutMs: deadlineMs, intervalMs: 1000 },
      );
      await s.rebootDevice();
      const alert = await waitFor(
        "KapasitasDeviceRestarted in Alertmanager",
        async () => {
          const alerts = await getJson<{ labels: Record<string, string>; status: { state: string } }[]>(
            s,
            prefixed(s, "alertmanager"),
            "http://127.0.0.1:9093/api/v2/alerts",
          );
          return alerts.find(
            (a) => a.labels.alertname === "KapasitasDeviceRestarted" && a.labels.device === s.device.id,
          );
        },
        { timeoutMs: deadlineMs, intervalMs: 2000 },
      ).catch(async (error: unknown) => {
        // Say where the chain stopped: the device back up? the restart counted? the rule firing?
        const value = async (expr: string) =>
          (await promQuery(s, expr).catch(() => [])).map((r) => r.value[1]).join(",") || "none";
        const device = `{device="${s.device.id}"}`;
        throw new Error(
          `${(error as Error).message}; ${METRICS.deviceUp}${device} ${await value(`${METRICS.deviceUp}${device}`)}, ` +
            `${METRICS.deviceRestarts}${device} ${await value(`${METRICS.deviceRestarts}${device}`)}, ` +
            `ALERTS ${await value(`ALERTS{alertname="KapasitasDeviceRestarted"}`)}`,
        );
      });
      return `Alertmanager has ${alert.labels.alertname}{device="${alert.labels.device}"} (${alert.status.state})`;
    },
  },

  "proxy-serves-reports": {
    name: "proxy-serves-reports",
    what: "the proxy answers the reports host with the /reports page, TLS from Caddy's internal CA, and a report reads Prometheus with remote read",
    async run(s, deadlineMs) {
      const ca = await caddyRoot(s);
      const host = s.settings.hosts.reports;
      const page = await waitFor(
        `https://${host}/reports`,
        async () => {
          const r = await viaProxy(s, host, "/reports", ca, s.reportCredentials);
          if (r.status !== "200") throw new Error(`status ${r.status}: ${r.body.slice(0, 200)}`);
          return r;
        },
        { timeoutMs: deadlineMs, intervalMs: 1000 },
      );
      const anonymous = await viaProxy(s, host, "/reports", ca);
      if (anonymous.status !== "401") {
        throw new Error(`https://${host}/reports without credentials answers ${anonymous.status}, not 401`);
      }
      const other = await viaProxy(s, host, "/metrics", ca, s.reportCredentials);
      if (other.status !== "302") {
        throw new Error(`https://${host}/metrics answers ${other.status}: the collector's metrics leak`);
      }
      // A report of this month (minutes of data, or none yet: 200 or 422 "no data"), whose series the
      // collector reads from the Prometheus container with remote read over the stack's network.
      const month = new Date().toISOString().slice(0, 7);
      const reads = () => remoteReadsServed(s);
      const before = await reads();
      const report = await viaProxy(
        s,
        host,
        `/reports/api?period=${month}&format=json`,
        ca,
        s.reportCredentials,
      );
      if (report.status !== "200" && report.status !== "422") {
        throw new Error(`a report of ${month} answers ${report.status}: ${report.body.slice(0, 300)}`);
      }
      const after = await reads();
      if (after <= before) {
        throw new Error(
          `a report of ${month} did not read Prometheus with remote read (/api/v1/read served ${after} times)`,
        );
      }
      return `https://${host}/reports: 401 without credentials, 200 as ${s.reportCredentials.user} (${page.body.length} bytes, ${page.issuer || "certificate verified against Caddy's root"}); /metrics: 302; a report of ${month}: ${report.status}, ${after - before} remote reads`;
    },
  },

  "proxy-routes-apps": {
    name: "proxy-routes-apps",
    what: "the proxy routes each app's domain to that app's container",
    async run(s, deadlineMs) {
      const ca = await caddyRoot(s);
      const reached: string[] = [];
      for (const app of s.apps) {
        await waitFor(
          `https://${app.domain}/ to reach app ${app.id}`,
          async () => {
            const r = await viaProxy(s, app.domain, "/", ca);
            if (r.status !== "200" || r.body.trim() !== appGreeting(app).trim()) {
              throw new Error(`status ${r.status}: ${r.body.slice(0, 200)}`);
            }
            return true;
          },
          { timeoutMs: deadlineMs, intervalMs: 1000 },
        );
        reached.push(app.domain);
      }
      return `each domain reaches its own app: ${reached.join(", ")}`;
    },
  },

  "apps-isolated": {
    name: "apps-isolated",
    what: "the apps network reaches nothing outside it (not the management side, not Prometheus); the collector's edge network does",
    async run(s) {
      const app = prefixed(s, `app-${s.apps[0]!.id}`);
      for (const url of [s.device.outsideUrl, "http://prometheus:9090/-/healthy"]) {
        const r = await s.engine.cli(["exec", app, "wget", "-q", "-T", "3", "-O", "-", url]);
        if (r.code === 0) throw new Error(`${app} reached ${url}`);
      }
      const collector = prefixed(s, "collector-0");
      const fetched = await exec(s, collector, [
        "node",
        "-e",
        `fetch(${JSON.stringify(s.device.outsideUrl)}).then((r) => r.text()).then((t) => process.stdout.write(t))`,
      ]);
      if (!fetched.includes("outside"))
        throw new Error(`the collector got ${fetched} from ${s.device.outsideUrl}`);
      return `${app} cannot reach ${s.device.outsideUrl} nor prometheus:9090; the collector reaches the management side`;
    },
  },

  "monitoring-unpublished": {
    name: "monitoring-unpublished",
    what: "nothing but the proxy publishes a port, and the monitoring network is internal",
    async run(s) {
      const listening = await run("nsenter", [`--net=/run/netns/${s.hostNetns}`, "ss", "-ltnuH"]);
      const ports = [
        ...new Set(
          listening.stdout
            .split("\n")
            .map((l) => l.trim().split(/\s+/)[4])
            .filter((a): a is string => a !== undefined),
        ),
      ].sort();
      const { http, https, bind_address: ip } = s.settings.ports;
      const expected = [`${ip}:${http}`, `${ip}:${https}`].sort();
      const unexpected = ports.filter((p) => !expected.includes(p));
      if (unexpected.length > 0)
        throw new Error(
          `the host listens on ${unexpected.join(", ")} beyond the proxy's ${expected.join(", ")}`,
        );
      const network = (await s.engine.api("GET", `/networks/${prefixed(s, "monitoring")}`)).body as {
        Internal: boolean;
      };
      if (!network.Internal) throw new Error("the monitoring network is not internal");
      for (const c of s.plan.containers.filter((c) => c.start)) {
        const bindings = (
          (await s.applier.inspect(c.name)) as unknown as {
            HostConfig: { PortBindings: Record<string, unknown> | null };
          }
        ).HostConfig.PortBindings;
        if (bindings && Object.keys(bindings).length > 0 && !c.name.endsWith("-proxy")) {
          throw new Error(`${c.name} publishes ${Object.keys(bindings).join(", ")}`);
        }
      }
      return `the host listens on ${ports.join(", ")} only (the proxy); ${prefixed(s, "monitoring")} is internal`;
    },
  },
};
