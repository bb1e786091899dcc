// SNMPv3 with MD5 and DES, as many old city devices speak it: refused unless the inventory opts in
// with `allow_weak_crypto: true`; with it, polled against a real snmpd user (MD5/DES), flagged by
// `inventory check` and by snmp_device_security_info{weak_crypto="true"}; keys never printed.
// DES lives in OpenSSL 3's legacy provider: the collector runs with --openssl-legacy-provider.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatProblem, parseInventory } from "../core/load.js";
import { summarise } from "../core/summary.js";
import { METRICS } from "../core/contract.js";
import { select } from "../lab/exposition.js";
import { inventoryYaml, opdWithLink, startCollector, type CollectorProcess } from "../lab/kapasitas.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";

const AUTH_KEY = "kp-md5-auth-secret";
const PRIV_KEY = "kp-des-priv-secret";

function inventory(agent: Snmpd, optIn: boolean): string {
  return inventoryYaml({
    devices: [
      {
        id: "old-switch",
        host: agent.host,
        port: agent.port,
        snmp: {
          version: "v3",
          username: "kp-old",
          security_level: "authPriv",
          auth_protocol: "md5",
          auth_key: "env:KP_WEAK_AUTH",
          priv_protocol: "des",
          priv_key: "env:KP_WEAK_PRIV",
          ...(optIn && { allow_weak_crypto: true }),
        },
      },
    ],
    opds: [opdWithLink("dinkes", { device: "old-switch", interface: { name: "lo" } })],
  });
}

describe("SNMPv3 MD5/DES behind allow_weak_crypto", () => {
  let agent: Snmpd;
  let collector: CollectorProcess;

  beforeAll(async () => {
    agent = await startSnmpd({
      community: null,
      users: [
        { name: "kp-old", authProtocol: "MD5", authKey: AUTH_KEY, privProtocol: "DES", privKey: PRIV_KEY },
      ],
    });
    collector = await startCollector({
      inventory: inventory(agent, true),
      env: { KP_WEAK_AUTH: AUTH_KEY, KP_WEAK_PRIV: PRIV_KEY },
      nodeFlags: ["--openssl-legacy-provider"],
    });
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    await agent?.stop();
  });

  it("refuses md5/des without the opt-in, as a located problem", () => {
    const result = parseInventory(inventory(agent, false), "weak.yaml");
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      "weak.yaml:11:22 devices[0].snmp.auth_protocol: md5 and des are broken: prefer sha/aes128; for a device that speaks nothing else, opt in with allow_weak_crypto: true (docs/inventory.md)",
    ]);
  });

  it("flags the opted-in device in the inventory summary", () => {
    const result = parseInventory(inventory(agent, true), "weak.yaml");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    expect(summarise(result.inventory)).toContain(
      "WEAK: 1 device(s) on MD5/DES (allow_weak_crypto): old-switch",
    );
  });

  it('polls the MD5/DES user and labels the device weak_crypto="true", without printing a key', async () => {
    const scrape = await collector.scrapeTarget("old-switch", 10);
    expect(select(scrape.exposition, METRICS.deviceUp)[0]?.value).toBe(1);
    expect(select(scrape.exposition, "opd_link_bytes_total", { opd: "dinkes" })).toHaveLength(2);
    expect(select(scrape.exposition, METRICS.deviceSecurityInfo)).toEqual([
      {
        name: METRICS.deviceSecurityInfo,
        labels: { device: "old-switch", version: "v3", security_level: "authPriv", weak_crypto: "true" },
        value: 1,
      },
    ]);
    for (const key of [AUTH_KEY, PRIV_KEY]) {
      expect(scrape.text).not.toContain(key);
      expect(collector.daemon.output()).not.toContain(key);
    }
  });

  it("without the legacy provider (outside the image), the DES device fails with the setting named", async () => {
    const plain = await startCollector({
      inventory: inventory(agent, true),
      env: { KP_WEAK_AUTH: AUTH_KEY, KP_WEAK_PRIV: PRIV_KEY, NODE_OPTIONS: "" },
    });
    try {
      const scrape = await plain.scrapeTarget("old-switch", 10);
      expect(select(scrape.exposition, METRICS.deviceUp)[0]?.value).toBe(0);
      expect(plain.daemon.output()).toContain("NODE_OPTIONS=--openssl-legacy-provider");
      for (const key of [AUTH_KEY, PRIV_KEY]) expect(plain.daemon.output()).not.toContain(key);
    } finally {
      await plain.stop();
    }
  });
});
