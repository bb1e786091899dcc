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
import type {
  Dashboard,
  DataTransformerConfig,
  Panel,
  RowPanel,
  ValueMapping,
} from "@grafana/grafana-foundation-sdk/dashboard";
import * as table from "@grafana/grafana-foundation-sdk/table";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import type { MixinConfig } from "./config.js";
import { DASHBOARD_UIDS } from "./rules.js";
import type { Words } from "./words.js";

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

export function upDownMapping(w: Words): ValueMapping[] {
  return [
    {
      type: MappingType.ValueToText,
      options: {
        "0": { text: w.t.down, color: "red", index: 0 },
        "1": { text: w.t.up, color: "green", index: 1 },
      },
    },
  ];
}

/**
 * A data link to the OPD detail dashboard for the OPD of the clicked series or row, keeping the
 * time range. `from` names where the OPD id is: a series label or a table column.
 */
export function opdDetailLink(w: Words, from: "label" | "column"): DashboardLinkBuilder {
  const opd = from === "label" ? "${__field.labels.opd}" : "${__data.fields.opd}";
  return new DashboardLinkBuilder(w.say("Buka rincian OPD ini", "Open this OPD's detail"))
    .type(DashboardLinkType.Link)
    .url(`/d/${DASHBOARD_UIDS.opd}?var-opd=${opd}&\${__url_time_range}`);
}

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
export function kapasitasDashboard(
  c: MixinConfig,
  w: Words,
  uid: string,
  title: string,
  description: string,
) {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([c.dashboardTag])
    .timezone("browser")
    .refresh("1m")
    .link(
      new DashboardLinkBuilder(w.say("Dasbor kapasitas", "Kapasitas dashboards"))
        .type(DashboardLinkType.Dashboards)
        .tags([c.dashboardTag])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    )
    .link(
      new DashboardLinkBuilder(w.say(`${w.t.capacityReport} (unduh)`, `${w.t.capacityReport} (download)`))
        .type(DashboardLinkType.Link)
        .url(c.reportUrl)
        .icon("doc")
        .tooltip(
          w.say(
            "Laporan kapasitas APBD: XLSX / PDF / CSV untuk satu periode",
            "APBD capacity report: XLSX / PDF / CSV for a period",
          ),
        )
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

/** One value column of a label table: an instant query whose value becomes the column `title`. */
export interface TableColumn {
  expr: string;
  title: string;
  unit?: string;
  /** Kept for joins and data links, not shown. */
  hidden?: boolean;
}

/**
 * A table with one row per label set: the instant queries are merged on their labels, `labels`
 * (label name → column title) are shown in that order, then the value columns. A label kept for a
 * data link but not shown is listed in `hiddenLabels`.
 */
export function labelTable(
  title: string,
  description: string,
  labels: Record<string, string>,
  columns: TableColumn[],
  hiddenLabels: string[] = [],
): table.PanelBuilder {
  const rename: Record<string, string> = {};
  const order: Record<string, number> = {};
  Object.entries(labels).forEach(([label, name], i) => {
    rename[label] = name;
    order[label] = i;
  });
  const transformations: DataTransformerConfig[] = [
    { id: "merge", options: {} },
    { id: "organize", options: { excludeByName: { Time: true }, renameByName: rename, indexByName: order } },
  ];
  const panel = new table.PanelBuilder()
    .title(title)
    .description(description)
    .transformations(transformations);
  columns.forEach((col, i) => {
    const refId = String.fromCharCode(65 + i);
    rename[`Value #${refId}`] = col.title;
    order[`Value #${refId}`] = Object.keys(labels).length + i;
    panel.withTarget(query(col.expr, "", { instant: true, table: true }));
    const props: { id: string; value: unknown }[] = [];
    if (col.unit !== undefined) props.push({ id: "unit", value: col.unit });
    if (col.hidden) props.push({ id: "custom.hidden", value: true });
    if (props.length > 0) panel.overrideByName(col.title, props);
  });
  for (const label of hiddenLabels) panel.overrideByName(label, [{ id: "custom.hidden", value: true }]);
  return panel;
}
