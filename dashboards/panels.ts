// Small helpers over @grafana/grafana-foundation-sdk shared by the four dashboards: queries,
// thresholds, value mappings, the dashboard links, and the final pass that gives every panel an id,
// the fixed datasource and every query a refId.
import * as common from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard, Panel, RowPanel, ValueMapping } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import type { MixinConfig } from "./config.js";

export type DashboardJson = Dashboard;

export function datasourceRef(c: MixinConfig): common.DataSourceRef {
  return { type: "prometheus", uid: c.datasource.uid };
}

export interface QueryOptions {
  /** One value per series at the end of the range (stat, bar gauge, table). */
  instant?: boolean;
  /** Table rows instead of time series (for merge transformations). */
  table?: boolean;
  /** Minimum step, e.g. `1d` for one point per day. */
  interval?: string;
}

/** A Prometheus query; its refId and datasource are filled in by finalise(). */
export function query(expr: string, legendFormat: string, o: QueryOptions = {}): DataqueryBuilder {
  const q = new DataqueryBuilder().expr(expr).legendFormat(legendFormat);
  if (o.instant) q.instant();
  else q.range();
  if (o.table) q.format(PromQueryFormat.Table);
  if (o.interval !== undefined) q.interval(o.interval);
  return q;
}

/** Green below `warn`, yellow up to `crit`, red from `crit`. */
export function thresholds(warn: number, crit: number): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: warn, color: "yellow" },
    { value: crit, color: "red" },
  ]);
}

/** 0 is fine, anything from 1 is red: counts of down devices, unresolved links. */
export function redFromOne(): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: "green" },
    { value: 1, color: "red" },
  ]);
}

/** Utilisation colours: yellow from 70%, red from the alerting threshold `saturation`. */
export function utilisationThresholds(saturation: number): ThresholdsConfigBuilder {
  return thresholds(Math.min(0.7, saturation), saturation);
}

export const upDownMapping: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: {
      "0": { text: "down", color: "red", index: 0 },
      "1": { text: "up", color: "green", index: 1 },
    },
  },
];

/** Dashed line for the reference series (allocation, contract, percentile) of a traffic graph. */
export function dashed(colour: string): { id: string; value: unknown }[] {
  return [
    { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } },
    { id: "custom.fillOpacity", value: 0 },
    { id: "color", value: { mode: "fixed", fixedColor: colour } },
  ];
}

export function reduceLast(): common.ReduceDataOptionsBuilder {
  return new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false);
}

/** The header every kapasitas dashboard shares: tag, links to its siblings and to the report page. */
export function kapasitasDashboard(c: MixinConfig, uid: string, title: string, description: string) {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([c.dashboardTag])
    .timezone("browser")
    .refresh("1m")
    .link(
      new DashboardLinkBuilder("Kapasitas dashboards")
        .type(DashboardLinkType.Dashboards)
        .tags([c.dashboardTag])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    )
    .link(
      new DashboardLinkBuilder("Capacity report (download)")
        .type(DashboardLinkType.Link)
        .url(c.reportUrl)
        .icon("doc")
        .tooltip("APBD capacity report: XLSX / PDF / CSV for a period")
        .targetBlank(true),
    );
}

/**
 * Assign panel ids in layout order (rows included), put the fixed datasource on every panel and
 * query, letter the queries A, B, C... Done once here so no dashboard can forget it.
 */
export function finalise(d: Dashboard, c: MixinConfig): Dashboard {
  const ds = datasourceRef(c);
  let id = 1;
  const fix = (p: Panel | RowPanel): void => {
    p.id = id++;
    if (p.type === "row") {
      (p as RowPanel).panels?.forEach(fix);
      return;
    }
    const panel = p as Panel;
    panel.datasource = ds;
    panel.targets = (panel.targets ?? []).map((t, i) => ({
      ...t,
      refId: String.fromCharCode(65 + i),
      datasource: ds,
    }));
  };
  d.panels?.forEach(fix);
  for (const v of d.templating?.list ?? []) {
    if (v.type === "query") v.datasource = ds;
  }
  d.schemaVersion = c.grafana.schemaVersion;
  // What Grafana's own export writes: the Grafana version and the plugins the dashboard needs.
  const panelTypes = [...new Set(panelsIn(d).map((p) => p.type))].filter((t) => t !== "row").sort();
  const requires: DashboardRequirement[] = [
    { type: "grafana", id: "grafana", name: "Grafana", version: c.grafana.version },
    { type: "datasource", id: "prometheus", name: "Prometheus", version: "1.0.0" },
    ...panelTypes.map((t) => ({ type: "panel" as const, id: t, name: t, version: "" })),
  ];
  return { __requires: requires, ...d } as Dashboard;
}

interface DashboardRequirement {
  type: "grafana" | "datasource" | "panel";
  id: string;
  name: string;
  version: string;
}

function panelsIn(d: Dashboard): (Panel | RowPanel)[] {
  return (d.panels ?? []).flatMap((p) => (p.type === "row" ? [p, ...((p as RowPanel).panels ?? [])] : [p]));
}
