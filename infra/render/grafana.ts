// Grafana: the mixin (dashboards/) renders the datasource and dashboard-provider YAML and the
// dashboards; this module decides where they live in the container, what the mixin is told about
// this deployment (URLs, paths, scrape interval), and the server settings (GF_*, none secret).
import type { MixinConfigOverrides } from "../../dashboards/index.js";
import type { Lang } from "../../core/terms.js";
import type { Mixin } from "../mixin.js";

/** Where the config volume is mounted in the Grafana container. */
export const GRAFANA_CONFIG_DIR = "/etc/kapasitas/grafana";

/** Paths inside GRAFANA_CONFIG_DIR. */
export const GRAFANA_FILES = {
  datasources: "provisioning/datasources/kapasitas.yaml",
  dashboardProvider: "provisioning/dashboards/kapasitas.yaml",
  dashboardsDir: "dashboards",
  adminPassword: "secrets/admin-password",
} as const;

export interface GrafanaDeployment {
  /** Grafana as the NOC opens it, e.g. https://noc.example.go.id/ (alert links point here). */
  publicUrl: string;
  /** The capacity report page as planners open it. */
  reportUrl: string;
  /** Where Grafana reaches Prometheus on the monitoring network. */
  prometheusUrl: string;
  /** Shortest scrape interval, so $__rate_interval spans at least four samples. */
  scrapeInterval: `${number}${"s" | "m" | "h"}`;
  /** Language of titles, descriptions and legends (the stack's `dashboard_language`). */
  language?: Lang;
}

/** What the mixin must know about this deployment. */
export function mixinOverrides(d: GrafanaDeployment): MixinConfigOverrides {
  return {
    datasource: { url: d.prometheusUrl, scrapeInterval: d.scrapeInterval },
    grafana: { url: d.publicUrl, dashboardsPath: `${GRAFANA_CONFIG_DIR}/${GRAFANA_FILES.dashboardsDir}` },
    reportUrl: d.reportUrl,
    ...(d.language === undefined ? {} : { language: d.language }),
  };
}

/** Every provisioning file, by path relative to GRAFANA_CONFIG_DIR (the admin password excluded). */
export function grafanaFiles(mixin: Mixin): Record<string, string> {
  const configured = mixin.config.grafana.dashboardsPath;
  const expected = `${GRAFANA_CONFIG_DIR}/${GRAFANA_FILES.dashboardsDir}`;
  if (configured !== expected) {
    throw new Error(`the mixin looks for dashboards in ${configured}, but they are delivered to ${expected}`);
  }
  const files: Record<string, string> = {
    [GRAFANA_FILES.datasources]: mixin.provisioning.datasourcesYaml,
    [GRAFANA_FILES.dashboardProvider]: mixin.provisioning.dashboardsProviderYaml,
  };
  for (const [fileName, model] of Object.entries(mixin.dashboards)) {
    if (!/^[A-Za-z0-9_.-]+\.json$/.test(fileName)) throw new Error(`unsafe dashboard file name: ${fileName}`);
    files[`${GRAFANA_FILES.dashboardsDir}/${fileName}`] = `${JSON.stringify(model, null, 2)}\n`;
  }
  return files;
}

/** Server settings. The admin password arrives as a file (`__FILE`), never as a variable. */
export function grafanaEnvironment(publicUrl: string): Record<string, string> {
  const url = new URL(publicUrl);
  return {
    GF_PATHS_PROVISIONING: `${GRAFANA_CONFIG_DIR}/provisioning`,
    GF_SERVER_ROOT_URL: url.href,
    GF_SERVER_DOMAIN: url.hostname,
    GF_SECURITY_ADMIN_USER: "admin",
    GF_SECURITY_ADMIN_PASSWORD__FILE: `${GRAFANA_CONFIG_DIR}/${GRAFANA_FILES.adminPassword}`,
    GF_SECURITY_COOKIE_SECURE: String(url.protocol === "https:"),
    GF_SECURITY_DISABLE_GRAVATAR: "true",
    GF_AUTH_ANONYMOUS_ENABLED: "false",
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_USERS_ALLOW_ORG_CREATE: "false",
    // The data centre has no business phoning home.
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
    GF_NEWS_NEWS_FEED_ENABLED: "false",
    GF_LOG_MODE: "console",
  };
}
