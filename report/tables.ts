// The report as tables of typed cells, shared by the XLSX, CSV and PDF exporters so the three
// always show the same figures under the same headings.
import { BITS_PER_MBPS } from "./figures.js";
import type { DirectionFigures, EntityReport, PaidBy, Report } from "./engine.js";
import type { Evidence } from "./proposal.js";
import type { Formatter } from "./i18n.js";
import { monthKey } from "./period.js";

/** How a cell is stored (numbers stay numbers) and shown. */
export type CellKind = "text" | "mbps" | "ratio" | "idr" | "hours" | "int" | "date";
export type Cell = string | number | Date | null;

export interface Column {
  key: string;
  header: string;
  kind: CellKind;
}

export interface Table {
  columns: Column[];
  rows: Cell[][];
}

const mbps = (bps: number | null): number | null => (bps === null ? null : bps / BITS_PER_MBPS);

export function entitiesOf(report: Report): EntityReport[] {
  return [...report.opds, ...report.uplinks];
}

export function directionsOf(entity: EntityReport): DirectionFigures[] {
  return [entity.download, entity.upload];
}

export function paidByText(paidBy: PaidBy, f: Formatter): string {
  return paidBy === "shared" ? f.t.paidShared : paidBy === "own" ? f.t.paidOwn : f.t.paidUplink;
}

/** "cukup", or why not: "bukti belum cukup: cakupan 66,3%". */
export function evidenceText(evidence: Evidence, f: Formatter): string {
  return evidence.ok
    ? f.t.evidenceOk
    : f.t.noEvidenceWhy(evidence.reason ?? "no-data", f.percent(evidence.coverage, 1), evidence.months);
}

/**
 * One row per entity and direction. The recommendation's cost columns are filled only on the row
 * of the direction it is based on, so summing a column gives the city's total.
 */
export function detailTable(report: Report, f: Formatter): Table {
  const { t } = f;
  const columns: Column[] = [
    { key: "kind", header: t.kind, kind: "text" },
    { key: "id", header: t.id, kind: "text" },
    { key: "name", header: t.name, kind: "text" },
    { key: "category", header: t.category, kind: "text" },
    { key: "paid_by", header: t.paidBy, kind: "text" },
    { key: "evidence", header: t.evidence, kind: "text" },
    { key: "direction", header: t.direction, kind: "text" },
    { key: "allocation_mbps", header: t.allocation, kind: "mbps" },
    { key: "mean_mbps", header: t.mean, kind: "mbps" },
    { key: "peak_mbps", header: t.peak, kind: "mbps" },
    { key: "p95_mbps", header: t.p95, kind: "mbps" },
    { key: "p95_utilisation", header: t.p95Utilisation, kind: "ratio" },
    { key: "mean_utilisation", header: t.meanUtilisation, kind: "ratio" },
    { key: "hours_above_threshold", header: t.hoursAbove, kind: "hours" },
    { key: "coverage", header: t.coverage, kind: "ratio" },
    { key: "gaps", header: t.gapCount, kind: "int" },
    { key: "gap_periods", header: `${t.gaps} (${t.wib})`, kind: "text" },
    { key: "five_minute_share", header: t.fiveMinuteShare, kind: "ratio" },
    { key: "coarser_share", header: t.coarserShare, kind: "ratio" },
    { key: "p95_lower_bound", header: t.p95LowerBound, kind: "text" },
    { key: "trend_mbps_per_month", header: t.trendMbps, kind: "mbps" },
    { key: "trend_ratio_per_month", header: t.trendPercent, kind: "ratio" },
    { key: "saturation", header: t.saturation, kind: "text" },
    { key: "projected_p95_mbps", header: t.projectedP95, kind: "mbps" },
    { key: "recommended_mbps", header: t.recommended, kind: "mbps" },
    { key: "today_mbps", header: t.todayMbps, kind: "mbps" },
    { key: "today_cost_idr", header: t.todayCost, kind: "idr" },
    { key: "recommended_cost_idr", header: t.recommendedCost, kind: "idr" },
    { key: "change_idr", header: t.change, kind: "idr" },
  ];
  const rows: Cell[][] = [];
  for (const e of entitiesOf(report)) {
    for (const d of directionsOf(e)) {
      const rec = e.recommendation;
      // Shared OPDs carry no rupiah (their share is inside the uplinks' contracts).
      const priced = e.paidBy !== "shared" && (rec ? rec.basis === d.direction : d.direction === "download");
      rows.push([
        e.kind === "opd" ? t.kindOpd : t.kindUplink,
        e.id,
        e.name,
        e.kind === "opd" ? f.category(e.category) : (e.provider ?? ""),
        paidByText(e.paidBy, f),
        evidenceText(e.evidence, f),
        f.direction(d.direction),
        d.allocatedBps / BITS_PER_MBPS,
        mbps(d.meanBps),
        mbps(d.peakBps),
        mbps(d.p95Bps),
        d.p95Utilisation,
        d.meanUtilisation,
        d.hoursAboveThreshold,
        d.coverage,
        d.gaps.length,
        d.gaps
          .map((g) => `${f.dateTime(new Date(g.startS * 1000))} – ${f.dateTime(new Date(g.endS * 1000))}`)
          .join("; "),
        d.fiveMinuteShare,
        d.coarserShare,
        d.p95LowerBound ? t.lowerBoundMark : "",
        d.trend ? d.trend.slopeBpsPerMonth / BITS_PER_MBPS : null,
        d.trend ? d.trend.ratioPerMonth : null,
        f.saturation(d.saturation),
        mbps(d.projectedP95Bps),
        priced || (e.paidBy === "shared" && d.direction === "download") ? plannedMbps(report, e, rec) : null,
        priced ? e.today.mbps : null,
        priced ? e.today.yearlyCostIdr : null,
        priced && rec ? rec.yearlyCostIdr : priced ? e.today.yearlyCostIdr : null,
        priced && rec ? rec.changeIdr : priced ? 0 : null,
      ]);
    }
  }
  return { columns, rows };
}

/** Next year's size: the contract proposed, or a shared OPD's planned limit (larger direction). */
function plannedMbps(report: Report, e: EntityReport, rec: EntityReport["recommendation"]): number | null {
  if (rec) return rec.mbps;
  const row = report.plan.rows.find((r) => r.id === e.id);
  return row && row.evidence ? Math.max(row.proposed.download, row.proposed.upload) : null;
}

/** Monthly p95 per entity and direction, one column per month. */
export function monthlyTable(report: Report, f: Formatter): Table {
  const { t } = f;
  const columns: Column[] = [
    { key: "id", header: t.id, kind: "text" },
    { key: "name", header: t.name, kind: "text" },
    { key: "direction", header: t.direction, kind: "text" },
    ...report.months.map((m) => ({ key: `p95_${monthKey(m)}`, header: f.month(m), kind: "mbps" as const })),
  ];
  const rows: Cell[][] = [];
  for (const e of entitiesOf(report)) {
    for (const d of directionsOf(e)) {
      rows.push([e.id, e.name, f.direction(d.direction), ...d.monthly.map((m) => mbps(m.p95Bps))]);
    }
  }
  return { columns, rows };
}

/** City totals: one row for the OPDs, one for the uplinks. */
export function totalsTable(report: Report, f: Formatter): Table {
  const { t } = f;
  const columns: Column[] = [
    { key: "group", header: "", kind: "text" },
    { key: "count", header: t.count, kind: "int" },
    { key: "allocated_download_mbps", header: `${t.allocation} ${t.download}`, kind: "mbps" },
    { key: "allocated_upload_mbps", header: `${t.allocation} ${t.upload}`, kind: "mbps" },
    { key: "sum_p95_download_mbps", header: `${t.sumP95} ${t.download}`, kind: "mbps" },
    { key: "sum_p95_upload_mbps", header: `${t.sumP95} ${t.upload}`, kind: "mbps" },
    { key: "today_cost_idr", header: t.todayCost, kind: "idr" },
    { key: "recommended_cost_idr", header: t.recommendedCost, kind: "idr" },
    { key: "change_idr", header: t.change, kind: "idr" },
  ];
  const row = (label: string, x: Report["totals"]["opds"]): Cell[] => [
    label,
    x.count,
    x.allocatedMbps.download,
    x.allocatedMbps.upload,
    x.sumP95Mbps.download,
    x.sumP95Mbps.upload,
    x.todayYearlyCostIdr,
    x.recommendedYearlyCostIdr,
    x.changeIdr,
  ];
  return { columns, rows: [row(t.opds, report.totals.opds), row(t.uplinks, report.totals.uplinks)] };
}

/** A ranked list (under- or over-provisioned OPDs). */
export function rankingTable(report: Report, ids: readonly string[], f: Formatter): Table {
  const { t } = f;
  const byId = new Map(report.opds.map((e) => [e.id, e]));
  const columns: Column[] = [
    { key: "rank", header: t.rank, kind: "int" },
    { key: "id", header: t.id, kind: "text" },
    { key: "name", header: t.name, kind: "text" },
    { key: "ratio", header: t.ratio, kind: "ratio" },
    { key: "paid_by", header: t.paidBy, kind: "text" },
    { key: "today_mbps", header: t.todayMbps, kind: "mbps" },
    { key: "recommended_mbps", header: t.recommended, kind: "mbps" },
    { key: "change_idr", header: t.change, kind: "idr" },
  ];
  const rows = ids.flatMap((id, i): Cell[][] => {
    const e = byId.get(id);
    if (!e) return [];
    return [
      [
        i + 1,
        e.id,
        e.name,
        e.p95Ratio,
        paidByText(e.paidBy, f),
        e.today.mbps,
        plannedMbps(report, e, e.recommendation),
        e.recommendation?.changeIdr ?? null,
      ],
    ];
  });
  return { columns, rows };
}

/** A cell as text, in the report's language (PDF tables). */
export function formatCell(cell: Cell, kind: CellKind, f: Formatter): string {
  if (cell === null) return f.t.none;
  if (typeof cell === "string") return cell;
  if (cell instanceof Date) return `${f.dateTime(cell)} ${f.t.wib}`;
  switch (kind) {
    case "mbps":
      return f.number(cell, 1);
    case "ratio":
      return f.percent(cell, 1);
    case "idr":
      return f.idr(cell);
    case "hours":
      return f.number(cell, 1);
    case "int":
      return f.number(cell, 0);
    case "date":
      return f.dateTime(cell as unknown as Date);
    default:
      return String(cell);
  }
}

/** The city-level proposal: the simultaneous demand, per direction, and the cross-checks. */
export function cityTable(report: Report, f: Formatter): Table {
  const { t } = f;
  const c = report.city;
  const columns: Column[] = [
    { key: "figure", header: "", kind: "text" },
    { key: "download", header: t.download, kind: "mbps" },
    { key: "upload", header: t.upload, kind: "mbps" },
  ];
  const both = (pick: (d: "download" | "upload") => number | null): [number | null, number | null] => [
    pick("download"),
    pick("upload"),
  ];
  const sumOf = (d: "download" | "upload") => report.uplinks.reduce((s, u) => s + (u[d].p95Bps ?? 0), 0);
  const rows: [string, number | null, number | null][] = [
    [t.cityRows.contracted, ...both((d) => c.uplinks[d].allocatedBps / BITS_PER_MBPS)],
    [t.cityRows.aggregateP95, ...both((d) => mbps(c.uplinks[d].p95Bps))],
    [t.cityRows.sumUplinkP95, ...both((d) => sumOf(d) / BITS_PER_MBPS)],
    [t.cityRows.sharedAggregateP95, ...both((d) => mbps(c.sharedOpds[d].p95Bps))],
    [t.cityRows.sharedSumP95, ...both((d) => c.sumP95Mbps[d])],
    [t.cityRows.projected, ...both((d) => mbps(c.uplinks[d].projectedP95Bps))],
    [t.cityRows.need, ...both((d) => c.uplinks[d].needMbps)],
  ];
  rows.push(
    [t.cityRows.concurrency, ...both((d) => c.concurrency[d])],
    [t.cityRows.overbooking, ...both((d) => c.overbooking[d])],
  );
  return { columns, rows };
}

/** The budget: one line per contract (uplinks, own lines), the totals last. */
export function budgetTable(report: Report, f: Formatter): Table {
  const { t } = f;
  const columns: Column[] = [
    { key: "kind", header: t.paidBy, kind: "text" },
    { key: "id", header: t.id, kind: "text" },
    { key: "provider", header: t.name, kind: "text" },
    { key: "today_mbps", header: t.todayMbps, kind: "mbps" },
    { key: "today_cost_idr", header: t.todayCost, kind: "idr" },
    { key: "recommended_mbps", header: t.recommended, kind: "mbps" },
    { key: "recommended_cost_idr", header: t.recommendedCost, kind: "idr" },
    { key: "change_idr", header: t.change, kind: "idr" },
    { key: "evidence", header: t.evidence, kind: "text" },
  ];
  const b = report.budget;
  const rows: Cell[][] = b.lines.map((l) => [
    l.kind === "uplink" ? t.paidUplink : t.paidOwn,
    l.id,
    l.provider,
    l.todayMbps,
    l.todayYearlyCostIdr,
    l.proposedMbps,
    l.proposedYearlyCostIdr,
    l.proposedYearlyCostIdr - l.todayYearlyCostIdr,
    l.evidence ? t.evidenceOk : t.noEvidence,
  ]);
  rows.push([
    t.grandTotal,
    "",
    "",
    null,
    b.todayYearlyCostIdr,
    null,
    b.proposedYearlyCostIdr,
    b.changeIdr,
    "",
  ]);
  return { columns, rows };
}

/** The shared OPDs' allocation plan, in the inventory's order. */
export function planTable(report: Report, f: Formatter): Table {
  const { t } = f;
  const columns: Column[] = [
    { key: "id", header: t.id, kind: "text" },
    { key: "name", header: t.name, kind: "text" },
    { key: "queue", header: t.queue, kind: "text" },
    { key: "today_download_mbps", header: `${t.todayMbps} ${t.download}`, kind: "mbps" },
    { key: "today_upload_mbps", header: `${t.todayMbps} ${t.upload}`, kind: "mbps" },
    { key: "proposed_download_mbps", header: `${t.recommended} ${t.download}`, kind: "mbps" },
    { key: "proposed_upload_mbps", header: `${t.recommended} ${t.upload}`, kind: "mbps" },
    { key: "change_mbps", header: t.planChange, kind: "mbps" },
    { key: "evidence", header: t.evidence, kind: "text" },
  ];
  const byId = new Map(report.opds.map((e) => [e.id, e]));
  const rows: Cell[][] = report.plan.rows.map((r) => [
    r.id,
    r.name,
    r.queue ?? "",
    r.today.download,
    r.today.upload,
    r.proposed.download,
    r.proposed.upload,
    r.changeMbps,
    evidenceText(byId.get(r.id)!.evidence, f),
  ]);
  return { columns, rows };
}

/** Every gap of every series, with its start and end as dates. */
export function gapsTable(report: Report, f: Formatter): Table {
  const { t } = f;
  const columns: Column[] = [
    { key: "id", header: t.id, kind: "text" },
    { key: "name", header: t.name, kind: "text" },
    { key: "direction", header: t.direction, kind: "text" },
    { key: "from", header: `${t.gapFrom} (${t.wib})`, kind: "date" },
    { key: "to", header: `${t.gapTo} (${t.wib})`, kind: "date" },
    { key: "hours", header: t.gapHours, kind: "hours" },
  ];
  const rows: Cell[][] = [];
  for (const e of entitiesOf(report)) {
    for (const d of directionsOf(e)) {
      for (const g of d.gaps) {
        rows.push([
          e.id,
          e.name,
          f.direction(d.direction),
          new Date(g.startS * 1000),
          new Date(g.endS * 1000),
          (g.endS - g.startS) / 3600,
        ]);
      }
    }
  }
  return { columns, rows };
}
