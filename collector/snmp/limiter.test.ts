import { describe, expect, it } from "vitest";
import { Limiter, withLimits } from "./limiter.js";

/** A task that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("Limiter", () => {
  it("never runs more than its limit at once, and runs waiters in order", async () => {
    const limiter = new Limiter(2);
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const tasks = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queued).toBe(1);
    gates[1]!.open();
    await tasks[1];
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    gates[2]!.open();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2]);
    expect(limiter.inFlight).toBe(0);
  });

  it("releases the slot when a task fails", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => "next")).toBe("next");
  });

  it("a device busy at its own limit holds no global slot while it waits", async () => {
    const global = new Limiter(2);
    const slowDevice = new Limiter(1);
    const g = gate();
    const first = withLimits([slowDevice, global], () => g.opened);
    const second = withLimits([slowDevice, global], async () => "queued behind its own device");
    await Promise.resolve();
    expect(global.inFlight).toBe(1);
    // Another device still gets the remaining global slot.
    expect(await withLimits([new Limiter(1), global], async () => "other device")).toBe("other device");
    g.open();
    await first;
    expect(await second).toBe("queued behind its own device");
  });

  it("refuses a nonsense limit", () => {
    expect(() => new Limiter(0)).toThrow();
  });
});
