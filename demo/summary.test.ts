// The demo's summary leads with the city-level proposal, then the allocation plan.
import { describe, expect, it } from "vitest";
import { importedLines, proposalLines, type ReportJson } from "./summary.js";

const report = {
  evidence: {
    opds: { passed: 50, total: 55 },
    uplinks: { passed: 2, total: 2 },
    coverage: 0.97,
    none: false,
  },
  city: {
    uplinks: { download: { p95Bps: 412e6 }, upload: { p95Bps: 120e6 } },
    concurrency: { download: 1.84, upload: 1.5 },
    overbooking: { download: 1.06, upload: 0.63 },
    recommendedMbps: 1000,
    todayMbps: 800,
  },
  budget: { todayYearlyCostIdr: 3_252_000_000, proposedYearlyCostIdr: 3_816_000_000, changeIdr: 564_000_000 },
  plan: {
    rows: [
      {
        id: "disdukcapil",
        today: { download: 20, upload: 20 },
        proposed: { download: 35, upload: 10 },
        changeMbps: 15,
      },
      {
        id: "bappeda",
        today: { download: 50, upload: 50 },
        proposed: { download: 10, upload: 5 },
        changeMbps: -40,
      },
    ],
    gains: ["disdukcapil"],
    givesBack: ["bappeda"],
  },
} as unknown as ReportJson;

describe("demo summary", () => {
  it("shows the city-level proposal first, then the allocation plan", () => {
    const text = proposalLines(report).join("\n");
    expect(text.indexOf("City-level proposal")).toBe(0);
    expect(text.indexOf("Allocation plan")).toBeGreaterThan(text.indexOf("uplinks: 800 -> 1000 Mbps"));
    expect(text).toContain("concurrency factor 1.84, overbooking 1.06");
    expect(text).toContain("Rp 3.252.000.000 -> Rp 3.816.000.000/year (+Rp 564.000.000)");
    expect(text).toContain("gains (1): disdukcapil 20->35 Mbps");
    expect(text).toContain("gives back (1): bappeda 50->10 Mbps");
    expect(text).toContain("50 of 55 OPDs, 2 of 2 uplinks, coverage 97%");
  });
});

describe("the imported OPD", () => {
  it("says what its figures rest on, and marks a p95 from coarse averages as a lower bound", () => {
    const direction = (p95Bps: number, fine: number, lowerBound: boolean) => ({
      p95Bps,
      allocatedBps: 20e6,
      saturation: { text: "" },
      fiveMinuteShare: fine,
      coarserShare: 1 - fine,
      p95LowerBound: lowerBound,
    });
    const opd = {
      shortName: "Setwan",
      download: direction(9.5e6, 0.03, true),
      upload: direction(3e6, 1, false),
    } as unknown as ReportJson["opds"][number];
    expect(importedLines({ opd, file: "out/demo/mrtg/setwan.rrd" })).toEqual([
      "Imported history (kapasitas import of an MRTG RRD file, out/demo/mrtg/setwan.rrd; docs/import.md):",
      "  Setwan download: 5-minute data 3%, coarser averages 97%; p95 >= 9.5 Mbps (a lower bound: coarse averages hide the busy hour)",
      "  Setwan upload: 5-minute data 100%, coarser averages 0%; p95 3.0 Mbps",
    ]);
  });
});
