// What the demo prints at the end (pure): the report's most under-provisioned OPDs, the live rates
// Prometheus sees, and where to look next.
import type { Direction } from "../core/model.js";
import type { Saturation } from "../report/figures.js";
import { formatter } from "../report/i18n.js";
import { monthNumber } from "../report/period.js";

interface DirectionJson {
  p95Bps: number | null;
  /** Shares of the slots holding a 5-minute average and a coarser imported one (docs/import.md). */
  fiveMinuteShare: number | null;
  coarserShare: number | null;
  /** The p95 rests partly on coarser averages: the true p95 is likely higher. */
  p95LowerBound: boolean;
  allocatedBps: number;
  /** When the allocation x saturation threshold is (or will be) reached; `text` in the report's language. */
  saturation: { status: Saturation["status"]; month?: string; text: string };
}

/** The parts of the report's JSON file the summary reads (report/export/json.ts). */
export interface ReportJson {
  period: { spec: string };
  opds: {
    id: string;
    shortName: string;
    p95Ratio: number | null;
    download: DirectionJson;
    upload: DirectionJson;
    recommendation: {
      basis: Direction;
      mbps: number;
      yearlyCostIdr: number;
      todayYearlyCostIdr: number;
    } | null;
  }[];
  ranking: { underProvisioned: string[] };
  evidence: {
    opds: { passed: number; total: number };
    uplinks: { passed: number; total: number };
    coverage: number;
    none: boolean;
  };
  city: {
    uplinks: Record<Direction, { p95Bps: number | null }>;
    concurrency: Record<Direction, number | null>;
    overbooking: Record<Direction, number | null>;
    recommendedMbps: number | null;
    todayMbps: number;
  };
  budget: { todayYearlyCostIdr: number; proposedYearlyCostIdr: number; changeIdr: number };
  plan: {
    rows: {
      id: string;
      today: Record<Direction, number>;
      proposed: Record<Direction, number>;
      changeMbps: number;
    }[];
    gains: string[];
    givesBack: string[];
  };
}

/** The city-level proposal, then the allocation plan: what a planner reads first. */
export function proposalLines(report: ReportJson): string[] {
  const { city, budget, plan, evidence } = report;
  const ratio = (x: number | null) => (x === null ? "–" : x.toFixed(2));
  const row = (id: string) => plan.rows.find((r) => r.id === id)!;
  const change = (id: string) => {
    const r = row(id);
    return `${id} ${r.today.download}->${r.proposed.download} Mbps`;
  };
  return [
    `City-level proposal (simultaneous demand at the uplinks):`,
    `  p95 of the uplinks' sum ${mbps(city.uplinks.download.p95Bps)} Mbps download; concurrency factor ${ratio(city.concurrency.download)}, overbooking ${ratio(city.overbooking.download)}`,
    city.recommendedMbps === null
      ? `  uplinks: ${city.todayMbps} Mbps kept (not enough evidence)`
      : `  uplinks: ${city.todayMbps} -> ${city.recommendedMbps} Mbps`,
    `  contracts the city pays: ${rupiah(budget.todayYearlyCostIdr)} -> ${rupiah(budget.proposedYearlyCostIdr)}/year (${budget.changeIdr > 0 ? "+" : ""}${rupiah(budget.changeIdr)})`,
    evidence.none
      ? "  evidence: no row passes the gate yet (coverage, 3 covered months): nothing proposed"
      : `  evidence: ${evidence.opds.passed} of ${evidence.opds.total} OPDs, ${evidence.uplinks.passed} of ${evidence.uplinks.total} uplinks, coverage ${percent(evidence.coverage)}`,
    "",
    `Allocation plan for the shared OPDs (no rupiah per OPD; RouterOS script with --format rsc):`,
    `  gains (${plan.gains.length}): ${plan.gains.slice(0, 5).map(change).join(", ") || "none"}`,
    `  gives back (${plan.givesBack.length}): ${plan.givesBack.slice(0, 5).map(change).join(", ") || "none"}`,
  ];
}

/** Bits per second, by OPD id and direction. */
export type LiveRates = Map<string, Partial<Record<Direction, number>>>;

export interface SummaryInput {
  report: ReportJson;
  files: string[];
  live: LiveRates;
  liveMethod: string;
  urls: { reports: string; prometheus: string; collector: string };
  historySeconds: string;
  once: boolean;
  /** The OPD whose history was imported from an MRTG file, and the file. */
  imported?: { opd: ReportJson["opds"][number]; file: string };
}

const mbps = (bps: number | null | undefined) => (bps == null ? "–" : (bps / 1e6).toFixed(1));
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const rupiah = (idr: number) => `Rp ${new Intl.NumberFormat("id-ID").format(Math.round(idr))}`;
/** The summary is for whoever runs the demo, in English; the report's files stay in Bahasa Indonesia. */
const english = formatter("en", "Asia/Jakarta");

/** The saturation phrase in English, from the JSON's status and month ("YYYY-MM"). */
function saturationText(s: DirectionJson["saturation"]): string {
  const [year, month] = (s.month ?? "").split("-").map(Number);
  return s.status === "reached" || s.status === "projected"
    ? english.saturation({ status: s.status, month: monthNumber(year!, month!) })
    : english.saturation(s as Saturation);
}

/** The direction whose p95 is closest to its allocation (the one the ranking is keyed on). */
function tighter(opd: ReportJson["opds"][number]): Direction {
  const ratio = (d: Direction) => (opd[d].p95Bps ?? 0) / opd[d].allocatedBps;
  return ratio("upload") > ratio("download") ? "upload" : "download";
}

/** The top `n` under-provisioned OPDs, in the report's ranking order. */
export function topUnderProvisioned(report: ReportJson, n: number): ReportJson["opds"] {
  return report.ranking.underProvisioned
    .slice(0, n)
    .map((id) => report.opds.find((o) => o.id === id))
    .filter((o): o is ReportJson["opds"][number] => o !== undefined);
}

/** What the report says about the OPD whose history was imported: what its figures rest on. */
export function importedLines(imported: NonNullable<SummaryInput["imported"]>): string[] {
  const { opd, file } = imported;
  return [
    `Imported history (kapasitas import of an MRTG RRD file, ${file}; docs/import.md):`,
    ...(["download", "upload"] as const).map((d) => {
      const x = opd[d];
      const shares =
        x.fiveMinuteShare === null
          ? "no data"
          : `5-minute data ${percent(x.fiveMinuteShare)}, coarser averages ${percent(x.coarserShare ?? 0)}`;
      const p95 = x.p95LowerBound
        ? `p95 >= ${mbps(x.p95Bps)} Mbps (a lower bound: coarse averages hide the busy hour)`
        : `p95 ${mbps(x.p95Bps)} Mbps`;
      return `  ${opd.shortName} ${english.direction(d).toLowerCase()}: ${shares}; ${p95}`;
    }),
  ];
}

export function summaryText(input: SummaryInput): string {
  const { report } = input;
  const top = topUnderProvisioned(report, 5);
  const width = Math.max(...top.map((o) => o.shortName.length), 8);
  const lines = [
    "",
    `kapasitas demo: Kota Tanjungpinang on this machine (127.0.0.1 only)`,
    "",
    `Capacity report ${report.period.spec} (Bahasa Indonesia), history generated in ${input.historySeconds}:`,
    ...input.files.map((f) => `  ${f}`),
    "",
    ...proposalLines(report),
    "",
    `Most under-provisioned OPDs (p95 vs allocation, the tighter direction; recommendation for next year):`,
    ...top.map((o, i) => {
      const d = tighter(o);
      const r = o.recommendation;
      const planned = report.plan.rows.find((p) => p.id === o.id);
      const advice = r
        ? `-> ${r.mbps} Mbps, ${rupiah(r.yearlyCostIdr)}/year (today ${rupiah(r.todayYearlyCostIdr)})`
        : planned && planned.changeMbps !== 0
          ? `-> planned limit ${planned.proposed.download}/${planned.proposed.upload} Mbps (shared: no rupiah)`
          : "-> no change proposed";
      return (
        `  ${i + 1}. ${o.shortName.padEnd(width)}  p95 ${mbps(o[d].p95Bps)} of ${mbps(o[d].allocatedBps)} Mbps ` +
        `${english.direction(d).toLowerCase()} (${percent(o.p95Ratio ?? 0)}), saturation: ${saturationText(o[d].saturation)}\n` +
        `     ${" ".repeat(width)}  ${advice}`
      );
    }),
    "",
    ...(input.imported ? [...importedLines(input.imported), ""] : []),
    `Live now, as Prometheus sees it (${input.liveMethod}):`,
    ...top.map((o) => {
      const rate = input.live.get(o.id) ?? {};
      return (
        `  ${o.shortName.padEnd(width)}  download ${mbps(rate.download).padStart(6)} / ${mbps(o.download.allocatedBps)} Mbps` +
        `   upload ${mbps(rate.upload).padStart(6)} / ${mbps(o.upload.allocatedBps)} Mbps`
      );
    }),
    "",
    "Look at:",
    `  planner's download page   ${input.urls.reports}`,
    `  Prometheus                ${input.urls.prometheus}`,
    `  collector                 ${input.urls.collector}/metrics, ${input.urls.collector}/snmp?target=core-1`,
    "",
    "Simulated: the three devices (snmpsimd serving recordings generated from the inventory, counters",
    "growing at each OPD's share of its allocation) and the quarter's history (generated, backfilled",
    "with promtool; one OPD's written by rrdtool in MRTG's RRD layout and imported with kapasitas",
    "import). Real: the collector polling over SNMP/UDP, Prometheus scraping it and running the",
    "mixin's rules, the report from Prometheus. SNMP here is v2c on loopback: snmpsim offers SNMPv3",
    "only with MD5/DES, which the city's devices do not use.",
    input.once ? "" : "\nRunning until Ctrl-C.",
  ];
  return lines.join("\n") + "\n";
}
