// Synthetic but realistic kapasitas history for the query tests (pure): what the collector would have
// exported for a small city, and what the recording rules would have recorded before that.
//
// - RAW (the last `rawDays`, one sample a minute): clean byte counters per OPD link and uplink with an
//   office-hours profile (Asia/Jakarta, UTC+7), inventory gauges, interface and device health, with a
//   few incidents in the last hour so every alert expression has something to find.
// - HISTORY (before that, one sample every 5 minutes): only the recorded bits series, with a monthly
//   growth per OPD, standing in for months of rule evaluations (the capacity-planning windows).
import type { OpenMetricsSeries } from "../lab/prometheus.js";
import { JOBS, METRICS, RECORDED } from "../core/contract.js";
import { COUNTER_DISCONTINUITIES, INVENTORY_RELOADS, LINK_UNRESOLVED } from "../dashboards/rules.js";

/** Wednesday 2026-11-25 14:00 WIB: mid-afternoon on a working day, offices at their peak. */
export const END = Date.UTC(2026, 10, 25, 7, 0, 0) / 1000;
const MINUTE = 60;
const DAY = 86_400;
const MBPS = 1e6;

export interface OpdModel {
  id: string;
  name: string;
  category: "public_service" | "internal";
  allocation: { download: number; upload: number };
  /** Utilisation of the download allocation at the office-hours plateau, at END. */
  peak: number;
  /** Off-hours utilisation. */
  base: number;
  /** Growth of the peak per 30 days (0.08 = 8%). */
  growthPer30d: number;
  /** Links: device, interface label and the share of the OPD's traffic it carries. */
  links: { device: string; interface: string; link: string; share: number }[];
}

export const OPDS: OpdModel[] = [
  {
    id: "dinkes",
    name: "Dinas Kesehatan",
    category: "public_service",
    allocation: { download: 50 * MBPS, upload: 20 * MBPS },
    peak: 0.95,
    base: 0.1,
    growthPer30d: 0.08,
    links: [{ device: "core-1", interface: "queue/dinkes", link: "core-1/queue/dinkes", share: 1 }],
  },
  {
    id: "disdukcapil",
    name: "Dinas Kependudukan dan Pencatatan Sipil",
    category: "public_service",
    allocation: { download: 100 * MBPS, upload: 50 * MBPS },
    peak: 0.7,
    base: 0.15,
    growthPer30d: 0.05,
    links: [
      { device: "core-1", interface: "queue/disdukcapil", link: "core-1/queue/disdukcapil", share: 0.7 },
      { device: "dist-1", interface: "Gi0/7", link: "dist-1/Gi0/7", share: 0.3 },
    ],
  },
  {
    id: "dpmptsp",
    name: "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    category: "public_service",
    allocation: { download: 40 * MBPS, upload: 20 * MBPS },
    peak: 0.5,
    base: 0.05,
    growthPer30d: 0.03,
    links: [{ device: "dist-1", interface: "Gi0/5", link: "dist-1/Gi0/5", share: 1 }],
  },
  {
    id: "setda",
    name: "Sekretariat Daerah",
    category: "internal",
    allocation: { download: 30 * MBPS, upload: 10 * MBPS },
    peak: 0.4,
    base: 0.05,
    growthPer30d: 0,
    links: [
      { device: "dist-2", interface: "GigabitEthernet0/0/3", link: "dist-2/GigabitEthernet0/0/3", share: 1 },
    ],
  },
  {
    id: "dishub",
    name: "Dinas Perhubungan",
    category: "public_service",
    allocation: { download: 20 * MBPS, upload: 10 * MBPS },
    peak: 0.3,
    base: 0.05,
    growthPer30d: 0.02,
    links: [{ device: "core-1", interface: "queue/dishub", link: "core-1/queue/dishub", share: 1 }],
  },
];

export const UPLINK = {
  id: "telkom-astinet",
  provider: "PT Telkom Indonesia (Astinet)",
  device: "core-1",
  interface: "sfp-sfpplus1",
  contract: 500 * MBPS,
};

/** Upload is this share of download, in bits/s, for every OPD. */
const UPLOAD_SHARE = 0.35;
export const DEVICES = ["core-1", "dist-1", "dist-2"] as const;

/** Incidents in the last hour before END. */
export const INCIDENTS = {
  /** dist-2 stops answering: up=0, nothing else exported. */
  deviceDownFrom: END - 20 * MINUTE,
  /** dist-1 Gi0/5 (dpmptsp) goes operationally down: its counters stand still. */
  interfaceDownFrom: END - 20 * MINUTE,
  interfaceDown: { device: "dist-1", interface: "Gi0/5", opd: "dpmptsp" },
  /** dist-1 times out every third minute for the last hour (but still answers). */
  flakyFrom: END - 60 * MINUTE,
  /** core-1 rebooted. */
  restartAt: END - 10 * MINUTE,
  unresolved: { device: "core-1", link: "core-1/queue/bpkad", owner: "bpkad" },
  /** dishub's simple queue is removed on core-1 (which keeps answering): its counters vanish. */
  queueRemovedFrom: END - 30 * MINUTE,
  queueRemoved: { device: "core-1", interface: "queue/dishub", link: "core-1/queue/dishub", opd: "dishub" },
  /** An inventory reload failed (the next one, 5 minutes later, succeeded). */
  reloadFailedAt: END - 12 * MINUTE,
};

/** 0 at night and weekends, 1 on the working-day plateau 09:00-15:00 WIB, ramps either side. */
export function officeHours(t: number): number {
  const local = new Date((t + 7 * 3600) * 1000);
  const day = local.getUTCDay();
  if (day === 0 || day === 6) return 0.1;
  const h = local.getUTCHours() + local.getUTCMinutes() / 60;
  if (h < 7 || h >= 17) return 0;
  if (h < 9) return (h - 7) / 2;
  if (h < 15) return 1;
  return (17 - h) / 2;
}

/** The OPD's download rate in bits/s at time t (smooth: the 5-minute average equals it closely). */
export function opdDownloadBps(o: OpdModel, t: number): number {
  const growth = Math.pow(1 + o.growthPer30d, (t - END) / (30 * DAY));
  const util = o.base + (o.peak - o.base) * officeHours(t) * growth;
  return util * o.allocation.download;
}

export function opdBps(o: OpdModel, direction: "download" | "upload", t: number): number {
  const down = opdDownloadBps(o, t);
  return direction === "download" ? down : down * UPLOAD_SHARE;
}

/** Everything behind the uplink: the OPDs modelled here plus the rest of the city (not modelled). */
export function uplinkBps(direction: "download" | "upload", t: number): number {
  const opds = OPDS.reduce((sum, o) => sum + opdBps(o, direction, t), 0);
  return opds * 2.5;
}

function times(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

const snmpLabels = (device: string) => ({ job: JOBS.snmp, instance: device });
const collectorLabels = { job: JOBS.collector, instance: "collector:9105" };

/** Has this link's queue been removed from its router by time t? */
function queueRemoved(link: string, t: number): boolean {
  return link === INCIDENTS.queueRemoved.link && t >= INCIDENTS.queueRemovedFrom;
}

/** Is the device answering at time t? */
function deviceAnswers(device: string, t: number): boolean {
  return !(device === "dist-2" && t >= INCIDENTS.deviceDownFrom);
}

/** A counter that integrates `bps` (bits/s) as bytes, one sample a minute, while `exported(t)`. */
function byteCounter(
  ts: number[],
  bps: (t: number) => number,
  exported: (t: number) => boolean,
  frozen: (t: number) => boolean = () => false,
): { t: number; v: number }[] {
  let bytes = 0;
  const samples: { t: number; v: number }[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    // Trapezoid over the last minute, so rate() over any window matches the model's average.
    if (i > 0 && !frozen(t)) bytes += ((bps(ts[i - 1]!) + bps(t)) / 2 / 8) * (t - ts[i - 1]!);
    if (exported(t)) samples.push({ t, v: Math.round(bytes) });
  }
  return samples;
}

/** The last `rawDays` of what the collector exports, one sample a minute. */
export function rawSeries(rawDays: number): OpenMetricsSeries[] {
  const ts = times(END - rawDays * DAY, END, MINUTE);
  const series: OpenMetricsSeries[] = [];
  const gauge = (name: string, labels: Record<string, string>, v: (t: number) => number, device?: string) =>
    series.push({
      name,
      type: "gauge",
      labels,
      samples: ts
        .filter((t) => device === undefined || deviceAnswers(device, t))
        .map((t) => ({ t, v: v(t) })),
    });
  const counter = (name: string, labels: Record<string, string>, v: (t: number) => number, device: string) =>
    series.push({
      name,
      type: "counter",
      labels,
      samples: ts.filter((t) => deviceAnswers(device, t)).map((t) => ({ t, v: v(t) })),
    });

  for (const o of OPDS) {
    for (const direction of ["download", "upload"] as const) {
      for (const l of o.links) {
        const down = INCIDENTS.interfaceDown;
        series.push({
          name: METRICS.opdLinkBytes,
          type: "counter",
          labels: {
            ...snmpLabels(l.device),
            opd: o.id,
            link: l.link,
            device: l.device,
            interface: l.interface,
            direction,
          },
          samples: byteCounter(
            ts,
            (t) => opdBps(o, direction, t) * l.share,
            (t) => deviceAnswers(l.device, t) && !queueRemoved(l.link, t),
            (t) =>
              l.device === down.device && l.interface === down.interface && t >= INCIDENTS.interfaceDownFrom,
          ),
        });
      }
      gauge(
        METRICS.opdAllocatedBps,
        { ...collectorLabels, opd: o.id, direction },
        () => o.allocation[direction],
      );
    }
    gauge(METRICS.opdInfo, { ...collectorLabels, opd: o.id, name: o.name, category: o.category }, () => 1);
  }
  for (const direction of ["download", "upload"] as const) {
    series.push({
      name: METRICS.uplinkBytes,
      type: "counter",
      labels: {
        ...snmpLabels(UPLINK.device),
        uplink: UPLINK.id,
        provider: UPLINK.provider,
        device: UPLINK.device,
        interface: UPLINK.interface,
        direction,
      },
      samples: byteCounter(
        ts,
        (t) => uplinkBps(direction, t),
        () => true,
      ),
    });
    gauge(
      METRICS.uplinkContractedBps,
      { ...collectorLabels, uplink: UPLINK.id, provider: UPLINK.provider, direction },
      () => UPLINK.contract,
    );
  }
  // Hotspot logins follow office hours.
  for (const opd of ["dinkes", "disdukcapil"]) {
    gauge(
      METRICS.hotspotActiveUsers,
      { ...snmpLabels("core-1"), opd, device: "core-1", server: `hs-${opd}` },
      (t) => Math.round(3 + 45 * officeHours(t)),
    );
  }

  // Physical interfaces (queues have no oper status): the OPD ports on dist-1 / dist-2 and the uplink.
  const ports = [
    { device: "dist-1", interface: "Gi0/5" },
    { device: "dist-1", interface: "Gi0/7" },
    { device: "dist-2", interface: "GigabitEthernet0/0/3" },
    { device: "core-1", interface: "sfp-sfpplus1" },
  ];
  for (const p of ports) {
    const labels = { ...snmpLabels(p.device), device: p.device, interface: p.interface };
    const isDown = (t: number) =>
      p.device === INCIDENTS.interfaceDown.device &&
      p.interface === INCIDENTS.interfaceDown.interface &&
      t >= INCIDENTS.interfaceDownFrom;
    gauge(METRICS.interfaceOperUp, labels, (t) => (isDown(t) ? 0 : 1), p.device);
    gauge(METRICS.interfaceSpeedBps, labels, () => 1e9, p.device);
    // Interface error/discard counters keep the device's view (docs/metrics.md): in / out.
    for (const direction of ["in", "out"] as const) {
      const perMinute = direction === "out" ? 2 : 1;
      counter(
        METRICS.interfaceErrors,
        { ...labels, direction },
        (t) => Math.floor((t - ts[0]!) / 60) * perMinute,
        p.device,
      );
      counter(
        METRICS.interfaceDiscards,
        { ...labels, direction },
        (t) => Math.floor((t - ts[0]!) / 30),
        p.device,
      );
    }
  }

  const pollSeconds: Record<string, number> = { "core-1": 0.8, "dist-1": 0.3, "dist-2": 0.4 };
  for (const device of DEVICES) {
    const labels = { ...snmpLabels(device), device };
    gauge(METRICS.deviceUp, labels, (t) => (deviceAnswers(device, t) ? 1 : 0));
    // How each device is asked: dist-1 an old SNMPv3 device allowed MD5/DES (the weak-crypto table).
    const weak = device === "dist-1";
    gauge(
      METRICS.deviceSecurityInfo,
      {
        ...labels,
        version: weak ? "v3" : "v2c",
        security_level: weak ? "authPriv" : "community",
        weak_crypto: String(weak),
      },
      () => 1,
    );
    gauge("up", snmpLabels(device), () => 1);
    gauge(
      "scrape_duration_seconds",
      snmpLabels(device),
      (t) => pollSeconds[device]! + 0.05 + 0.1 * officeHours(t),
    );
    gauge(METRICS.devicePollDuration, labels, (t) => pollSeconds[device]! + 0.1 * officeHours(t), device);
    // Failures: dist-1 flaky in the last hour, dist-2 timing out since it went down; one old auth failure on core-1.
    const failures = (t: number): number => {
      if (device === "dist-1")
        return t < INCIDENTS.flakyFrom ? 0 : Math.floor((t - INCIDENTS.flakyFrom) / 180);
      if (device === "dist-2")
        return t < INCIDENTS.deviceDownFrom ? 0 : Math.floor((t - INCIDENTS.deviceDownFrom) / 60);
      return t < ts[0]! + 3600 ? 0 : 1;
    };
    const reason = device === "core-1" ? "auth" : "timeout";
    // Exported even while the device is down: the collector counts the failed polls.
    series.push({
      name: METRICS.devicePollFailures,
      type: "counter",
      labels: { ...labels, reason },
      samples: ts.map((t) => ({ t, v: failures(t) })),
    });
    counter(
      METRICS.deviceRestarts,
      labels,
      (t) => (device === "core-1" && t >= INCIDENTS.restartAt ? 1 : 0),
      device,
    );
    counter(
      METRICS.counterWraps,
      labels,
      (t) => (device === "dist-1" ? Math.floor((t - ts[0]!) / 3600) : 0),
      device,
    );
    for (const reason of ["implausible", "reset", "moved"]) {
      counter(
        COUNTER_DISCONTINUITIES,
        { ...labels, reason },
        (t) => (device === "core-1" && reason === "reset" && t >= INCIDENTS.restartAt ? 1 : 0),
        device,
      );
    }
  }
  gauge(LINK_UNRESOLVED, { ...snmpLabels(INCIDENTS.unresolved.device), ...INCIDENTS.unresolved }, () => 1);
  // Queue state (the collector's kapasitas_queue_up) of every OPD queue link: the removed one is 0,
  // and no longer resolves.
  for (const o of OPDS) {
    for (const l of o.links.filter((l) => l.interface.startsWith("queue/"))) {
      gauge(
        METRICS.queueUp,
        { ...snmpLabels(l.device), opd: o.id, link: l.link, device: l.device, interface: l.interface },
        (t) => (queueRemoved(l.link, t) ? 0 : 1),
        l.device,
      );
    }
  }
  const removed = INCIDENTS.queueRemoved;
  series.push({
    name: LINK_UNRESOLVED,
    type: "gauge",
    labels: { ...snmpLabels(removed.device), device: removed.device, link: removed.link, owner: removed.opd },
    samples: ts.filter((t) => t >= INCIDENTS.queueRemovedFrom).map((t) => ({ t, v: 1 })),
  });
  gauge("up", collectorLabels, () => 1);
  // The SNMP scheduler: a busy poll lane during office hours, an idle probe lane, no leak.
  for (const lane of ["poll", "probe"]) {
    const busy = (t: number) => (lane === "poll" ? 2 + 20 * officeHours(t) : 0);
    gauge(METRICS.snmpRequestsInFlight, { ...collectorLabels, lane }, (t) => Math.round(busy(t)));
    gauge(METRICS.snmpRequestsQueued, { ...collectorLabels, lane }, () => 0);
    gauge(METRICS.snmpConcurrencyLimit, { ...collectorLabels, lane }, () => (lane === "poll" ? 64 : 8));
    for (const state of ["in_flight", "queued"])
      gauge(METRICS.snmpOldestRequestAge, { ...collectorLabels, lane, state }, (t) =>
        state === "in_flight" && busy(t) > 0 ? 0.05 : 0,
      );
  }
  gauge(METRICS.snmpRequestDeadline, collectorLabels, () => 4);
  // One inventory reload failed (a bad edit); the one 5 minutes later, with the fix, succeeded.
  for (const result of ["success", "failure"]) {
    const at = INCIDENTS.reloadFailedAt + (result === "success" ? 300 : 0);
    series.push({
      name: INVENTORY_RELOADS,
      type: "counter",
      labels: { ...collectorLabels, result },
      samples: ts.map((t) => ({ t, v: t >= at ? 1 : 0 })),
    });
  }
  return series;
}

/** Recorded bits series before the raw window, one sample every 5 minutes (the 5-minute average). */
export function historySeries(fromDaysAgo: number, toDaysAgo: number): OpenMetricsSeries[] {
  const ts = times(END - fromDaysAgo * DAY, END - toDaysAgo * DAY - 5 * MINUTE, 5 * MINUTE);
  const series: OpenMetricsSeries[] = [];
  for (const direction of ["download", "upload"] as const) {
    for (const o of OPDS) {
      series.push({
        name: RECORDED.opdBits,
        type: "gauge",
        labels: { opd: o.id, direction },
        samples: ts.map((t) => ({ t, v: opdBps(o, direction, t) })),
      });
    }
    series.push({
      name: RECORDED.uplinkBits,
      type: "gauge",
      labels: { uplink: UPLINK.id, provider: UPLINK.provider, direction },
      samples: ts.map((t) => ({ t, v: uplinkBps(direction, t) })),
    });
  }
  return series;
}

/** The OpenMetrics-style series as remote-write series (`__name__`, counters with `_total`). */
export function toWriteSeries(
  series: OpenMetricsSeries[],
): { labels: Record<string, string>; samples: { t: number; v: number }[] }[] {
  return series.map((s) => ({
    labels: {
      ...s.labels,
      __name__: s.type === "counter" && !s.name.endsWith("_total") ? `${s.name}_total` : s.name,
    },
    samples: s.samples.map((p) => ({ t: typeof p.t === "number" ? p.t : p.t.getTime() / 1000, v: p.v })),
  }));
}
