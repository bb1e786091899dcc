// The city map: the topology the inventory knows, ISP → uplink → core → distribution → OPD, drawn
// with Grafana's built-in Node graph panel (no plugin) from the series the collector exports, each
// node and edge coloured by utilisation. Two instant queries: A the nodes, B the edges.
//
// Where each level comes from: an ISP is an uplink's `provider`; an uplink sits on the device its
// uplink_bytes_total names (a core device); a device that carries OPD links but no uplink is a
// distribution device; an OPD hangs off the devices its opd_link_bytes_total names. The inventory
// does not say which core a distribution device hangs off, so the map draws it under one core
// (topk(1): the only one in a city with one core router).
import { MappingType } from "@grafana/grafana-foundation-sdk/dashboard";
import type { DataTransformerConfig } from "@grafana/grafana-foundation-sdk/dashboard";
import * as nodegraph from "@grafana/grafana-foundation-sdk/nodegraph";
import { METRICS, RECORDED } from "../core/contract.js";
import type { MixinConfig } from "./config.js";
import { query, utilisationThresholds } from "./panels.js";
import { sel } from "./rules.js";
import type { Words } from "./words.js";

/** `label_replace(v, dst, replacement, src, "(.*)")`: copy a label's value into a pattern. */
function relabel(v: string, dst: string, replacement: string, src: string): string {
  return `label_replace(${v}, "${dst}", "${replacement}", "${src}", "(.*)")`;
}
/** A constant label. */
function constant(v: string, dst: string, value: string): string {
  return `label_replace(${v}, "${dst}", "${value}", "", "")`;
}

/** The node and edge queries (instant), exported for the query test. */
export function cityMapQueries(c: MixinConfig, w: Words) {
  const snmp = c.selectors.snmp;
  const uplinkUtil = `max by (uplink, provider) (${RECORDED.uplinkUtilisation})`;
  // What hangs where: from the link counters of the last day, so a device or OPD that is down now
  // stays on the map (drawn as down) instead of vanishing from it.
  const opdDevices = `group by (opd, device) (last_over_time(${sel(METRICS.opdLinkBytes, snmp)}[1d]))`;
  const uplinkDevices = `group by (uplink, device) (last_over_time(${sel(METRICS.uplinkBytes, snmp)}[1d]))`;
  // An OPD without a utilisation now (its links or device down) is -1: drawn as down.
  const opdUtil = `(max by (opd) (${RECORDED.opdUtilisation}) or group by (opd) (${opdDevices}) * -1)`;
  const cores = `group by (device) (${uplinkDevices})`;
  const distribution = `(group by (device) (${opdDevices}) unless on (device) ${cores})`;
  // The fullest OPD behind each device.
  const opdOnDevice = `max by (device) (${opdDevices} * on (opd) group_left () ${opdUtil})`;
  const uplinkOnDevice = `max by (device) (${uplinkDevices} * on (uplink) group_left () ${uplinkUtil})`;
  // A device that does not answer is -1: the value mapping shows it as down, in red.
  const deviceUp = `max by (device) (${sel(METRICS.deviceUp, snmp)})`;
  const deviceValue = `((${deviceUp} == 0) - 1 or on (device) (${uplinkOnDevice} or clamp_min(${opdOnDevice}, 0)) or on (device) ${deviceUp} * 0)`;
  const name = `max by (opd, name) (${sel(METRICS.opdInfo, c.selectors.collector)})`;

  /** A node: id `<kind>:<label>`, titled by the label, subtitled by another label or a text. */
  const node = (v: string, kind: string, label: string, subtitle: { from: string } | { text: string }) => {
    const titled = relabel(relabel(v, "id", `${kind}:$1`, label), "title", "$1", label);
    const full =
      "from" in subtitle
        ? relabel(titled, "subtitle", "$1", subtitle.from)
        : constant(titled, "subtitle", subtitle.text);
    return `max by (id, title, subtitle) (${full})`;
  };
  const nodes = [
    node(`max by (provider) (${uplinkUtil})`, "isp", "provider", { text: "ISP" }),
    node(uplinkUtil, "uplink", "uplink", { from: "provider" }),
    node(`${deviceValue} and on (device) ${cores}`, "device", "device", { text: w.say("inti", "core") }),
    node(`${deviceValue} and on (device) ${distribution}`, "device", "device", {
      text: w.say("distribusi", "distribution"),
    }),
    node(`${opdUtil} * on (opd) group_left (name) ${name}`, "opd", "opd", { from: "name" }),
  ].join("\nor\n");

  const edge = (v: string, source: [string, string], target: [string, string]) =>
    `max by (id, source, target) (label_join(${relabel(relabel(v, "source", source[0], source[1]), "target", target[0], target[1])}, "id", ">", "source", "target"))`;
  const oneCore = `topk(1, label_replace(${cores}, "core", "$1", "device", "(.*)"))`;
  const edges = [
    edge(uplinkUtil, ["isp:$1", "provider"], ["uplink:$1", "uplink"]),
    edge(
      `${uplinkDevices} * on (uplink) group_left () ${uplinkUtil}`,
      ["uplink:$1", "uplink"],
      ["device:$1", "device"],
    ),
    edge(
      `(${deviceValue} and on (device) ${distribution})\n* on () group_left (core) ${oneCore}`,
      ["device:$1", "core"],
      ["device:$1", "device"],
    ),
    edge(`${opdDevices} * on (opd) group_left () ${opdUtil}`, ["device:$1", "device"], ["opd:$1", "opd"]),
  ].join("\nor\n");
  return { nodes, edges };
}

export function cityMap(c: MixinConfig, w: Words): nodegraph.PanelBuilder {
  const q = cityMapQueries(c, w);
  // Node graph reads fields by name: id/title/subtitle/mainstat/color for nodes, id/source/target/
  // mainstat/color for edges. The value of each query becomes both mainstat and color.
  const transformations: DataTransformerConfig[] = [
    {
      id: "calculateField",
      options: {
        mode: "reduceRow",
        reduce: { reducer: "lastNotNull" },
        alias: "color",
        replaceFields: false,
      },
    },
    {
      id: "organize",
      options: {
        excludeByName: { Time: true },
        renameByName: { "Value #A": "mainstat", "Value #B": "mainstat" },
      },
    },
  ];
  const colourByUtilisation = [
    { id: "color", value: { mode: "thresholds" } },
    { id: "thresholds", value: utilisationThresholds(c.alerts.opdSaturation.ratio).build() },
    { id: "unit", value: "percentunit" },
    {
      id: "mappings",
      value: [
        { type: MappingType.ValueToText, options: { "-1": { text: w.t.down, color: "red", index: 0 } } },
      ],
    },
  ];
  return new nodegraph.PanelBuilder()
    .title(
      w.say(
        "Peta kota: ISP → uplink → inti → distribusi → OPD",
        "City map: ISP → uplink → core → distribution → OPD",
      ),
    )
    .description(
      w.say(
        "Topologi yang diketahui inventaris, diwarnai utilisasi sekarang (arah tersibuk): hijau, kuning dari 70%, merah dari ambang jenuh. Perangkat yang tidak menjawab tertulis mati.",
        "The topology the inventory knows, coloured by utilisation now (busier direction): green, yellow from 70%, red from the saturation threshold. A device that does not answer reads down.",
      ),
    )
    .withTarget(query(q.nodes, "", { instant: true, table: true }))
    .withTarget(query(q.edges, "", { instant: true, table: true }))
    .transformations(transformations)
    .overrideByName("mainstat", colourByUtilisation)
    .overrideByName("color", colourByUtilisation)
    .nodes(new nodegraph.NodeOptionsBuilder().mainStatUnit("percentunit"))
    .edges(new nodegraph.EdgeOptionsBuilder().mainStatUnit("percentunit"))
    .zoomMode(nodegraph.ZoomMode.Cooperative);
}
