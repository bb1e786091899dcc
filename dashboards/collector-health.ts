// (d) Collector health: is the measurement itself trustworthy? Poll durations, failures by reason,
// device restarts, counter wraps corrected, links the inventory names but the devices do not have.
import * as common from "@grafana/grafana-foundation-sdk/common";
import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS } from "../core/contract.js";
import type { MixinConfig } from "./config.js";
import { finalise, kapasitasDashboard, query, redFromOne, reduceLast, upDownMapping } from "./panels.js";
import { COUNTER_DISCONTINUITIES, DASHBOARD_UIDS, INVENTORY_RELOADS, LINK_UNRESOLVED, sel } from "./rules.js";

const bars = (p: timeseries.PanelBuilder) =>
  p
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(60)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));

/** Stacked bars of how often something happened per interval, one series per legend. */
function eventsPerInterval(
  title: string,
  description: string,
  expr: string,
  legend: string,
): timeseries.PanelBuilder {
  return bars(
    new timeseries.PanelBuilder()
      .title(title)
      .description(description)
      .withTarget(query(expr, legend))
      .unit("short")
      .min(0)
      .height(8)
      .span(12),
  );
}

export function collectorHealth(c: MixinConfig): Dashboard {
  const { snmp, collector } = c.selectors;
  const d = kapasitasDashboard(
    c,
    DASHBOARD_UIDS.health,
    "Kapasitas / Collector health",
    "Whether the SNMP measurements can be trusted: reachability, poll time, failures, restarts, wraps.",
  )
    .time({ from: "now-24h", to: "now" })
    .withRow(new RowBuilder("Collector"))
    .withPanel(
      new stat.PanelBuilder()
        .title("Collector scrape")
        .description("Whether Prometheus can scrape the collector's own /metrics.")
        .withTarget(query(`min(up{${collector}})`, "", { instant: true }))
        .mappings(upDownMapping)
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .reduceOptions(reduceLast())
        .height(5)
        .span(6),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title("Devices down")
        .withTarget(query(`count(${sel(METRICS.deviceUp, snmp)} == 0) or vector(0)`, "", { instant: true }))
        .thresholds(redFromOne())
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .reduceOptions(reduceLast())
        .height(5)
        .span(6),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Scrape duration per device")
        .description("How long Prometheus waits for /snmp?target=<device>: the poll happens at scrape time.")
        .withTarget(query(`max by (instance) (scrape_duration_seconds{${snmp}})`, "{{instance}}"))
        .unit("s")
        .min(0)
        .height(5)
        .span(12),
    )
    .withRow(new RowBuilder("Devices"))
    .withPanel(
      new statetimeline.PanelBuilder()
        .title("Device reachability")
        .withTarget(query(`max by (device) (${sel(METRICS.deviceUp, snmp)})`, "{{device}}"))
        .mappings(upDownMapping)
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .height(6)
        .span(24),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Poll duration per device")
        .description("Time the last SNMP poll of each device took; a rise precedes timeouts.")
        .withTarget(query(`max by (device) (${sel(METRICS.devicePollDuration, snmp)})`, "{{device}}"))
        .unit("s")
        .min(0)
        .height(8)
        .span(12),
    )
    .withPanel(
      eventsPerInterval(
        "Poll failures by reason",
        "Failed polls per interval: timeout (network, ACL, load), auth (credentials), others.",
        `sum by (device, reason) (increase(${sel(METRICS.devicePollFailures, snmp)}[$__rate_interval]))`,
        "{{device}} {{reason}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        "Device restarts",
        "Reboots detected from sysUpTime going backwards; counters are carried over.",
        `sum by (device) (increase(${sel(METRICS.deviceRestarts, snmp)}[$__rate_interval]))`,
        "{{device}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        "Counter wraps corrected",
        "32-bit counter wraps the collector corrected: many mean the device lacks 64-bit counters.",
        `sum by (device) (increase(${sel(METRICS.counterWraps, snmp)}[$__rate_interval]))`,
        "{{device}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        "Counter samples not counted",
        "Deltas the collector refused: implausible (above interface speed), reset (counters cleared " +
          "without a reboot), moved (interface renumbered). A few are normal; a steady stream is not.",
        `sum by (device, reason) (increase(${sel(COUNTER_DISCONTINUITIES, snmp)}[$__rate_interval]))`,
        "{{device}} {{reason}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        "Inventory reloads",
        "SIGHUP reloads by result; a failure keeps the previous inventory (see the log).",
        `sum by (result) (increase(${sel(INVENTORY_RELOADS, collector)}[$__rate_interval]))`,
        "{{result}}",
      )
        .overrideByName("failure", [{ id: "color", value: { mode: "fixed", fixedColor: "red" } }])
        .overrideByName("success", [{ id: "color", value: { mode: "fixed", fixedColor: "green" } }]),
    )
    .withRow(new RowBuilder("SNMP scheduler"))
    .withPanel(
      new timeseries.PanelBuilder()
        .title("SNMP requests by lane")
        .description(
          "Requests holding a slot and waiting for one, against each lane's limit: poll for live devices, " +
            "probe for devices that failed. The limit follows the measured load and round trip; a queue " +
            "that stays long while the limit is at --max-concurrency means the collector needs a shard more.",
        )
        .withTarget(
          query(`sum by (lane) (${sel(METRICS.snmpRequestsInFlight, collector)})`, "{{lane}} in flight"),
        )
        .withTarget(query(`sum by (lane) (${sel(METRICS.snmpRequestsQueued, collector)})`, "{{lane}} queued"))
        .withTarget(
          query(`sum by (lane) (${sel(METRICS.snmpConcurrencyLimit, collector)})`, "{{lane}} limit"),
        )
        .unit("short")
        .min(0)
        .height(8)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title("Oldest SNMP request")
        .description(
          "Age of the oldest request holding a slot, per lane, against the longest a request may take " +
            "(timeout × tries). Above the deadline for long means a leak (KapasitasSnmpRequestStuck).",
        )
        .withTarget(
          query(
            `max by (lane) (${sel(METRICS.snmpOldestRequestAge, collector, 'state="in_flight"')})`,
            "{{lane}} oldest in flight",
          ),
        )
        .withTarget(query(`max(${sel(METRICS.snmpRequestDeadline, collector)})`, "deadline"))
        .unit("s")
        .min(0)
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder("Inventory"))
    .withPanel(
      new table.PanelBuilder()
        .title("Links not measured")
        .description(
          "Inventory links whose selector matches no interface or several on the device. Fix the inventory " +
            "and reload the collector.",
        )
        .withTarget(
          query(`max by (device, link, owner) (${sel(LINK_UNRESOLVED, snmp)}) > 0`, "", {
            instant: true,
            table: true,
          }),
        )
        .transformations([{ id: "organize", options: { excludeByName: { Time: true, Value: true } } }])
        .noValue("Every inventory link resolves to exactly one interface or queue.")
        .height(7)
        .span(24),
    );
  return finalise(d.build(), c);
}
