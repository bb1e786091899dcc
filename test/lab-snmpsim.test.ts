import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSnmpsim, withGrowingCounters, type Snmpsim } from "../lab/snmpsim.js";
import { snmpColumn } from "../lab/snmpclient.js";

const IF_NAME = "1.3.6.1.2.1.31.1.1.1.1";
const IF_HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6";

describe("snmpsim on the real-device recordings", () => {
  let sim: Snmpsim;
  beforeAll(async () => {
    sim = await startSnmpsim({
      recordings: ["routeros", "ios", "linux_ntc"],
      growCounters: { linux_ntc: 1_000_000 },
      extraRecordings: {
        "mikrotik-queues": [
          "1.3.6.1.2.1.1.1.0|4|RouterOS CCR1036",
          "1.3.6.1.4.1.14988.1.1.2.1.1.2.1|4|opd-dinkes",
          "1.3.6.1.4.1.14988.1.1.2.1.1.8.1|70|123456789012",
        ].join("\n"),
      },
    });
  });
  afterAll(() => sim?.stop());

  it("serves routeros (community = file name): ifName has ether2, ifHCInOctets as recorded", async () => {
    const names = await snmpColumn(sim.target("routeros"), IF_NAME);
    expect(names.get("4")).toBe("ether2");
    expect(names.size).toBe(12);
    const inOctets = await snmpColumn(sim.target("routeros"), IF_HC_IN_OCTETS);
    expect(inOctets.get("3")).toBe("6422347895"); // WAN, above 2^32
    expect(inOctets.get("4")).toBe("4759651");
  });

  it("serves a recording written by the test", async () => {
    const queues = await snmpColumn(sim.target("mikrotik-queues"), "1.3.6.1.4.1.14988.1.1.2.1.1.8");
    expect(queues.get("1")).toBe("123456789012");
  });

  it("serves the ios ifXTable with its sparse ifIndex", async () => {
    const names = await snmpColumn(sim.target("ios"), IF_NAME);
    expect(names.size).toBe(61);
    expect(names.get("1")).toBe("Vl1");
  });

  it("grows counters with the numeric variation when asked", async () => {
    const first = await snmpColumn(sim.target("linux_ntc"), IF_HC_IN_OCTETS);
    let second = first;
    while (second.get("2") === first.get("2"))
      second = await snmpColumn(sim.target("linux_ntc"), IF_HC_IN_OCTETS);
    expect(BigInt(second.get("2") ?? "0")).toBeGreaterThan(BigInt(first.get("2") ?? "0"));
    expect(BigInt(first.get("2") ?? "0")).toBeGreaterThanOrEqual(237949448575n); // starts from the recorded value
  });

  it("rewrites only the HC octet rows of a recording", () => {
    const text =
      "1.3.6.1.2.1.31.1.1.1.6.2|70|100\n1.3.6.1.2.1.31.1.1.1.15.2|66|1000\n1.3.6.1.2.1.31.1.1.1.10.2|70|7";
    expect(withGrowingCounters(text, 5).split("\n")).toEqual([
      "1.3.6.1.2.1.31.1.1.1.6.2|70:numeric|initial=100,rate=5",
      "1.3.6.1.2.1.31.1.1.1.15.2|66|1000",
      "1.3.6.1.2.1.31.1.1.1.10.2|70:numeric|initial=7,rate=5",
    ]);
  });
});
