import snmp from "net-snmp";
import { describe, expect, it } from "vitest";
import { SecretError } from "./secrets.js";
import { classify, decode, SnmpError } from "./session.js";

const T = snmp.ObjectType;

describe("decode", () => {
  it("reads Counter64 buffers of any length as bigint", () => {
    expect(decode({ oid: "1", type: T.Counter64!, value: Buffer.from("00000001000000ff", "hex") })).toEqual({
      kind: "counter64",
      value: 4294967551n,
    });
    expect(
      decode({ oid: "1", type: T.Counter64!, value: Buffer.from("ffffffffffffffffff".slice(2), "hex") }),
    ).toEqual({
      kind: "counter64",
      value: 2n ** 64n - 1n,
    });
    expect(decode({ oid: "1", type: T.Counter64!, value: Buffer.from("0102", "hex") })).toEqual({
      kind: "counter64",
      value: 258n,
    });
  });
  it("reads integers, counters, gauges and timeticks as numbers, strings as UTF-8", () => {
    for (const type of [T.Integer, T.Counter, T.Gauge, T.TimeTicks])
      expect(decode({ oid: "1", type: type!, value: 42 })).toEqual({ kind: "int", value: 42 });
    expect(decode({ oid: "1", type: T.OctetString!, value: Buffer.from("Dinas Kesehatan é") })).toEqual({
      kind: "string",
      value: "Dinas Kesehatan é",
    });
  });
  it("turns noSuchObject, noSuchInstance and endOfMibView into missing", () => {
    for (const type of [T.NoSuchObject, T.NoSuchInstance, T.EndOfMibView])
      expect(decode({ oid: "1", type: type!, value: null })).toEqual({ kind: "missing" });
  });
});

describe("classify", () => {
  it("tells silence from garbage on a timeout", () => {
    const timeout = new snmp.RequestTimedOutError("Request timed out");
    expect(classify(timeout, false).reason).toBe("timeout");
    expect(classify(timeout, true).reason).toBe("malformed");
  });
  it("maps SNMPv3 security reports to auth, other invalid responses to malformed", () => {
    const auth = new snmp.ResponseInvalidError("Wrong digests", snmp.ResponseInvalidCode.EAuthFailure);
    expect(classify(auth, false).reason).toBe("auth");
    const bad = new snmp.ResponseInvalidError("Unknown PDU type", snmp.ResponseInvalidCode.EUnknownPduType);
    expect(classify(bad, false).reason).toBe("malformed");
  });
  it("maps an unresolvable secret to credentials and tooBig to a splittable error", () => {
    expect(classify(new SecretError("env:X: environment variable not set"), false).reason).toBe(
      "credentials",
    );
    const tooBig = classify(new snmp.RequestFailedError("TooBig", 1), false);
    expect(tooBig).toBeInstanceOf(SnmpError);
    expect(tooBig.tooBig).toBe(true);
  });
});
