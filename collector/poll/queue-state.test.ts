import { describe, expect, it } from "vitest";
import { STALL_SECONDS, queueUp, stallPolls, watchQueue } from "./queue-state.js";
import type { QueueWatch } from "./queue-state.js";

function run(polls: [bigint | undefined, bigint | undefined][]): QueueWatch | undefined {
  return polls.reduce<QueueWatch | undefined>((w, raw) => watchQueue(w, raw), undefined);
}

describe("queue state", () => {
  it("spans ten minutes of polls at the device's interval, never fewer than two", () => {
    expect(STALL_SECONDS).toBe(600);
    expect(stallPolls(60)).toBe(10);
    expect(stallPolls(30)).toBe(20);
    expect(stallPolls(45)).toBe(14);
    expect(stallPolls(900)).toBe(2);
  });

  it("is up while either counter moves, and from the first poll", () => {
    expect(queueUp(run([[1n, 2n]]), 2)).toBe(1);
    const w = run([
      [1n, 2n],
      [1n, 3n],
      [2n, 3n],
    ]);
    expect(w?.still).toBe(0);
    expect(queueUp(w, 2)).toBe(1);
  });

  it("is down once both counters stood still for the stall polls, up again when one moves", () => {
    const still: [bigint, bigint][] = [
      [5n, 9n],
      [5n, 9n],
      [5n, 9n],
    ];
    expect(queueUp(run(still.slice(0, 2)), 2)).toBe(1);
    expect(queueUp(run(still), 2)).toBe(0);
    expect(queueUp(run([...still, [5n, 10n]]), 2)).toBe(1);
  });

  it("takes a re-created queue's fresh counters as movement, and ignores a poll without values", () => {
    expect(
      run([
        [9n, 9n],
        [0n, 0n],
      ])?.still,
    ).toBe(0);
    expect(
      run([
        [9n, 9n],
        [undefined, 9n],
        [9n, 9n],
      ])?.still,
    ).toBe(1);
  });
});
