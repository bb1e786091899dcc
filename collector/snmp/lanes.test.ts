import { describe, expect, it } from "vitest";
import { BUCKET_SECONDS, concurrencyFor, createLanes, Lane, LoadMeter } from "./lanes.js";
import { Canceller } from "./limiter.js";

describe("concurrencyFor (Little's law, twice over)", () => {
  const bounds = { floor: 64, ceiling: 1024 };
  it("keeps the floor for a fast network", () => {
    // 1,000 devices, 13 PDUs a minute each, answered in 2 ms: under one slot.
    expect(concurrencyFor({ arrivalsPerSecond: 217, meanHoldSeconds: 0.002 }, bounds)).toBe(64);
  });
  it("grows with the round trip: 217 PDU/s at 400 ms needs 87 slots, twice that for bursts", () => {
    expect(concurrencyFor({ arrivalsPerSecond: 217, meanHoldSeconds: 0.4 }, bounds)).toBe(174);
  });
  it("never passes the ceiling", () => {
    expect(concurrencyFor({ arrivalsPerSecond: 5000, meanHoldSeconds: 2 }, bounds)).toBe(1024);
  });
});

describe("LoadMeter", () => {
  it("measures arrivals per second and mean hold time over the window", () => {
    const meter = new LoadMeter(0);
    for (let i = 0; i < 100; i++) meter.arrival(i * 100); // 10 per second for 10 s
    for (let i = 0; i < 100; i++) meter.completion(i * 100, 0.4);
    const load = meter.load(10_000);
    expect(load.arrivalsPerSecond).toBeCloseTo(10, 5);
    expect(load.meanHoldSeconds).toBeCloseTo(0.4, 5);
  });
  it("forgets a long idle past", () => {
    const meter = new LoadMeter(0);
    meter.arrival(0);
    meter.completion(BUCKET_SECONDS * 1000, 1);
    expect(meter.load(3_600_000)).toEqual({ arrivalsPerSecond: 0, meanHoldSeconds: 0 });
  });
});

describe("Lane", () => {
  it("sizes itself from what it measured: 20 requests a second holding a slot 1 s each need 40", async () => {
    let now = 0;
    const lane = new Lane("poll", { floor: 4, ceiling: 100, now: () => now });
    expect(lane.limit).toBe(4);
    const held: { ticket: { done(): void }; until: number }[] = [];
    // Simulated time, in order: every 50 ms the requests due end, then a new one arrives (and
    // waits in the queue while the lane is full: waiting is not holding).
    for (now = 0; now <= 70_000; now += 50) {
      while (held.length > 0 && held[0]!.until <= now) held.shift()!.ticket.done();
      void lane.enter().then((ticket) => held.push({ ticket, until: now + 1000 }));
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    expect(lane.limit).toBe(40);
  });

  it("reports the oldest request holding a slot and the oldest waiting for one", async () => {
    let now = 0;
    const lane = new Lane("probe", { floor: 1, ceiling: 1, now: () => now });
    const first = await lane.enter();
    now = 1500;
    const second = lane.enter();
    now = 4000;
    expect(lane.oldestInFlightSeconds()).toBe(4);
    expect(lane.oldestQueuedSeconds()).toBe(2.5);
    first.done();
    first.done(); // a second done gives back nothing
    const ticket = await second;
    expect(lane.inFlight).toBe(1);
    expect(lane.oldestQueuedSeconds()).toBe(0);
    ticket.done();
    expect(lane.inFlight).toBe(0);
    expect(lane.oldestInFlightSeconds()).toBe(0);
  });

  it("a waiter whose poll failed leaves the queue", async () => {
    const lane = new Lane("poll", { floor: 1, ceiling: 1 });
    const held = await lane.enter();
    const controller = new Canceller();
    const waiting = lane.enter(controller);
    controller.cancel(new Error("device timed out"));
    await expect(waiting).rejects.toThrow("device timed out");
    expect(lane.queued).toBe(0);
    held.done();
    expect(lane.inFlight).toBe(0);
  });

  it("the probe lane is a fraction of the poll lane, never under 4", () => {
    const lanes = createLanes({ floor: 64, ceiling: 1024 });
    expect([lanes.poll.limit, lanes.probe.limit]).toEqual([64, 8]);
    expect(createLanes({ floor: 1, ceiling: 1 }).probe.limit).toBe(4);
  });
});
