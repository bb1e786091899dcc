// SNMPv3 privacy key extension, against a second agent implementation: snmpsimd (pysnmp) offers both
// ways of stretching a short (SHA-1, 20-byte) key to AES-192/256: Blumenthal ("AES192BLMT",
// "AES256BLMT", Net-SNMP's AES-192/AES-256) and Reeder ("AES256", Cisco's "AES256C"). Debian's snmpd
// has only the Blumenthal ones, so `aes256c` is proved here. For SNMPv3, snmpsimd picks the
// recording by context name, which also exercises the inventory's `context`.
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fleet } from "../collector/poll/fleet.js";
import type { PrivProtocol } from "../core/schema.js";
import { PRICING, inventoryFrom, scrape, setSecret, startCollector, value } from "./collector-support.js";
import { requireBinary } from "../lab/binaries.js";
import { removeDirOnExit } from "../lab/cleanup.js";
import { freePort } from "../lab/ports.js";
import { run, startDaemon, waitFor, type Daemon } from "../lab/process.js";
import { RECORDINGS_DIR } from "../lab/snmpsim.js";

/** Our name → snmpsimd's (pysnmp) name for the same cipher and key extension. */
const USERS: { user: string; ours: PrivProtocol; theirs: string }[] = [
  { user: "kp-aes256c", ours: "aes256c", theirs: "AES256" }, // Reeder
  { user: "kp-aes256", ours: "aes256", theirs: "AES256BLMT" }, // Blumenthal
  { user: "kp-aes192", ours: "aes192", theirs: "AES192BLMT" }, // Blumenthal
  { user: "kp-aes128", ours: "aes128", theirs: "AES" },
];
const authKey = (u: string) => `auth-${u}-secret`;
const privKey = (u: string) => `priv-${u}-secret`;

describe("SNMPv3 AES key extension against snmpsimd (pysnmp)", () => {
  let daemon: Daemon;
  let root: string;
  let unregister: () => void;
  let collector: Fleet;

  beforeAll(async () => {
    const snmpsimd = requireBinary("snmpsimd");
    root = mkdtempSync(join(tmpdir(), "kp-snmpsim-v3-"));
    unregister = removeDirOnExit(root);
    chmodSync(root, 0o755);
    const data = join(root, "data");
    const cache = join(root, "cache");
    mkdirSync(data, { mode: 0o755 });
    mkdirSync(cache, { mode: 0o755 });
    copyFileSync(join(RECORDINGS_DIR, "linux_ntc.snmprec"), join(data, "linux_ntc.snmprec"));
    chmodSync(join(data, "linux_ntc.snmprec"), 0o644);
    const uid = Number((await run("id", ["-u", "nobody"])).stdout.trim());
    const gid = Number((await run("getent", ["group", "nogroup"])).stdout.split(":")[2]);
    chownSync(cache, uid, gid);
    const port = await freePort("udp");
    daemon = startDaemon(snmpsimd, [
      `--data-dir=${data}`,
      `--cache-dir=${cache}`,
      // One address per device (the inventory gives every device its own): 127.0.0.1, .2, ...
      ...[...USERS, "mismatch"].map((_, i) => `--agent-udpv4-endpoint=127.0.0.${i + 1}:${port}`),
      "--process-user=nobody",
      "--process-group=nogroup",
      "--logging-method=null",
      ...USERS.flatMap((u) => [
        `--v3-user=${u.user}`,
        `--v3-auth-key=${authKey(u.user)}`,
        "--v3-auth-proto=SHA",
        `--v3-priv-key=${privKey(u.user)}`,
        `--v3-priv-proto=${u.theirs}`,
      ]),
    ]);
    // Ready when Net-SNMP's own client gets an answer for a Blumenthal user (aes128 needs no extension).
    const probe = USERS.find((u) => u.ours === "aes128")!;
    const snmpget = requireBinary("snmpget");
    await waitFor(
      "snmpsimd (SNMPv3) to answer",
      async () =>
        (
          await run(snmpget, [
            ...["-v3", "-l", "authPriv", "-u", probe.user, "-a", "SHA", "-A", authKey(probe.user)],
            ...["-x", "AES", "-X", privKey(probe.user), "-n", "linux_ntc", "-t", "1", "-r", "0"],
            `127.0.0.1:${port}`,
            "1.3.6.1.2.1.1.3.0",
          ])
        ).code === 0,
      { daemon, timeoutMs: 30_000 },
    );
    // One device per user; snmpsimd is one address, so each device names it differently
    // (127.0.0.x are all this host's loopback).
    collector = startCollector(
      inventoryFrom(`version: 1
organisation: test
devices:
${USERS.map(
  (u, i) => `  - id: ${u.user}
    host: 127.0.0.${i + 1}
    port: ${port}
    timeout: 5s
    snmp:
      version: v3
      username: ${u.user}
      security_level: authPriv
      auth_protocol: sha
      auth_key: ${setSecret(`KP_SIM_${u.ours.toUpperCase()}_AUTH`, authKey(u.user))}
      priv_protocol: ${u.ours}
      priv_key: ${setSecret(`KP_SIM_${u.ours.toUpperCase()}_PRIV`, privKey(u.user))}
      context: linux_ntc`,
).join("\n")}
  # The Reeder user, spoken to with the Blumenthal extension: the keys differ, the agent drops it.
  - id: mismatch
    host: 127.0.0.${USERS.length + 1}
    port: ${port}
    timeout: 1s
    retries: 0
    snmp:
      version: v3
      username: kp-aes256c
      security_level: authPriv
      auth_protocol: sha
      auth_key: ${setSecret("KP_SIM_MISMATCH_AUTH", authKey("kp-aes256c"))}
      priv_protocol: aes256
      priv_key: ${setSecret("KP_SIM_MISMATCH_PRIV", privKey("kp-aes256c"))}
      context: linux_ntc
opds:
  - id: dinkes
    name: Dinas Kesehatan
    category: public_service
    allocated: { download_mbps: 20, upload_mbps: 10 }
    links:
${USERS.map((u) => `      - { device: ${u.user}, interface: { name: eth0 } }`).join("\n")}
${PRICING}`),
    );
  });

  afterAll(async () => {
    collector?.close();
    await daemon?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
    unregister?.();
  });

  it("the key extension matters: aes256 (Blumenthal) against the Reeder user fails, as auth", async () => {
    const e = await scrape(collector, "mismatch");
    expect(value(e, "snmp_device_up", { device: "mismatch" })).toBe(0);
    expect(value(e, "snmp_device_poll_failures_total", { device: "mismatch", reason: "auth" })).toBe(1);
  });

  for (const u of USERS) {
    it(`${u.ours} interoperates with pysnmp's ${u.theirs}`, async () => {
      const e = await scrape(collector, u.user);
      expect(value(e, "snmp_device_up", { device: u.user })).toBe(1);
      // The recording's data came through the encrypted session: eth0's row and its counters.
      expect(value(e, "snmp_interface_oper_up", { device: u.user, interface: "eth0" })).toBe(1);
      expect(value(e, "opd_link_bytes_total", { device: u.user, direction: "download" })).toBe(0);
    });
  }
});
