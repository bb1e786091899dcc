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
import { words } from "./words.js";
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
  const w = words(c);
  const { say } = w;
  const { snmp, collector } = c.selectors;
  const d = kapasitasDashboard(
    c,
    w,
    DASHBOARD_UIDS.health,
    say("Kapasitas / Kesehatan kolektor", "Kapasitas / Collector health"),
    say(
      "Apakah pengukuran SNMP dapat dipercaya: keterjangkauan, waktu poll, kegagalan, restart, wrap.",
      "Whether the SNMP measurements can be trusted: reachability, poll time, failures, restarts, wraps.",
    ),
  )
    .time({ from: "now-24h", to: "now" })
    .withRow(new RowBuilder(say("Kolektor", "Collector")))
    .withPanel(
      new stat.PanelBuilder()
        .title(say("Scrape kolektor", "Collector scrape"))
        .description(
          say(
            "Apakah Prometheus bisa men-scrape /metrics milik kolektor.",
            "Whether Prometheus can scrape the collector's own /metrics.",
          ),
        )
        .withTarget(query(`min(up{${collector}})`, "", { instant: true }))
        .mappings(upDownMapping(w))
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .reduceOptions(reduceLast())
        .height(5)
        .span(6),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title(say("Perangkat mati", "Devices down"))
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
        .title(say("Durasi scrape per perangkat", "Scrape duration per device"))
        .description(
          say(
            "Berapa lama Prometheus menunggu /snmp?target=<perangkat>: poll terjadi saat scrape.",
            "How long Prometheus waits for /snmp?target=<device>: the poll happens at scrape time.",
          ),
        )
        .withTarget(query(`max by (instance) (scrape_duration_seconds{${snmp}})`, "{{instance}}"))
        .unit("s")
        .min(0)
        .height(5)
        .span(12),
    )
    .withRow(new RowBuilder(say("Perangkat", "Devices")))
    .withPanel(
      new statetimeline.PanelBuilder()
        .title(say("Keterjangkauan perangkat", "Device reachability"))
        .withTarget(query(`max by (device) (${sel(METRICS.deviceUp, snmp)})`, "{{device}}"))
        .mappings(upDownMapping(w))
        .showValue(common.VisibilityMode.Never)
        .mergeValues(true)
        .height(6)
        .span(24),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(say("Durasi poll per perangkat", "Poll duration per device"))
        .description(
          say(
            "Lama poll SNMP terakhir tiap perangkat; kenaikan mendahului timeout.",
            "Time the last SNMP poll of each device took; a rise precedes timeouts.",
          ),
        )
        .withTarget(query(`max by (device) (${sel(METRICS.devicePollDuration, snmp)})`, "{{device}}"))
        .unit("s")
        .min(0)
        .height(8)
        .span(12),
    )
    .withPanel(
      eventsPerInterval(
        say("Kegagalan poll per sebab", "Poll failures by reason"),
        say(
          "Poll gagal per interval: timeout (jaringan, ACL, beban), auth (kredensial), lainnya.",
          "Failed polls per interval: timeout (network, ACL, load), auth (credentials), others.",
        ),
        `sum by (device, reason) (increase(${sel(METRICS.devicePollFailures, snmp)}[$__rate_interval]))`,
        "{{device}} {{reason}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        say("Restart perangkat", "Device restarts"),
        say(
          "Reboot yang terdeteksi dari sysUpTime yang mundur; penghitung dilanjutkan.",
          "Reboots detected from sysUpTime going backwards; counters are carried over.",
        ),
        `sum by (device) (increase(${sel(METRICS.deviceRestarts, snmp)}[$__rate_interval]))`,
        "{{device}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        say("Wrap penghitung yang dikoreksi", "Counter wraps corrected"),
        say(
          "Wrap penghitung 32-bit yang dikoreksi kolektor: banyak berarti perangkat tidak punya penghitung 64-bit.",
          "32-bit counter wraps the collector corrected: many mean the device lacks 64-bit counters.",
        ),
        `sum by (device) (increase(${sel(METRICS.counterWraps, snmp)}[$__rate_interval]))`,
        "{{device}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        say("Sampel penghitung yang tidak dihitung", "Counter samples not counted"),
        say(
          "Delta yang ditolak kolektor: implausible (di atas kecepatan antarmuka), reset (penghitung dihapus " +
            "tanpa reboot), moved (antarmuka bernomor ulang). Sedikit itu wajar; aliran terus-menerus tidak.",
          "Deltas the collector refused: implausible (above interface speed), reset (counters cleared " +
            "without a reboot), moved (interface renumbered). A few are normal; a steady stream is not.",
        ),
        `sum by (device, reason) (increase(${sel(COUNTER_DISCONTINUITIES, snmp)}[$__rate_interval]))`,
        "{{device}} {{reason}}",
      ),
    )
    .withPanel(
      eventsPerInterval(
        say("Muat ulang inventaris", "Inventory reloads"),
        say(
          "Muat ulang SIGHUP per hasil; kegagalan mempertahankan inventaris sebelumnya (lihat log).",
          "SIGHUP reloads by result; a failure keeps the previous inventory (see the log).",
        ),
        `sum by (result) (increase(${sel(INVENTORY_RELOADS, collector)}[$__rate_interval]))`,
        "{{result}}",
      )
        .overrideByName("failure", [{ id: "color", value: { mode: "fixed", fixedColor: "red" } }])
        .overrideByName("success", [{ id: "color", value: { mode: "fixed", fixedColor: "green" } }]),
    )
    .withRow(new RowBuilder(say("Penjadwal SNMP", "SNMP scheduler")))
    .withPanel(
      new timeseries.PanelBuilder()
        .title(say("Permintaan SNMP per jalur", "SNMP requests by lane"))
        .description(
          say(
            "Permintaan yang memegang slot dan yang menunggu, terhadap batas tiap jalur: poll untuk perangkat hidup, " +
              "probe untuk perangkat yang gagal. Batas mengikuti beban dan waktu bolak-balik terukur; antrean " +
              "yang lama bertahan saat batas di --max-concurrency berarti kolektor perlu satu shard lagi.",
            "Requests holding a slot and waiting for one, against each lane's limit: poll for live devices, " +
              "probe for devices that failed. The limit follows the measured load and round trip; a queue " +
              "that stays long while the limit is at --max-concurrency means the collector needs a shard more.",
          ),
        )
        .withTarget(
          query(
            `sum by (lane) (${sel(METRICS.snmpRequestsInFlight, collector)})`,
            say("{{lane}} berjalan", "{{lane}} in flight"),
          ),
        )
        .withTarget(
          query(
            `sum by (lane) (${sel(METRICS.snmpRequestsQueued, collector)})`,
            say("{{lane}} menunggu", "{{lane}} queued"),
          ),
        )
        .withTarget(
          query(
            `sum by (lane) (${sel(METRICS.snmpConcurrencyLimit, collector)})`,
            say("{{lane}} batas", "{{lane}} limit"),
          ),
        )
        .unit("short")
        .min(0)
        .height(8)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(say("Permintaan SNMP tertua", "Oldest SNMP request"))
        .description(
          say(
            "Umur permintaan tertua yang memegang slot, per jalur, terhadap waktu terlama yang boleh " +
              "(timeout × percobaan). Lama di atas tenggat berarti kebocoran (KapasitasSnmpRequestStuck).",
            "Age of the oldest request holding a slot, per lane, against the longest a request may take " +
              "(timeout × tries). Above the deadline for long means a leak (KapasitasSnmpRequestStuck).",
          ),
        )
        .withTarget(
          query(
            `max by (lane) (${sel(METRICS.snmpOldestRequestAge, collector, 'state="in_flight"')})`,
            say("{{lane}} tertua berjalan", "{{lane}} oldest in flight"),
          ),
        )
        .withTarget(query(`max(${sel(METRICS.snmpRequestDeadline, collector)})`, say("tenggat", "deadline")))
        .unit("s")
        .min(0)
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder(say("Inventaris", "Inventory")))
    .withPanel(
      new table.PanelBuilder()
        .title(say("Tautan tidak terukur", "Links not measured"))
        .description(
          say(
            "Tautan inventaris yang selektornya tidak cocok dengan satu antarmuka pun atau cocok dengan beberapa. " +
              "Perbaiki inventaris dan muat ulang kolektor.",
            "Inventory links whose selector matches no interface or several on the device. Fix the inventory " +
              "and reload the collector.",
          ),
        )
        .withTarget(
          query(`max by (device, link, owner) (${sel(LINK_UNRESOLVED, snmp)}) > 0`, "", {
            instant: true,
            table: true,
          }),
        )
        .transformations([{ id: "organize", options: { excludeByName: { Time: true, Value: true } } }])
        .noValue(
          say(
            "Setiap tautan inventaris cocok dengan tepat satu antarmuka atau antrean.",
            "Every inventory link resolves to exactly one interface or queue.",
          ),
        )
        .height(7)
        .span(24),
    );
  return finalise(d.build(), c);
}
