// Every real-device recording in lab/snmprec, served by snmpsimd: discovery finds the
// interfaces, counters and speeds are read, labels are right. The oracle is the .snmprec file itself,
// parsed here independently of the collector.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../collector/poll/fleet.js";
import { select } from "../lab/exposition.js";
import { PRICING, inventoryFrom, scrape, setSecret, startCollector, value } from "./collector-support.js";
import { RECORDINGS_DIR, startSnmpsim, type Snmpsim } from "../lab/snmpsim.js";

const RECORDINGS = ["routeros", "ios", "ios_stp-vlans", "vrp_ar169sfp", "linux_ntc"];

interface RecordedInterface {
  index: number;
  name: string;
  descr: string;
  hcIn: bigint;
  hcOut: bigint;
  highSpeed: number;
  oper: number;
}

/** Independent reading of a recording: `OID|tag|value` lines (tag 4x = hex-encoded string). */
function recordedInterfaces(file: string): RecordedInterface[] {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [oid, tag, ...rest] = line.split("|");
    if (!oid || !tag) continue;
    const raw = rest.join("|");
    values.set(oid, tag === "4x" ? Buffer.from(raw, "hex").toString("utf8") : raw);
  }
  const out: RecordedInterface[] = [];
  for (const [oid, name] of values) {
    const m = /^1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.1\.(\d+)$/.exec(oid);
    if (!m) continue;
    const i = m[1]!;
    out.push({
      index: Number(i),
      name,
      descr: values.get(`1.3.6.1.2.1.2.2.1.2.${i}`) ?? "",
      hcIn: BigInt(values.get(`1.3.6.1.2.1.31.1.1.1.6.${i}`) ?? "0"),
      hcOut: BigInt(values.get(`1.3.6.1.2.1.31.1.1.1.10.${i}`) ?? "0"),
      highSpeed: Number(values.get(`1.3.6.1.2.1.31.1.1.1.15.${i}`) ?? "0"),
      oper: Number(values.get(`1.3.6.1.2.1.2.2.1.8.${i}`) ?? "0"),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Interfaces worth measuring: unique name and descr, a speed, traffic recorded. */
function candidates(interfaces: RecordedInterface[]): RecordedInterface[] {
  const count = (key: "name" | "descr", v: string) => interfaces.filter((i) => i[key] === v).length;
  return interfaces.filter(
    (i) => i.highSpeed > 0 && i.hcIn > 0n && count("name", i.name) === 1 && count("descr", i.descr) === 1,
  );
}

const recorded = new Map(
  RECORDINGS.map((r) => [r, recordedInterfaces(join(RECORDINGS_DIR, `${r}.snmprec`))]),
);
const slug = (r: string) => r.replace(/_/g, "-").toLowerCase();

/** A queue table and hotspot sessions, as a RouterOS agent serves them (routeros.snmprec has neither). */
const MIKROTIK_QUEUES = [
  "1.3.6.1.2.1.1.3.0|67|123456",
  "1.3.6.1.4.1.14988.1.1.2.1.1.2.3|4|setda",
  "1.3.6.1.4.1.14988.1.1.2.1.1.2.7|4|dinkes",
  "1.3.6.1.4.1.14988.1.1.2.1.1.2.8|4|dinkes-tamu",
  "1.3.6.1.4.1.14988.1.1.2.1.1.8.3|70:numeric|initial=1000,rate=1000",
  "1.3.6.1.4.1.14988.1.1.2.1.1.8.7|70:numeric|initial=5000,rate=2000",
  "1.3.6.1.4.1.14988.1.1.2.1.1.8.8|70|0",
  "1.3.6.1.4.1.14988.1.1.2.1.1.9.3|70:numeric|initial=90000,rate=50000",
  "1.3.6.1.4.1.14988.1.1.2.1.1.9.7|70:numeric|initial=7000,rate=80000",
  "1.3.6.1.4.1.14988.1.1.2.1.1.9.8|70|0",
  "1.3.6.1.4.1.14988.1.1.5.1.1.2.101|2|1",
  "1.3.6.1.4.1.14988.1.1.5.1.1.2.102|2|2",
  "1.3.6.1.4.1.14988.1.1.5.1.1.2.103|2|1",
  "1.3.6.1.4.1.14988.1.1.5.1.1.3.101|4|private-user-a",
].join("\n");

describe("discovery and polling against real-device recordings (snmpsimd)", () => {
  const sims = new Map<string, Snmpsim>();
  let collector: Fleet;

  beforeAll(async () => {
    // One agent per device, as in a real network (the inventory refuses two devices on one address).
    await Promise.all(
      RECORDINGS.map(async (r) => {
        sims.set(
          r,
          await startSnmpsim({
            recordings: [r],
            ...(r === "routeros" && { growCounters: { routeros: 125_000 } }),
          }),
        );
      }),
    );
    sims.set(
      "mikrotik-queues",
      await startSnmpsim({ recordings: [], extraRecordings: { "mikrotik-queues": MIKROTIK_QUEUES } }),
    );
    const devices = [...RECORDINGS, "mikrotik-queues"].map(
      (r) => `  - id: ${slug(r)}
    host: ${sims.get(r)!.host}
    port: ${sims.get(r)!.port}
    vendor: ${r.startsWith("routeros") || r.startsWith("mikrotik") ? "mikrotik" : "generic"}
    snmp: { version: v2c, community: ${setSecret(`KP_REC_${slug(r).replace(/-/g, "_").toUpperCase()}`, r)} }
    timeout: 5s
    retries: 1`,
    );
    // Per recording: an OPD link by ifName and an uplink by ifDescr, on two different interfaces.
    const opds: string[] = [];
    const uplinks: string[] = [];
    for (const r of RECORDINGS) {
      const [first, second] = candidates(recorded.get(r)!);
      if (!first || !second) throw new Error(`${r}: fewer than two measurable interfaces recorded`);
      opds.push(`  - id: opd-${slug(r)}
    name: OPD on ${r}
    category: internal
    allocated: { download_mbps: 10, upload_mbps: 10 }
    links:
      - { id: ${slug(r)}-link, device: ${slug(r)}, interface: { name: ${JSON.stringify(first.name)} } }`);
      uplinks.push(`  - id: isp-${slug(r)}
    provider: ISP on ${r}
    contracted: { download_mbps: 100, upload_mbps: 100 }
    monthly_price_idr: 1000
    links:
      - { device: ${slug(r)}, interface: { descr: ${JSON.stringify(second.descr)} }, faces: upstream }`);
    }
    opds.push(`  - id: setda
    name: Sekretariat Daerah
    category: internal
    allocated: { download_mbps: 10, upload_mbps: 5 }
    links: [{ device: mikrotik-queues, queue: setda }]
    hotspots: [{ device: mikrotik-queues, server: hs-setda, server_id: "*1" }]
  - id: dinkes
    name: Dinas Kesehatan
    category: public_service
    allocated: { download_mbps: 10, upload_mbps: 5 }
    links: [{ device: mikrotik-queues, queue: dinkes }]
    hotspots: [{ device: mikrotik-queues, server: "*2" }]
  - id: ups-room
    name: Selected by ifAlias
    category: internal
    allocated: { download_mbps: 1, upload_mbps: 1 }
    links: [{ device: ios-stp-vlans, interface: { alias: UPS } }]
  - id: by-index
    name: Selected by ifIndex
    category: internal
    allocated: { download_mbps: 1, upload_mbps: 1 }
    links: [{ device: vrp-ar169sfp, interface: { index: ${candidates(recorded.get("vrp_ar169sfp")!)[0]!.index} } }]
  - id: ambiguous
    name: An alias every port of the anonymised ios recording shares
    category: internal
    allocated: { download_mbps: 1, upload_mbps: 1 }
    links: [{ device: ios, interface: { alias: "<description>" } }]
  - id: typo
    name: OPD with a queue that does not exist
    category: internal
    allocated: { download_mbps: 1, upload_mbps: 1 }
    links: [{ device: mikrotik-queues, queue: no-such-queue }]
    hotspots: [{ device: mikrotik-queues, server: hs-by-name-only }]`);
    collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
${devices.join("\n")}
opds:
${opds.join("\n")}
uplinks:
${uplinks.join("\n")}
${PRICING}`),
    );
  });

  afterAll(async () => {
    collector?.close();
    await Promise.all([...sims.values()].map((s) => s.stop()));
  });

  for (const r of RECORDINGS) {
    it(`${r}: resolves selectors, reads speed, status and counters with the right labels`, async () => {
      const [first, second] = candidates(recorded.get(r)!);
      const device = slug(r);
      const first1 = await scrape(collector, device);
      expect(value(first1, "snmp_device_up", { device })).toBe(1);
      expect(select(first1, "kapasitas_link_unresolved", { owner: `opd-${device}` })).toEqual([]);
      expect(select(first1, "kapasitas_link_unresolved", { owner: `isp-${device}` })).toEqual([]);
      for (const iface of [first!, second!]) {
        const labels = { device, interface: iface.name };
        expect(value(first1, "snmp_interface_speed_bps", labels)).toBe(iface.highSpeed * 1e6);
        expect(value(first1, "snmp_interface_oper_up", labels)).toBe(iface.oper === 1 ? 1 : 0);
      }
      // The first poll is the baseline: totals start at zero.
      for (const direction of ["download", "upload"]) {
        expect(value(first1, "opd_link_bytes_total", { opd: `opd-${device}`, direction })).toBe(0);
        expect(
          value(first1, "uplink_bytes_total", {
            uplink: `isp-${device}`,
            provider: `ISP on ${r}`,
            device,
            interface: second!.name,
            direction,
          }),
        ).toBe(0);
      }
      const opdSample = select(first1, "opd_link_bytes_total", { direction: "download" })[0]!;
      expect(opdSample.labels).toEqual({
        opd: `opd-${device}`,
        link: `${device}-link`,
        device,
        interface: first!.name,
        direction: "download",
      });

      // A static recording does not move: the second poll adds nothing, and nothing is called a reboot.
      const again = await scrape(collector, device);
      expect(value(again, "snmp_device_restarts_total", { device })).toBe(0);
      if (r !== "routeros") {
        for (const direction of ["download", "upload"])
          expect(value(again, "opd_link_bytes_total", { opd: `opd-${device}`, direction })).toBe(0);
      }
    });
  }

  it("resolves by ifAlias and by ifIndex, and reports an alias that matches many ports", async () => {
    const ups = await scrape(collector, "ios-stp-vlans");
    // ifAlias "UPS" is ifIndex 10602, ifName Gi2/0/2 in the recording.
    expect(select(ups, "opd_link_bytes_total", { opd: "ups-room" })[0]?.labels.interface).toBe("Gi2/0/2");
    const vrp = await scrape(collector, "vrp-ar169sfp");
    const first = candidates(recorded.get("vrp_ar169sfp")!)[0]!;
    expect(select(vrp, "opd_link_bytes_total", { opd: "by-index" })[0]?.labels.interface).toBe(first.name);
    const ios = await scrape(collector, "ios");
    expect(value(ios, "kapasitas_link_unresolved", { owner: "ambiguous" })).toBe(1);
    expect(select(ios, "opd_link_bytes_total", { opd: "ambiguous" })).toEqual([]);
    expect(value(ios, "snmp_device_up", { device: "ios" })).toBe(1);
  });

  it("routeros with growing counters: totals grow, in the right direction, never backwards", async () => {
    // snmpsim's numeric variation adds 125 kB/s to every HC octet counter: both directions grow.
    const device = "routeros";
    const totals: number[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await scrape(collector, device);
      totals.push(value(e, "opd_link_bytes_total", { opd: "opd-routeros", direction: "download" }));
    }
    expect(totals[2]!).toBeGreaterThan(0);
    for (let i = 1; i < totals.length; i++) expect(totals[i]!).toBeGreaterThanOrEqual(totals[i - 1]!);
  });

  it("MikroTik simple queues resolve by name; download is bytes out, upload bytes in", async () => {
    const device = "mikrotik-queues";
    await scrape(collector, device);
    const e = await waitForGrowth(collector, device);
    const down = value(e, "opd_link_bytes_total", { opd: "setda", direction: "download" });
    const up = value(e, "opd_link_bytes_total", { opd: "setda", direction: "upload" });
    // Recorded rates: bytes out 50 kB/s (download), bytes in 1 kB/s (upload).
    expect(down).toBeGreaterThan(up * 10);
    expect(select(e, "opd_link_bytes_total", { opd: "setda" })[0]!.labels).toMatchObject({
      link: "mikrotik-queues/queue/setda",
      interface: "queue/setda",
    });
    // "dinkes" must not also match "dinkes-tamu": names match exactly.
    expect(select(e, "opd_link_bytes_total", { opd: "dinkes" })).toHaveLength(2);
    expect(
      value(e, "kapasitas_link_unresolved", {
        device,
        owner: "typo",
        link: "mikrotik-queues/queue/no-such-queue",
      }),
    ).toBe(1);
    // A hotspot server given only by name cannot be matched: the MIB has ids only. Reported, not fatal.
    expect(
      value(e, "kapasitas_link_unresolved", {
        device,
        owner: "typo",
        link: "mikrotik-queues/hotspot/hs-by-name-only",
      }),
    ).toBe(1);
    expect(value(e, "snmp_device_up", { device })).toBe(1);
  });

  it("counts hotspot sessions per server (by server_id, or a server written as its id), no per-user labels", async () => {
    const e = await scrape(collector, "mikrotik-queues");
    expect(value(e, "opd_hotspot_active_users", { opd: "setda", server: "hs-setda" })).toBe(2);
    expect(value(e, "opd_hotspot_active_users", { opd: "dinkes", server: "*2" })).toBe(1);
    expect(JSON.stringify(e.samples)).not.toContain("private-user-a");
  });

  it("answers 404 for an unknown target, without polling anything", async () => {
    expect(await collector.scrape("nope")).toMatchObject({ ok: false, status: 404 });
  });
});

/** Scrape until the queue counters have moved (snmpsim's numeric variation grows with wall time). */
async function waitForGrowth(collector: Fleet, device: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const e = await scrape(collector, device);
    const down = value(e, "opd_link_bytes_total", { opd: "setda", direction: "download" });
    if (down > 0) return e;
    if (Date.now() > deadline) throw new Error("queue counters did not grow within 20 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}
