// The one shape every source is read into, and the pure decisions on it: which resolution a row
// has, which 5-minute slots it covers, the finest row for each slot, and what is refused.
import type { ImportSource } from "../core/contract.js";

/** The report's and the recording rules' step: one recorded sample per 5 minutes. */
export const SLOT_SECONDS = 300;

/** One average of a source: bytes or bits already turned into bits/s, in and out as the device counts them. */
export interface Row {
  /** End of the averaged interval, unix seconds. */
  endS: number;
  /** Length of the interval, seconds (300 for 5-minute data, 86400 for a daily average). */
  stepS: number;
  inBps: number;
  outBps: number;
}

/** A source file (or query) read: its rows, newest or oldest first, any order. */
export interface SourceRows {
  source: ImportSource;
  /** What the user named: the file, or the Prometheus URL. */
  origin: string;
  rows: Row[];
}

/** A mistake in one input, said so the user can find it: `file:line: message` or `file: message`. */
export class ImportInputError extends Error {
  constructor(
    readonly origin: string,
    message: string,
    readonly line?: number,
  ) {
    super(`${origin}${line === undefined ? "" : `:${line}`}: ${message}`);
    this.name = "ImportInputError";
  }
}

/** The label a row's resolution gets: "5m", "30m", "2h", "1d", or the step itself ("15m", "1h"). */
export function resolutionLabel(stepS: number): string {
  if (stepS <= SLOT_SECONDS) return "5m";
  if (stepS % 86_400 === 0) return `${stepS / 86_400}d`;
  if (stepS % 3600 === 0) return `${stepS / 3600}h`;
  if (stepS % 60 === 0) return `${stepS / 60}m`;
  return `${stepS}s`;
}

/** A source's rows as 5-minute slots: each slot keeps the finest row that covers it. */
export interface Slotted {
  /** Slot end times (multiples of 300 s), ascending. */
  endS: Float64Array;
  inBps: Float64Array;
  outBps: Float64Array;
  stepS: Float64Array;
}

/**
 * Spread each row over the 5-minute slots it covers (slot ends T, multiples of 300, with
 * endS - stepS < T <= endS); where rows overlap (an RRD's archives, MRTG's tiers) the finest wins.
 * Rows with a NaN in either direction are no data.
 */
export function toSlots(rows: readonly Row[]): Slotted {
  const firstSlot = (row: Row): number =>
    Math.floor((row.endS - row.stepS) / SLOT_SECONDS) * SLOT_SECONDS + SLOT_SECONDS;
  const valid = (row: Row): boolean => !Number.isNaN(row.inBps) && !Number.isNaN(row.outBps);
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of rows) {
    if (!valid(row)) continue;
    lo = Math.min(lo, firstSlot(row));
    hi = Math.max(hi, row.endS);
  }
  // Slot (t - lo) / 300 → the index of the finest row covering it so far, -1 for none.
  const pick = new Int32Array(lo <= hi ? Math.floor((hi - lo) / SLOT_SECONDS) + 1 : 0).fill(-1);
  rows.forEach((row, r) => {
    if (!valid(row)) return;
    for (let t = firstSlot(row); t <= row.endS; t += SLOT_SECONDS) {
      const slot = (t - lo) / SLOT_SECONDS;
      const held = pick[slot]!;
      if (held < 0 || row.stepS < rows[held]!.stepS) pick[slot] = r;
    }
  });
  let count = 0;
  for (const r of pick) if (r >= 0) count++;
  const out: Slotted = {
    endS: new Float64Array(count),
    inBps: new Float64Array(count),
    outBps: new Float64Array(count),
    stepS: new Float64Array(count),
  };
  let i = 0;
  pick.forEach((r, slot) => {
    if (r < 0) return;
    const row = rows[r]!;
    out.endS[i] = lo + slot * SLOT_SECONDS;
    out.inBps[i] = row.inBps;
    out.outBps[i] = row.outBps;
    out.stepS[i++] = row.stepS;
  });
  return out;
}

export interface Limits {
  /** Unix seconds: a row ending later is refused. */
  nowS: number;
  /** The interface's speed, bits/s: a rate above it is refused. */
  maxBps: number;
}

/** The first row that cannot be true (negative, above the interface's speed, in the future), or null. */
export function implausible(rows: readonly Row[], limits: Limits): string | null {
  for (const row of rows) {
    if (Number.isNaN(row.inBps) && Number.isNaN(row.outBps)) continue;
    // The time is written out only for the row refused (a year is 105,120 rows).
    const at = (): string => new Date(row.endS * 1000).toISOString();
    if (row.endS > limits.nowS + SLOT_SECONDS) return `a row at ${at()} is in the future`;
    for (const [name, v] of [
      ["in", row.inBps],
      ["out", row.outBps],
    ] as const) {
      if (v < 0) return `negative ${name} rate ${v} bit/s at ${at()}`;
      if (v > limits.maxBps) {
        return `${name} rate ${formatBps(v)} at ${at()} is above the interface's ${formatBps(limits.maxBps)} (max_mbps)`;
      }
      if (!Number.isFinite(v) && !Number.isNaN(v)) return `${name} rate is infinite at ${at()}`;
    }
  }
  return null;
}

export function formatBps(bps: number): string {
  return bps >= 1e9 ? `${(bps / 1e9).toFixed(2)} Gbit/s` : `${(bps / 1e6).toFixed(2)} Mbit/s`;
}
