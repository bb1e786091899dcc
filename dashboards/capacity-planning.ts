// (c) Capacity planning: which OPDs and uplinks will outgrow their allocation or contract, and when?
// Everything reads the recorded 5-minute rates, the same series the capacity report reads.
import * as common from "@grafana/grafana-foundation-sdk/common";
import {
  CustomVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard, DataTransformerConfig } from "@grafana/grafana-foundation-sdk/dashboard";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS, RECORDED } from "../core/contract.js";
import type { MixinConfig } from "./config.js";
import { dashed, finalise, kapasitasDashboard, query, utilisationThresholds } from "./panels.js";
import { DASHBOARD_UIDS, sel } from "./rules.js";

/** PromQL for the planning columns of one recorded bits series, grouped like its allocation gauge. */
export function planningQueries(c: MixinConfig, bits: string, allocation: string) {
  const [short, long] = c.planning.p95Windows;
  const days = c.planning.projectionDays;
  const p95 = (w: string, offset = "") => `quantile_over_time(0.95, ${bits}[${w}]${offset})`;
  // Linear trend of the weekly 95th percentiles over the long window, projected `days` ahead. Weekly,
  // not daily: a daily series dips every weekend and drags the trend below the working-day peaks.
  const projected = `clamp_min(predict_linear(quantile_over_time(0.95, ${bits}[7d])[${long}:7d], ${days} * 86400), 0)`;
  return {
    p95Short: { expr: p95(short), column: `p95 ${short}` },
    p95Long: { expr: p95(long), column: `p95 ${long}` },
    allocation: { expr: allocation, column: "allocation" },
    growth: {
      expr: `${p95(short)} / (${p95(short, ` offset ${short}`)} > 0) - 1`,
      column: `growth vs previous ${short}`,
    },
    projected: { expr: projected, column: `projected p95 in ${days}d` },
    projectedUtilisation: { expr: `${projected} / (${allocation} > 0)`, column: `projected / allocation` },
  };
}

function planningTable(
  c: MixinConfig,
  title: string,
  description: string,
  bits: string,
  allocation: string,
  keys: string[],
) {
  const q = planningQueries(c, bits, allocation);
  const columns = [q.p95Short, q.p95Long, q.allocation, q.growth, q.projected, q.projectedUtilisation];
  const rename: Record<string, string> = {};
  const order: Record<string, number> = {};
  keys.forEach((k, i) => (order[k] = i));
  columns.forEach((col, i) => {
    rename[`Value #${String.fromCharCode(65 + i)}`] = col.column;
    order[col.column] = keys.length + i;
  });
  const transformations: DataTransformerConfig[] = [
    { id: "merge", options: {} },
    { id: "organize", options: { excludeByName: { Time: true }, renameByName: rename, indexByName: order } },
  ];
  const panel = new table.PanelBuilder()
    .title(title)
    .description(description)
    .transformations(transformations)
    .unit("bps")
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(q.projectedUtilisation.column).desc(true)])
    .overrideByName(q.growth.column, [{ id: "unit", value: "percentunit" }])
    .overrideByName(q.projectedUtilisation.column, [
      { id: "unit", value: "percentunit" },
      { id: "thresholds", value: utilisationThresholds(c.alerts.opdSaturation.ratio).build() },
      { id: "custom.cellOptions", value: { type: "color-background" } },
    ])
    .height(14)
    .span(24);
  for (const col of columns) panel.withTarget(query(col.expr, "", { instant: true, table: true }));
  return panel;
}

export function capacityPlanning(c: MixinConfig): Dashboard {
  const { collector } = c.selectors;
  const opdFilter = 'opd=~"$opd", direction="$direction"';
  const days = c.planning.projectionDays;

  const d = kapasitasDashboard(
    c,
    DASHBOARD_UIDS.planning,
    "Kapasitas / Capacity planning",
    "95th percentiles over 30 and 90 days, growth and a linear projection per OPD and uplink.",
  )
    .time({ from: `now-${c.planning.p95Windows[1]}`, to: "now" })
    .refresh("1h")
    .withVariable(
      new QueryVariableBuilder("opd")
        .label("OPD")
        .query(`label_values(${sel(METRICS.opdInfo, collector)}, opd)`)
        .definition(`label_values(${sel(METRICS.opdInfo, collector)}, opd)`)
        .multi(true)
        .includeAll(true)
        .allValue(".+")
        .current({ text: "All", value: "$__all" })
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new CustomVariableBuilder("direction")
        .label("Direction")
        .values("download,upload")
        .current({ text: "download", value: "download" }),
    )
    .withRow(new RowBuilder("OPDs"))
    .withPanel(
      planningTable(
        c,
        "OPDs: 95th percentile, growth and projection",
        `Per OPD and direction: the 95th percentile of 5-minute averages over ${c.planning.p95Windows.join(" and ")}, ` +
          `growth of the last ${c.planning.p95Windows[0]} on the one before, and the weekly 95th percentile's linear ` +
          `trend projected ${days} days ahead against the allocation. Fullest projection first.`,
        RECORDED.opdBits,
        `max by (opd, direction) (${sel(METRICS.opdAllocatedBps, collector)})`,
        ["opd", "direction"],
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Daily 95th percentile per OPD ($direction)")
        .description("One point per day: the 95th percentile of that day's 5-minute averages.")
        .withTarget(
          query(`quantile_over_time(0.95, ${RECORDED.opdBits}{${opdFilter}}[1d])`, "{{opd}}", {
            interval: "1d",
          }),
        )
        .unit("bps")
        .min(0)
        .legend(
          new common.VizLegendOptionsBuilder()
            .displayMode(common.LegendDisplayMode.Table)
            .placement(common.LegendPlacement.Right)
            .showLegend(true)
            .calcs(["first", "last", "max"]),
        )
        .height(10)
        .span(24),
    )
    .withRow(new RowBuilder("Uplinks"))
    .withPanel(
      planningTable(
        c,
        "Uplinks: 95th percentile, growth and projection",
        "The same figures for each ISP uplink against its contracted rate.",
        RECORDED.uplinkBits,
        `max by (uplink, provider, direction) (${sel(METRICS.uplinkContractedBps, collector)})`,
        ["uplink", "provider", "direction"],
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Uplink daily 95th percentile against contract ($direction)")
        .description("Daily 95th percentile of each uplink; dashed: the contracted rate.")
        .withTarget(
          query(
            `quantile_over_time(0.95, ${RECORDED.uplinkBits}{direction="$direction"}[1d])`,
            "{{uplink}}",
            { interval: "1d" },
          ),
        )
        .withTarget(
          query(
            `max by (uplink) (${sel(METRICS.uplinkContractedBps, collector, 'direction="$direction"')})`,
            "{{uplink}} contract",
            { interval: "1d" },
          ),
        )
        .overrideByRegexp(".* contract$", dashed("red"))
        .unit("bps")
        .min(0)
        .height(10)
        .span(24),
    );
  return finalise(d.build(), c);
}
