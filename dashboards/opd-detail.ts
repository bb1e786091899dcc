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
  labelTable,
  query,
  reduceLast,
  upDownMapping,
  utilisationThresholds,
} from "./panels.js";
import { DASHBOARD_UIDS, sel } from "./rules.js";
import { words } from "./words.js";
import type { Words } from "./words.js";

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
  const w: Words = words(c);
  const { t, say } = w;
  const { snmp, collector } = c.selectors;
  // The OPD's interfaces: those its link counters are measured on (queues have no oper status).
  const onOpdInterfaces = `and on (device, interface) group by (device, interface) (${sel(METRICS.opdLinkBytes, snmp, OPD)})`;

  const allocation = t.allocation.toLowerCase();
  const p95Range = say("persentil ke-95 (rentang)", "95th percentile (range)");
  const trafficPanel = (direction: Direction) => {
    const bits = `${RECORDED.opdBits}{${OPD}, direction="${direction}"}`;
    return new timeseries.PanelBuilder()
      .title(say(`${t[direction]} terhadap alokasi`, `${t[direction]} against allocation`))
      .description(
        say(
          `Laju rata-rata 5 menit arah ${t[direction].toLowerCase()}; garis putus merah: alokasi; garis putus oranye: ` +
            "persentil ke-95 rata-rata 5 menit dalam rentang waktu dasbor (angka ala tagihan yang dipakai laporan kapasitas).",
          `5-minute average ${direction} rate; dashed red: the allocation; dashed orange: the 95th percentile ` +
            "of the 5-minute averages over the dashboard's time range (the billing-style figure the capacity report uses).",
        ),
      )
      .withTarget(query(bits, say("lalu lintas (rata-rata 5m)", "traffic (5m average)")))
      .withTarget(
        query(
          `max(${sel(METRICS.opdAllocatedBps, collector, `${OPD}, direction="${direction}"`)})`,
          allocation,
        ),
      )
      .withTarget(query(`quantile_over_time(0.95, ${bits}[$__range] @ end())`, p95Range))
      .overrideByName(allocation, dashed("red"))
      .overrideByName(p95Range, dashed("orange"))
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
    w,
    DASHBOARD_UIDS.opd,
    say("Kapasitas / Rincian OPD", "Kapasitas / OPD detail"),
    say(
      "Satu OPD: lalu lintas tiap arah terhadap alokasinya, persentil ke-95, tautan, ketersediaan, galat dan pengguna hotspot.",
      "One OPD: traffic each way against its allocation, the 95th percentile, links, availability, errors and hotspot users.",
    ),
  )
    .time({ from: "now-24h", to: "now" })
    .withVariable(
      new QueryVariableBuilder("opd")
        .label(t.opd)
        .description(
          say(
            "OPD (satuan kerja): namanya tertulis, kode inventarisnya dipakai dalam kueri.",
            "The OPD (work unit): shown by name, queried by its inventory id.",
          ),
        )
        // The name is shown, the id is the value: opd_info's labels print `name` before `opd`.
        .query(`query_result(${sel(METRICS.opdInfo, collector)})`)
        .definition(`query_result(${sel(METRICS.opdInfo, collector)})`)
        .regex('/name="(?<text>[^"]+)".*opd="(?<value>[^"]+)"/')
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withRow(new RowBuilder("${opd:text}"))
    .withPanel(
      new stat.PanelBuilder()
        .title(t.opd)
        .description(say("Nama dan kategori dari inventaris.", "Name and category from the inventory."))
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
        t.allocation,
        say(
          "Bandwidth yang dialokasikan Diskominfo untuk OPD ini, per arah.",
          "Bandwidth Diskominfo allocates to this OPD, per direction.",
        ),
        `max by (direction) (${sel(METRICS.opdAllocatedBps, collector, OPD)})`,
      ),
    )
    .withPanel(
      bpsPerDirection(
        say("Persentil ke-95 (rentang)", "95th percentile (range)"),
        say(
          "Dari rata-rata 5 menit dalam rentang waktu, laju yang tidak dilampaui 95% di antaranya.",
          "Of the 5-minute averages in the time range, the rate 95% do not exceed.",
        ),
        `quantile_over_time(0.95, ${RECORDED.opdBits}{${OPD}}[$__range])`,
      ),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title(say("Utilisasi sekarang", "Utilisation now"))
        .description(
          say(
            "Rata-rata 5 menit terakhir sebagai bagian dari alokasi.",
            "The last 5-minute average as a share of the allocation.",
          ),
        )
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
        .title(say("Lalu lintas per tautan", "Traffic per link"))
        .description(
          say(
            "Bila OPD punya beberapa tautan (atau antrean dan port), tautan mana yang membawa lalu lintas.",
            "When an OPD has several links (or a queue and a port), which one carries the traffic.",
          ),
        )
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
        .title(say("Galat dan paket dibuang di antarmuka", "Interface errors and discards"))
        .description(
          say(
            "Paket galat dan dibuang per detik di antarmuka OPD ini: tautan kotor atau antrean penuh.",
            "Errored and discarded packets per second on this OPD's interfaces: a dirty link or a full queue.",
          ),
        )
        .withTarget(
          query(
            `sum by (device, interface, direction) (rate(${sel(METRICS.interfaceErrors, snmp)}[$__rate_interval])) ${onOpdInterfaces}`,
            say(
              "galat {{device}} {{interface}} {{direction}}",
              "errors {{device}} {{interface}} {{direction}}",
            ),
          ),
        )
        .withTarget(
          query(
            `sum by (device, interface, direction) (rate(${sel(METRICS.interfaceDiscards, snmp)}[$__rate_interval])) ${onOpdInterfaces}`,
            say(
              "dibuang {{device}} {{interface}} {{direction}}",
              "discards {{device}} {{interface}} {{direction}}",
            ),
          ),
        )
        .unit("pps")
        .min(0)
        .height(8)
        .span(12),
    )
    .withPanel(
      new statetimeline.PanelBuilder()
        .title(say("Status tautan", "Link status"))
        .description(
          say(
            "Hidup atau mati tiap tautan OPD ini: antarmuka up, antrean (simple queue) ada dan menghitung, perangkat menjawab.",
            "Whether each of this OPD's links is up: interface up, simple queue present and counting, device answering.",
          ),
        )
        .withTarget(query(`${RECORDED.opdLinkUp}{${OPD}}`, "{{link}}"))
        .mappings(upDownMapping(w))
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .height(6)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(say("Pengguna hotspot", "Hotspot users"))
        .description(
          say(
            "Pegawai yang login lewat server hotspot MikroTik OPD ini (batas per pegawai).",
            "Employees logged in through the OPD's MikroTik hotspot servers (per-employee limits).",
          ),
        )
        .withTarget(query(`sum by (server) (${sel(METRICS.hotspotActiveUsers, snmp, OPD)})`, "{{server}}"))
        .unit("short")
        .min(0)
        .height(6)
        .span(12),
    )
    .withPanel(
      labelTable(
        say(`Ketersediaan tautan (${c.overview.month})`, `Link availability (${c.overview.month})`),
        say(
          `Bagian waktu ${c.overview.month} terakhir tiap tautan OPD ini hidup (antarmuka up, antrean menghitung, perangkat menjawab). Waktu tanpa data kolektor tidak dihitung.`,
          `The share of the last ${c.overview.month} each of this OPD's links was up (interface up, queue counting, device answering). Time without collector data is not counted.`,
        ),
        { link: t.link, device: t.device, interface: say("Antarmuka", "Interface") },
        [{ expr: `${RECORDED.opdLinkAvailability}{${OPD}}`, title: t.availability, unit: "percentunit" }],
      )
        .height(6)
        .span(24),
    );
  return finalise(d.build(), c);
}
