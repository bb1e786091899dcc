// (a) NOC overview: is any OPD or uplink full, is any device or OPD link down, right now?
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS, RECORDED } from "../core/contract.js";
import type { MixinConfig } from "./config.js";
import {
  dashed,
  finalise,
  kapasitasDashboard,
  query,
  redFromOne,
  reduceLast,
  upDownMapping,
  utilisationThresholds,
} from "./panels.js";
import { DASHBOARD_UIDS, LINK_UNRESOLVED, opdLinksOnDownInterfaces, sel } from "./rules.js";

/** The busier direction of each OPD: one row per OPD on the overview. */
export const opdPeakUtilisation = `max by (opd) (${RECORDED.opdUtilisation})`;

/** A status tile: how many things are wrong now; red from one. */
function countOfProblems(title: string, description: string, expr: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .withTarget(query(expr, "", { instant: true }))
    .thresholds(redFromOne())
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(reduceLast())
    .height(4)
    .span(6);
}

export function nocOverview(c: MixinConfig): Dashboard {
  const snmp = c.selectors.snmp;
  const collector = c.selectors.collector;
  const saturation = c.alerts.opdSaturation.ratio;

  const d = kapasitasDashboard(
    c,
    DASHBOARD_UIDS.overview,
    "Kapasitas / NOC overview",
    "Every OPD's and uplink's bandwidth use against its allocation or contract, and what is down.",
  )
    .time({ from: "now-6h", to: "now" })
    .withRow(new RowBuilder("Status"))
    .withPanel(
      countOfProblems(
        "OPDs above the saturation threshold",
        `OPDs whose busier direction is above ${saturation * 100}% of the allocation now.`,
        `count(${opdPeakUtilisation} > ${saturation}) or vector(0)`,
      ),
    )
    .withPanel(
      countOfProblems(
        "Devices down",
        "Devices the collector cannot poll (snmp_device_up = 0).",
        `count(${sel(METRICS.deviceUp, snmp)} == 0) or vector(0)`,
      ),
    )
    .withPanel(
      countOfProblems(
        "OPD links down",
        "OPD links whose interface is operationally down.",
        `count(${opdLinksOnDownInterfaces(c)}) or vector(0)`,
      ),
    )
    .withPanel(
      countOfProblems(
        "Links not measured",
        "Inventory links whose selector matches no interface or several (fix the inventory).",
        `count(max by (device, link) (${sel(LINK_UNRESOLVED, snmp)}) > 0) or vector(0)`,
      ),
    )
    .withRow(new RowBuilder("OPDs"))
    .withPanel(
      new bargauge.PanelBuilder()
        .title("OPD utilisation now (busier direction)")
        .description("Each OPD's 5-minute traffic as a share of its allocation, fullest first.")
        .withTarget(query(`sort_desc(${opdPeakUtilisation})`, "{{opd}}", { instant: true }))
        .unit("percentunit")
        .min(0)
        .max(1)
        .thresholds(utilisationThresholds(saturation))
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal)
        .valueMode(common.BarGaugeValueMode.Color)
        .namePlacement(common.BarGaugeNamePlacement.Left)
        .sizing(common.BarGaugeSizing.Manual)
        .minVizHeight(12)
        .maxVizHeight(16)
        .reduceOptions(reduceLast())
        .height(22)
        .span(8),
    )
    .withPanel(
      new heatmap.PanelBuilder()
        .title("OPD utilisation over time")
        .description("One row per OPD (busier direction): when each OPD runs full, and for how long.")
        .withTarget(query(opdPeakUtilisation, "{{opd}}"))
        .calculate(false)
        .unit("percentunit")
        .color(
          new heatmap.HeatmapColorOptionsBuilder()
            .mode(heatmap.HeatmapColorMode.Scheme)
            .scheme("RdYlGn")
            .reverse(true)
            .min(0)
            .max(1)
            .steps(64),
        )
        .yAxis(new heatmap.YAxisConfigBuilder().axisPlacement(common.AxisPlacement.Left))
        .cellGap(1)
        .height(22)
        .span(16),
    )
    .withRow(new RowBuilder("Uplinks"))
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Uplink traffic against contract")
        .description("Each ISP uplink's 5-minute traffic per direction; dashed: the contracted rate.")
        .withTarget(query(RECORDED.uplinkBits, "{{uplink}} {{direction}}"))
        .withTarget(
          query(
            `max by (uplink, direction) (${sel(METRICS.uplinkContractedBps, collector)})`,
            "{{uplink}} {{direction}} contract",
          ),
        )
        .overrideByRegexp(".* contract$", dashed("red"))
        .unit("bps")
        .min(0)
        .fillOpacity(10)
        .legend(
          new common.VizLegendOptionsBuilder()
            .displayMode(common.LegendDisplayMode.Table)
            .placement(common.LegendPlacement.Right)
            .showLegend(true)
            .calcs(["mean", "max"]),
        )
        .height(9)
        .span(16),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .title("Uplink utilisation now")
        .description("Each uplink's traffic as a share of its contract, per direction.")
        .withTarget(query(RECORDED.uplinkUtilisation, "{{uplink}} {{direction}}", { instant: true }))
        .unit("percentunit")
        .min(0)
        .max(1)
        .thresholds(utilisationThresholds(c.alerts.uplinkSaturation.ratio))
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal)
        .reduceOptions(reduceLast())
        .height(9)
        .span(8),
    )
    .withRow(new RowBuilder("Devices"))
    .withPanel(
      new statetimeline.PanelBuilder()
        .title("Device reachability")
        .description("Whether the collector could poll each device (SNMP), over time.")
        .withTarget(query(`max by (device) (${sel(METRICS.deviceUp, snmp)})`, "{{device}}"))
        .mappings(upDownMapping)
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .height(7)
        .span(24),
    );
  return finalise(d.build(), c);
}
