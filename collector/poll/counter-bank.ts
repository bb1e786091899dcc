// A device's counter states (what counters.ts steps), one slot a counter in typed arrays: a
// collector keeps six counters a polled link (bytes both ways, errors and discards in and out), and
// an object with a BigInt each would cost about ten times the 25 bytes a slot takes here. Slots are
// numbered by the read plan (read-plan.ts); a new plan takes over the states by counter key.
import type { CounterState, CounterWidth } from "./counters.js";

export class CounterBank {
  private readonly raw: BigUint64Array;
  private readonly total: Float64Array;
  private readonly instance: Float64Array;
  /** 32 or 64; 0 while the slot has no state (the counter has not been seen yet). */
  private readonly width: Uint8Array;

  constructor(readonly size: number) {
    this.raw = new BigUint64Array(size);
    this.total = new Float64Array(size);
    this.instance = new Float64Array(size);
    this.width = new Uint8Array(size);
  }

  get(slot: number): CounterState | undefined {
    const width = this.width[slot];
    if (!width) return undefined;
    return {
      instance: this.instance[slot]!,
      width: width as CounterWidth,
      raw: this.raw[slot]!,
      total: this.total[slot]!,
    };
  }

  set(slot: number, state: CounterState): void {
    this.raw[slot] = state.raw;
    this.total[slot] = state.total;
    this.instance[slot] = state.instance;
    this.width[slot] = state.width;
  }

  /**
   * The bank of a newly compiled plan (slot keys `keys`): each counter keeps the state it had under
   * the same key in `previous` (slot keys `previousKeys`); counters no longer planned are dropped,
   * so a link that returns later starts at 0.
   */
  static carried(
    keys: readonly string[],
    previous?: { bank: CounterBank; keys: readonly string[] },
  ): CounterBank {
    const bank = new CounterBank(keys.length);
    if (!previous) return bank;
    const at = new Map(previous.keys.map((key, slot) => [key, slot]));
    keys.forEach((key, slot) => {
      const old = at.get(key);
      const state = old === undefined ? undefined : previous.bank.get(old);
      if (state) bank.set(slot, state);
    });
    return bank;
  }
}
