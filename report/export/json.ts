// JSON: the whole report for machines. Rates in bits/s, money in IDR, times as ISO 8601 with the
// inventory's UTC offset, months as YYYY-MM. Independent of the language except for labels.
import type { DirectionFigures, EntityReport, Report } from "../engine.js";
import type { Formatter } from "../i18n.js";
import { monthKey, zoneOffsetMinutes } from "../period.js";
import type { Saturation } from "../figures.js";

/** 2025-03-10T00:00:00+07:00 */
export function isoInZone(instant: Date, timeZone: string): string {
  const offset = zoneOffsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

function saturationJson(s: Saturation, f: Formatter) {
  return { status: s.status, ...("month" in s ? { month: monthKey(s.month) } : {}), text: f.saturation(s) };
}

function directionJson(d: DirectionFigures, tz: string, f: Formatter) {
  const at = (s: number | null) => (s === null ? null : isoInZone(new Date(s * 1000), tz));
  return {
    direction: d.direction,
    allocatedBps: d.allocatedBps,
    allocationSource: d.allocationSource,
    slots: d.slots,
    samples: d.samples,
    coverage: d.coverage,
    fiveMinuteShare: d.fiveMinuteShare,
    coarserShare: d.coarserShare,
    p95LowerBound: d.p95LowerBound,
    meanBps: d.meanBps,
    peakBps: d.peakBps,
    peakAt: at(d.peakAtS),
    p95Bps: d.p95Bps,
    p95Utilisation: d.p95Utilisation,
    meanUtilisation: d.meanUtilisation,
    hoursAboveThreshold: d.hoursAboveThreshold,
    gaps: d.gaps.map((g) => ({ start: at(g.startS), end: at(g.endS), slots: g.slots })),
    monthly: d.monthly.map((m) => ({ month: monthKey(m.month), p95Bps: m.p95Bps, coverage: m.coverage })),
    trend: d.trend && {
      slopeBpsPerMonth: d.trend.slopeBpsPerMonth,
      ratioPerMonth: d.trend.ratioPerMonth,
      interceptBps: d.trend.interceptBps,
      originMonth: monthKey(d.trend.originMonth),
      monthsUsed: d.trend.monthsUsed,
    },
    saturation: saturationJson(d.saturation, f),
    projectedP95Bps: d.projectedP95Bps,
    needMbps: d.needMbps,
    recommendedMbps: d.recommendedMbps,
  };
}

function entityJson(e: EntityReport, tz: string, f: Formatter) {
  return {
    kind: e.kind,
    id: e.id,
    name: e.name,
    shortName: e.shortName,
    ...(e.category === undefined ? {} : { category: e.category }),
    ...(e.provider === undefined ? {} : { provider: e.provider }),
    paidBy: e.paidBy,
    ...(e.queue === undefined ? {} : { queue: e.queue }),
    evidence: e.evidence,
    p95Ratio: e.p95Ratio,
    today: e.today,
    recommendation: e.recommendation,
    download: directionJson(e.download, tz, f),
    upload: directionJson(e.upload, tz, f),
  };
}

export function reportJson(report: Report, f: Formatter) {
  const tz = report.timeZone;
  return {
    organisation: report.organisation,
    timeZone: tz,
    language: f.lang,
    units: { rates: "bits/s", money: "IDR", allocation: "Mbps" },
    period: {
      kind: report.period.kind,
      spec: report.period.spec,
      label: f.period(report.period),
      start: isoInZone(report.period.start, tz),
      end: isoInZone(report.period.end, tz),
      measuredEnd: isoInZone(report.measuredEnd, tz),
      lastSample: report.lastSampleAt && isoInZone(report.lastSampleAt, tz),
    },
    generatedAt: isoInZone(report.generatedAt, tz),
    source: report.source,
    planning: report.planning,
    pricingTiers: report.pricingTiers,
    months: report.months.map(monthKey),
    nextFiscalYear: {
      year: report.nextFiscalYear.year,
      start: isoInZone(report.nextFiscalYear.start, tz),
      end: isoInZone(report.nextFiscalYear.end, tz),
      lastMonth: monthKey(report.nextFiscalYear.lastMonth),
    },
    evidence: report.evidence,
    city: {
      ...report.city,
      uplinks: {
        download: directionJson(report.city.uplinks.download, tz, f),
        upload: directionJson(report.city.uplinks.upload, tz, f),
      },
      sharedOpds: {
        download: directionJson(report.city.sharedOpds.download, tz, f),
        upload: directionJson(report.city.sharedOpds.upload, tz, f),
      },
    },
    budget: report.budget,
    plan: report.plan,
    signatories: report.signatories,
    totals: report.totals,
    ranking: report.ranking,
    unmatchedSeries: report.unmatchedSeries,
    opds: report.opds.map((e) => entityJson(e, tz, f)),
    uplinks: report.uplinks.map((e) => entityJson(e, tz, f)),
  };
}

export function renderJson(report: Report, f: Formatter): Buffer {
  return Buffer.from(`${JSON.stringify(reportJson(report, f), null, 2)}\n`, "utf8");
}
