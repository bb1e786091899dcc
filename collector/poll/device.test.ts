import { describe, expect, it } from "vitest";
import { speedBps } from "./device.js";

describe("speedBps", () => {
  it("takes ifHighSpeed in Mbit/s, else ifSpeed, and never a sentinel", () => {
    expect(speedBps(1000, 4294967295)).toBe(1e9);
    expect(speedBps(0, 100_000_000)).toBe(1e8);
    // FortiGate on a down port: ifHighSpeed 4294901759, ifSpeed 4294967295.
    expect(speedBps(4294901759, 4294967295)).toBeUndefined();
    expect(speedBps(4294901759, 10_000_000)).toBe(1e7);
  });
});
