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
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS, RECORDED } from "../core/contract.js";
import type { MixinConfig } from "./config.js";
import { dashed, finalise, kapasitasDashboard, labelTable, query, utilisationThresholds } from "./panels.js";
import { DASHBOARD_UIDS, sel } from "./rules.js";
import { directionMapping, words } from "./words.js";

/** PromQL for the planning columns of one recorded bits series, grouped like its allocation gauge. */
export function planningQueries(c: MixinConfig, bits: string, allocation: string) {
  const { t, say } = words(c);
  const [short, long] = c.planning.p95Windows;
  const days = c.planning.projectionDays;
  const p95 = (w: string, offset = "") => `quantile_over_time(0.95, ${bits}[${w}]${offset})`;
  // Linear trend of the weekly 95th percentiles over the long window, projected `days` ahead. Weekly,
  // not daily: a daily series dips every weekend and drags the trend below the working-day peaks.
  const projected = `clamp_min(predict_linear(quantile_over_time(0.95, ${bits}[7d])[${long}:7d], ${days} * 86400), 0)`;
  return {
    p95Short: { expr: p95(short), column: `p95 ${short}` },
    p95Long: { expr: p95(long), column: `p95 ${long}` },
    allocation: { expr: allocation, column: t.allocation.toLowerCase() },
    growth: {
      expr: `${p95(short)} / (${p95(short, ` offset ${short}`)} > 0) - 1`,
      column: say(`pertumbuhan vs ${short} sebelumnya`, `growth vs previous ${short}`),
    },
    projected: {
      expr: projected,
      column: say(`proyeksi p95 dalam ${days} hari`, `projected p95 in ${days}d`),
    },
    projectedUtilisation: {
      expr: `${projected} / (${allocation} > 0)`,
      column: say("proyeksi / alokasi", "projected / allocation"),
    },
  };
}

function planningTable(
  c: MixinConfig,
  title: string,
  description: string,
  bits: string,
  allocation: string,
  labels: Record<string, string> & { direction: string },
) {
  const q = planningQueries(c, bits, allocation);
  const columns = [q.p95Short, q.p95Long, q.allocation, q.growth, q.projected, q.projectedUtilisation];
  return labelTable(
    title,
    description,
    labels,
    columns.map((col) => ({ expr: col.expr, title: col.column })),
  )
    .unit("bps")
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(q.projectedUtilisation.column).desc(true)])
    .overrideByName(q.growth.column, [{ id: "unit", value: "percentunit" }])
    .overrideByName(q.projectedUtilisation.column, [
      { id: "unit", value: "percentunit" },
      { id: "thresholds", value: utilisationThresholds(c.alerts.opdSaturation.ratio).build() },
      { id: "custom.cellOptions", value: { type: "color-background" } },
    ])
    .overrideByName(labels.direction, [{ id: "mappings", value: [directionMapping(words(c))] }])
    .height(14)
    .span(24);
}

export function capacityPlanning(c: MixinConfig): Dashboard {
  const w = words(c);
  const { t, say } = w;
  const { collector } = c.selectors;
  const opdFilter = 'opd=~"$opd", direction="$direction"';
  const days = c.planning.projectionDays;
  const contract = t.contract.toLowerCase();

  const d = kapasitasDashboard(
    c,
    w,
    DASHBOARD_UIDS.planning,
    say("Kapasitas / Perencanaan kapasitas", "Kapasitas / Capacity planning"),
    say(
      "Persentil ke-95 selama 30 dan 90 hari, pertumbuhan dan proyeksi linear per OPD dan uplink.",
      "95th percentiles over 30 and 90 days, growth and a linear projection per OPD and uplink.",
    ),
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
        .label(say("Arah", "Direction"))
        .values("download,upload")
        .current({ text: "download", value: "download" }),
    )
    .withRow(new RowBuilder(t.opd))
    .withPanel(
      planningTable(
        c,
        say("OPD: persentil ke-95, pertumbuhan dan proyeksi", "OPDs: 95th percentile, growth and projection"),
        say(
          `Per OPD dan arah: persentil ke-95 rata-rata 5 menit selama ${c.planning.p95Windows.join(" dan ")}, ` +
            `pertumbuhan ${c.planning.p95Windows[0]} terakhir terhadap sebelumnya, dan tren linear persentil ke-95 mingguan ` +
            `yang diproyeksikan ${days} hari ke depan terhadap alokasi. Proyeksi terpenuh di atas.`,
          `Per OPD and direction: the 95th percentile of 5-minute averages over ${c.planning.p95Windows.join(" and ")}, ` +
            `growth of the last ${c.planning.p95Windows[0]} on the one before, and the weekly 95th percentile's linear ` +
            `trend projected ${days} days ahead against the allocation. Fullest projection first.`,
        ),
        RECORDED.opdBits,
        `max by (opd, direction) (${sel(METRICS.opdAllocatedBps, collector)})`,
        { opd: t.opd, direction: say("Arah", "Direction") },
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(
          say("Persentil ke-95 harian per OPD ($direction)", "Daily 95th percentile per OPD ($direction)"),
        )
        .description(
          say(
            "Satu titik per hari: persentil ke-95 rata-rata 5 menit hari itu.",
            "One point per day: the 95th percentile of that day's 5-minute averages.",
          ),
        )
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
    .withRow(new RowBuilder(say("Uplink", "Uplinks")))
    .withPanel(
      planningTable(
        c,
        say(
          "Uplink: persentil ke-95, pertumbuhan dan proyeksi",
          "Uplinks: 95th percentile, growth and projection",
        ),
        say(
          "Angka yang sama untuk tiap uplink ISP terhadap laju kontraknya.",
          "The same figures for each ISP uplink against its contracted rate.",
        ),
        RECORDED.uplinkBits,
        `max by (uplink, provider, direction) (${sel(METRICS.uplinkContractedBps, collector)})`,
        { uplink: "Uplink", provider: say("Penyedia", "Provider"), direction: say("Arah", "Direction") },
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(
          say(
            "Persentil ke-95 harian uplink terhadap kontrak ($direction)",
            "Uplink daily 95th percentile against contract ($direction)",
          ),
        )
        .description(
          say(
            "Persentil ke-95 harian tiap uplink; garis putus: laju kontrak.",
            "Daily 95th percentile of each uplink; dashed: the contracted rate.",
          ),
        )
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
            `{{uplink}} ${contract}`,
            { interval: "1d" },
          ),
        )
        .overrideByRegexp(`.* ${contract}$`, dashed("red"))
        .unit("bps")
        .min(0)
        .height(10)
        .span(24),
    );
  return finalise(d.build(), c);
}
