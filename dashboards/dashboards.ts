// The four kapasitas dashboards, keyed by the file name the Grafana file provider loads.
import type { MixinConfig } from "./config.js";
import { capacityPlanning } from "./capacity-planning.js";
import { collectorHealth } from "./collector-health.js";
import { nocOverview } from "./noc-overview.js";
import { opdDetail } from "./opd-detail.js";
import type { DashboardJson } from "./panels.js";

export type { DashboardJson } from "./panels.js";

export function buildDashboards(c: MixinConfig): Record<string, DashboardJson> {
  const all = [nocOverview(c), opdDetail(c), capacityPlanning(c), collectorHealth(c)];
  return Object.fromEntries(all.map((d) => [`${d.uid}.json`, d]));
}
