// The mixin's one typed config object, in the style of a Prometheus monitoring mixin's `_config`:
// selectors, thresholds, URLs and versions live here; rules and dashboards only read it.
import { JOBS } from "../core/contract.js";
import type { Inventory } from "../core/schema.js";
import type { Lang } from "../core/terms.js";

/** A Prometheus duration such as `5m`, `15m`, `30d`. */
export type PromDuration = `${number}${"s" | "m" | "h" | "d" | "w" | "y"}`;

export interface MixinConfig {
  /**
   * Label matchers (without braces) that pick kapasitas's series. `snmp` is the multi-target job
   * (`/snmp?target=<device>`: link counters and per-device health); `collector` is the collector's
   * own `/metrics` (inventory gauges opd_allocated_bps, uplink_contracted_bps, opd_info).
   */
  selectors: { snmp: string; collector: string };
  /**
   * Grafana datasource: the uid every panel references, where Grafana reaches Prometheus, and the
   * scrape interval (Grafana's `timeInterval`, so `$__rate_interval` spans at least 4 scrapes).
   */
  datasource: { uid: string; name: string; url: string; scrapeInterval: PromDuration };
  /**
   * Grafana version the dashboards are written for (schemaVersion follows the SDK), its URL as the
   * NOC opens it (alert links), and where the file provider finds the dashboards in the container.
   */
  grafana: { version: string; schemaVersion: number; url: string; folder: string; dashboardsPath: string };
  /**
   * The capacity report's download page as a browser on the NOC's desk opens it: the stack's
   * `hosts.reports` (publicUrls), never a container name.
   */
  reportUrl: string;
  /**
   * Where operators read docs/dashboards.md (e.g. the repository's web view or an intranet copy);
   * each alert's runbook_url is this plus `#<alertname lower-cased>`. Set it per deployment.
   */
  runbookBaseUrl: string;
  alerts: {
    /** Utilisation of an OPD's allocation (ratio) held for `for` before alerting. */
    opdSaturation: { ratio: number; for: PromDuration };
    /** Utilisation of an ISP contract (ratio) held for `for` before alerting. */
    uplinkSaturation: { ratio: number; for: PromDuration };
    deviceDown: { for: PromDuration };
    collectorDown: { for: PromDuration };
    /** Failed polls counted over `window` while the device still answers sometimes. */
    pollFailures: { count: number; window: PromDuration; for: PromDuration };
    deviceRestart: { window: PromDuration };
    interfaceDown: { for: PromDuration };
    linkUnresolved: { for: PromDuration };
    inventoryReload: { window: PromDuration };
    /** A request older than `deadlineFactor` × its deadline, or one lost, held for `for`. */
    requestStuck: { deadlineFactor: number; window: PromDuration; for: PromDuration };
  };
  planning: {
    /** Windows for the 95th-percentile columns of the capacity-planning dashboard. */
    p95Windows: readonly [PromDuration, PromDuration];
    /** How far ahead `predict_linear` projects, in days. */
    projectionDays: number;
  };
  /** Rule evaluation interval; the recorded 5m rates are sampled at this step. */
  ruleInterval: PromDuration;
  /** Tag on every dashboard, so a dashboard list/links find the set. */
  dashboardTag: string;
  /** Language of titles, descriptions and legends: Bahasa Indonesia (`id`) or English (`en`). */
  language: Lang;
  overview: {
    /** OPDs drawn one by one under each uplink; the rest is one "others" band. */
    topN: number;
    /** The window of the uplinks' 95th-percentile line and of the availability figures. */
    month: PromDuration;
  };
}

/** The stack's public host names (`kapasitas:hosts` in Pulumi.<stack>.yaml). */
export interface PublicHosts {
  grafana: string;
  reports: string;
}

/** URLs a browser opens, from the stack's host names: what the Caddy proxy serves (infra/). */
export function publicUrls(hosts: PublicHosts): { grafana: string; reports: string } {
  return { grafana: `https://${hosts.grafana}/`, reports: `https://${hosts.reports}/reports` };
}

/** The dev stack's hosts (Pulumi.dev.yaml; dashboards.test.ts holds the two equal). */
export const DEV_HOSTS: PublicHosts = {
  grafana: "noc.kapasitas.localhost",
  reports: "laporan.kapasitas.localhost",
};
const DEV_URLS = publicUrls(DEV_HOSTS);

export const DATASOURCE_UID = "kapasitas-prometheus";

export const defaultConfig: MixinConfig = {
  selectors: { snmp: `job="${JOBS.snmp}"`, collector: `job="${JOBS.collector}"` },
  datasource: {
    uid: DATASOURCE_UID,
    name: "Prometheus (kapasitas)",
    url: "http://prometheus:9090",
    scrapeInterval: "1m",
  },
  // The installed @grafana/grafana-foundation-sdk (0.0.21) emits schemaVersion 42: Grafana 12.2+.
  grafana: {
    version: "12.2.1",
    schemaVersion: 42,
    url: DEV_URLS.grafana,
    folder: "Kapasitas",
    dashboardsPath: "/var/lib/grafana/dashboards/kapasitas",
  },
  reportUrl: DEV_URLS.reports,
  runbookBaseUrl: "docs/dashboards.md",
  alerts: {
    opdSaturation: { ratio: 0.9, for: "15m" },
    uplinkSaturation: { ratio: 0.9, for: "15m" },
    deviceDown: { for: "5m" },
    collectorDown: { for: "5m" },
    pollFailures: { count: 3, window: "15m", for: "5m" },
    deviceRestart: { window: "15m" },
    interfaceDown: { for: "5m" },
    linkUnresolved: { for: "15m" },
    inventoryReload: { window: "15m" },
    requestStuck: { deadlineFactor: 2, window: "15m", for: "5m" },
  },
  planning: { p95Windows: ["30d", "90d"], projectionDays: 90 },
  ruleInterval: "1m",
  dashboardTag: "kapasitas",
  language: "id",
  overview: { topN: 10, month: "30d" },
};

/** Deep-enough overrides: each top-level section may be given in part. */
export type MixinConfigOverrides = {
  [K in keyof MixinConfig]?: MixinConfig[K] extends readonly unknown[] | string | number
    ? MixinConfig[K]
    : Partial<MixinConfig[K]>;
};

export function withConfig(overrides: MixinConfigOverrides = {}): MixinConfig {
  const d = defaultConfig;
  const o = overrides;
  return {
    selectors: { ...d.selectors, ...o.selectors },
    datasource: { ...d.datasource, ...o.datasource },
    grafana: { ...d.grafana, ...o.grafana },
    reportUrl: o.reportUrl ?? d.reportUrl,
    runbookBaseUrl: o.runbookBaseUrl ?? d.runbookBaseUrl,
    alerts: { ...d.alerts, ...o.alerts },
    planning: { ...d.planning, ...o.planning },
    ruleInterval: o.ruleInterval ?? d.ruleInterval,
    dashboardTag: o.dashboardTag ?? d.dashboardTag,
    language: o.language ?? d.language,
    overview: { ...d.overview, ...o.overview },
  };
}

/**
 * The inventory's planning.saturation_threshold is what the capacity report counts as saturated:
 * alert on the same ratio unless the caller overrides it explicitly.
 */
export function configFromInventory(inv: Inventory, overrides: MixinConfigOverrides = {}): MixinConfig {
  const base = withConfig(overrides);
  const ratio = inv.planning.saturation_threshold;
  const a = base.alerts;
  return {
    ...base,
    alerts: {
      ...a,
      opdSaturation: overrides.alerts?.opdSaturation ?? { ...a.opdSaturation, ratio },
      uplinkSaturation: overrides.alerts?.uplinkSaturation ?? { ...a.uplinkSaturation, ratio },
    },
  };
}
