// How busy each OPD and uplink is in the demo: one deterministic model that both the simulated
// agents (live counters) and the generated history (the report's quarter) are drawn from, so the
// live rates and the report tell the same story.
import { mbpsFor, type Direction } from "../core/model.js";
import type { Inventory } from "../core/schema.js";

/** A direction's 95th-percentile share of its allocation: `start` in the first month, + `perMonth` each month. */
export interface Growth {
  start: number;
  perMonth: number;
}

/**
 * The planner's story, from the field study: Disdukcapil (VPN to the national civil registry) and
 * DPMPTSP (the Mal Pelayanan Publik) are already near saturation; a few public services follow.
 */
const STORY: Record<string, Record<Direction, Growth>> = {
  disdukcapil: { download: { start: 0.86, perMonth: 0.035 }, upload: { start: 0.66, perMonth: 0.04 } },
  dpmptsp: { download: { start: 0.83, perMonth: 0.04 }, upload: { start: 0.58, perMonth: 0.03 } },
  rsud: { download: { start: 0.7, perMonth: 0.03 }, upload: { start: 0.45, perMonth: 0.02 } },
  dinkes: { download: { start: 0.62, perMonth: 0.035 }, upload: { start: 0.4, perMonth: 0.02 } },
  bapenda: { download: { start: 0.58, perMonth: 0.03 }, upload: { start: 0.35, perMonth: 0.015 } },
  "telkom-astinet": { download: { start: 0.7, perMonth: 0.02 }, upload: { start: 0.3, perMonth: 0.01 } },
  iconplus: { download: { start: 0.55, perMonth: 0.02 }, upload: { start: 0.25, perMonth: 0.01 } },
};

/** Never more than this share: a queue or a port cannot carry more than its limit. */
const CEILING = 0.97;

/** FNV-1a of a string as a number in [0, 1): a stable pseudo-random value per id. */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 4294967296;
}

/** Everyone else: a quiet 10–50% of the allocation, growing 0–1.5 points a month; uploads lighter. */
export function growthOf(id: string, direction: Direction): Growth {
  const story = STORY[id]?.[direction];
  if (story) return story;
  const base = 0.1 + 0.4 * unitHash(`${id}/share`);
  const perMonth = 0.015 * unitHash(`${id}/growth`);
  return direction === "download" ? { start: base, perMonth } : { start: base * 0.6, perMonth: perMonth / 2 };
}

/** The 95th-percentile share of the allocation in month `monthIndex` (0 = the history's first month). */
export function shareAt(growth: Growth, monthIndex: number): number {
  return Math.min(CEILING, growth.start + growth.perMonth * monthIndex);
}

/** Allocated (OPD) or contracted (uplink) Mbps of an owner, by kind and id. */
export function allocationMbps(
  inv: Inventory,
  owner: "opd" | "uplink",
  id: string,
  direction: Direction,
): number {
  const entry =
    owner === "opd"
      ? inv.opds.find((o) => o.id === id)?.allocated
      : inv.uplinks.find((u) => u.id === id)?.contracted;
  if (!entry) throw new Error(`no ${owner} "${id}" in the inventory`);
  return mbpsFor(entry, direction);
}
