import { describe, expect, it } from "vitest";
import { createLogger, parseListen } from "./collect.js";

describe("parseListen", () => {
  it("reads host:port, [v6]:port and :port", () => {
    expect(parseListen("127.0.0.1:9105")).toEqual({ host: "127.0.0.1", port: 9105 });
    expect(parseListen("[::1]:9105")).toEqual({ host: "::1", port: 9105 });
    expect(parseListen(":9105")).toEqual({ host: "0.0.0.0", port: 9105 });
  });
  it("refuses what is not an address", () => {
    expect(() => parseListen("9105")).toThrow(/host:port/);
    expect(() => parseListen("localhost:70000")).toThrow(/out of range/);
  });
});

describe("createLogger", () => {
  it("redacts secret fields wherever a config object ends up in a log line", () => {
    let text = "";
    const logger = createLogger("info", { write: (line: string) => (text += line) });
    logger.info({ snmp: { community: "s3cret" }, device: { auth_key: "k3y", priv_key: "p" } }, "config");
    expect(text).not.toMatch(/s3cret|k3y/);
    expect(JSON.parse(text)).toMatchObject({
      snmp: { community: "[redacted]" },
      device: { auth_key: "[redacted]" },
    });
  });
});
