// Prometheus recording and alerting rules, generated from the mixin config.
// Recorded names come from core/contract.ts RECORDED: the capacity report and the dashboards read
// exactly these, so the planner and the NOC see the same figures.
import { METRICS, RECORDED } from "../core/contract.js";
import type { MixinConfig } from "./config.js";

export interface RecordingRule {
  record: string;
  expr: string;
}
export type Severity = "critical" | "warning" | "info";
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: Severity };
  annotations: { summary: string; description: string; runbook_url: string; dashboard?: string };
}
export interface RuleGroup<R> {
  name: string;
  interval: string;
  rules: R[];
}
export interface RuleFile {
  groups: [
    RuleGroup<RecordingRule>,
    RuleGroup<RecordingRule>,
    RuleGroup<AlertingRule>,
    RuleGroup<RecordingRule>,
    RuleGroup<RecordingRule>,
  ];
}

/** The window of the availability figures (the names in RECORDED say `30d`). */
export const AVAILABILITY_WINDOW = "30d";

// The collector's own series beyond the design's contract (docs/metrics.md).
export const LINK_UNRESOLVED = METRICS.linkUnresolved;
export const COUNTER_DISCONTINUITIES = METRICS.counterDiscontinuities;
export const INVENTORY_RELOADS = METRICS.inventoryReloads;

/** `metric{matchers}`: one place that attaches the config's selector to a metric name. */
export function sel(metric: string, selector: string, extra = ""): string {
  const matchers = [selector, extra].filter((m) => m !== "").join(", ");
  return matchers === "" ? metric : `${metric}{${matchers}}`;
}

/**
 * OPD links whose interface is operationally down, by (opd, link, device, interface). Only
 * interfaces that carry an OPD's link count (a spare port going down is no news); queue links have no
 * oper status and never match.
 */
export function opdLinksOnDownInterfaces(c: MixinConfig): string {
  const snmp = c.selectors.snmp;
  return [
    `group by (opd, link, device, interface) (${sel(METRICS.opdLinkBytes, snmp)})`,
    "and on (device, interface)",
    `max by (device, interface) (${sel(METRICS.interfaceOperUp, snmp)}) == 0`,
  ].join("\n");
}

/**
 * OPD links down now, by (opd, link, device, interface): an interface operationally down, or a
 * queue down (kapasitas_queue_up = 0: vanished, or its counters stopped while the device answers).
 */
export function opdLinksDown(c: MixinConfig): string {
  return [
    `(${opdLinksOnDownInterfaces(c)})`,
    "or",
    `max by (opd, link, device, interface) (${sel(METRICS.queueUp, c.selectors.snmp)}) == 0`,
  ].join("\n");
}

/**
 * Each OPD link's state (1 up, 0 down) and each device's: what the availability figures average.
 * A link is down when its interface is operationally down, its queue is down, or its device does
 * not answer (then every link measured on it in the last day counts as down: unknown is not up).
 */
export function stateRules(c: MixinConfig): RuleGroup<RecordingRule> {
  const snmp = c.selectors.snmp;
  const LINK = "opd, link, device, interface";
  return {
    name: "kapasitas.state.rules",
    interval: c.ruleInterval,
    rules: [
      { record: RECORDED.deviceUp, expr: `max by (device) (${sel(METRICS.deviceUp, snmp)})` },
      {
        record: RECORDED.opdLinkUp,
        expr: [
          `min by (${LINK}) (`,
          `  group by (${LINK}) (${sel(METRICS.opdLinkBytes, snmp)})`,
          `  * on (device, interface) group_left max by (device, interface) (${sel(METRICS.interfaceOperUp, snmp)})`,
          ")",
          "or",
          `max by (${LINK}) (${sel(METRICS.queueUp, snmp)})`,
          "or",
          `group by (${LINK}) (last_over_time(${sel(METRICS.opdLinkBytes, snmp)}[1d])) * 0`,
          `  and on (device) (${RECORDED.deviceUp} == 0)`,
        ].join("\n"),
      },
    ],
  };
}

/**
 * The month's availability: the share of state samples that were 1. Evaluated every 5 minutes, not
 * every minute: each evaluation reads 30 days of a per-minute state per device and per link.
 */
export function availabilityRules(): RuleGroup<RecordingRule> {
  return {
    name: "kapasitas.availability.rules",
    interval: "5m",
    rules: [
      {
        record: RECORDED.deviceAvailability,
        expr: `avg_over_time(${RECORDED.deviceUp}[${AVAILABILITY_WINDOW}])`,
      },
      {
        record: RECORDED.opdLinkAvailability,
        expr: `avg_over_time(${RECORDED.opdLinkUp}[${AVAILABILITY_WINDOW}])`,
      },
    ],
  };
}

export function recordingRules(c: MixinConfig): [RuleGroup<RecordingRule>, RuleGroup<RecordingRule>] {
  const { snmp, collector } = c.selectors;
  // The allocation/contract gauges come from the collector's /metrics; `max by` drops job/instance
  // (and tolerates two collector replicas). `> 0` keeps a zero allocation from dividing to +Inf.
  return [
    {
      name: "kapasitas.opd.rules",
      interval: c.ruleInterval,
      rules: [
        {
          record: RECORDED.opdBits,
          expr: `sum by (opd, direction) (rate(${sel(METRICS.opdLinkBytes, snmp)}[5m])) * 8`,
        },
        {
          record: RECORDED.opdUtilisation,
          expr: [
            RECORDED.opdBits,
            "  / on (opd, direction)",
            `max by (opd, direction) (${sel(METRICS.opdAllocatedBps, collector)} > 0)`,
          ].join("\n"),
        },
      ],
    },
    {
      name: "kapasitas.uplink.rules",
      interval: c.ruleInterval,
      rules: [
        {
          record: RECORDED.uplinkBits,
          expr: `sum by (uplink, provider, direction) (rate(${sel(METRICS.uplinkBytes, snmp)}[5m])) * 8`,
        },
        {
          record: RECORDED.uplinkUtilisation,
          expr: [
            RECORDED.uplinkBits,
            "  / on (uplink, provider, direction)",
            `max by (uplink, provider, direction) (${sel(METRICS.uplinkContractedBps, collector)} > 0)`,
          ].join("\n"),
        },
      ],
    },
  ];
}

/** Runbook anchors are the alert names lower-cased, as GitHub renders `### AlertName` headings. */
function runbook(c: MixinConfig, alert: string): string {
  return `${c.runbookBaseUrl}#${alert.toLowerCase()}`;
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

export const DASHBOARD_UIDS = {
  overview: "kapasitas-noc-overview",
  opd: "kapasitas-opd-detail",
  planning: "kapasitas-capacity-planning",
  health: "kapasitas-collector-health",
} as const;

export function alertingRules(c: MixinConfig): RuleGroup<AlertingRule> {
  const { snmp, collector } = c.selectors;
  const a = c.alerts;
  const grafana = c.grafana.url.replace(/\/$/, "");
  const dash = (uid: string, query = ""): string => `${grafana}/d/${uid}${query}`;
  // Template snippet: the allocation/contract in human units, read back from Prometheus at alert time.
  const current = (metric: string, labels: string[]): string =>
    `{{ with printf "${metric}{${labels.map((l) => `${l}=%q`).join(",")}}" ${labels
      .map((l) => `$labels.${l}`)
      .join(" ")} | query }}{{ . | first | value | humanize }}bps{{ else }}(unknown){{ end }}`;

  const rules: AlertingRule[] = [
    {
      alert: "KapasitasOpdLinkSaturated",
      expr: `${RECORDED.opdUtilisation} > ${a.opdSaturation.ratio}`,
      for: a.opdSaturation.for,
      labels: { severity: "warning" },
      annotations: {
        summary:
          "OPD {{ $labels.opd }} {{ $labels.direction }} is at {{ $value | humanizePercentage }} of its allocation.",
        description:
          `The {{ $labels.direction }} traffic of OPD {{ $labels.opd }} has stayed above ${pct(a.opdSaturation.ratio)} ` +
          `of its allocation (${current(METRICS.opdAllocatedBps, ["opd", "direction"])}) for ${a.opdSaturation.for}: ` +
          "its users see slow applications and dropped VPNs. Open the OPD detail dashboard: a steady rise " +
          "means the allocation is too small (raise it on the core router and note it for the capacity report); " +
          "a single host or transfer means a conversation with the OPD.",
        runbook_url: runbook(c, "KapasitasOpdLinkSaturated"),
        dashboard: dash(DASHBOARD_UIDS.opd, "?var-opd={{ $labels.opd }}"),
      },
    },
    {
      alert: "KapasitasUplinkSaturated",
      expr: `${RECORDED.uplinkUtilisation} > ${a.uplinkSaturation.ratio}`,
      for: a.uplinkSaturation.for,
      labels: { severity: "critical" },
      annotations: {
        summary:
          "Uplink {{ $labels.uplink }} {{ $labels.direction }} is at {{ $value | humanizePercentage }} of its contract.",
        description:
          `The {{ $labels.direction }} traffic on the {{ $labels.provider }} uplink {{ $labels.uplink }} has stayed above ` +
          `${pct(a.uplinkSaturation.ratio)} of the contracted ` +
          `${current(METRICS.uplinkContractedBps, ["uplink", "provider", "direction"])} for ${a.uplinkSaturation.for}: ` +
          "every OPD behind it slows down. Check the NOC overview for the OPDs driving it, confirm the other " +
          "uplink has room and shift traffic if the router policy allows; call the provider if the traffic " +
          "is below the contract on their side.",
        runbook_url: runbook(c, "KapasitasUplinkSaturated"),
        dashboard: dash(DASHBOARD_UIDS.overview),
      },
    },
    {
      alert: "KapasitasDeviceDown",
      expr: `${sel(METRICS.deviceUp, snmp)} == 0`,
      for: a.deviceDown.for,
      labels: { severity: "critical" },
      annotations: {
        summary: "Device {{ $labels.device }} does not answer SNMP.",
        description:
          `The collector has not been able to poll {{ $labels.device }} for ${a.deviceDown.for}, so every OPD and ` +
          "uplink measured on it has no data. Check that the device is powered and reachable (ping from the " +
          "collector host), then the failure reason on the collector health dashboard: timeout means network " +
          "or ACL, auth means the SNMP credentials changed.",
        runbook_url: runbook(c, "KapasitasDeviceDown"),
        dashboard: dash(DASHBOARD_UIDS.health),
      },
    },
    {
      alert: "KapasitasCollectorDown",
      expr: `${sel("up", collector)} == 0`,
      for: a.collectorDown.for,
      labels: { severity: "critical" },
      annotations: {
        summary: "Prometheus cannot scrape the kapasitas collector {{ $labels.instance }}.",
        description:
          `The collector's /metrics endpoint has failed for ${a.collectorDown.for}: no OPD or uplink is being ` +
          "measured and the capacity report will show a gap. Check the collector container (logs, restarts, " +
          "memory) and its /healthz endpoint.",
        runbook_url: runbook(c, "KapasitasCollectorDown"),
        dashboard: dash(DASHBOARD_UIDS.health),
      },
    },
    {
      alert: "KapasitasPollFailuresRising",
      // A device that is fully down is KapasitasDeviceDown's job; this one catches the flaky ones.
      expr: [
        `sum by (device, reason) (increase(${sel(METRICS.devicePollFailures, snmp)}[${a.pollFailures.window}])) >= ${a.pollFailures.count}`,
        "unless on (device)",
        `${sel(METRICS.deviceUp, snmp)} == 0`,
      ].join("\n"),
      for: a.pollFailures.for,
      labels: { severity: "warning" },
      annotations: {
        summary:
          "Polls of {{ $labels.device }} fail intermittently ({{ $labels.reason }}, {{ $value | humanize }} in " +
          `${a.pollFailures.window}).`,
        description:
          "The device still answers some polls but {{ $value | humanize }} failed with reason {{ $labels.reason }} " +
          `in the last ${a.pollFailures.window}; its graphs get gaps and rates get coarse. Timeouts point to a ` +
          "congested management path or an overloaded device CPU (lower max_repetitions or lengthen the poll " +
          "interval in the inventory); auth errors to a credential being rotated.",
        runbook_url: runbook(c, "KapasitasPollFailuresRising"),
        dashboard: dash(DASHBOARD_UIDS.health),
      },
    },
    {
      alert: "KapasitasDeviceRestarted",
      expr: `increase(${sel(METRICS.deviceRestarts, snmp)}[${a.deviceRestart.window}]) > 0`,
      labels: { severity: "info" },
      annotations: {
        summary: "Device {{ $labels.device }} restarted.",
        description:
          `The uptime of {{ $labels.device }} went backwards in the last ${a.deviceRestart.window}: it rebooted ` +
          "(power, crash or planned maintenance). Counters were carried over cleanly; check the device log for " +
          "the cause and that every link on it is back up.",
        runbook_url: runbook(c, "KapasitasDeviceRestarted"),
        dashboard: dash(DASHBOARD_UIDS.health),
      },
    },
    {
      alert: "KapasitasOpdLinkInterfaceDown",
      expr: opdLinksOnDownInterfaces(c),
      for: a.interfaceDown.for,
      labels: { severity: "warning" },
      annotations: {
        summary:
          "Link {{ $labels.link }} of OPD {{ $labels.opd }} is down ({{ $labels.device }} {{ $labels.interface }}).",
        description:
          `Interface {{ $labels.interface }} on {{ $labels.device }} carries OPD {{ $labels.opd }} and has been ` +
          `operationally down for ${a.interfaceDown.for}: the OPD is probably offline. Check the port, the fibre ` +
          "or radio link to the OPD building and the OPD's own switch; call the OPD's contact.",
        runbook_url: runbook(c, "KapasitasOpdLinkInterfaceDown"),
        dashboard: dash(DASHBOARD_UIDS.opd, "?var-opd={{ $labels.opd }}"),
      },
    },
    {
      alert: "KapasitasOpdQueueDown",
      expr: `max by (opd, link, device, interface) (${sel(METRICS.queueUp, snmp)}) == 0`,
      for: a.interfaceDown.for,
      labels: { severity: "warning" },
      annotations: {
        summary: "Queue {{ $labels.interface }} of OPD {{ $labels.opd }} on {{ $labels.device }} is down.",
        description:
          "The simple queue that carries OPD {{ $labels.opd }} on {{ $labels.device }} has vanished from the " +
          `router's queue table or has passed no byte for 10 minutes while the router answers, for ${a.interfaceDown.for}: ` +
          "the OPD is probably offline or cut off by a queue change. On the router, `/queue simple print` " +
          "shows whether the queue exists and is enabled; then check the OPD's link and call its contact.",
        runbook_url: runbook(c, "KapasitasOpdQueueDown"),
        dashboard: dash(DASHBOARD_UIDS.opd, "?var-opd={{ $labels.opd }}"),
      },
    },
    {
      alert: "KapasitasLinkSelectorUnresolved",
      expr: `max by (device, link, owner) (${sel(LINK_UNRESOLVED, snmp)}) > 0`,
      for: a.linkUnresolved.for,
      labels: { severity: "warning" },
      annotations: {
        summary:
          "Link {{ $labels.link }} ({{ $labels.owner }}) matches no interface or several on {{ $labels.device }}.",
        description:
          "The inventory's selector for this link no longer identifies exactly one interface or queue on " +
          "{{ $labels.device }}, so its traffic is not measured and the capacity report will show a gap. " +
          "An interface was probably renamed, re-described or the queue deleted. Compare the device's " +
          "interfaces with the inventory, fix the selector, run `kapasitas inventory check` and reload the " +
          "collector (SIGHUP).",
        runbook_url: runbook(c, "KapasitasLinkSelectorUnresolved"),
        dashboard: dash(DASHBOARD_UIDS.health),
      },
    },
    {
      alert: "KapasitasInventoryReloadFailed",
      expr: `increase(${sel(INVENTORY_RELOADS, collector, 'result="failure"')}[${a.inventoryReload.window}]) > 0`,
      labels: { severity: "warning" },
      annotations: {
        summary: "The collector {{ $labels.instance }} rejected an inventory reload.",
        description:
          `A SIGHUP reload of the inventory failed in the last ${a.inventoryReload.window}: the collector keeps ` +
          "measuring with the previous inventory, so the change just made (new OPD, new allocation, new link) " +
          "is not live. The collector's log lists every problem with file, line and path; fix them, check " +
          "with `kapasitas inventory check` and reload again.",
        runbook_url: runbook(c, "KapasitasInventoryReloadFailed"),
        dashboard: dash(DASHBOARD_UIDS.health),
      },
    },
    {
      alert: "KapasitasSnmpRequestStuck",
      // The collector ends every request by its deadline (timeout × tries) plus a second. One held
      // far past it, or one the SNMP library never answered (failed by the watchdog), is a leak:
      // left alone, leaks take the slots that live devices' polls need.
      expr: [
        `max by (instance, lane) (${sel(METRICS.snmpOldestRequestAge, collector, 'state="in_flight"')})`,
        `  > on (instance) group_left ${a.requestStuck.deadlineFactor} * max by (instance) (${sel(METRICS.snmpRequestDeadline, collector)})`,
        "or",
        `sum by (instance) (increase(${sel(METRICS.snmpRequestsLost, collector)}[${a.requestStuck.window}])) > 0`,
      ].join("\n"),
      for: a.requestStuck.for,
      labels: { severity: "critical" },
      annotations: {
        summary: "The collector {{ $labels.instance }} has SNMP requests that never end.",
        description:
          "An SNMP request has outlived its timeout by far, or the SNMP library dropped requests that the " +
          `collector's watchdog had to fail (in the last ${a.requestStuck.window}). Every such request holds ` +
          "slots that live devices need, so polls will slow and devices will show as down. Save the collector's " +
          "log and /metrics, then restart the collector; report the log with the failure reasons around the time.",
        runbook_url: runbook(c, "KapasitasSnmpRequestStuck"),
        dashboard: dash(DASHBOARD_UIDS.health),
      },
    },
  ];
  return { name: "kapasitas.alerts", interval: c.ruleInterval, rules };
}

/** Every recording group, in the order their inputs need (a backfill evaluates them in turn). */
export function recordingGroups(c: MixinConfig): RuleGroup<RecordingRule>[] {
  return [...recordingRules(c), stateRules(c), availabilityRules()];
}

export function ruleFile(c: MixinConfig): RuleFile {
  const [opd, uplink] = recordingRules(c);
  return { groups: [opd, uplink, alertingRules(c), stateRules(c), availabilityRules()] };
}
