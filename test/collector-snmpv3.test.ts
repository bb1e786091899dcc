// SNMPv3 against a real snmpd with USM users: every auth protocol, AES-128/192/256 privacy
// (AES-192 is kapasitas's own registration on net-snmp), and the failures an operator will meet:
// a wrong auth key, a wrong priv key, an unknown user. Secrets never appear in what is exposed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../collector/poll/fleet.js";
import type { AuthProtocol, PrivProtocol } from "../core/schema.js";
import { PRICING, inventoryFrom, scrape, setSecret, startCollector, value } from "./collector-support.js";
import type { AuthProtocol as ToolAuth, PrivProtocol as ToolPriv } from "../lab/snmpclient.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";

interface Case {
  id: string;
  auth: AuthProtocol;
  priv?: PrivProtocol;
}

const CASES: Case[] = [
  { id: "sha-aes128", auth: "sha", priv: "aes128" },
  { id: "sha-aes192", auth: "sha", priv: "aes192" }, // 20-byte SHA key extended to 24 (Blumenthal)
  { id: "sha-aes256", auth: "sha", priv: "aes256" },
  { id: "sha224-aes128", auth: "sha224", priv: "aes128" },
  { id: "sha256-aes192", auth: "sha256", priv: "aes192" },
  { id: "sha384-aes256", auth: "sha384", priv: "aes256" },
  { id: "sha512-aes256", auth: "sha512", priv: "aes256" },
  { id: "sha256-authnopriv", auth: "sha256" },
];

const TOOL_AUTH: Record<AuthProtocol, ToolAuth> = {
  sha: "SHA",
  sha224: "SHA-224",
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
  md5: "MD5",
};
const TOOL_PRIV: Partial<Record<PrivProtocol, ToolPriv>> = {
  aes128: "AES",
  aes192: "AES-192",
  aes256: "AES-256",
  des: "DES",
};

const authKey = (c: Case) => `auth-${c.id}-secret`;
const privKey = (c: Case) => `priv-${c.id}-secret`;
const envName = (s: string) => `KP_V3_${s.replace(/-/g, "_").toUpperCase()}`;

describe("SNMPv3 against snmpd with USM users", () => {
  const agents = new Map<string, Snmpd>();
  let collector: Fleet;

  beforeAll(async () => {
    // One agent per user: the inventory gives every device its own address, as in the field.
    await Promise.all(
      [...CASES.map((c) => c.id), "wrong-auth", "wrong-priv", "unknown-user"].map(async (id) => {
        const c = CASES.find((x) => x.id === id) ?? CASES[0]!;
        agents.set(
          id,
          await startSnmpd({
            community: null,
            users: [
              {
                name: `kp-${c.id}`,
                authProtocol: TOOL_AUTH[c.auth],
                authKey: authKey(c),
                ...(c.priv && { privProtocol: TOOL_PRIV[c.priv], privKey: privKey(c) }),
              },
            ],
          }),
        );
      }),
    );
    const device = (id: string, c: Case, over: { user?: string; auth?: string; priv?: string } = {}) => {
      const a = agents.get(id)!;
      const level = c.priv ? "authPriv" : "authNoPriv";
      const lines = [
        `  - id: ${id}`,
        `    host: ${a.host}`,
        `    port: ${a.port}`,
        // Failing cases end in a timeout (wrong priv key): keep those short, the others patient.
        `    timeout: ${Object.keys(over).length > 0 ? "1s" : "5s"}`,
        `    retries: 0`,
        `    snmp:`,
        `      version: v3`,
        `      username: ${over.user ?? `kp-${c.id}`}`,
        `      security_level: ${level}`,
        `      auth_protocol: ${c.auth}`,
        `      auth_key: ${setSecret(envName(`${id}-auth`), over.auth ?? authKey(c))}`,
      ];
      if (c.priv)
        lines.push(
          `      priv_protocol: ${c.priv}`,
          `      priv_key: ${setSecret(envName(`${id}-priv`), over.priv ?? privKey(c))}`,
        );
      return lines.join("\n");
    };
    const base = CASES[0]!;
    collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
${CASES.map((c) => device(c.id, c)).join("\n")}
${device("wrong-auth", base, { auth: "not-the-auth-key" })}
${device("wrong-priv", base, { priv: "not-the-priv-key" })}
${device("unknown-user", base, { user: "nobody-here" })}
opds:
  - id: dinkes
    name: Dinas Kesehatan
    category: public_service
    allocated: { download_mbps: 20, upload_mbps: 10 }
    links:
${CASES.map((c) => `      - { device: ${c.id}, interface: { name: lo } }`).join("\n")}
${PRICING}`),
    );
  });

  afterAll(async () => {
    collector?.close();
    await Promise.all([...agents.values()].map((a) => a.stop()));
  });

  for (const c of CASES) {
    it(`${c.auth} / ${c.priv ?? "no privacy"}: polls interfaces`, async () => {
      const e = await scrape(collector, c.id);
      expect(value(e, "snmp_device_up", { device: c.id })).toBe(1);
      expect(value(e, "snmp_interface_oper_up", { device: c.id, interface: "lo" })).toBe(1);
      expect(value(e, "opd_link_bytes_total", { device: c.id, direction: "download" })).toBe(0);
    });
  }

  for (const id of ["wrong-auth", "wrong-priv", "unknown-user"]) {
    it(`${id}: marked down with reason auth, secrets never exposed`, async () => {
      const e = await scrape(collector, id);
      expect(value(e, "snmp_device_up", { device: id })).toBe(0);
      expect(value(e, "snmp_device_poll_failures_total", { device: id, reason: "auth" })).toBe(1);
      const text = JSON.stringify(e.samples);
      expect(text).not.toContain("not-the-");
      expect(text).not.toContain("-secret");
    });
  }
});

describe("SNMPv3 across an agent restart", () => {
  it("re-synchronises engine boots/time after snmpd restarts, without a failed poll", async () => {
    const agent = await startSnmpd({
      community: null,
      users: [
        {
          name: "kp-restart",
          authProtocol: "SHA-256",
          authKey: "auth-restart-secret",
          privProtocol: "AES",
          privKey: "priv-restart-secret",
        },
      ],
    });
    const collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
  - id: core
    host: ${agent.host}
    port: ${agent.port}
    timeout: 5s
    retries: 1
    snmp:
      version: v3
      username: kp-restart
      security_level: authPriv
      auth_protocol: sha256
      auth_key: ${setSecret("KP_V3_RESTART_AUTH", "auth-restart-secret")}
      priv_protocol: aes128
      priv_key: ${setSecret("KP_V3_RESTART_PRIV", "priv-restart-secret")}
${PRICING}`),
    );
    try {
      expect(value(await scrape(collector, "core"), "snmp_device_up", { device: "core" })).toBe(1);
      await agent.restart();
      const after = await scrape(collector, "core");
      expect(value(after, "snmp_device_up", { device: "core" })).toBe(1);
    } finally {
      collector.close();
      await agent.stop();
    }
  });
});

describe("SNMPv3 noAuthNoPriv, and a secret that does not resolve", () => {
  it("polls a noAuthNoPriv user; a missing env secret is reason credentials, not a crash", async () => {
    const agent = await startSnmpd({
      community: "ready-check-only",
      extraConfig: ["createUser kp-noauth", "rouser kp-noauth noauth"],
    });
    const other = await startSnmpd({ community: "ready-check-only" });
    delete process.env.KP_V3_NEVER_SET;
    const collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
  - id: noauth
    host: ${agent.host}
    port: ${agent.port}
    timeout: 5s
    snmp: { version: v3, username: kp-noauth, security_level: noAuthNoPriv }
  - id: no-secret
    host: ${other.host}
    port: ${other.port}
    snmp:
      version: v3
      username: kp-x
      security_level: authNoPriv
      auth_protocol: sha
      auth_key: env:KP_V3_NEVER_SET
opds:
  - id: dinkes
    name: Dinas Kesehatan
    category: public_service
    allocated: { download_mbps: 20, upload_mbps: 10 }
    links: [{ device: noauth, interface: { name: lo } }]
${PRICING}`),
    );
    try {
      const e = await scrape(collector, "noauth");
      expect(value(e, "snmp_device_up", { device: "noauth" })).toBe(1);
      expect(value(e, "snmp_interface_oper_up", { device: "noauth", interface: "lo" })).toBe(1);
      const missing = await scrape(collector, "no-secret");
      expect(value(missing, "snmp_device_up", { device: "no-secret" })).toBe(0);
      expect(
        value(missing, "snmp_device_poll_failures_total", { device: "no-secret", reason: "credentials" }),
      ).toBe(1);
    } finally {
      collector.close();
      await Promise.all([agent.stop(), other.stop()]);
    }
  });
});
