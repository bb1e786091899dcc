// From a link's in/out slots to the recorded series the dashboards and the report read: in/out
// become download/upload through core's counterFor (the collector's own function), the links of
// one OPD or uplink add up as the recording rule's `sum by` does, and each sample keeps its
// resolution. Pure.
import { IMPORT_LABELS, RECORDED, type ImportSource } from "../core/contract.js";
import { counterFor, DIRECTIONS, type Direction, type MeasuredLink } from "../core/model.js";
import type { Inventory } from "../core/schema.js";
import { resolutionLabel, type Slotted } from "./rows.js";

/** One recorded series being built: slot end → value and the coarsest step that went into it. */
export interface OwnerSeries {
  metric: string;
  /** The recording rule's labels: {opd, direction} or {uplink, provider, direction}. */
  labels: Record<string, string>;
  source: ImportSource;
  values: Map<number, { bps: number; stepS: number }>;
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
    let series = into.get(key);
    if (!series) {
      series = {
        ...recordedLabels(link.owner, link.ownerId, direction, inventory),
        source,
        values: new Map(),
      };
      into.set(key, series);
    }
    // The SAME decision the collector makes: which counter carries this direction.
    const column = counterFor(link.target, direction) === "in" ? slots.inBps : slots.outBps;
    for (let i = 0; i < slots.endS.length; i++) {
      const t = slots.endS[i]!;
      const held = series.values.get(t);
      const stepS = slots.stepS[i]!;
      series.values.set(
        t,
        held
          ? { bps: held.bps + column[i]!, stepS: Math.max(held.stepS, stepS) }
          : { bps: column[i]!, stepS },
      );
    }
  }
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
  const byLabel = new Map<string, { stepS: number; times: number[] }>();
  for (const [t, { stepS }] of series.values) {
    const label = resolutionLabel(stepS);
    const held = byLabel.get(label);
    if (held) held.times.push(t);
    else byLabel.set(label, { stepS, times: [t] });
  }
  return [...byLabel.values()].map(({ stepS, times }) => {
    const timesS = Float64Array.from(times).sort();
    const values = new Float64Array(timesS.length);
    timesS.forEach((t, i) => (values[i] = series.values.get(t)!.bps));
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
