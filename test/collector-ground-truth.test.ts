/**
 * Ground truth, black-box: real traffic through a real router, counted by the kernel, measured by
 * `kapasitas collect` over SNMP, compared byte for byte.
 *
 *   opd ns ── eth0 │ opd0 ── router ns ── up0 │ eth0 ── upstream ns (iperf3 server)
 *                               │ mgmt0 (snmpd)
 *                     root ns ──┘ kpmN  (the collector, scraped here over HTTP)
 *
 * The router is polled as two devices: once with its 64-bit (HC) counters, and once through a second
 * snmpd whose view hides them (an old agent), so the collector's 32-bit path meets the same truth.
 *
 * The router's `opd0` is an OPD link facing downstream (its out-octets are the OPD's download) and
 * its `up0` is an ISP uplink facing upstream (its in-octets are the city's download). tc shapes the
 * router's egress on each side; iperf3 pushes TCP through it one direction at a time, at two
 * different rates per direction. A last window pushes 4.6 GB so the 32-bit counter really wraps.
 *
 * How the comparison stays honest with snmpd's counter cache: snmpd (like most agents) serves
 * interface counters from a cache refreshed every ~3 s, so a scrape taken while traffic flows reports
 * a counter up to 3 s old, and no kernel reading taken "at the same time" matches it. So every
 * measurement window is bracketed by QUIESCENT points: traffic has stopped, the kernel counters
 * are read, and we wait until the agent itself (asked directly with net-snmp's snmpget, an
 * implementation independent of the collector) reports exactly those values — the cache has caught
 * up and nothing is moving. Only then is the collector scraped. The collector's increase between the
 * two bracketing scrapes must equal the kernel's increase between the two bracketing readings
 * (within 1%; in practice it is exact), for each link and each direction. The rate over the window is
 * that increase over iperf3's duration, the same divisor on both sides.
 *
 * During the traffic the collector is also scraped once a second, the way a short-interval
 * Prometheus would: its counters must never go backwards and no scrape-to-scrape step may exceed
 * what the shaped link could carry in that time plus one agent cache period. A real Prometheus
 * scrapes it too (every second, multi-target config as in docs/collector.md): the increase it stored
 * between the quiescent points must match the kernel as well, with `resets()` = 0 over the window.
 *
 * Each window moves bytes essentially one way (the other way carries only TCP ACKs, checked to be
 * under a tenth), so a collector that swapped download and upload, or that exported bits as bytes,
 * fails the comparison by far more than 1%.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOBS, METRICS } from "../core/contract.js";
import { createRoutedNetwork, type RoutedNetwork } from "../lab/netns.js";
import { waitFor } from "../lab/process.js";
import { startPrometheus, type Prometheus } from "../lab/prometheus.js";
import { snmpColumn, snmpGet } from "../lab/snmpclient.js";
import type { Snmpd } from "../lab/snmpd.js";
import { only } from "../lab/exposition.js";
import { opdWithLink, startCollector, type CollectorProcess } from "../lab/kapasitas.js";
import { multiTargetRelabel } from "../infra/render/prometheus.js";

const IF_NAME = "1.3.6.1.2.1.31.1.1.1.1";
const IF_IN_OCTETS = "1.3.6.1.2.1.2.2.1.10";
const IF_OUT_OCTETS = "1.3.6.1.2.1.2.2.1.16";
const IF_HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6";
const IF_HC_OUT_OCTETS = "1.3.6.1.2.1.31.1.1.1.10";
/** snmpd's default ifTable cache timeout (NET-SNMP-AGENT-MIB nsCacheTimeout for ifTable). */
const AGENT_CACHE_SECONDS = 3;
const TRAFFIC_SECONDS = 4;
const TOLERANCE = 0.01;
/** How often the collector is scraped while traffic flows (a short-interval Prometheus). */
const SCRAPE_INTERVAL_MS = 1000;

const COMMUNITY = `kp${randomBytes(8).toString("hex")}`;
/** A second community whose view hides the 64-bit columns: an old agent with 32-bit counters only. */
const COMMUNITY_32 = `kp32${randomBytes(8).toString("hex")}`;

/**
 * The same router polled twice: with HC (64-bit) counters, and through a community that only sees
 * the 32-bit ifInOctets/ifOutOctets, so the collector's 32-bit path is held to the same truth.
 */
const DEVICES = {
  router: { opd: "dinas-uji", uplink: "isp-uji", community: "env:KAPASITAS_TEST_COMMUNITY" },
  "router-32bit": { opd: "dinas-uji-32", uplink: "isp-uji-32", community: "env:KAPASITAS_TEST_COMMUNITY_32" },
} as const;
type DeviceId = keyof typeof DEVICES;
const DEVICE_IDS = Object.keys(DEVICES) as DeviceId[];
type PerDevice = Record<DeviceId, Counters>;

type Direction = "download" | "upload";

/** The four counters the collector exports here, by where the kernel counts them. */
interface Counters {
  opdDownload: number; // router opd0 tx
  opdUpload: number; // router opd0 rx
  uplinkDownload: number; // router up0 rx
  uplinkUpload: number; // router up0 tx
}
const COUNTER_KEYS = ["opdDownload", "opdUpload", "uplinkDownload", "uplinkUpload"] as const;

const minus = (a: Counters, b: Counters): Counters => ({
  opdDownload: a.opdDownload - b.opdDownload,
  opdUpload: a.opdUpload - b.opdUpload,
  uplinkDownload: a.uplinkDownload - b.uplinkDownload,
  uplinkUpload: a.uplinkUpload - b.uplinkUpload,
});
const equal = (a: Counters, b: Counters) => COUNTER_KEYS.every((k) => a[k] === b[k]);

describe("ground truth: collector rates equal the kernel's byte counters (netns + tc + iperf3)", () => {
  let net: RoutedNetwork;
  let agent: Snmpd;
  let agent32: Snmpd;
  let collector: CollectorProcess;
  let prometheus: Prometheus;
  let ifIndex: Map<string, string>;

  beforeAll(async () => {
    net = await createRoutedNetwork();
    // Default cache (no ifCacheSeconds): the agent behaves like a real device.
    agent = await net.lab.snmpd(net.ns.router, { host: net.management.address, community: COMMUNITY });
    // The "old" agent: a second snmpd on the same router (the inventory rightly refuses two devices
    // at one address), whose only view for the collector's community hides the 64-bit columns.
    agent32 = await net.lab.snmpd(net.ns.router, {
      host: net.management.address,
      community: `kpready${randomBytes(6).toString("hex")}`,
      extraConfig: [
        "view no64 included .1",
        `view no64 excluded .${IF_HC_IN_OCTETS}`,
        `view no64 excluded .${IF_HC_OUT_OCTETS}`,
        `rocommunity ${COMMUNITY_32} default -V no64`,
      ],
    });
    await net.lab.iperfServer(net.ns.upstream, net.address.upstream);
    const names = await snmpColumn(agent.target, IF_NAME);
    ifIndex = new Map([...names].map(([index, name]) => [name, index]));

    collector = await startCollector({
      env: { KAPASITAS_TEST_COMMUNITY: COMMUNITY, KAPASITAS_TEST_COMMUNITY_32: COMMUNITY_32 },
      inventory: {
        defaults: { poll_interval: "10s", timeout: "2s", retries: 1, max_repetitions: 25 },
        devices: DEVICE_IDS.map((id) => ({
          id,
          host: agent.host,
          port: id === "router" ? agent.port : agent32.port,
          vendor: "linux",
          snmp: { version: "v2c", community: DEVICES[id].community },
        })),
        opds: DEVICE_IDS.map((id) =>
          opdWithLink(DEVICES[id].opd, {
            device: id,
            interface: { name: net.ifname.routerOpd },
            faces: "downstream",
          }),
        ),
        uplinks: DEVICE_IDS.map((id) => ({
          id: DEVICES[id].uplink,
          provider: "ISP Uji",
          contracted: { download_mbps: 1000, upload_mbps: 1000 },
          monthly_price_idr: 1,
          links: [{ device: id, interface: { name: net.ifname.routerUpstream }, faces: "upstream" }],
        })),
      },
    });
    // And a real Prometheus scraping it every second, relabelled as the Pulumi program renders it.
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: "1s", scrape_timeout: "1s" },
        scrape_configs: [
          {
            job_name: JOBS.snmp,
            metrics_path: "/snmp",
            static_configs: [{ targets: DEVICE_IDS }],
            relabel_configs: multiTargetRelabel([new URL(collector.baseUrl).host]),
          },
        ],
      },
    });
    await prometheus.waitForTargetsUp(JOBS.snmp);
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.stop();
    await net?.cleanup();
  });

  async function kernel(): Promise<Counters> {
    const opd = await net.lab.readInterfaceBytes(net.ns.router, net.ifname.routerOpd);
    const up = await net.lab.readInterfaceBytes(net.ns.router, net.ifname.routerUpstream);
    return {
      opdDownload: opd.txBytes,
      opdUpload: opd.rxBytes,
      uplinkDownload: up.rxBytes,
      uplinkUpload: up.txBytes,
    };
  }

  /** What the agent serves right now, asked with net-snmp's snmpget (not the collector). */
  async function agentCounters(): Promise<Counters> {
    const opd = ifIndex.get(net.ifname.routerOpd)!;
    const up = ifIndex.get(net.ifname.routerUpstream)!;
    const [opdIn, opdOut, upIn, upOut] = await snmpGet(agent.target, [
      `${IF_HC_IN_OCTETS}.${opd}`,
      `${IF_HC_OUT_OCTETS}.${opd}`,
      `${IF_HC_IN_OCTETS}.${up}`,
      `${IF_HC_OUT_OCTETS}.${up}`,
    ]);
    return {
      opdDownload: Number(opdOut!.value),
      opdUpload: Number(opdIn!.value),
      uplinkDownload: Number(upIn!.value),
      uplinkUpload: Number(upOut!.value),
    };
  }

  /** What the 32-bit agent serves right now: ifInOctets/ifOutOctets, the kernel's counters mod 2^32. */
  async function agent32Counters(): Promise<Counters> {
    const opd = ifIndex.get(net.ifname.routerOpd)!;
    const up = ifIndex.get(net.ifname.routerUpstream)!;
    const [opdIn, opdOut, upIn, upOut] = await snmpGet({ ...agent32.target, community: COMMUNITY_32 }, [
      `${IF_IN_OCTETS}.${opd}`,
      `${IF_OUT_OCTETS}.${opd}`,
      `${IF_IN_OCTETS}.${up}`,
      `${IF_OUT_OCTETS}.${up}`,
    ]);
    return {
      opdDownload: Number(opdOut!.value),
      opdUpload: Number(opdIn!.value),
      uplinkDownload: Number(upIn!.value),
      uplinkUpload: Number(upOut!.value),
    };
  }

  /** The collector's exported totals, from one Prometheus-style scrape of /snmp?target=<device>. */
  async function collectedFrom(device: DeviceId): Promise<Counters> {
    const scrape = await collector.scrapeTarget(device);
    expect(scrape.status).toBe(200);
    const e = scrape.exposition;
    const { opd: opdId, uplink: uplinkId } = DEVICES[device];
    const opd = (direction: Direction) =>
      only(e, METRICS.opdLinkBytes, { opd: opdId, device, interface: "opd0", direction }).value;
    const uplink = (direction: Direction) =>
      only(e, METRICS.uplinkBytes, {
        uplink: uplinkId,
        provider: "ISP Uji",
        device,
        interface: "up0",
        direction,
      }).value;
    return {
      opdDownload: opd("download"),
      opdUpload: opd("upload"),
      uplinkDownload: uplink("download"),
      uplinkUpload: uplink("upload"),
    };
  }

  async function collected(): Promise<PerDevice> {
    return { router: await collectedFrom("router"), "router-32bit": await collectedFrom("router-32bit") };
  }

  /**
   * What Prometheus stored from its own scrapes: the latest samples of the four series, once every
   * one of them comes from a scrape at or after `since` (unix seconds). Values and their scrape
   * timestamps come from one query: asked apart, a scrape committed between the two answers would
   * pair a new timestamp with an old value.
   */
  async function recordedFrom(device: DeviceId, since: number): Promise<Counters> {
    const selector = `{__name__=~"${METRICS.opdLinkBytes}|${METRICS.uplinkBytes}", job="${JOBS.snmp}", instance="${device}"}`;
    return waitFor(
      `Prometheus to scrape the collector after ${since}`,
      async () => {
        const series = await prometheus.rawSamples(selector, 30);
        const latest = series.map((s) => ({ metric: s.metric, sample: s.values.at(-1)! }));
        if (latest.length !== 4 || latest.some((l) => l.sample.t < since)) return undefined;
        const pick = (owner: "opd" | "uplink", direction: Direction) => {
          const found = latest.filter(
            (l) => l.metric[owner] !== undefined && l.metric.direction === direction,
          );
          if (found.length !== 1)
            throw new Error(`expected one ${owner} ${direction} series, got ${found.length}`);
          return found[0]!.sample.v;
        };
        return {
          opdDownload: pick("opd", "download"),
          opdUpload: pick("opd", "upload"),
          uplinkDownload: pick("uplink", "download"),
          uplinkUpload: pick("uplink", "upload"),
        };
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
  }

  async function recorded(since: number): Promise<PerDevice> {
    return {
      router: await recordedFrom("router", since),
      "router-32bit": await recordedFrom("router-32bit", since),
    };
  }

  /**
   * A quiescent point: no traffic, the agent's cache has caught up with the kernel (it serves
   * exactly the kernel's counters), then one collector scrape.
   */
  async function quiescentPoint(): Promise<{ kernel: Counters; collector: PerDevice; at: number }> {
    const settled = await waitFor(
      "the agent's cached counters to catch up with the kernel's (no traffic)",
      async () => {
        const before = await kernel();
        const served = await agentCounters();
        const served32 = await agent32Counters();
        const after = await kernel();
        const low32 = (c: Counters) =>
          Object.fromEntries(COUNTER_KEYS.map((k) => [k, c[k] % 2 ** 32])) as unknown as Counters;
        return equal(before, after) && equal(served, after) && equal(served32, low32(after))
          ? after
          : undefined;
      },
      { timeoutMs: (AGENT_CACHE_SECONDS + 10) * 1000, intervalMs: 250 },
    );
    // A scrape joins a poll already in flight (one poll per device at a time), and Prometheus's
    // 1 s scrapes may have started one before the cache caught up. A poll started after this point
    // reads the settled values, so the collector's answer counts once two scrapes in a row agree.
    let previous = await collected();
    const collector = await waitFor(
      "two collector scrapes in a row to agree (no traffic)",
      async () => {
        const current = await collected();
        const agreed = DEVICE_IDS.every((id) => equal(current[id], previous[id]));
        previous = current;
        return agreed ? current : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 0 },
    );
    return { kernel: settled, collector, at: Date.now() / 1000 };
  }

  it("polls the 32-bit device through a view without the 64-bit columns", async () => {
    const target32 = { ...agent32.target, community: COMMUNITY_32 };
    const opd = ifIndex.get(net.ifname.routerOpd)!;
    const [hc, c32] = await snmpGet(target32, [`${IF_HC_IN_OCTETS}.${opd}`, `${IF_IN_OCTETS}.${opd}`]);
    expect(hc!.value).not.toMatch(/^\d+$/); // noSuchObject: the collector must fall back to 32 bits
    expect(c32!.value).toMatch(/^\d+$/);
  });

  // Two rates per direction; shaping is on the router's egress towards the receiver.
  const windows: { direction: Direction; bitsPerSecond: number }[] = [
    { direction: "download", bitsPerSecond: 40_000_000 },
    { direction: "upload", bitsPerSecond: 12_000_000 },
    { direction: "download", bitsPerSecond: 16_000_000 },
    { direction: "upload", bitsPerSecond: 30_000_000 },
  ];

  /**
   * One measurement window: shape, bracket with quiescent points, push iperf3 traffic one way while
   * scraping every second, then hold the collector's and Prometheus's increases to the kernel's.
   * Returns the kernel's increase over the window.
   */
  async function measureWindow(
    direction: Direction,
    bitsPerSecond: number,
    amount: { seconds: number } | { bytes: number },
    { shapedRateReached = true } = {},
  ): Promise<Counters> {
    const egress = direction === "download" ? net.ifname.routerOpd : net.ifname.routerUpstream;
    await net.lab.shape(net.ns.router, egress, bitsPerSecond);

    const start = await quiescentPoint();
    // Prometheus must also have scraped the quiet state before any traffic flows.
    const startRecorded = await recorded(start.at);

    // Traffic, scraped once a second meanwhile (each scrape is awaited: never two at once).
    const traffic = net.lab.iperf({
      from: net.ns.opd,
      server: net.address.upstream,
      ...amount,
      reverse: direction === "download", // -R: the upstream server sends, the OPD receives
    });
    let running = true;
    const trafficDone = traffic.then(
      () => void (running = false),
      () => void (running = false),
    );
    const during: { at: number; counters: PerDevice }[] = [];
    while (running) {
      during.push({ at: performance.now(), counters: await collected() });
      await Promise.race([delay(SCRAPE_INTERVAL_MS), trafficDone]); // the scrape interval, not a guess
    }
    const iperf = await traffic;

    const end = await quiescentPoint();
    const kernelDelta = minus(end.kernel, start.kernel);
    // What Prometheus itself scraped and stored, bracketed by the same quiescent points.
    const endRecorded = await recorded(end.at);

    // The window really moved bytes one way: the other way carried only ACKs.
    const moving = direction === "download" ? "opdDownload" : "opdUpload";
    const acks = direction === "download" ? "opdUpload" : "opdDownload";
    expect(kernelDelta[moving]).toBeGreaterThan(iperf.receivedBytes);
    expect(kernelDelta[acks]).toBeLessThan(kernelDelta[moving] / 10);

    const rate = (bytes: number) => (bytes * 8) / iperf.seconds;
    const kernelRate = rate(kernelDelta[moving]);
    for (const device of DEVICE_IDS) {
      const collectorDelta = minus(end.collector[device], start.collector[device]);
      const prometheusDelta = minus(endRecorded[device], startRecorded[device]);
      for (const key of COUNTER_KEYS) {
        const truth = kernelDelta[key];
        for (const [who, delta] of [
          ["collector", collectorDelta],
          ["Prometheus", prometheusDelta],
        ] as const) {
          expect(
            Math.abs(delta[key] - truth),
            `${device} ${key}: ${who} +${delta[key]} B, kernel +${truth} B over the window`,
          ).toBeLessThanOrEqual(TOLERANCE * truth);
        }
      }
      // Rates over the window (same divisor both sides), reported against the shaper's rate.
      const collectorRate = rate(collectorDelta[moving]);
      console.log(
        `${device}: ${direction} @ ${bitsPerSecond / 1e6} Mbit/s (tc): kernel ${(kernelRate / 1e6).toFixed(3)} Mbit/s, ` +
          `collector ${(collectorRate / 1e6).toFixed(3)} Mbit/s, error ${(((collectorRate - kernelRate) / kernelRate) * 100).toFixed(4)}% ` +
          `(Prometheus ${(rate(prometheusDelta[moving]) / 1e6).toFixed(3)} Mbit/s) over ${iperf.seconds.toFixed(2)} s; ` +
          `${during.length} scrapes during traffic`,
      );
    }
    // The shaper held: the window's rate is the shaped rate, not the veth's line rate.
    expect(kernelRate).toBeLessThan(bitsPerSecond * 1.2);
    if (shapedRateReached) expect(kernelRate).toBeGreaterThan(bitsPerSecond * 0.5);

    // Prometheus saw no counter reset (which rate() would turn into a spike) over the window.
    const windowSeconds = Math.ceil(end.at - start.at) + 2;
    const resets = await prometheus.query(
      `resets({__name__=~"${METRICS.opdLinkBytes}|${METRICS.uplinkBytes}", job="${JOBS.snmp}"}[${windowSeconds}s])`,
    );
    expect(resets.map((r) => r.value.v)).toEqual(Array(4 * DEVICE_IDS.length).fill(0));

    // During traffic: monotonic, and no step larger than the link could carry in the time since
    // the previous scrape plus one agent cache period (a cached counter catches up in one jump).
    const series = [start.collector, ...during.map((d) => d.counters), end.collector];
    const times = [undefined, ...during.map((d) => d.at), undefined];
    for (let i = 1; i < series.length; i++) {
      for (const device of DEVICE_IDS) {
        for (const key of COUNTER_KEYS) {
          const step = series[i]![device][key] - series[i - 1]![device][key];
          expect(step, `${device} ${key} went backwards at scrape ${i}`).toBeGreaterThanOrEqual(0);
          const t0 = times[i - 1];
          const t1 = times[i];
          if (t0 !== undefined && t1 !== undefined) {
            const seconds = (t1 - t0) / 1000 + AGENT_CACHE_SECONDS + 1;
            expect(step, `${device} ${key} spiked at scrape ${i}`).toBeLessThanOrEqual(
              (bitsPerSecond / 8) * 1.2 * seconds,
            );
          }
        }
      }
    }
    return kernelDelta;
  }

  it.each(windows)(
    "$direction shaped to $bitsPerSecond bit/s: each link's increase matches the kernel within 1%",
    async ({ direction, bitsPerSecond }) => {
      await measureWindow(direction, bitsPerSecond, { seconds: TRAFFIC_SECONDS });
    },
    90_000,
  );

  it("a 32-bit counter wrapping under real traffic is corrected (4.6 GB at 6 Gbit/s)", async () => {
    // 6 Gbit/s keeps every agent cache period (3 s, 2.25 GB) under 2^32 bytes, so each wrap is
    // unambiguous to a poller that sees every cached value; 4.6 GB guarantees at least one wrap.
    const opdBefore = await net.lab.readInterfaceBytes(net.ns.router, net.ifname.routerOpd);
    // A busy machine may not reach 6 Gbit/s; slower only makes the wraps easier to see.
    const delta = await measureWindow(
      "download",
      6_000_000_000,
      { bytes: 4_600_000_000 },
      { shapedRateReached: false },
    );
    expect(delta.opdDownload).toBeGreaterThan(2 ** 32);
    const wraps =
      Math.floor((opdBefore.txBytes + delta.opdDownload) / 2 ** 32) - Math.floor(opdBefore.txBytes / 2 ** 32);
    expect(wraps, "ifOutOctets of opd0 wrapped during the window").toBeGreaterThanOrEqual(1);
  }, 120_000);
});
