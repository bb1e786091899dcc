import { describe, expect, it } from "vitest";
import { CounterBank } from "./counter-bank.js";

describe("CounterBank", () => {
  it("holds a state per slot, none before the first", () => {
    const bank = new CounterBank(2);
    expect(bank.get(0)).toBeUndefined();
    bank.set(1, { instance: -4, width: 64, raw: 2n ** 64n - 1n, total: 1e15 });
    expect(bank.get(1)).toEqual({ instance: -4, width: 64, raw: 2n ** 64n - 1n, total: 1e15 });
    bank.set(0, { instance: 7, width: 32, raw: 5n, total: 0 });
    expect(bank.get(0)).toEqual({ instance: 7, width: 32, raw: 5n, total: 0 });
  });

  it("carries states over to a new plan by key, and drops what is no longer planned", () => {
    const old = new CounterBank(3);
    old.set(0, { instance: 1, width: 64, raw: 10n, total: 100 });
    old.set(1, { instance: 2, width: 64, raw: 20n, total: 200 });
    old.set(2, { instance: 3, width: 64, raw: 30n, total: 300 });
    const bank = CounterBank.carried(["c", "new", "a"], { bank: old, keys: ["a", "b", "c"] });
    expect(bank.size).toBe(3);
    expect(bank.get(0)?.total).toBe(300);
    expect(bank.get(1)).toBeUndefined();
    expect(bank.get(2)?.total).toBe(100);
    expect(CounterBank.carried(["a"]).get(0)).toBeUndefined();
  });
});
