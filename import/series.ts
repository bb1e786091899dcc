// From a link's in/out slots to the recorded series the dashboards and the report read: in/out
// become download/upload through core's counterFor (the collector's own function), the links of
// one OPD or uplink add up as the recording rule's `sum by` does, and each sample keeps its
// resolution. Pure.
import { IMPORT_LABELS, RECORDED, type ImportSource } from "../core/contract.js";
import { counterFor, DIRECTIONS, type Direction, type MeasuredLink } from "../core/model.js";
import type { Inventory } from "../core/schema.js";
import { resolutionLabel, type Slotted } from "./rows.js";

/** One recorded series: its slot ends, values and the coarsest step that went into each. */
export interface OwnerSeries {
  metric: string;
  /** The recording rule's labels: {opd, direction} or {uplink, provider, direction}. */
  labels: Record<string, string>;
  source: ImportSource;
  /** Slot ends, unix seconds, strictly ascending; bps and stepS at the same index. */
  endS: Float64Array;
  bps: Float64Array;
  stepS: Float64Array;
}

/** The labels the recording rules give an OPD's or an uplink's series (dashboards/rules.ts). */
export function recordedLabels(
  owner: "opd" | "uplink",
  ownerId: string,
  direction: Direction,
  inventory: Inventory,
): { metric: string; labels: Record<string, string> } {
  if (owner === "opd") return { metric: RECORDED.opdBits, labels: { opd: ownerId, direction } };
  const provider = inventory.uplinks.find((u) => u.id === ownerId)?.provider ?? "";
  return { metric: RECORDED.uplinkBits, labels: { uplink: ownerId, provider, direction } };
}

/** Add one link's slots into its owner's two series (created on first use). */
export function addLink(
  into: Map<string, OwnerSeries>,
  link: MeasuredLink,
  slots: Slotted,
  source: ImportSource,
  inventory: Inventory,
): void {
  for (const direction of DIRECTIONS) {
    const key = `${link.owner}\0${link.ownerId}\0${direction}`;
    // The SAME decision the collector makes: which counter carries this direction.
    const column = counterFor(link.target, direction) === "in" ? slots.inBps : slots.outBps;
    const held = into.get(key);
    if (!held) {
      into.set(key, {
        ...recordedLabels(link.owner, link.ownerId, direction, inventory),
        source,
        endS: slots.endS,
        bps: column,
        stepS: slots.stepS,
      });
    } else Object.assign(held, mergeSlots(held, { endS: slots.endS, bps: column, stepS: slots.stepS }));
  }
}

type SlotColumns = Pick<OwnerSeries, "endS" | "bps" | "stepS">;

/** Two links' slots as one: values add where both have a slot, the coarser step counts. */
export function mergeSlots(a: SlotColumns, b: SlotColumns): SlotColumns {
  const n = a.endS.length + b.endS.length;
  const out = { endS: new Float64Array(n), bps: new Float64Array(n), stepS: new Float64Array(n) };
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.endS.length || j < b.endS.length) {
    const ta = i < a.endS.length ? a.endS[i]! : Infinity;
    const tb = j < b.endS.length ? b.endS[j]! : Infinity;
    if (ta === tb) {
      out.endS[k] = ta;
      out.bps[k] = a.bps[i]! + b.bps[j]!;
      out.stepS[k] = Math.max(a.stepS[i++]!, b.stepS[j++]!);
    } else if (ta < tb) {
      out.endS[k] = ta;
      out.bps[k] = a.bps[i]!;
      out.stepS[k] = a.stepS[i++]!;
    } else {
      out.endS[k] = tb;
      out.bps[k] = b.bps[j]!;
      out.stepS[k] = b.stepS[j++]!;
    }
    k++;
  }
  return { endS: out.endS.subarray(0, k), bps: out.bps.subarray(0, k), stepS: out.stepS.subarray(0, k) };
}

/** A sample line's full label set, sorted as Prometheus sorts them. */
export function sampleLabels(series: OwnerSeries, stepS: number): Record<string, string> {
  const labels: Record<string, string> = {
    ...series.labels,
    [IMPORT_LABELS.resolution]: resolutionLabel(stepS),
    [IMPORT_LABELS.source]: series.source,
  };
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** One resolution's samples of a series: its full label set (sorted, `__name__` first) and its times. */
export interface ResolutionSeries {
  metric: string;
  /** sampleLabels: the rule's labels with resolution and source, sorted, without `__name__`. */
  labels: Record<string, string>;
  /** Slot ends, unix seconds, ascending. */
  timesS: Float64Array;
  values: Float64Array;
}

/** A series split by resolution (each its own series, as the report reads them), time-ordered. */
export function byResolution(series: OwnerSeries): ResolutionSeries[] {
  // By label, not by step: a 1-minute and a 5-minute row are both "5m", one series.
  const labelOf = new Map<number, string>();
  const groups = new Map<string, { stepS: number; count: number }>();
  for (const stepS of series.stepS) {
    let label = labelOf.get(stepS);
    if (label === undefined) labelOf.set(stepS, (label = resolutionLabel(stepS)));
    const group = groups.get(label);
    if (group) group.count++;
    else groups.set(label, { stepS, count: 1 });
  }
  if (groups.size === 1) {
    const stepS = groups.values().next().value!.stepS;
    return [
      { metric: series.metric, labels: sampleLabels(series, stepS), timesS: series.endS, values: series.bps },
    ];
  }
  return [...groups].map(([label, { stepS, count }]) => {
    const timesS = new Float64Array(count);
    const values = new Float64Array(count);
    let k = 0;
    series.stepS.forEach((s, i) => {
      if (labelOf.get(s) !== label) return;
      timesS[k] = series.endS[i]!;
      values[k++] = series.bps[i]!;
    });
    return { metric: series.metric, labels: sampleLabels(series, stepS), timesS, values };
  });
}

/** The first and last slot a link's data covers, for the overlap checks. */
export function spanOf(slots: Slotted): { fromS: number; toS: number } | null {
  return slots.endS.length === 0 ? null : { fromS: slots.endS[0]!, toS: slots.endS[slots.endS.length - 1]! };
}

export function overlaps(a: { fromS: number; toS: number }, b: { fromS: number; toS: number }): boolean {
  return a.fromS <= b.toS && b.fromS <= a.toS;
}
