import snmp from "net-snmp";
import { describe, expect, it } from "vitest";
import { SecretError } from "./secrets.js";
import { classify, compareOids, decode, SnmpError, WalkGuard } from "./session.js";

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

describe("WalkGuard", () => {
  const limits = { walkMaxRows: 3, walkMaxRequests: 2 };
  it("compares OIDs arc by arc, not as text", () => {
    expect(compareOids("1.3.6.1.10", "1.3.6.1.9")).toBeGreaterThan(0);
    expect(compareOids("1.3.6.1", "1.3.6.1.0")).toBeLessThan(0);
    expect(compareOids("1.3.6.1.2", "1.3.6.1.2")).toBe(0);
  });
  it("refuses an OID that repeats or goes backwards as a loop", () => {
    const guard = new WalkGuard(limits);
    guard.row("1.2", "1.2", "1.2.1");
    expect(() => guard.row("1.2", "1.2.1", "1.2.1")).toThrow(expect.objectContaining({ reason: "loop" }));
    expect(() => guard.row("1.2", "1.2.5", "1.2.4")).toThrow(expect.objectContaining({ reason: "loop" }));
  });
  it("stops a walk past its rows or its requests as too_many_rows", () => {
    const rows = new WalkGuard(limits);
    for (let i = 1; i <= 3; i++) rows.row("1.2", `1.2.${i - 1}`, `1.2.${i}`);
    expect(() => rows.row("1.2", "1.2.3", "1.2.4")).toThrow(
      expect.objectContaining({ reason: "too_many_rows" }),
    );
    const requests = new WalkGuard(limits);
    requests.request(["1.2"]);
    requests.request(["1.2"]);
    expect(() => requests.request(["1.2"])).toThrow(expect.objectContaining({ reason: "too_many_rows" }));
  });
});

describe("classify scrubs secrets", () => {
  it("blanks both communities net-snmp quotes, and every secret value given", () => {
    const error = new snmp.ResponseInvalidError(
      "Community 'kp-secret' in request does not match community 'kp-secret-other' in response",
      snmp.ResponseInvalidCode.ECommunityNoMatch,
    );
    const failure = classify(error, false, ["kp-secret"]);
    expect(failure.reason).toBe("malformed");
    expect(failure.message).toBe(
      "invalid response: Community '[redacted]' in request does not match community '[redacted]' in response",
    );
    expect(classify(new Error("socket said authkey-123"), false, ["authkey-123"]).message).toBe(
      "socket said [redacted]",
    );
  });
});
