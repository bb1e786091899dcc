import { describe, expect, it } from "vitest";
import {
  AGENT_CACHE_SLACK_SECONDS,
  CEILING_BYTES_PER_SECOND,
  detectReboot,
  step,
  type CounterState,
  type StepContext,
} from "./counters.js";

const ctx = (over: Partial<StepContext> = {}): StepContext => ({
  elapsedSeconds: 60,
  rebooted: false,
  uptimeSeconds: 100_000,
  maxPerSecond: 100e6 / 8, // 100 Mbit/s
  ...over,
});
const sample = (raw: bigint, width: 32 | 64 = 64, instance = 1) => ({ raw, width, instance });

/** Feed raw values through step() and return the totals after each. */
function totals(raws: bigint[], width: 32 | 64 = 64, c: StepContext = ctx()): number[] {
  let state: CounterState | undefined;
  return raws.map((raw) => {
    state = step(state, sample(raw, width), c).state;
    return state.total;
  });
}

describe("step", () => {
  it("starts at zero and adds increases", () => {
    expect(totals([1_000n, 1_500n, 4_000n])).toEqual([0, 500, 3_000]);
  });

  it("corrects a 32-bit wrap and reports it", () => {
    const prev = step(undefined, sample(4_294_967_000n, 32), ctx()).state;
    const r = step(prev, sample(704n, 32), ctx());
    expect(r.outcome).toBe("wrapped");
    expect(r.delta).toBe(296 + 704);
    expect(r.state.total).toBe(1_000);
  });

  it("stays monotonic over several 32-bit wraps", () => {
    const raws = [4_000_000_000n, 100_000_000n, 3_000_000_000n, 50_000_000n].map((x) => x);
    const t = totals(raws, 32, ctx({ maxPerSecond: 1e9 }));
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
    expect(t.at(-1)).toBe(
      2 ** 32 - 4_000_000_000 + 100_000_000 + 2_900_000_000 + 2 ** 32 - 3_000_000_000 + 50_000_000,
    );
  });

  it("treats a 64-bit counter going backwards as a reset, never a negative delta", () => {
    const prev = step(undefined, sample(10_000_000n), ctx()).state;
    const r = step(prev, sample(5n), ctx());
    expect(r).toMatchObject({ outcome: "reset", delta: 0 });
    expect(r.state.raw).toBe(5n);
    expect(step(r.state, sample(105n), ctx()).delta).toBe(100);
  });

  it("discards a delta above link speed x elapsed (plus the agent cache slack)", () => {
    const bytesPerSecond = 100e6 / 8;
    const limit = bytesPerSecond * (60 * 1.1 + AGENT_CACHE_SLACK_SECONDS);
    const prev = step(undefined, sample(0n), ctx()).state;
    expect(step(prev, sample(BigInt(Math.floor(limit))), ctx()).outcome).toBe("counted");
    const r = step(prev, sample(BigInt(Math.ceil(limit)) + 1n), ctx());
    expect(r).toMatchObject({ outcome: "implausible", delta: 0 });
    // re-baselined: the next normal delta counts from the new raw
    expect(step(r.state, sample(r.state.raw + 10n), ctx()).delta).toBe(10);
  });

  it("does not turn a cleared 32-bit counter into a near-2^32 spike", () => {
    const prev = step(undefined, sample(3_000_000_000n, 32), ctx()).state;
    const r = step(prev, sample(10n, 32), ctx({ maxPerSecond: 1e6 / 8 }));
    expect(r).toMatchObject({ outcome: "implausible", delta: 0 });
  });

  it("uses the ceiling when the speed is unknown", () => {
    const prev = step(undefined, sample(0n), ctx({ maxPerSecond: undefined })).state;
    const huge = BigInt(CEILING_BYTES_PER_SECOND * 1000);
    expect(step(prev, sample(huge), ctx({ maxPerSecond: undefined })).outcome).toBe("implausible");
  });

  it("after a reboot counts the bytes since boot, without a negative delta", () => {
    const prev = step(undefined, sample(9_000_000n), ctx()).state;
    const r = step(prev, sample(2_000n), ctx({ rebooted: true, uptimeSeconds: 30 }));
    expect(r).toMatchObject({ outcome: "reboot", delta: 2_000 });
    expect(r.state.total).toBe(2_000);
  });

  it("when only the agent restarted (counters ran on), counts the plain increase", () => {
    const prev = step(undefined, sample(9_000_000n), ctx()).state;
    const r = step(prev, sample(9_000_500n), ctx({ rebooted: true, uptimeSeconds: 3 }));
    expect(r).toMatchObject({ outcome: "counted", delta: 500 });
  });

  it("after a reboot discards an implausible since-boot value (no invented spike)", () => {
    const prev = step(undefined, sample(9_000_000n), ctx()).state;
    const r = step(prev, sample(10n ** 12n), ctx({ rebooted: true, uptimeSeconds: 30 }));
    expect(r).toMatchObject({ outcome: "implausible", delta: 0 });
  });

  it("keeps the total continuous when the row moves to another index", () => {
    let state = step(undefined, sample(100n, 64, 3), ctx()).state;
    state = step(state, sample(600n, 64, 3), ctx()).state;
    const moved = step(state, sample(50_000n, 64, 7), ctx());
    expect(moved).toMatchObject({ outcome: "moved", delta: 0 });
    expect(moved.state.total).toBe(500);
    expect(step(moved.state, sample(50_300n, 64, 7), ctx()).state.total).toBe(800);
  });

  it("re-baselines when the device falls back from 64-bit to 32-bit counters", () => {
    const prev = step(undefined, sample(10n ** 10n, 64), ctx()).state;
    expect(step(prev, sample(5n, 32), ctx())).toMatchObject({ outcome: "moved", delta: 0 });
  });
});

describe("detectReboot", () => {
  it("sees sysUpTime going backwards", () => {
    expect(detectReboot(500_000, 1_000, 60)).toBe(true);
  });
  it("sees an uptime shorter than the time since the last poll", () => {
    expect(detectReboot(2_000, 5_000, 60)).toBe(true);
  });
  it("is not fooled by the 497-day TimeTicks wrap", () => {
    expect(detectReboot(2 ** 32 - 1_000, 4_000, 50)).toBe(false);
  });
  it("does not call a frozen uptime (a static recording) a reboot", () => {
    expect(detectReboot(123_456_789, 123_456_789, 60)).toBe(false);
  });
  it("accepts normal progress", () => {
    expect(detectReboot(100_000, 106_000, 60)).toBe(false);
  });
});
