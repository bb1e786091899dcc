// The block builder (pure): samples split by UTC month, cut into chunks of at most 120, a series
// that arrives in pieces kept in time order, and each block's meta.json counting what it holds.
import { describe, expect, it } from "vitest";
import { BlockBuilder, labelPairs } from "./blocks.js";
import type { ResolutionSeries } from "./series.js";
import { SAMPLES_PER_CHUNK } from "./tsdb-format.js";

const FEB = Date.UTC(2025, 1, 1) / 1000;

function series(fromS: number, count: number, labels: Record<string, string> = { opd: "dinkes" }) {
  const timesS = Float64Array.from({ length: count }, (_, k) => fromS + (k + 1) * 300);
  return { metric: "m", labels, timesS, values: timesS.map((t) => t / 7) } satisfies ResolutionSeries;
}

interface Meta {
  ulid: string;
  minTime: number;
  maxTime: number;
  stats: { numSamples: number; numSeries: number; numChunks: number };
  compaction: { level: number; sources: string[] };
}

describe("BlockBuilder", () => {
  it("one block per UTC month, chunks of at most 120 samples", () => {
    const b = new BlockBuilder();
    // 24 samples in January (22:05 to 23:55 and midnight's belongs to February), 276 in February.
    b.add(series(FEB - 2 * 3600, 300));
    b.add(series(FEB, 10, { opd: "bappeda" }));
    expect(b.samples).toBe(310);
    const months = b.monthStarts();
    expect(months).toEqual([Date.UTC(2025, 0, 1), FEB * 1000]);
    const [january, february] = months.map((m) => b.take(m, Date.UTC(2026, 0, 1)));
    const meta = (block: typeof january) => JSON.parse(block!.meta) as Meta;
    expect(meta(january).stats).toEqual({ numSamples: 23, numSeries: 1, numChunks: 1 });
    expect(meta(february).stats).toEqual({
      numSamples: 287,
      numSeries: 2,
      numChunks: Math.ceil(277 / SAMPLES_PER_CHUNK) + 1,
    });
    expect(meta(january)).toMatchObject({
      minTime: (FEB - 7200 + 300) * 1000,
      maxTime: (FEB - 300) * 1000 + 1,
    });
    expect(meta(february)).toMatchObject({ minTime: FEB * 1000, compaction: { level: 1 } });
    expect(meta(february).compaction.sources).toEqual([february!.ulid]);
    // A taken month is gone from the builder.
    expect(b.monthStarts()).toEqual([]);
  });

  it("a series that arrives in pieces, later piece first, is written in time order", () => {
    const b = new BlockBuilder();
    const whole = series(FEB, 200);
    const half = (from: number, to: number): ResolutionSeries => ({
      ...whole,
      timesS: whole.timesS.subarray(from, to),
      values: whole.values.subarray(from, to),
    });
    b.add(half(150, 200));
    b.add(half(0, 150));
    // encodeIndex refuses chunks out of order: taking the block proves they were sorted.
    const block = b.take(FEB * 1000, 0);
    expect(JSON.parse(block.meta)).toMatchObject({
      minTime: (FEB + 300) * 1000,
      maxTime: (FEB + 200 * 300) * 1000 + 1,
    });
  });

  it("labels as Prometheus stores them: __name__ first, sorted by name", () => {
    expect(labelPairs("m", { source: "csv", direction: "upload", opd: "x" })).toEqual([
      ["__name__", "m"],
      ["direction", "upload"],
      ["opd", "x"],
      ["source", "csv"],
    ]);
  });
});
