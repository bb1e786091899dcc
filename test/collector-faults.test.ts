// Faults against a real snmpd: a device reboot (snmpd restarted), a 32-bit counter wrap, ifIndex
// renumbering, a wrong community. The interface rows are served by snmpd's pass_persist from a file
// the test rewrites, so the agent speaks real SNMP while the test chooses the counter values.
import { createSocket, type Socket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../collector/poll/fleet.js";
import { IF, MTXR_QUEUE } from "../collector/poll/oids.js";
import { parseExposition, select, type Exposition } from "../lab/exposition.js";
import { PRICING, inventoryFrom, scrape, setSecret, startCollector, value } from "./collector-support.js";
import { waitFor } from "../lab/process.js";
import { snmpGet } from "../lab/snmpclient.js";
import { startSnmpd, SYS_UPTIME_OID, type Snmpd } from "../lab/snmpd.js";
import type { ServedValue } from "../lab/passpersist.js";

/** The columns the test controls; every other OID is snmpd's own (sysUpTime above all). */
const SERVED = [IF.descr, IF.name, IF.inOctets, IF.outOctets, IF.hcInOctets, IF.hcOutOctets, IF.highSpeed];

interface Row {
  index: number;
  name: string;
  inOctets: number;
  outOctets: number;
}

/** An old switch: 32-bit counters only (the HC columns answer nothing), 100 Mbit/s ports. */
function serve(agent: Snmpd, rows: Row[]): void {
  const col = (column: string, pick: (r: Row) => ServedValue) =>
    Object.fromEntries(rows.map((r) => [`${column}.${r.index}`, pick(r)]));
  agent.setServed(
    IF.descr,
    col(IF.descr, (r) => ({ type: "string", value: `port ${r.name}` })),
  );
  agent.setServed(
    IF.name,
    col(IF.name, (r) => ({ type: "string", value: r.name })),
  );
  agent.setServed(
    IF.inOctets,
    col(IF.inOctets, (r) => ({ type: "counter", value: r.inOctets })),
  );
  agent.setServed(
    IF.outOctets,
    col(IF.outOctets, (r) => ({ type: "counter", value: r.outOctets })),
  );
  agent.setServed(IF.hcInOctets, {});
  agent.setServed(IF.hcOutOctets, {});
  agent.setServed(
    IF.highSpeed,
    col(IF.highSpeed, () => ({ type: "gauge", value: 100 })),
  );
}

const download = (e: Exposition) =>
  value(e, "opd_link_bytes_total", { opd: "dinkes", direction: "download" });
const upload = (e: Exposition) => value(e, "opd_link_bytes_total", { opd: "dinkes", direction: "upload" });

async function uptimeTicks(agent: Snmpd): Promise<number> {
  const [vb] = await snmpGet(agent.target, [SYS_UPTIME_OID]);
  return Number(vb?.value);
}

describe("counter faults against a real snmpd", () => {
  let agent: Snmpd;
  let other: Snmpd;
  let collector: Fleet;
  let inventoryText: string;

  beforeAll(async () => {
    agent = await startSnmpd({
      community: "faults-community",
      passPersist: SERVED.map((subtree) => ({ subtree, values: {} })),
    });
    serve(agent, [
      { index: 3, name: "ether3", inOctets: 1_000, outOctets: 2_000 },
      { index: 7, name: "ether7", inOctets: 4_294_966_000, outOctets: 4_294_967_000 },
    ]);
    other = await startSnmpd({ community: "other-community" });
    inventoryText = `version: 1
organisation: test
devices:
  - id: old-switch
    host: ${agent.host}
    port: ${agent.port}
    snmp: { version: v2c, community: ${setSecret("KP_FAULTS_COMMUNITY", "faults-community")} }
    # pass_persist starts a Node script per subtree on first use: generous on a loaded machine.
    timeout: 10s
    retries: 0
  - id: wrong-community
    host: ${other.host}
    port: ${other.port}
    snmp: { version: v2c, community: ${setSecret("KP_FAULTS_WRONG", "not-the-community")} }
    timeout: 500ms
    retries: 0
opds:
  - id: dinkes
    name: Dinas Kesehatan
    category: public_service
    allocated: { download_mbps: 20, upload_mbps: 10 }
    links:
      - { device: old-switch, interface: { name: ether7 }, faces: downstream }
  - id: bpbd
    name: BPBD
    category: internal
    allocated: { download_mbps: 5, upload_mbps: 5 }
    links:
      - { device: wrong-community, interface: { name: lo } }
${PRICING}`;
    collector = startCollector(inventoryFrom(inventoryText));
  });

  afterAll(async () => {
    collector?.close();
    await Promise.all([agent?.stop(), other?.stop()]);
  });

  it("falls back to 32-bit counters and corrects a wrap without a spike", async () => {
    const baseline = await scrape(collector, "old-switch");
    expect(value(baseline, "snmp_device_up", { device: "old-switch" })).toBe(1);
    expect(download(baseline)).toBe(0);
    // Downstream-facing: download is ifOutOctets. Both counters wrap past 2^32.
    serve(agent, [
      { index: 3, name: "ether3", inOctets: 1_000, outOctets: 2_000 },
      { index: 7, name: "ether7", inOctets: 704, outOctets: 1_704 },
    ]);
    const wrapped = await scrape(collector, "old-switch");
    expect(download(wrapped)).toBe(296 + 1_704);
    expect(upload(wrapped)).toBe(1_296 + 704);
    expect(value(wrapped, "snmp_counter_wraps_total", { device: "old-switch" })).toBe(2);
  });

  it("keeps the series continuous when the interface moves to another ifIndex", async () => {
    const before = download(await scrape(collector, "old-switch"));
    // ether7 reappears as ifIndex 12, with its own counter values.
    serve(agent, [
      { index: 3, name: "ether3", inOctets: 1_000, outOctets: 2_000 },
      { index: 12, name: "ether7", inOctets: 80_000, outOctets: 90_000 },
    ]);
    const moved = await scrape(collector, "old-switch");
    expect(download(moved)).toBe(before);
    serve(agent, [
      { index: 3, name: "ether3", inOctets: 1_000, outOctets: 2_000 },
      { index: 12, name: "ether7", inOctets: 80_100, outOctets: 90_500 },
    ]);
    const after = await scrape(collector, "old-switch");
    expect(download(after)).toBe(before + 500);
    expect(
      value(after, "kapasitas_counter_discontinuities_total", { device: "old-switch", reason: "moved" }),
    ).toBe(2);
  });

  it("after a reboot (snmpd restarted) counts bytes since boot, never a negative or huge delta", async () => {
    // Let uptime pass 3 s so the restart is visible as sysUpTime going backwards.
    await waitFor("snmpd uptime above 3 s", async () => (await uptimeTicks(agent)) > 300, {
      timeoutMs: 15_000,
    });
    const before = await scrape(collector, "old-switch");
    const beforeDown = download(before);
    const beforeUp = upload(before);
    // Counters restart near zero on the rebooted device; ether7 is back at index 7.
    serve(agent, [
      { index: 3, name: "ether3", inOctets: 10, outOctets: 20 },
      { index: 7, name: "ether7", inOctets: 300, outOctets: 4_000 },
    ]);
    await agent.restart();
    const after = await scrape(collector, "old-switch");
    expect(value(after, "snmp_device_restarts_total", { device: "old-switch" })).toBe(1);
    expect(download(after)).toBe(beforeDown + 4_000);
    expect(upload(after)).toBe(beforeUp + 300);
    const next = await scrape(collector, "old-switch");
    expect(download(next)).toBe(beforeDown + 4_000);
  });

  it("when only the agent restarts (snmpd, counters ran on) counts the plain increase", async () => {
    await waitFor("snmpd uptime above 3 s", async () => (await uptimeTicks(agent)) > 300, {
      timeoutMs: 15_000,
    });
    const before = await scrape(collector, "old-switch");
    const restarts = value(before, "snmp_device_restarts_total", { device: "old-switch" });
    serve(agent, [
      { index: 3, name: "ether3", inOctets: 10, outOctets: 20 },
      { index: 7, name: "ether7", inOctets: 300 + 50, outOctets: 4_000 + 1_000 },
    ]);
    await agent.restart();
    const after = await scrape(collector, "old-switch");
    expect(value(after, "snmp_device_restarts_total", { device: "old-switch" })).toBe(restarts + 1);
    expect(download(after)).toBe(download(before) + 1_000);
    expect(upload(after)).toBe(upload(before) + 50);
  });

  it("keeps every total across an inventory reload (SIGHUP path): no reset, no jump", async () => {
    const before = await scrape(collector, "old-switch");
    await collector.reload(inventoryFrom(inventoryText));
    const after = await scrape(collector, "old-switch");
    expect(download(after)).toBe(download(before));
    expect(upload(after)).toBe(upload(before));
    expect(value(after, "snmp_device_restarts_total", { device: "old-switch" })).toBe(
      value(before, "snmp_device_restarts_total", { device: "old-switch" }),
    );
  });

  it("marks a device with a wrong community down (timeout: v2c agents stay silent), others unaffected", async () => {
    const e = await scrape(collector, "wrong-community");
    expect(value(e, "snmp_device_up", { device: "wrong-community" })).toBe(0);
    expect(
      value(e, "snmp_device_poll_failures_total", { device: "wrong-community", reason: "timeout" }),
    ).toBe(1);
    expect(value(e, "snmp_device_poll_failures_total", { device: "wrong-community", reason: "auth" })).toBe(
      0,
    );
    expect(e.samples.some((s) => s.name === "opd_link_bytes_total")).toBe(false);
    expect(JSON.stringify(e.samples)).not.toContain("not-the-community");
    const ok = await scrape(collector, "old-switch");
    expect(value(ok, "snmp_device_up", { device: "old-switch" })).toBe(1);
  });
});

describe("a device that never answers", () => {
  let hole: Socket;
  let received = 0;
  let collector: Fleet;

  beforeAll(async () => {
    // A UDP socket that swallows every request: a dead device on the test's own loopback.
    hole = createSocket("udp4");
    hole.on("message", () => received++);
    await new Promise<void>((resolve) => hole.bind(0, "127.0.0.1", resolve));
    collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
  - id: dead
    host: 127.0.0.1
    port: ${hole.address().port}
    snmp: { version: v2c, community: ${setSecret("KP_DEAD_COMMUNITY", "dead-community")} }
    poll_interval: 60s
    timeout: 1s
    retries: 1
${PRICING}`),
    );
  });

  afterAll(async () => {
    collector?.close();
    await new Promise<void>((resolve) => hole.close(() => resolve()));
  });

  it("answers within the scrape budget with up 0 and one timeout, then backs off without sending", async () => {
    // The scrape may take 0.5 s; the poll would need 1 s x 2 attempts. The answer comes at the budget.
    const late = await collector.scrape("dead", 500);
    if (!late.ok) throw new Error(late.message);
    const e = parseExposition(late.text);
    expect(value(e, "snmp_device_up", { device: "dead" })).toBe(0);
    expect(value(e, "snmp_device_poll_duration_seconds", { device: "dead" })).toBe(0.5);
    expect(value(e, "snmp_device_poll_failures_total", { device: "dead", reason: "timeout" })).toBe(1);

    // The background poll ends in its own timeout: still one failure for one poll.
    await waitFor("the background poll to give up", async () => {
      const r = await collector.scrape("dead");
      return r.ok && r.text.includes("snmp_device_up");
    });
    // One failure: retried at the next scrape (a request and its retry), which fails again.
    const second = await collector.scrape("dead");
    if (!second.ok) throw new Error(second.message);
    expect(
      value(parseExposition(second.text), "snmp_device_poll_failures_total", {
        device: "dead",
        reason: "timeout",
      }),
    ).toBe(2);
    const requests = received;
    // Two failures in a row: backed off for a poll interval, answered at once, nothing sent.
    const third = await collector.scrape("dead");
    if (!third.ok) throw new Error(third.message);
    const e3 = parseExposition(third.text);
    expect(value(e3, "snmp_device_up", { device: "dead" })).toBe(0);
    expect(value(e3, "snmp_device_poll_failures_total", { device: "dead", reason: "timeout" })).toBe(2);
    expect(received).toBe(requests);
  });
});

describe("MikroTik simple queues served by a real snmpd (pass_persist)", () => {
  const QUEUE_TABLE = "1.3.6.1.4.1.14988.1.1.2.1";
  let agent: Snmpd;
  let collector: Fleet;

  const serveQueues = (queues: { index: number; name: string; bytesIn: bigint; bytesOut: bigint }[]) =>
    agent.setServed(
      QUEUE_TABLE,
      Object.fromEntries(
        queues.flatMap((q) => [
          [`${MTXR_QUEUE.name}.${q.index}`, { type: "string", value: q.name }],
          [`${MTXR_QUEUE.bytesIn}.${q.index}`, { type: "counter64", value: q.bytesIn }],
          [`${MTXR_QUEUE.bytesOut}.${q.index}`, { type: "counter64", value: q.bytesOut }],
        ]),
      ) as Record<string, ServedValue>,
    );
  const queueTotal = (e: Exposition, direction: string) =>
    value(e, "opd_link_bytes_total", { opd: "dinkes", direction });

  beforeAll(async () => {
    agent = await startSnmpd({
      community: "mikrotik-community",
      passPersist: [{ subtree: QUEUE_TABLE, values: {} }],
    });
    serveQueues([
      { index: 4, name: "setda", bytesIn: 10n, bytesOut: 20n },
      { index: 9, name: "dinkes", bytesIn: 5_000_000_000n, bytesOut: 9_000_000_000n },
    ]);
    collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
  - id: core-1
    host: ${agent.host}
    port: ${agent.port}
    vendor: mikrotik
    timeout: 10s
    retries: 0
    snmp: { version: v2c, community: ${setSecret("KP_MIKROTIK_COMMUNITY", "mikrotik-community")} }
opds:
  - id: dinkes
    name: Dinas Kesehatan
    category: public_service
    allocated: { download_mbps: 20, upload_mbps: 10 }
    links: [{ device: core-1, queue: dinkes }]
${PRICING}`),
    );
  });

  afterAll(async () => {
    collector?.close();
    await agent?.stop();
  });

  it("counts a queue's bytes out as download and bytes in as upload, and follows it to a new index", async () => {
    const baseline = await scrape(collector, "core-1");
    expect(queueTotal(baseline, "download")).toBe(0);
    serveQueues([
      { index: 4, name: "setda", bytesIn: 10n, bytesOut: 20n },
      { index: 9, name: "dinkes", bytesIn: 5_000_000_300n, bytesOut: 9_000_001_000n },
    ]);
    const moved1 = await scrape(collector, "core-1");
    expect(queueTotal(moved1, "download")).toBe(1_000);
    expect(queueTotal(moved1, "upload")).toBe(300);
    // Queues re-created in another order on the router: dinkes is now index 2, with fresh counters.
    serveQueues([
      { index: 2, name: "dinkes", bytesIn: 7n, bytesOut: 70n },
      { index: 4, name: "setda", bytesIn: 10n, bytesOut: 20n },
    ]);
    const renumbered = await scrape(collector, "core-1");
    expect(queueTotal(renumbered, "download")).toBe(1_000);
    serveQueues([
      { index: 2, name: "dinkes", bytesIn: 17n, bytesOut: 570n },
      { index: 4, name: "setda", bytesIn: 10n, bytesOut: 20n },
    ]);
    const after = await scrape(collector, "core-1");
    expect(queueTotal(after, "download")).toBe(1_500);
    expect(queueTotal(after, "upload")).toBe(310);
    expect(select(after, "opd_link_bytes_total", { opd: "dinkes" })[0]?.labels.interface).toBe(
      "queue/dinkes",
    );
  });

  it("shows a queue as down when its counters stand still for ten minutes of polls, or it is removed", async () => {
    const queueUp = (e: Exposition) => value(e, "kapasitas_queue_up", { opd: "dinkes" });
    const serveDinkes = (bytesIn: bigint, bytesOut: bigint) =>
      serveQueues([
        { index: 2, name: "dinkes", bytesIn, bytesOut },
        { index: 4, name: "setda", bytesIn: 10n, bytesOut: 20n },
      ]);
    serveDinkes(100n, 1_000n);
    const counting = await scrape(collector, "core-1");
    expect(queueUp(counting)).toBe(1);
    expect(select(counting, "kapasitas_queue_up", { opd: "dinkes" })[0]?.labels).toMatchObject({
      link: "core-1/queue/dinkes",
      device: "core-1",
      interface: "queue/dinkes",
    });
    // Disabled (or its target silent): the row stays, the counters stand still. The inventory polls
    // every 60 s, so ten unchanged polls are ten minutes.
    const states: number[] = [];
    for (let i = 0; i < 10; i++) states.push(queueUp(await scrape(collector, "core-1")));
    expect(states).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    serveDinkes(100n, 1_001n);
    expect(queueUp(await scrape(collector, "core-1"))).toBe(1);
    // Removed on the router: the row is gone; the device still answers.
    serveQueues([{ index: 4, name: "setda", bytesIn: 10n, bytesOut: 20n }]);
    const removed = await scrape(collector, "core-1");
    expect(value(removed, "snmp_device_up", { device: "core-1" })).toBe(1);
    expect(queueUp(removed)).toBe(0);
    expect(value(removed, "kapasitas_link_unresolved", { link: "core-1/queue/dinkes" })).toBe(1);
    expect(select(removed, "opd_link_bytes_total", { opd: "dinkes" })).toHaveLength(0);
  });
});
