// The recommendation and the ranking, on hand-made figures (no Prometheus).
import { describe, expect, it } from "vitest";
import { rank, recommend, type DirectionFigures, type EntityInput, type EntityReport } from "./engine.js";

const tiers = [
  { mbps: 10, idr_per_mbps_month: 600_000 },
  { mbps: 20, idr_per_mbps_month: 550_000 },
  { mbps: 50, idr_per_mbps_month: 480_000 },
];
const figures = (direction: "download" | "upload", recommendedMbps: number | null) =>
  ({ direction, recommendedMbps }) as DirectionFigures;
const opd: EntityInput = {
  kind: "opd",
  id: "dpmptsp",
  name: "DPMPTSP",
  shortName: "DPMPTSP",
  paidBy: "own",
  allocatedMbps: { download: 20, upload: 10 },
  todayYearlyCostIdr: 20 * 550_000 * 12,
};

describe("recommend", () => {
  it("sizes a symmetric product by the direction that needs more, and prices it", () => {
    expect(recommend(figures("download", 20), figures("upload", 50), opd, tiers)).toEqual({
      basis: "upload",
      mbps: 50,
      yearlyCostIdr: 50 * 480_000 * 12,
      todayMbps: 20,
      todayYearlyCostIdr: 132_000_000,
      changeIdr: 288_000_000 - 132_000_000,
      changeRatio: (288_000_000 - 132_000_000) / 132_000_000,
    });
    expect(recommend(figures("download", 20), figures("upload", 20), opd, tiers)!.basis).toBe("download");
  });

  it("uses the one measured direction, and recommends nothing without data", () => {
    expect(recommend(figures("download", null), figures("upload", 10), opd, tiers)).toMatchObject({
      basis: "upload",
      mbps: 10,
      changeIdr: 72_000_000 - 132_000_000,
    });
    expect(recommend(figures("download", null), figures("upload", null), opd, tiers)).toBeNull();
  });
});

describe("rank", () => {
  const entity = (id: string, p95Ratio: number | null, todayMbps: number, mbps: number | null) =>
    ({
      id,
      p95Ratio,
      evidence: { ok: p95Ratio !== null && p95Ratio !== 0.6, coverage: 1, months: 12 },
      today: { mbps: todayMbps, yearlyCostIdr: 0 },
      recommendation: mbps === null ? null : { mbps, todayMbps },
    }) as unknown as EntityReport;

  it("lists under-provisioned by highest p95 ÷ allocation, over-provisioned by lowest, who has no data or no evidence", () => {
    const ranking = rank([
      entity("a", 0.95, 20, 50),
      entity("b", 0.2, 50, 10),
      entity("c", 1.3, 10, 20),
      entity("d", 0.6, 20, 50),
      entity("e", null, 10, null),
      entity("f", 0.05, 50, 10),
    ]);
    expect(ranking).toEqual({
      underProvisioned: ["c", "a"],
      overProvisioned: ["f", "b"],
      noData: ["e"],
      noEvidence: ["d"],
    });
  });
});
