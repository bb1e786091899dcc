import { describe, expect, it } from "vitest";
import { Canceller, Limiter } from "./limiter.js";

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

  it("releases the slot when a task fails, and a second release does nothing", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const release = await limiter.acquire();
    release();
    release();
    expect(limiter.inFlight).toBe(0);
    expect(await limiter.run(async () => "next")).toBe("next");
  });

  it("a waiter whose signal fires leaves the queue and never holds a slot", async () => {
    const limiter = new Limiter(1);
    const holder = await limiter.acquire();
    const controller = new Canceller();
    const waiting = limiter.acquire(controller);
    const behind = limiter.acquire();
    expect(limiter.queued).toBe(2);
    controller.cancel(new Error("poll failed"));
    await expect(waiting).rejects.toThrow("poll failed");
    expect(limiter.queued).toBe(1);
    holder();
    // The slot goes to the next live waiter, not to the aborted one.
    const release = await behind;
    expect(limiter.inFlight).toBe(1);
    release();
    expect(limiter.inFlight).toBe(0);
    await expect(limiter.acquire(controller)).rejects.toThrow("poll failed");
    expect(limiter.inFlight).toBe(0);
  });

  it("raising the limit lets waiters in; lowering it takes effect as slots come back", async () => {
    const limiter = new Limiter(1);
    const first = await limiter.acquire();
    const second = limiter.acquire();
    limiter.setLimit(2);
    const r2 = await second;
    expect(limiter.inFlight).toBe(2);
    limiter.setLimit(1);
    const third = limiter.acquire();
    first();
    expect(limiter.inFlight).toBe(1);
    r2();
    const r3 = await third;
    expect(limiter.inFlight).toBe(1);
    r3();
    expect(limiter.inFlight).toBe(0);
  });

  it("refuses a nonsense limit", () => {
    expect(() => new Limiter(0)).toThrow();
    expect(() => new Limiter(1).setLimit(1.5)).toThrow();
  });
});
