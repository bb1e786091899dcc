// (a) NOC overview, read top to bottom by the operator on duty: is anything down or full right now
// (status), are the uplinks full and who fills them, which OPDs, devices and links need action, the
// month's availability, and the city's topology coloured by use.
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { METRICS, RECORDED } from "../core/contract.js";
import type { Direction } from "../core/model.js";
import type { MixinConfig } from "./config.js";
import { cityMap } from "./city-map.js";
import {
  dashed,
  finalise,
  kapasitasDashboard,
  labelTable,
  opdDetailLink,
  query,
  redFromOne,
  reduceLast,
  upDownMapping,
  utilisationThresholds,
} from "./panels.js";
import { DASHBOARD_UIDS, LINK_UNRESOLVED, sel } from "./rules.js";
import { directionMapping, words } from "./words.js";
import type { Words } from "./words.js";

/** The busier direction of each OPD: one row per OPD on the overview. */
export const opdPeakUtilisation = `max by (opd) (${RECORDED.opdUtilisation})`;

/** Adds the OPD's full name (label `name`, from opd_info) to a series that has an `opd` label. */
export function withOpdName(c: MixinConfig, expr: string): string {
  return `(${expr})\n* on (opd) group_left (name) max by (opd, name) (${sel(METRICS.opdInfo, c.selectors.collector)})`;
}

/**
 * The OPDs filling the uplinks in one direction: the `topN` OPDs with the most traffic at the end of
 * the range, drawn one by one, and "others": the uplinks' total minus those OPDs (never below zero:
 * OPD traffic to the data-centre apps does not cross an uplink), so the stack adds up to the uplinks.
 * OPDs are not tied to one uplink in the inventory: the stack stands against all uplinks together.
 */
export function uplinkFillers(c: MixinConfig, direction: Direction) {
  const opd = `${RECORDED.opdBits}{direction="${direction}"}`;
  const top = `${opd} and on (opd) topk(${c.overview.topN}, ${opd} @ end())`;
  const uplinks = `sum(${RECORDED.uplinkBits}{direction="${direction}"})`;
  return {
    top: withOpdName(c, top),
    others: `clamp_min(${uplinks} - (sum(${top}) or vector(0)), 0)`,
    uplinks,
  };
}

/** When each saturated OPD direction was last below the threshold, looked back over a day. */
function saturatedFor(threshold: number): string {
  const u = RECORDED.opdUtilisation;
  return [
    `(time() - max by (opd, direction) (max_over_time((timestamp(${u} <= ${threshold}))[1d:1m])))`,
    `  and on (opd, direction) (${u} > ${threshold})`,
    `or on (opd, direction) (${u} > ${threshold}) * 0 + 86400`,
  ].join("\n");
}

/** Seconds since a recorded state was last 1, for the series whose state is 0 now (a week back). */
function downFor(state: string, by: string): string {
  return [
    `time() - max by (${by}) (max_over_time((timestamp(${state} == 1))[7d:1m]))`,
    `  and on (${by}) (${state} == 0)`,
  ].join("\n");
}

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

function uplinkPanel(c: MixinConfig, w: Words, direction: Direction): timeseries.PanelBuilder {
  const bits = `${RECORDED.uplinkBits}{direction="${direction}"}`;
  const month = c.overview.month;
  const contract = w.t.contract.toLowerCase();
  return new timeseries.PanelBuilder()
    .title(
      w.say(
        `Uplink: ${w.direction(direction).toLowerCase()} terhadap kontrak`,
        `Uplinks: ${direction} against contract`,
      ),
    )
    .description(
      w.say(
        `Lalu lintas rata-rata 5 menit tiap uplink ISP arah ${w.direction(direction).toLowerCase()}; ` +
          `garis putus merah: kontrak; garis putus oranye: persentil ke-95 ${month} terakhir (angka tagihan).`,
        `Each ISP uplink's 5-minute average ${direction} traffic; dashed red: the contract; ` +
          `dashed orange: the 95th percentile of the last ${month} (the billing figure).`,
      ),
    )
    .withTarget(query(bits, "{{uplink}}"))
    .withTarget(
      query(
        `max by (uplink) (${sel(METRICS.uplinkContractedBps, c.selectors.collector, `direction="${direction}"`)})`,
        `{{uplink}} ${contract}`,
      ),
    )
    .withTarget(query(`quantile_over_time(0.95, ${bits}[${month}] @ end())`, `{{uplink}} p95 ${month}`))
    .overrideByRegexp(`.* ${contract}$`, dashed("red"))
    .overrideByRegexp(`.* p95 ${month}$`, dashed("orange"))
    .unit("bps")
    .min(0)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true),
    )
    .height(8)
    .span(12);
}

function fillersPanel(c: MixinConfig, w: Words, direction: Direction): timeseries.PanelBuilder {
  const q = uplinkFillers(c, direction);
  const n = c.overview.topN;
  const total = w.say("total uplink", "all uplinks");
  const others = w.t.others.toLowerCase();
  return new timeseries.PanelBuilder()
    .title(
      w.say(
        `Siapa mengisi uplink: ${w.direction(direction).toLowerCase()}`,
        `Who fills the uplinks: ${direction}`,
      ),
    )
    .description(
      w.say(
        `Lalu lintas ${n} OPD terbesar (di akhir rentang waktu) bertumpuk, ditambah "${others}": total uplink ` +
          `dikurangi ${n} OPD itu, sehingga tumpukan sama dengan total uplink (garis putus). Klik OPD untuk rinciannya.`,
        `The ${n} OPDs with the most traffic (at the end of the range), stacked, plus "${others}": all uplinks ` +
          `minus those ${n}, so the stack adds up to the uplinks' total (dashed). Click an OPD for its detail.`,
      ),
    )
    .withTarget(query(q.top, "{{name}}"))
    .withTarget(query(q.others, others))
    .withTarget(query(q.uplinks, total))
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group("A"))
    .overrideByName(total, [...dashed("red"), { id: "custom.stacking", value: { mode: "none", group: "A" } }])
    .overrideByName(others, [{ id: "color", value: { mode: "fixed", fixedColor: "gray" } }])
    .dataLinks([opdDetailLink(w, "label")])
    .unit("bps")
    .min(0)
    .fillOpacity(60)
    .lineWidth(0)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .showLegend(true)
        .calcs(["lastNotNull", "max"]),
    )
    .height(10)
    .span(12);
}

export function nocOverview(c: MixinConfig): Dashboard {
  const w = words(c);
  const { t, say } = w;
  const snmp = c.selectors.snmp;
  const saturation = c.alerts.opdSaturation.ratio;
  const pct = `${Math.round(saturation * 1000) / 10}%`;
  const month = c.overview.month;
  const opdColumns = {
    name: t.opd,
    link: t.link,
    device: t.device,
    interface: say("Antarmuka", "Interface"),
  };

  const d = kapasitasDashboard(
    c,
    w,
    DASHBOARD_UIDS.overview,
    say("Kapasitas / Ikhtisar NOC", "Kapasitas / NOC overview"),
    say(
      "Pemakaian bandwidth tiap OPD dan uplink terhadap alokasi atau kontraknya, siapa yang mengisi uplink, dan apa yang mati.",
      "Every OPD's and uplink's bandwidth use against its allocation or contract, who fills the uplinks, and what is down.",
    ),
  )
    .time({ from: "now-6h", to: "now" })
    .withRow(new RowBuilder(say("Status sekarang", "Status now")))
    .withPanel(
      countOfProblems(
        say("OPD di atas ambang jenuh", "OPDs above the saturation threshold"),
        say(
          `OPD yang arah tersibuknya kini di atas ${pct} alokasi.`,
          `OPDs whose busier direction is above ${pct} of the allocation now.`,
        ),
        `count(${opdPeakUtilisation} > ${saturation}) or vector(0)`,
      ),
    )
    .withPanel(
      countOfProblems(
        say("Perangkat mati", "Devices down"),
        say(
          "Perangkat yang tidak bisa di-poll kolektor (snmp_device_up = 0).",
          "Devices the collector cannot poll (snmp_device_up = 0).",
        ),
        `count(${sel(METRICS.deviceUp, snmp)} == 0) or vector(0)`,
      ),
    )
    .withPanel(
      countOfProblems(
        say("Tautan OPD mati", "OPD links down"),
        say(
          "Tautan OPD yang mati: antarmukanya down, antreannya (simple queue) hilang atau berhenti menghitung, atau perangkatnya mati.",
          "OPD links that are down: the interface is down, the simple queue vanished or stopped counting, or the device is down.",
        ),
        `count(${RECORDED.opdLinkUp} == 0) or vector(0)`,
      ),
    )
    .withPanel(
      countOfProblems(
        say("Tautan tidak terukur", "Links not measured"),
        say(
          "Tautan inventaris yang selektornya tidak cocok dengan satu antarmuka pun, atau cocok dengan beberapa (perbaiki inventaris).",
          "Inventory links whose selector matches no interface or several (fix the inventory).",
        ),
        `count(max by (device, link) (${sel(LINK_UNRESOLVED, snmp)}) > 0) or vector(0)`,
      ),
    )
    .withRow(new RowBuilder(say("Uplink dan siapa yang mengisinya", "Uplinks and who fills them")))
    .withPanel(uplinkPanel(c, w, "download"))
    .withPanel(uplinkPanel(c, w, "upload"))
    .withPanel(fillersPanel(c, w, "download"))
    .withPanel(fillersPanel(c, w, "upload"))
    .withRow(new RowBuilder(say("Perlu tindakan", "Needs action")))
    .withPanel(
      labelTable(
        say("OPD jenuh sekarang", "Saturated OPDs now"),
        say(
          `OPD yang kini di atas ${pct} alokasinya: arah, persen alokasi, dan sudah berapa lama (dilihat sampai 1 hari ke belakang). Klik baris untuk rincian OPD.`,
          `OPDs above ${pct} of their allocation now: direction, share of the allocation and for how long (looked back up to a day). Click a row for the OPD's detail.`,
        ),
        { name: t.opd, direction: say("Arah", "Direction") },
        [
          {
            expr: withOpdName(c, `${RECORDED.opdUtilisation} > ${saturation}`),
            title: say("% alokasi", "% of allocation"),
            unit: "percentunit",
          },
          { expr: saturatedFor(saturation), title: say("Selama", "For"), unit: "dtdurations" },
        ],
        ["opd"],
      )
        .dataLinks([opdDetailLink(w, "column")])
        .noValue(say("Tidak ada OPD yang jenuh.", "No OPD is saturated."))
        .overrideByName(say("Arah", "Direction"), [{ id: "mappings", value: [directionMapping(w)] }])
        .sortBy([
          new common.TableSortByFieldStateBuilder()
            .displayName(say("% alokasi", "% of allocation"))
            .desc(true),
        ])
        .height(8)
        .span(10),
    )
    .withPanel(
      labelTable(
        say("Perangkat mati: yang mana, sejak kapan", "Devices down: which, since when"),
        say(
          "Perangkat yang kini tidak menjawab SNMP, sejak kapan (poll terakhir yang berhasil) dan sudah berapa lama.",
          "Devices that do not answer SNMP now, since when (the last poll that succeeded) and for how long.",
        ),
        { device: t.device },
        [
          { expr: `${RECORDED.deviceUp} == 0`, title: "state", hidden: true },
          {
            expr: `(time() - (${downFor(RECORDED.deviceUp, "device")})) * 1000`,
            title: say("Terakhir hidup", "Last up"),
            unit: "dateTimeAsLocal",
          },
          { expr: downFor(RECORDED.deviceUp, "device"), title: say("Selama", "For"), unit: "dtdurations" },
        ],
      )
        .noValue(say("Semua perangkat menjawab.", "Every device answers."))
        .height(8)
        .span(6),
    )
    .withPanel(
      labelTable(
        say("Tautan OPD mati: yang mana, berapa lama", "OPD links down: which, for how long"),
        say(
          "Tautan OPD yang kini mati (antarmuka down, antrean hilang atau berhenti, atau perangkat mati) dan sudah berapa lama. Klik baris untuk rincian OPD.",
          "OPD links down now (interface down, queue vanished or stopped, or device down) and for how long. Click a row for the OPD's detail.",
        ),
        opdColumns,
        [
          { expr: withOpdName(c, `${RECORDED.opdLinkUp} == 0`), title: "state", hidden: true },
          {
            expr: downFor(RECORDED.opdLinkUp, "opd, link, device, interface"),
            title: say("Selama", "For"),
            unit: "dtdurations",
          },
        ],
        ["opd"],
      )
        .noValue(say("Semua tautan OPD hidup.", "Every OPD link is up."))
        .dataLinks([opdDetailLink(w, "column")])
        .height(8)
        .span(8),
    )
    .withRow(new RowBuilder(t.opd))
    .withPanel(
      new bargauge.PanelBuilder()
        .title(say("Utilisasi OPD sekarang (arah tersibuk)", "OPD utilisation now (busier direction)"))
        .description(
          say(
            "Lalu lintas 5 menit tiap OPD sebagai bagian dari alokasinya, yang terpenuh di atas. Klik untuk rincian OPD.",
            "Each OPD's 5-minute traffic as a share of its allocation, fullest first. Click for the OPD's detail.",
          ),
        )
        .withTarget(query(`sort_desc(${withOpdName(c, opdPeakUtilisation)})`, "{{name}}", { instant: true }))
        .dataLinks([opdDetailLink(w, "label")])
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
        .height(16)
        .span(8),
    )
    .withPanel(
      new heatmap.PanelBuilder()
        .title(say("Utilisasi OPD dari waktu ke waktu", "OPD utilisation over time"))
        .description(
          say(
            "Satu baris per OPD (arah tersibuk): kapan tiap OPD penuh, dan berapa lama.",
            "One row per OPD (busier direction): when each OPD runs full, and for how long.",
          ),
        )
        .withTarget(query(withOpdName(c, opdPeakUtilisation), "{{name}}"))
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
        .height(16)
        .span(16),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .title(say("Pengguna hotspot per OPD", "Hotspot users per OPD"))
        .description(
          say(
            "Pegawai yang kini login lewat server hotspot MikroTik OPD-nya. Klik untuk rincian OPD.",
            "Employees logged in now through their OPD's MikroTik hotspot servers. Click for the OPD's detail.",
          ),
        )
        .withTarget(
          query(
            `sort_desc(${withOpdName(c, `sum by (opd) (${sel(METRICS.hotspotActiveUsers, snmp)})`)})`,
            "{{name}}",
            { instant: true },
          ),
        )
        .dataLinks([opdDetailLink(w, "label")])
        .unit("short")
        .min(0)
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .orientation(common.VizOrientation.Horizontal)
        .namePlacement(common.BarGaugeNamePlacement.Left)
        .reduceOptions(reduceLast())
        .height(8)
        .span(8),
    )
    .withPanel(
      labelTable(
        say(`Ketersediaan tautan OPD (${month})`, `OPD link availability (${month})`),
        say(
          `Bagian waktu ${month} terakhir tiap tautan OPD hidup (antarmuka up, antrean menghitung, perangkat menjawab); yang terendah di atas. Waktu tanpa data kolektor tidak dihitung. Klik baris untuk rincian OPD.`,
          `The share of the last ${month} each OPD link was up (interface up, queue counting, device answering); lowest first. Time without collector data is not counted. Click a row for the OPD's detail.`,
        ),
        opdColumns,
        [
          {
            expr: withOpdName(c, RECORDED.opdLinkAvailability),
            title: t.availability,
            unit: "percentunit",
          },
        ],
        ["opd"],
      )
        .dataLinks([opdDetailLink(w, "column")])
        .sortBy([new common.TableSortByFieldStateBuilder().displayName(t.availability).desc(false)])
        .height(8)
        .span(10),
    )
    .withPanel(
      labelTable(
        say(`Ketersediaan perangkat (${month})`, `Device availability (${month})`),
        say(
          `Bagian waktu ${month} terakhir tiap perangkat menjawab SNMP; yang terendah di atas.`,
          `The share of the last ${month} each device answered SNMP; lowest first.`,
        ),
        { device: t.device },
        [{ expr: RECORDED.deviceAvailability, title: t.availability, unit: "percentunit" }],
      )
        .sortBy([new common.TableSortByFieldStateBuilder().displayName(t.availability).desc(false)])
        .height(8)
        .span(6),
    )
    .withRow(new RowBuilder(say("Peta kota", "City map")))
    .withPanel(cityMap(c, w).height(14).span(24))
    .withRow(new RowBuilder(t.device))
    .withPanel(
      new statetimeline.PanelBuilder()
        .title(say("Keterjangkauan perangkat", "Device reachability"))
        .description(
          say(
            "Apakah kolektor bisa mem-poll tiap perangkat (SNMP), dari waktu ke waktu.",
            "Whether the collector could poll each device (SNMP), over time.",
          ),
        )
        .withTarget(query(`max by (device) (${sel(METRICS.deviceUp, snmp)})`, "{{device}}"))
        .mappings(upDownMapping(w))
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .height(7)
        .span(24),
    )
    .withPanel(
      labelTable(
        say("Perangkat dengan kriptografi lemah (MD5/DES)", "Devices on weak crypto (MD5/DES)"),
        say(
          "Perangkat SNMPv3 yang diizinkan memakai MD5 atau DES (allow_weak_crypto di inventaris). Kosong berarti tidak ada. Pindahkan ke SHA/AES bila perangkat mendukungnya (docs/security.md).",
          "SNMPv3 devices allowed MD5 or DES (allow_weak_crypto in the inventory). Empty means none. Move them to SHA/AES where the device supports it (docs/security.md).",
        ),
        { device: t.device, security_level: say("Tingkat keamanan", "Security level") },
        [
          {
            expr: `max by (device, security_level) (${sel(METRICS.deviceSecurityInfo, snmp, 'weak_crypto="true"')})`,
            title: say("Lemah", "Weak"),
            hidden: true,
          },
        ],
      )
        .height(6)
        .span(24),
    );
  return finalise(d.build(), c);
}
