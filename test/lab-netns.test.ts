import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoutedNetwork,
  managementAddresses,
  parseIperfJson,
  tbfBurstBytes,
  type RoutedNetwork,
} from "../lab/netns.js";
import { snmpColumn, snmpGet } from "../lab/snmpclient.js";
import type { Snmpd } from "../lab/snmpd.js";
import { run, waitFor } from "../lab/process.js";

const IF_NAME = "1.3.6.1.2.1.31.1.1.1.1";
const IF_ALIAS = "1.3.6.1.2.1.31.1.1.1.18";
const IF_HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6";
const IF_HC_OUT_OCTETS = "1.3.6.1.2.1.31.1.1.1.10";
const SHAPE_BPS = 20_000_000;

describe("a routed network in namespaces, with snmpd in the router", () => {
  let net: RoutedNetwork;
  let agent: Snmpd;
  let index: Map<string, string>; // ifName → ifIndex

  beforeAll(async () => {
    net = await createRoutedNetwork({ shapeBitsPerSecond: SHAPE_BPS });
    // snmpd does not read the kernel's interface alias; an override gives opd0 its ifAlias.
    const opd0 = await net.lab.ifIndex(net.ns.router, "opd0");
    agent = await net.lab.snmpd(net.ns.router, {
      host: net.management.address,
      community: "kp-lab",
      ifCacheSeconds: 0,
      overrides: [{ oid: `${IF_ALIAS}.${opd0}`, type: "octet_str", value: "OPD Dinkes" }],
    });
    await net.lab.iperfServer(net.ns.upstream, net.address.upstream);
  });
  afterAll(() => net?.cleanup());

  const hcOctets = async (ifName: string) => {
    const i = index.get(ifName) ?? "";
    const values = await snmpGet(agent.target, [`${IF_HC_IN_OCTETS}.${i}`, `${IF_HC_OUT_OCTETS}.${i}`]);
    return { in: Number(values[0]?.value), out: Number(values[1]?.value) };
  };

  it("walks the router's ifXTable from the root namespace and finds the veth names", async () => {
    expect(agent.target.netns).toBeUndefined();
    const names = await snmpColumn(agent.target, IF_NAME);
    index = new Map([...names].map(([i, name]) => [name, i]));
    expect([...index.keys()].sort()).toEqual(["lo", "mgmt0", "opd0", "up0"]);
    const aliases = await snmpColumn(agent.target, IF_ALIAS);
    expect(aliases.get(index.get("opd0") ?? "")).toBe("OPD Dinkes");
  });

  it("counts iperf3 traffic both ways, matching the kernel's counters exactly", async () => {
    const before = await hcOctets("opd0");
    const upload = await net.lab.iperf({
      from: net.ns.opd,
      server: net.address.upstream,
      bytes: 2 * 1024 * 1024,
    });
    const download = await net.lab.iperf({
      from: net.ns.opd,
      server: net.address.upstream,
      bytes: 3 * 1024 * 1024,
      reverse: true,
    });
    // iperf3 -n sends whole 128 KiB writes (so use multiples) and stops counting at the receiver
    // when the sender is done: "sent" is exact, "received" may be a little short.
    expect(upload.sentBytes).toBe(2 * 1024 * 1024);
    expect(download.sentBytes).toBe(3 * 1024 * 1024);
    // The shaper holds: nothing is received faster than the tbf rate (+ the burst).
    expect(download.receivedBitsPerSecond).toBeLessThan(SHAPE_BPS * 1.2);

    // Once the link is quiet, snmpd (cache 0) and the kernel agree to the byte.
    const settled = await waitFor("opd0 counters to settle", async () => {
      const kernelBefore = await net.lab.readInterfaceBytes(net.ns.router, "opd0");
      const snmp = await hcOctets("opd0");
      const kernelAfter = await net.lab.readInterfaceBytes(net.ns.router, "opd0");
      const quiet =
        kernelBefore.rxBytes === kernelAfter.rxBytes && kernelBefore.txBytes === kernelAfter.txBytes;
      return quiet && { snmp, kernel: kernelAfter };
    });
    expect(settled.snmp).toEqual({ in: settled.kernel.rxBytes, out: settled.kernel.txBytes });
    // Router's opd0 receives the OPD's upload and sends its download (payload + headers).
    expect(settled.snmp.in - before.in).toBeGreaterThan(upload.receivedBytes);
    expect(settled.snmp.out - before.out).toBeGreaterThan(download.receivedBytes);
  });

  it("routes only the management /30 from the root namespace", async () => {
    const toAgent = await run("ip", ["route", "get", net.management.address]);
    expect(toAgent.stdout).toContain(`dev ${net.management.rootInterface}`);
    const labRoutes = await run("ip", ["route", "show", "to", "match", net.address.opd]);
    expect(labRoutes.stdout).not.toContain("kpm");
  });
});

describe("netns pure parts", () => {
  it("gives each management index its own /30", () => {
    expect(managementAddresses(0)).toEqual(["198.18.0.1", "198.18.0.2"]);
    expect(managementAddresses(64)).toEqual(["198.18.1.1", "198.18.1.2"]);
    expect(managementAddresses(16383)).toEqual(["198.18.255.253", "198.18.255.254"]);
    expect(() => managementAddresses(16384)).toThrow();
  });

  it("sizes the tbf burst for the rate", () => {
    expect(tbfBurstBytes(1_000_000)).toBe(32 * 1024);
    expect(tbfBurstBytes(1_000_000_000)).toBe(1_250_000);
  });

  it("parses iperf3 JSON and reports iperf3's own error", () => {
    const ok = parseIperfJson(
      JSON.stringify({
        end: {
          sum_sent: { bytes: 10, seconds: 1 },
          sum_received: { bytes: 9, seconds: 1, bits_per_second: 72 },
        },
      }),
    );
    expect(ok).toMatchObject({ sentBytes: 10, receivedBytes: 9, receivedBitsPerSecond: 72 });
    expect(() => parseIperfJson(JSON.stringify({ error: "unable to connect to server" }))).toThrow(
      /unable to connect/,
    );
  });
});
