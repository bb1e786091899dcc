// Prometheus configuration rendered from the inventory, in the multi-target pattern the
// snmp_exporter made standard: the static targets are device ids, relabelled into the `target`
// URL parameter and the `instance` label, and every scrape goes to a collector's /snmp endpoint.
import { stringify } from "yaml";
import { JOBS } from "../../core/contract.js";
import type { Inventory } from "../../core/schema.js";
import { pollSettings } from "../../core/model.js";
import { RULES_FILE } from "../mixin.js";

/** Paths inside the config directory (/etc/prometheus); relative, so promtool resolves them the same way. */
export const PROMETHEUS_FILES = {
  config: "prometheus.yml",
  rules: `rules/${RULES_FILE}`,
  remoteWritePassword: "secrets/remote-write-password",
} as const;

export const COLLECTOR_PORT = 9105;

export interface PrometheusTopology {
  /** host:port of each collector, shard 0 first. */
  collectors: readonly string[];
  /** host:port of each Alertmanager. */
  alertmanagers: readonly string[];
  /** Rule files, relative to the config file. */
  ruleFiles: readonly string[];
  externalLabels?: Readonly<Record<string, string>>;
  remoteWrite?: { url: string; username?: string | undefined; passwordFile?: string | undefined };
  /** How often rules are evaluated; the mixin's recorded 5m rates are sampled at this step. */
  evaluationInterval?: string;
  /**
   * One Prometheus per collector shard (docs/scaling.md): this one scrapes only the devices of
   * shard k (the same hashmod, then `keep`) and only collector k's /metrics. Unset: one Prometheus
   * scrapes every shard.
   */
  scrapeShard?: number;
}

type RelabelConfig = Record<string, unknown>;
type ScrapeConfig = Record<string, unknown>;

/** `30s`, `1m`, `90s`, `2h`: the shortest exact Prometheus spelling of whole seconds. */
export function formatSeconds(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new Error(`not a whole positive number of seconds: ${seconds}`);
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * Devices grouped by poll interval, shortest first: Prometheus has one interval per scrape job, so
 * each distinct interval becomes its own job. Sub-second intervals round up to one second.
 */
export function devicesByInterval(inv: Inventory): { intervalSeconds: number; devices: string[] }[] {
  const groups = new Map<number, string[]>();
  for (const device of inv.devices) {
    const seconds = Math.max(1, Math.ceil(pollSettings(inv, device).intervalSeconds));
    groups.set(seconds, [...(groups.get(seconds) ?? []), device.id]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([intervalSeconds, devices]) => ({ intervalSeconds, devices }));
}

/**
 * A walk of a few hundred queues can take seconds on a busy router: let a scrape run for most of its
 * interval (never less than Prometheus's 10s default, never more than the interval itself).
 */
export function scrapeTimeoutSeconds(intervalSeconds: number): number {
  return Math.min(intervalSeconds, Math.max(10, Math.floor(intervalSeconds * 0.8)));
}

/**
 * The relabelling that turns a device id into a scrape of a collector. With several collectors the
 * device id is hashed (hashmod) to pick one, so each device is polled by exactly one collector; the
 * collector started with `--shard i/n` polls exactly those (collector/poll/plan.ts `hashmod`).
 */
export function multiTargetRelabel(collectors: readonly string[], keepShard?: number): RelabelConfig[] {
  if (collectors.length === 0) throw new Error("at least one collector is needed");
  const steps: RelabelConfig[] = [
    { source_labels: ["__address__"], target_label: "__param_target" },
    { source_labels: ["__param_target"], target_label: "instance" },
  ];
  if (collectors.length === 1) {
    return [...steps, { target_label: "__address__", replacement: collectors[0] }];
  }
  return [
    ...steps,
    {
      source_labels: ["__param_target"],
      modulus: collectors.length,
      target_label: "__tmp_shard",
      action: "hashmod",
    },
    ...(keepShard === undefined
      ? []
      : [{ source_labels: ["__tmp_shard"], regex: String(keepShard), action: "keep" }]),
    // One rewrite per shard: shard i's targets go to collector i, whatever its address.
    ...collectors.map((address, shard) => ({
      source_labels: ["__tmp_shard"],
      regex: String(shard),
      target_label: "__address__",
      replacement: address,
    })),
  ];
}

function snmpJobs(inv: Inventory, collectors: readonly string[], keepShard?: number): ScrapeConfig[] {
  const groups = devicesByInterval(inv);
  return groups.map(({ intervalSeconds, devices }) => {
    // One job keeps the contract's name; with several intervals each job is suffixed and relabelled
    // back to it, so rules and dashboards only ever see job="kapasitas-snmp".
    const jobName = groups.length === 1 ? JOBS.snmp : `${JOBS.snmp}-${formatSeconds(intervalSeconds)}`;
    const relabel = multiTargetRelabel(collectors, keepShard);
    if (jobName !== JOBS.snmp) relabel.push({ target_label: "job", replacement: JOBS.snmp });
    return {
      job_name: jobName,
      scrape_interval: formatSeconds(intervalSeconds),
      scrape_timeout: formatSeconds(scrapeTimeoutSeconds(intervalSeconds)),
      metrics_path: "/snmp",
      static_configs: [{ targets: devices }],
      relabel_configs: relabel,
    };
  });
}

export function renderPrometheusConfig(
  inv: Inventory,
  topology: PrometheusTopology,
): Record<string, unknown> {
  const shard = topology.scrapeShard;
  if (
    shard !== undefined &&
    !(
      Number.isInteger(shard) &&
      shard >= 0 &&
      shard < topology.collectors.length &&
      topology.collectors.length > 1
    )
  )
    throw new Error(
      `scrapeShard ${shard}: a shard of the ${topology.collectors.length} collectors (0-based), and at least two of them`,
    );
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: "1m",
      evaluation_interval: topology.evaluationInterval ?? "1m",
      external_labels: { ...topology.externalLabels },
    },
    rule_files: [...topology.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [...topology.alertmanagers] }] }] },
    scrape_configs: [
      ...snmpJobs(inv, topology.collectors, shard),
      {
        // The collectors' own /metrics: inventory gauges (allocations, contracts, opd_info) and health.
        job_name: JOBS.collector,
        scrape_interval: "1m",
        static_configs: [
          { targets: shard === undefined ? [...topology.collectors] : [topology.collectors[shard]!] },
        ],
      },
      { job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] },
      { job_name: "alertmanager", static_configs: [{ targets: [...topology.alertmanagers] }] },
    ],
  };
  if (topology.remoteWrite) {
    const { url, username, passwordFile } = topology.remoteWrite;
    config.remote_write = [
      {
        url,
        ...(username !== undefined && passwordFile !== undefined
          ? { basic_auth: { username, password_file: passwordFile } }
          : {}),
        // Ship only what the long-term store is for: kapasitas's scraped series and every recorded
        // series (level:metric:operations names carry a colon; recording drops the job label).
        write_relabel_configs: [
          {
            source_labels: ["job", "__name__"],
            separator: ";",
            regex: `(${JOBS.snmp}|${JOBS.collector});.*|.*;.*:.*`,
            action: "keep",
          },
        ],
      },
    ];
  }
  if (Object.keys(topology.externalLabels ?? {}).length === 0) {
    delete (config.global as Record<string, unknown>).external_labels;
  }
  return config;
}

export function toYaml(value: unknown, header?: string): string {
  const body = stringify(value, { lineWidth: 0 });
  return header ? `${header.replace(/^/gm, "# ")}\n${body}` : body;
}
