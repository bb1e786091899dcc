import { describe, expect, it } from "vitest";
import { DEBIAN_PACKAGE_OF, findBinary, missingBinaryMessage, requireBinary } from "../lab/binaries.js";
import { freePort } from "../lab/ports.js";
import { once } from "../lab/cleanup.js";
import { waitFor } from "../lab/process.js";
import { redactArgs, credentialArgs, parseVarbinds } from "../lab/snmpclient.js";

describe("binaries", () => {
  it("names the Debian package that provides each binary", () => {
    expect(missingBinaryMessage("snmpd")).toBe("missing snmpd: apt-get install -y snmpd");
    expect(missingBinaryMessage("snmpget")).toBe("missing snmpget: apt-get install -y snmp");
    expect(missingBinaryMessage("snmpsimd")).toBe("missing snmpsimd: apt-get install -y snmpsim");
    expect(missingBinaryMessage("promtool")).toBe("missing promtool: apt-get install -y prometheus");
    expect(missingBinaryMessage("amtool")).toBe("missing amtool: apt-get install -y prometheus-alertmanager");
    expect(missingBinaryMessage("tc")).toBe("missing tc: apt-get install -y iproute2");
    expect(DEBIAN_PACKAGE_OF.iperf3).toBe("iperf3");
  });

  it("finds installed binaries by absolute path, including sbin ones", () => {
    expect(requireBinary("snmpd")).toMatch(/^\/.*\/snmpd$/);
    expect(findBinary("ip", "")).toMatch(/^\/.*\/ip$/);
    expect(findBinary("kapasitas-no-such-binary")).toBeUndefined();
  });
});

describe("ports", () => {
  it("hands out distinct free ports, tcp and udp", async () => {
    const ports = await Promise.all([freePort("tcp"), freePort("tcp"), freePort("udp"), freePort("udp")]);
    for (const port of ports) expect(port).toBeGreaterThan(1023);
    expect(new Set(ports.slice(0, 2)).size).toBe(2);
    expect(new Set(ports.slice(2)).size).toBe(2);
  });
});

describe("process primitives", () => {
  it("once() runs a stop function a single time", async () => {
    let calls = 0;
    const stop = once(async () => void calls++);
    await Promise.all([stop(), stop()]);
    await stop();
    expect(calls).toBe(1);
  });

  it("waitFor() fails with the last error after its deadline", async () => {
    await expect(
      waitFor("a thing that never happens", () => Promise.reject(new Error("still not")), {
        timeoutMs: 50,
        intervalMs: 10,
      }),
    ).rejects.toThrow(/timed out after 50 ms waiting for a thing that never happens: still not/);
  });
});

describe("snmp client helpers", () => {
  it("never shows communities or v3 keys in the arguments it reports", () => {
    const args = credentialArgs({
      host: "127.0.0.1",
      port: 161,
      v3: {
        user: "noc",
        level: "authPriv",
        authProtocol: "SHA-256",
        authKey: "s3cret-auth",
        privProtocol: "AES",
        privKey: "s3cret-priv",
      },
    });
    const shown = redactArgs(args).join(" ");
    expect(shown).not.toContain("s3cret");
    expect(shown).toContain("-u noc");
    expect(redactArgs(credentialArgs({ host: "h", port: 1, community: "topsecret" })).join(" ")).toBe(
      "-v2c -c ***",
    );
  });

  it("drops endOfMibView rows from walks", () => {
    expect(
      parseVarbinds(
        ".1.3.6.1.4.1.14988.1.1.2.1.1.8.1 123\n.1.3.6.1.4.1.14988.1.1.2.1.1.8.1 No more variables left in this MIB View (It is past the end of the MIB tree)\n",
      ),
    ).toEqual([{ oid: "1.3.6.1.4.1.14988.1.1.2.1.1.8.1", value: "123" }]);
  });

  it("parses -On -Oq output, unquoting strings", () => {
    expect(parseVarbinds('.1.3.6.1.2.1.1.5.0 "core 1"\n.1.3.6.1.2.1.1.3.0 123\n')).toEqual([
      { oid: "1.3.6.1.2.1.1.5.0", value: "core 1" },
      { oid: "1.3.6.1.2.1.1.3.0", value: "123" },
    ]);
  });
});
