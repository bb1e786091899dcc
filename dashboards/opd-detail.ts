// (b) OPD detail: how much does this OPD use each way against its allocation, at the 95th
// percentile, on which links, with what errors, and is its link up?
import * as common from "@grafana/grafana-foundation-sdk/common";
import {
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS, RECORDED } from "../core/contract.js";
import type { Direction } from "../core/model.js";
import type { MixinConfig } from "./config.js";
import {
  dashed,
  finalise,
  kapasitasDashboard,
  query,
  reduceLast,
  upDownMapping,
  utilisationThresholds,
} from "./panels.js";
import { DASHBOARD_UIDS, sel } from "./rules.js";

const OPD = 'opd="$opd"';

/** A tile with one value per direction, in bits per second. */
function bpsPerDirection(title: string, description: string, expr: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .withTarget(query(expr, "{{direction}}", { instant: true }))
    .unit("bps")
    .colorMode(common.BigValueColorMode.None)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(reduceLast())
    .height(4)
    .span(6);
}

export function opdDetail(c: MixinConfig): Dashboard {
  const { snmp, collector } = c.selectors;
  // The OPD's interfaces: those its link counters are measured on (queues have no oper status).
  const onOpdInterfaces = `and on (device, interface) group by (device, interface) (${sel(METRICS.opdLinkBytes, snmp, OPD)})`;

  const trafficPanel = (direction: Direction) => {
    const bits = `${RECORDED.opdBits}{${OPD}, direction="${direction}"}`;
    return new timeseries.PanelBuilder()
      .title(`${direction === "download" ? "Download" : "Upload"} against allocation`)
      .description(
        `5-minute average ${direction} rate; dashed red: the allocation; dashed orange: the 95th percentile ` +
          "of the 5-minute averages over the dashboard's time range (the billing-style figure the capacity report uses).",
      )
      .withTarget(query(bits, "traffic (5m average)"))
      .withTarget(
        query(
          `max(${sel(METRICS.opdAllocatedBps, collector, `${OPD}, direction="${direction}"`)})`,
          "allocation",
        ),
      )
      .withTarget(query(`quantile_over_time(0.95, ${bits}[$__range] @ end())`, "95th percentile (range)"))
      .overrideByName("allocation", dashed("red"))
      .overrideByName("95th percentile (range)", dashed("orange"))
      .unit("bps")
      .min(0)
      .fillOpacity(15)
      .legend(
        new common.VizLegendOptionsBuilder()
          .displayMode(common.LegendDisplayMode.List)
          .placement(common.LegendPlacement.Bottom)
          .showLegend(true),
      )
      .height(9)
      .span(12);
  };

  const d = kapasitasDashboard(
    c,
    DASHBOARD_UIDS.opd,
    "Kapasitas / OPD detail",
    "One OPD: traffic each way against its allocation, the 95th percentile, links, errors and hotspot users.",
  )
    .time({ from: "now-24h", to: "now" })
    .withVariable(
      new QueryVariableBuilder("opd")
        .label("OPD")
        .description("The OPD (work unit) as its inventory id.")
        .query(`label_values(${sel(METRICS.opdInfo, collector)}, opd)`)
        .definition(`label_values(${sel(METRICS.opdInfo, collector)}, opd)`)
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withRow(new RowBuilder("$opd"))
    .withPanel(
      new stat.PanelBuilder()
        .title("OPD")
        .description("Name and category from the inventory.")
        .withTarget(query(sel(METRICS.opdInfo, collector, OPD), "{{name}} ({{category}})", { instant: true }))
        .textMode(common.BigValueTextMode.Name)
        .colorMode(common.BigValueColorMode.None)
        .graphMode(common.BigValueGraphMode.None)
        .reduceOptions(reduceLast())
        .height(4)
        .span(6),
    )
    .withPanel(
      bpsPerDirection(
        "Allocation",
        "Bandwidth Diskominfo allocates to this OPD, per direction.",
        `max by (direction) (${sel(METRICS.opdAllocatedBps, collector, OPD)})`,
      ),
    )
    .withPanel(
      bpsPerDirection(
        "95th percentile (range)",
        "Of the 5-minute averages in the time range, the rate 95% do not exceed.",
        `quantile_over_time(0.95, ${RECORDED.opdBits}{${OPD}}[$__range])`,
      ),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title("Utilisation now")
        .description("The last 5-minute average as a share of the allocation.")
        .withTarget(query(`${RECORDED.opdUtilisation}{${OPD}}`, "{{direction}}", { instant: true }))
        .unit("percentunit")
        .thresholds(utilisationThresholds(c.alerts.opdSaturation.ratio))
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .reduceOptions(reduceLast())
        .height(4)
        .span(6),
    )
    .withPanel(trafficPanel("download"))
    .withPanel(trafficPanel("upload"))
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Traffic per link")
        .description("When an OPD has several links (or a queue and a port), which one carries the traffic.")
        .withTarget(
          query(
            `sum by (link, direction) (rate(${sel(METRICS.opdLinkBytes, snmp, OPD)}[$__rate_interval])) * 8`,
            "{{link}} {{direction}}",
          ),
        )
        .unit("bps")
        .min(0)
        .height(8)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Interface errors and discards")
        .description(
          "Errored and discarded packets per second on this OPD's interfaces: a dirty link or a full queue.",
        )
        .withTarget(
          query(
            `sum by (device, interface, direction) (rate(${sel(METRICS.interfaceErrors, snmp)}[$__rate_interval])) ${onOpdInterfaces}`,
            "errors {{device}} {{interface}} {{direction}}",
          ),
        )
        .withTarget(
          query(
            `sum by (device, interface, direction) (rate(${sel(METRICS.interfaceDiscards, snmp)}[$__rate_interval])) ${onOpdInterfaces}`,
            "discards {{device}} {{interface}} {{direction}}",
          ),
        )
        .unit("pps")
        .min(0)
        .height(8)
        .span(12),
    )
    .withPanel(
      new statetimeline.PanelBuilder()
        .title("Link status")
        .description("Operational status of the interfaces this OPD's links run on.")
        .withTarget(
          query(
            `max by (device, interface) (${sel(METRICS.interfaceOperUp, snmp)}) ${onOpdInterfaces}`,
            "{{device}} {{interface}}",
          ),
        )
        .mappings(upDownMapping)
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .height(6)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Hotspot users")
        .description("Employees logged in through the OPD's MikroTik hotspot servers (per-employee limits).")
        .withTarget(query(`sum by (server) (${sel(METRICS.hotspotActiveUsers, snmp, OPD)})`, "{{server}}"))
        .unit("short")
        .min(0)
        .height(6)
        .span(12),
    );
  return finalise(d.build(), c);
}
