// Odd devices, served by snmpsimd from synthetic rows (lab/snmprec/synthetic/odd-devices.snmprec,
// see NOTICE.md) that reproduce quirks of real devices: a FortiGate's ifHighSpeed sentinel, an
// interface without octet counters, RouterOS's commented ifName, a short Cisco name in another case;
// plus two devices behind one host:port with different credentials, and a port that refuses.
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../collector/poll/fleet.js";
import { parseInventory, formatProblem } from "../core/load.js";
import { select } from "../lab/exposition.js";
import { RECORDINGS_DIR, startSnmpsim, type Snmpsim } from "../lab/snmpsim.js";
import { PRICING, inventoryFrom, scrape, setSecret, startCollector, value } from "./collector-support.js";

const SYNTHETIC = join(RECORDINGS_DIR, "synthetic");

/** A UDP port with nothing listening on it: the kernel answers ICMP port unreachable. */
async function closedPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function opd(id: string, device: string, name: string): string {
  return `  - id: ${id}
    name: ${id}
    category: internal
    allocated: { download_mbps: 10, upload_mbps: 10 }
    links: [{ id: ${id}, device: ${device}, interface: { name: ${JSON.stringify(name)} } }]`;
}

describe("odd devices (synthetic rows served by snmpsimd)", () => {
  let sim: Snmpsim;
  let collector: Fleet;
  const log: string[] = [];

  beforeAll(async () => {
    // The same rows under a second community: a second device behind the same host:port.
    sim = await startSnmpsim({
      sourceDir: SYNTHETIC,
      recordings: ["odd-devices"],
      extraRecordings: { "odd-devices-b": readFileSync(join(SYNTHETIC, "odd-devices.snmprec"), "utf8") },
    });
    const refused = await closedPort();
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          log.push(chunk.toString());
          done();
        },
      }),
    );
    collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
  - id: forti
    host: ${sim.host}
    port: ${sim.port}
    snmp: { version: v2c, community: ${setSecret("KP_ODD_A", "odd-devices")} }
  - id: forti-b
    host: ${sim.host}
    port: ${sim.port}
    snmp: { version: v2c, community: ${setSecret("KP_ODD_B", "odd-devices-b")} }
  - id: refused
    host: 127.0.0.1
    port: ${refused}
    snmp: { version: v2c, community: ${setSecret("KP_ODD_C", "odd-refused")} }
    timeout: 10s
    retries: 0
opds:
${opd("down-port", "forti", "port1")}
${opd("lan", "forti", "port2")}
${opd("tunnel", "forti", "ssl.root")}
${opd("routeros", "forti", "eth1")}
${opd("cisco", "forti", "te0/30")}
${opd("second", "forti-b", "port2")}
${opd("nowhere", "refused", "eth1")}
${PRICING}`),
      { logger },
    );
  });

  afterAll(async () => {
    collector?.close();
    await sim?.stop();
  });

  it("never exports a sentinel ifHighSpeed (4294901759) as a speed", async () => {
    const e = await scrape(collector, "forti");
    expect(value(e, "snmp_device_up", { device: "forti" })).toBe(1);
    expect(select(e, "snmp_interface_speed_bps", { interface: "port1" })).toEqual([]);
    expect(value(e, "snmp_interface_speed_bps", { interface: "port2" })).toBe(1e9);
    expect(select(e, "opd_link_bytes_total", { opd: "down-port" })).toHaveLength(2);
  });

  it("reports a link whose interface has no octet counters, and logs it once", async () => {
    const e = await scrape(collector, "forti");
    expect(value(e, "kapasitas_link_unresolved", { link: "tunnel" })).toBe(1);
    expect(select(e, "opd_link_bytes_total", { opd: "tunnel" })).toEqual([]);
    const lines = log.filter((l) => l.includes('"link":"tunnel"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("neither 64-bit (ifHCInOctets) nor 32-bit (ifInOctets) octet counters");
  });

  it("suggests the device's names for a selector that matches nothing", async () => {
    const e = await scrape(collector, "forti");
    expect(value(e, "kapasitas_link_unresolved", { link: "routeros" })).toBe(1);
    expect(value(e, "kapasitas_link_unresolved", { link: "cisco" })).toBe(1);
    const line = (link: string) => log.find((l) => l.includes(`"link":"${link}"`)) ?? "";
    expect(line("routeros")).toContain('did you mean \\"wan: STCable (eth1)\\"?');
    expect(line("cisco")).toContain('did you mean \\"Te0/30\\"?');
  });

  it("polls two devices behind one host:port with different credentials", async () => {
    const e = await scrape(collector, "forti-b");
    expect(value(e, "snmp_device_up", { device: "forti-b" })).toBe(1);
    expect(select(e, "opd_link_bytes_total", { opd: "second" })).toHaveLength(2);
  });

  it("refuses a true duplicate: same host:port and the same credentials", () => {
    const text = `version: 1
organisation: test
devices:
  - { id: a, host: 10.0.0.1, snmp: { version: v2c, community: env:X } }
  - { id: b, host: 10.0.0.1, snmp: { version: v2c, community: env:Y } }
  - { id: c, host: 10.0.0.1, snmp: { version: v2c, community: env:X } }
${PRICING}`;
    const result = parseInventory(text, "dup.yaml");
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      'dup.yaml:6:20 devices[2].host: duplicate device address and credentials "10.0.0.1:161" (first used at devices[0])',
    ]);
  });

  it("reports a refused port (ICMP port unreachable) as refused, not after the timeout", async () => {
    const e = await scrape(collector, "refused");
    expect(value(e, "snmp_device_up", { device: "refused" })).toBe(0);
    expect(value(e, "snmp_device_poll_failures_total", { device: "refused", reason: "refused" })).toBe(1);
    expect(value(e, "snmp_device_poll_failures_total", { device: "refused", reason: "timeout" })).toBe(0);
  });
});
