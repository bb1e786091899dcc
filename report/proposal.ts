// The budget proposal's decisions, as pure functions: the evidence gate, the city's simultaneous
// demand (the sum of series per 5-minute slot), how a city-level need becomes contract lines, and
// the allocation plan for the shared OPDs. Written down for planners in docs/report.md.
import type { Direction } from "../core/model.js";
import type { PricingTier } from "../core/schema.js";
import { roundUpToTier } from "./figures.js";

/** Why a row carries no recommendation. */
export type EvidenceGap = "no-data" | "coverage" | "months";

export interface Evidence {
  ok: boolean;
  /** The row's period coverage (the lower of its directions). */
  coverage: number;
  /** Covered months the trend rests on (the fewer of its directions). */
  months: number;
  /** Set when !ok. */
  reason?: EvidenceGap;
}

/** A trend needs at least this many covered months before the report recommends on it. */
export const EVIDENCE_MIN_MONTHS = 3;

/**
 * The evidence gate: a recommendation needs the period measured at least `minCoverage` and a
 * trend resting on at least 3 covered months. Directions without samples are left out; a row
 * with no samples at all has no evidence.
 */
export function evidenceOf(
  directions: readonly { samples: number; coverage: number; trend: { monthsUsed: number } | null }[],
  minCoverage: number,
): Evidence {
  const measured = directions.filter((d) => d.samples > 0);
  if (measured.length === 0) return { ok: false, coverage: 0, months: 0, reason: "no-data" };
  const coverage = Math.min(...measured.map((d) => d.coverage));
  const months = Math.min(...measured.map((d) => d.trend?.monthsUsed ?? 0));
  if (coverage < minCoverage - 1e-12) return { ok: false, coverage, months, reason: "coverage" };
  if (months < EVIDENCE_MIN_MONTHS) return { ok: false, coverage, months, reason: "months" };
  return { ok: true, coverage, months };
}

/**
 * The simultaneous demand of several series: per slot, the sum of their values, or NaN when any
 * of them is missing (a sum with a hole is not a measurement; such a slot is a gap).
 */
export function sumPerSlot(series: readonly Float64Array[], slots: number): Float64Array {
  const out = new Float64Array(slots).fill(series.length === 0 ? NaN : 0);
  for (const values of series) for (let i = 0; i < slots; i++) out[i]! += values[i]!; // NaN spreads
  return out;
}

/**
 * sumPerSlot, fed one series at a time: a group's per-slot sum in each direction, so a report
 * reading its entities a batch at a time never holds more than the batch and these sums. A sum
 * rests on its coarsest member: each slot's basis (what it rests on, engine's takes()) is the
 * largest of its members'.
 */
export class SlotSums {
  private readonly sums = new Map<Direction, { values: Float64Array; basis: Uint32Array }>();

  constructor(private readonly slots: number) {}

  add(direction: Direction, values: Float64Array, basis: Uint32Array): void {
    const sum = this.sums.get(direction);
    if (!sum) {
      this.sums.set(direction, { values: Float64Array.from(values), basis: Uint32Array.from(basis) });
      return;
    }
    for (let i = 0; i < this.slots; i++) {
      sum.values[i]! += values[i]!; // NaN spreads, as in sumPerSlot
      sum.basis[i] = Math.max(sum.basis[i]!, basis[i]!);
    }
  }

  /** The sum so far; all NaN when no series was added (as sumPerSlot of none). */
  of(direction: Direction): Float64Array {
    return this.sums.get(direction)?.values ?? sumPerSlot([], this.slots);
  }

  basisOf(direction: Direction): Uint32Array {
    return this.sums.get(direction)?.basis ?? new Uint32Array(this.slots);
  }
}

/** Last slot holding a sample, across series: its end (unix seconds), or null without samples. */
export function lastSampleEndS(series: Iterable<Float64Array>, startS: number, stepS: number): number | null {
  let last = -1;
  for (const values of series) {
    for (let i = values.length - 1; i > last; i--) {
      if (!Number.isNaN(values[i]!)) {
        last = i;
        break;
      }
    }
  }
  return last < 0 ? null : startS + (last + 1) * stepS;
}

export interface ContractToday {
  id: string;
  /** Contracted size, the larger direction (Mbps). */
  mbps: number;
  yearlyCostIdr: number;
}

export interface ContractLine {
  id: string;
  mbps: number;
  idrPerMbpsMonth: number;
  yearlyCostIdr: number;
}

/**
 * Turn the city's need into one line per uplink contract: each uplink takes the share of the
 * need its contract holds today and rounds it up to what can be bought (a tier, or a multiple of
 * the largest tier). The lines add up to at least the need. Without uplinks, nothing.
 */
export function splitAcrossContracts(
  needMbps: number,
  uplinks: readonly ContractToday[],
  tiers: readonly PricingTier[],
): ContractLine[] {
  const total = uplinks.reduce((s, u) => s + u.mbps, 0);
  return uplinks.map((u) => {
    const share = total > 0 ? u.mbps / total : 1 / uplinks.length;
    const tier = roundUpToTier(needMbps * share, tiers);
    return {
      id: u.id,
      mbps: tier.mbps,
      idrPerMbpsMonth: tier.idrPerMbpsMonth,
      yearlyCostIdr: tier.mbps * tier.idrPerMbpsMonth * 12,
    };
  });
}

/** A queue's limits move in sensible steps: whole Mbps up to 10 Mbps, then 5 Mbps. */
export function roundUpToStep(mbps: number): number {
  if (mbps <= 0) return 1;
  const up1 = Math.ceil(mbps - 1e-9);
  return up1 <= 10 ? Math.max(1, up1) : Math.ceil(mbps / 5 - 1e-9) * 5;
}

export function roundDownToStep(mbps: number): number {
  if (mbps <= 10) return Math.max(1, Math.floor(mbps + 1e-9));
  return Math.max(10, Math.floor(mbps / 5 + 1e-9) * 5);
}

export interface PlanInput {
  id: string;
  name: string;
  /** The MikroTik simple queue that enforces the limit, when there is one. */
  queue: string | null;
  today: Record<Direction, number>;
  /** Projected p95 × (1 + headroom), Mbps, per direction; null without evidence. */
  needMbps: Record<Direction, number | null>;
  evidence: boolean;
}

export interface PlanRow extends PlanInput {
  /** Proposed limit, Mbps: today's allocation when the row has no evidence. */
  proposed: Record<Direction, number>;
  /** proposed - today in the direction with the larger proposed limit (Mbps); positive: gains. */
  changeMbps: number;
}

export interface AllocationPlan {
  rows: PlanRow[];
  /** What the shared allocations may add up to: the uplinks proposed (or today's) × max_overbooking. */
  capacityMbps: Record<Direction, number>;
  /** The factor the evidenced proposals were scaled by to fit (1: they fit as they are). */
  scale: Record<Direction, number>;
  /** Sum of the proposed limits per direction. */
  totalMbps: Record<Direction, number>;
  /** Ids, largest gain first / largest give-back first. */
  gains: string[];
  givesBack: string[];
}

/**
 * Next year's limits for the shared OPDs: each evidenced OPD's need rounded up to a step; rows
 * without evidence keep today's limit. When the sum exceeds `capacityMbps`, the evidenced limits
 * are scaled down by one factor (what the unevidenced rows keep is subtracted first) and rounded
 * down to a step, so the plan fits.
 */
export function allocationPlan(
  inputs: readonly PlanInput[],
  capacityMbps: Record<Direction, number>,
): AllocationPlan {
  const rows: PlanRow[] = inputs.map((input) => ({
    ...input,
    proposed: { ...input.today },
    changeMbps: 0,
  }));
  const scale: Record<Direction, number> = { download: 1, upload: 1 };
  for (const direction of ["download", "upload"] as const) {
    const wanted = rows.map((r) =>
      r.evidence && r.needMbps[direction] !== null ? roundUpToStep(r.needMbps[direction]) : null,
    );
    const fixed = rows.reduce((s, r, i) => s + (wanted[i] === null ? r.today[direction] : 0), 0);
    const asked = wanted.reduce<number>((s, w) => s + (w ?? 0), 0);
    const room = Math.max(0, capacityMbps[direction] - fixed);
    const factor = asked > room && asked > 0 ? room / asked : 1;
    scale[direction] = factor;
    rows.forEach((r, i) => {
      const w = wanted[i];
      if (w === null || w === undefined) return;
      r.proposed[direction] = factor < 1 ? roundDownToStep(w * factor) : w;
    });
  }
  for (const r of rows) {
    const main: Direction = r.proposed.download >= r.proposed.upload ? "download" : "upload";
    r.changeMbps = r.proposed[main] - r.today[main];
  }
  const totalMbps = {
    download: rows.reduce((s, r) => s + r.proposed.download, 0),
    upload: rows.reduce((s, r) => s + r.proposed.upload, 0),
  };
  return {
    rows,
    capacityMbps,
    scale,
    totalMbps,
    gains: rows
      .filter((r) => r.changeMbps > 0)
      .sort((a, b) => b.changeMbps - a.changeMbps)
      .map((r) => r.id),
    givesBack: rows
      .filter((r) => r.changeMbps < 0)
      .sort((a, b) => a.changeMbps - b.changeMbps)
      .map((r) => r.id),
  };
}

const limit = (mbps: number): string => `${Number(mbps.toFixed(3))}M`;
const quote = (text: string): string => `"${text.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;

/**
 * The plan as a RouterOS script for review (never run by kapasitas). A simple queue's max-limit
 * is upload/download from the target's point of view. OPDs measured on a port get a comment:
 * their limit is enforced elsewhere.
 */
export function routerOsScript(plan: AllocationPlan, header: readonly string[]): string {
  const lines = header.map((h) => `# ${h}`);
  lines.push("/queue simple");
  for (const r of plan.rows) {
    const what = `${r.id}: ${r.today.upload}/${r.today.download} -> ${r.proposed.upload}/${r.proposed.download} Mbps (up/down)${r.evidence ? "" : ", not enough evidence: unchanged"}`;
    if (r.queue === null) {
      lines.push(`# ${what}; no simple queue in the inventory, set the limit where it is enforced`);
      continue;
    }
    lines.push(`# ${what}`);
    lines.push(
      `set [find name=${quote(r.queue)}] max-limit=${limit(r.proposed.upload)}/${limit(r.proposed.download)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
