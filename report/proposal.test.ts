// The proposal's decisions on hand-made series (no Prometheus): the gate, the simultaneous sum,
// the contract lines, the allocation plan and its RouterOS script.
import { describe, expect, it } from "vitest";
import { summarise, type SlotSeries } from "./figures.js";
import {
  allocationPlan,
  evidenceOf,
  lastSampleEndS,
  roundDownToStep,
  roundUpToStep,
  routerOsScript,
  splitAcrossContracts,
  SlotSums,
  sumPerSlot,
  type PlanInput,
} from "./proposal.js";

const MBPS = 1e6;
const tiers = [
  { mbps: 50, idr_per_mbps_month: 480_000 },
  { mbps: 100, idr_per_mbps_month: 420_000 },
  { mbps: 200, idr_per_mbps_month: 380_000 },
];

/** 100 slots: `low` except 10 busy slots at `high` starting at `busyFrom`. */
function shifted(busyFrom: number, low: number, high: number): Float64Array {
  const v = new Float64Array(100).fill(low);
  for (let i = busyFrom; i < busyFrom + 10; i++) v[i] = high;
  return v;
}
const series = (values: Float64Array): SlotSeries => ({ startS: 0, stepS: 300, values });

describe("simultaneous demand", () => {
  it("the p95 of the sum is below the sum of the p95s when peaks do not coincide, exactly", () => {
    const a = shifted(0, 1 * MBPS, 4 * MBPS);
    const b = shifted(50, 1 * MBPS, 4 * MBPS);
    expect(summarise(series(a)).p95Bps).toBe(4 * MBPS);
    expect(summarise(series(b)).p95Bps).toBe(4 * MBPS);
    // Busy slots never overlap: the sum is 2 Mbps 80% of the time and 5 Mbps 20%.
    expect(summarise(series(sumPerSlot([a, b], 100))).p95Bps).toBe(5 * MBPS);
    // Coinciding peaks: the sum of p95s.
    expect(summarise(series(sumPerSlot([a, shifted(0, 1 * MBPS, 4 * MBPS)], 100))).p95Bps).toBe(8 * MBPS);
  });

  it("a slot with any member missing is a gap of the sum, never a partial sum", () => {
    const a = Float64Array.from([1, 2, NaN, 4]);
    const b = Float64Array.from([1, NaN, 3, 4]);
    expect([...sumPerSlot([a, b], 4)]).toEqual([2, NaN, NaN, 8]);
    expect([...sumPerSlot([], 2)]).toEqual([NaN, NaN]);
  });

  it("SlotSums, fed a series at a time, equals sumPerSlot over all of them", () => {
    const a = Float64Array.from([1, 2, NaN, 4]);
    const b = Float64Array.from([1, NaN, 3, 4]);
    const sums = new SlotSums(4);
    expect([...sums.of("download")]).toEqual([NaN, NaN, NaN, NaN]);
    sums.add("download", a, Uint32Array.from([1, 1, 0, 1]));
    sums.add("download", b, Uint32Array.from([7200, 0, 1, 1]));
    expect([...sums.of("download")]).toEqual([...sumPerSlot([a, b], 4)]);
    expect([...sums.basisOf("download")]).toEqual([7200, 1, 1, 1]); // a sum rests on its coarsest member
    expect([...a]).toEqual([1, 2, NaN, 4]); // the first series is copied, never summed into
  });

  it("the last sample is the end of the last slot holding one", () => {
    expect(
      lastSampleEndS([Float64Array.from([1, NaN, NaN]), Float64Array.from([1, 2, NaN])], 1000, 300),
    ).toBe(1600);
    expect(lastSampleEndS([Float64Array.from([NaN])], 0, 300)).toBeNull();
  });
});

describe("evidence gate", () => {
  const d = (samples: number, coverage: number, months: number | null) => ({
    samples,
    coverage,
    trend: months === null ? null : { monthsUsed: months },
  });
  it("passes at min_coverage with 3 covered months, and names the reason otherwise", () => {
    expect(evidenceOf([d(10, 0.8, 3), d(10, 0.9, 12)], 0.8)).toEqual({ ok: true, coverage: 0.8, months: 3 });
    expect(evidenceOf([d(10, 0.79, 12), d(10, 1, 12)], 0.8)).toMatchObject({ ok: false, reason: "coverage" });
    expect(evidenceOf([d(10, 1, null), d(10, 1, 12)], 0.8)).toMatchObject({ ok: false, reason: "months" });
    expect(evidenceOf([d(0, 0, null), d(0, 0, null)], 0.8)).toMatchObject({ ok: false, reason: "no-data" });
    // A direction without any sample does not sink the one that was measured.
    expect(evidenceOf([d(0, 0, null), d(10, 0.95, 4)], 0.8)).toMatchObject({ ok: true });
  });
});

describe("contract lines", () => {
  it("splits the city's need over today's contracts and rounds each up to a tier", () => {
    const lines = splitAcrossContracts(
      130,
      [
        { id: "a", mbps: 100, yearlyCostIdr: 0 },
        { id: "b", mbps: 100, yearlyCostIdr: 0 },
      ],
      tiers,
    );
    expect(lines).toEqual([
      { id: "a", mbps: 100, idrPerMbpsMonth: 420_000, yearlyCostIdr: 504_000_000 },
      { id: "b", mbps: 100, idrPerMbpsMonth: 420_000, yearlyCostIdr: 504_000_000 },
    ]);
    expect(splitAcrossContracts(450, [{ id: "a", mbps: 300, yearlyCostIdr: 0 }], tiers)[0]!.mbps).toBe(600);
  });
});

describe("allocation plan", () => {
  const input = (id: string, today: number, need: number | null, evidence = true): PlanInput => ({
    id,
    name: id,
    queue: id,
    today: { download: today, upload: today },
    needMbps: { download: need, upload: need === null ? null : need / 4 },
    evidence,
  });

  it("rounds to steps (whole Mbps to 10, then 5)", () => {
    expect([0.2, 3.1, 10, 10.01, 22.75].map(roundUpToStep)).toEqual([1, 4, 10, 15, 25]);
    expect([0.2, 3.9, 12, 24.9].map(roundDownToStep)).toEqual([1, 3, 10, 20]);
  });

  it("gives each evidenced OPD its need and keeps the others; ranks who gains and who gives back", () => {
    const plan = allocationPlan(
      [input("a", 20, 22.75), input("b", 50, 3.9), input("c", 10, 30, false), input("d", 10, null)],
      { download: 1000, upload: 1000 },
    );
    expect(plan.rows.map((r) => [r.id, r.proposed.download, r.changeMbps])).toEqual([
      ["a", 25, 5],
      ["b", 4, -46],
      ["c", 10, 0],
      ["d", 10, 0],
    ]);
    expect(plan.scale).toEqual({ download: 1, upload: 1 });
    expect(plan.gains).toEqual(["a"]);
    expect(plan.givesBack).toEqual(["b"]);
  });

  it("scales the evidenced limits down to fit the uplinks × overbooking", () => {
    const plan = allocationPlan([input("a", 20, 60), input("b", 20, 60), input("c", 40, 80, false)], {
      download: 100,
      upload: 100,
    });
    // 40 kept by c; 120 asked by a and b for 60 of room → factor 0.5 → 30 each.
    expect(plan.scale.download).toBe(0.5);
    expect(plan.rows.map((r) => r.proposed.download)).toEqual([30, 30, 40]);
    expect(plan.totalMbps.download).toBeLessThanOrEqual(100);
  });

  it("exports a RouterOS script for review: max-limit is upload/download, quoted names", () => {
    const plan = allocationPlan(
      [
        input("a", 20, 22.75),
        { ...input("b", 10, 40), queue: null },
        { ...input("c", 5, 8), queue: 'q "x"' },
      ],
      { download: 1000, upload: 1000 },
    );
    const script = routerOsScript(plan, ["kapasitas allocation plan, for review: not applied"]);
    expect(script.split("\n")).toEqual([
      "# kapasitas allocation plan, for review: not applied",
      "/queue simple",
      "# a: 20/20 -> 6/25 Mbps (up/down)",
      'set [find name="a"] max-limit=6M/25M',
      "# b: 10/10 -> 10/40 Mbps (up/down); no simple queue in the inventory, set the limit where it is enforced",
      "# c: 5/5 -> 2/8 Mbps (up/down)",
      'set [find name="q \\"x\\""] max-limit=2M/8M',
      "",
    ]);
  });
});
