import { createSocket } from "node:dgram";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../lab/ports.js";
import { overrideLine, startSnmpd, SYS_NAME_OID, SYS_UPTIME_OID, type Snmpd } from "../lab/snmpd.js";
import { snmpColumn, snmpGet, snmpWalk } from "../lab/snmpclient.js";

const IF_IN_OCTETS = "1.3.6.1.2.1.2.2.1.10";
const IF_OUT_OCTETS_1 = "1.3.6.1.2.1.2.2.1.16.1";
const QUEUE_TABLE = "1.3.6.1.4.1.14988.1.1.2.1"; // MikroTik simple queues (mtxrQueueSimpleTable)

describe("snmpd on loopback", () => {
  let agent: Snmpd;
  beforeAll(async () => {
    agent = await startSnmpd({
      community: "kp-test",
      sysName: "core-test",
      ifCacheSeconds: 0,
      users: [
        {
          name: "noc256",
          authProtocol: "SHA-256",
          authKey: "auth-key-256",
          privProtocol: "AES-256",
          privKey: "priv-key-256",
        },
        {
          name: "noc512",
          authProtocol: "SHA-512",
          authKey: "auth-key-512",
          privProtocol: "AES",
          privKey: "priv-key-512",
        },
        { name: "nocsha", authProtocol: "SHA", authKey: "auth-key-sha" },
        {
          name: "cisco",
          authProtocol: "SHA",
          authKey: "auth-key-c1",
          privProtocol: "AES-256-C",
          privKey: "priv-key-c1",
        },
      ],
      overrides: [{ oid: IF_OUT_OCTETS_1, type: "counter", value: 4294967000 }],
      passPersist: [
        {
          subtree: QUEUE_TABLE,
          values: {
            [`${QUEUE_TABLE}.1.2.1`]: { type: "string", value: "opd-diskominfo" },
            [`${QUEUE_TABLE}.1.8.1`]: { type: "counter64", value: "18446744073709551000" },
          },
        },
        // A whole column: a 32-bit ifInOctets the test moves across 2^32.
        { subtree: IF_IN_OCTETS, values: { [`${IF_IN_OCTETS}.1`]: { type: "counter", value: 4294967290 } } },
      ],
    });
  });
  afterAll(() => agent?.stop());

  it("answers v2c with the configured sysName and a real ifTable (lo is there)", async () => {
    const [name] = await snmpGet(agent.target, [SYS_NAME_OID]);
    expect(name?.value).toBe("core-test");
    const ifNames = await snmpColumn(agent.target, "1.3.6.1.2.1.31.1.1.1.1");
    expect([...ifNames.values()]).toContain("lo");
  });

  it("answers SNMPv3 authPriv (SHA-256/AES-256, SHA-512/AES) and authNoPriv (SHA)", async () => {
    const v3 = [
      {
        user: "noc256",
        level: "authPriv",
        authProtocol: "SHA-256",
        authKey: "auth-key-256",
        privProtocol: "AES-256",
        privKey: "priv-key-256",
      },
      {
        user: "noc512",
        level: "authPriv",
        authProtocol: "SHA-512",
        authKey: "auth-key-512",
        privProtocol: "AES",
        privKey: "priv-key-512",
      },
      { user: "nocsha", level: "authNoPriv", authProtocol: "SHA", authKey: "auth-key-sha" },
    ] as const;
    for (const credentials of v3) {
      const [name] = await snmpGet({ host: agent.host, port: agent.port, v3: credentials }, [SYS_NAME_OID]);
      expect(name?.value).toBe("core-test");
    }
    await expect(
      snmpGet(
        { host: agent.host, port: agent.port, v3: { ...v3[0], authKey: "wrong-key-xx" } },
        [SYS_NAME_OID],
        { timeoutSeconds: 1 },
      ),
    ).rejects.toThrow(/snmpget/);
  });

  it("keeps the Reeder (-C, Cisco) and Blumenthal AES-256 key extensions apart", async () => {
    const cisco = {
      user: "cisco",
      level: "authPriv",
      authProtocol: "SHA",
      authKey: "auth-key-c1",
      privKey: "priv-key-c1",
    } as const;
    const [name] = await snmpGet(
      { host: agent.host, port: agent.port, v3: { ...cisco, privProtocol: "AES-256-C" } },
      [SYS_NAME_OID],
    );
    expect(name?.value).toBe("core-test");
    // Same passphrases, the other key extension: the agent cannot decrypt and stays silent.
    await expect(
      snmpGet(
        { host: agent.host, port: agent.port, v3: { ...cisco, privProtocol: "AES-256" } },
        [SYS_NAME_OID],
        {
          timeoutSeconds: 0.5,
          retries: 0,
        },
      ),
    ).rejects.toThrow(/Timeout/);
  });

  it("serves an overridden 32-bit counter and a pass_persist table the test can change", async () => {
    const [outOctets] = await snmpGet(agent.target, [IF_OUT_OCTETS_1]);
    expect(outOctets?.value).toBe("4294967000");
    expect(await snmpWalk(agent.target, QUEUE_TABLE)).toEqual([
      { oid: `${QUEUE_TABLE}.1.2.1`, value: "opd-diskominfo" },
      { oid: `${QUEUE_TABLE}.1.8.1`, value: "18446744073709551000" },
    ]);
    agent.setServed(QUEUE_TABLE, { [`${QUEUE_TABLE}.1.8.1`]: { type: "counter64", value: 42 } });
    expect(await snmpWalk(agent.target, QUEUE_TABLE)).toEqual([{ oid: `${QUEUE_TABLE}.1.8.1`, value: "42" }]);
  });

  it("wraps a served 32-bit counter between two polls", async () => {
    expect(await snmpWalk(agent.target, IF_IN_OCTETS)).toEqual([
      { oid: `${IF_IN_OCTETS}.1`, value: "4294967290" },
    ]);
    agent.setServed(IF_IN_OCTETS, { [`${IF_IN_OCTETS}.1`]: { type: "counter", value: 10 } });
    expect(await snmpGet(agent.target, [`${IF_IN_OCTETS}.1`])).toEqual([
      { oid: `${IF_IN_OCTETS}.1`, value: "10" },
    ]);
  });

  it("restart() is a reboot: sysUpTime goes back", async () => {
    const uptime = async () => Number((await snmpGet(agent.target, [SYS_UPTIME_OID]))[0]?.value);
    // Let sysUpTime (centiseconds) grow past what a fresh start shows, without guessing: poll for it.
    const before = await (async () => {
      for (;;) {
        const value = await uptime();
        if (value >= 150) return value;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const oldPid = agent.pid();
    await agent.restart();
    expect(agent.pid()).not.toBe(oldPid);
    expect(await uptime()).toBeLessThan(before);
  });
});

describe("snmpd config rendering", () => {
  it("quotes string overrides so an ifAlias keeps its spaces", () => {
    expect(overrideLine({ oid: ".1.3.6.1.2.1.31.1.1.1.18.2", type: "octet_str", value: "OPD Dinkes" })).toBe(
      'override .1.3.6.1.2.1.31.1.1.1.18.2 octet_str "OPD Dinkes"',
    );
    expect(overrideLine({ oid: "1.3.6.1.2.1.2.2.1.10.2", type: "counter", value: 4294967295 })).toBe(
      "override .1.3.6.1.2.1.2.2.1.10.2 counter 4294967295",
    );
  });
});

describe("snmpd start failures", () => {
  it("reports snmpd's own error and leaves nothing behind when the port is taken", async () => {
    const blocker = createSocket("udp4");
    const port = await freePort("udp");
    await new Promise<void>((resolve) => blocker.bind(port, "127.0.0.1", resolve));
    // A private TMPDIR: other test files start snmpd in the shared one at the same time.
    const sharedTmp = process.env.TMPDIR;
    const privateTmp = mkdtempSync(join(tmpdir(), "kp-snmpd-test-"));
    process.env.TMPDIR = privateTmp;
    try {
      await expect(startSnmpd({ port, community: "never-shown-1" })).rejects.toThrow(
        /process exited before it was ready[\s\S]*127\.0\.0\.1/,
      );
      await expect(startSnmpd({ port, community: "never-shown-2" })).rejects.not.toThrow(/never-shown/);
    } finally {
      blocker.close();
      if (sharedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = sharedTmp;
    }
    expect(readdirSync(privateTmp).filter((f) => f.startsWith("kp-snmpd-"))).toEqual([]);
    rmSync(privateTmp, { recursive: true, force: true });
  });
});
