// Prometheus TSDB blocks written directly (tsdb-format.ts), one block per UTC month: each series'
// samples are cut into XOR chunks of 120 as they arrive (the encoded chunks are all that is kept in
// memory), and a month's block is written when every source has been read. Like a block promtool
// or Prometheus writes: chunks in series order, the index, meta.json (min time, last sample + 1 ms,
// compaction level 1), an empty tombstones file.
import { randomBytes } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import type { ResolutionSeries } from "./series.js";
import {
  blockMeta,
  chunkRecord,
  compareLabels,
  compareStrings,
  emptyTombstones,
  encodeIndex,
  SAMPLES_PER_CHUNK,
  segmentHeader,
  SEGMENT_MAX_BYTES,
  ulid,
  xorChunk,
  type ChunkMeta,
  type IndexSeries,
  type LabelPairs,
} from "./tsdb-format.js";

interface EncodedChunk {
  minT: number;
  maxT: number;
  /** The chunk as the segment file holds it (chunkRecord). */
  record: Uint8Array;
}

interface BlockSeries {
  labels: LabelPairs;
  chunks: EncodedChunk[];
  samples: number;
}

/** The full label set Prometheus stores: `__name__` and the rest, sorted by name. */
export function labelPairs(metric: string, labels: Record<string, string>): LabelPairs {
  return (Object.entries({ __name__: metric, ...labels }) as [string, string][]).sort(([a], [b]) =>
    compareStrings(a, b),
  );
}

/** The first millisecond of the UTC month after the one holding `ms`. */
const nextMonthMs = (ms: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/** A block's files in memory: the chunk segment files, the index, meta.json and tombstones. */
export interface BlockFiles {
  ulid: string;
  minT: number;
  maxT: number;
  segments: Uint8Array[][];
  index: Uint8Array;
  meta: string;
  tombstones: Uint8Array;
}

/** Samples gathered into months, encoded as they arrive. Pure apart from the ULID's clock and randomness. */
export class BlockBuilder {
  /** Month start (ms) → series key → series. */
  private readonly months = new Map<number, Map<string, BlockSeries>>();
  samples = 0;

  add(series: ResolutionSeries): void {
    const labels = labelPairs(series.metric, series.labels);
    const key = JSON.stringify(labels);
    const times = new Float64Array(series.timesS.length);
    // Prometheus's API gives times in seconds with millisecond decimals: back to whole milliseconds.
    for (let k = 0; k < times.length; k++) times[k] = Math.round(series.timesS[k]! * 1000);
    let i = 0;
    while (i < times.length) {
      const day = new Date(times[i]!);
      const monthStart = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1);
      const end = nextMonthMs(times[i]!);
      let j = i;
      while (j < times.length && times[j]! < end) j++;
      let month = this.months.get(monthStart);
      if (!month) this.months.set(monthStart, (month = new Map()));
      let held = month.get(key);
      if (!held) month.set(key, (held = { labels, chunks: [], samples: 0 }));
      for (let from = i; from < j; from += SAMPLES_PER_CHUNK) {
        const to = Math.min(j, from + SAMPLES_PER_CHUNK);
        held.chunks.push({
          minT: times[from]!,
          maxT: times[to - 1]!,
          record: chunkRecord(xorChunk(times, series.values, from, to)),
        });
      }
      held.samples += j - i;
      this.samples += j - i;
      i = j;
    }
  }

  /** Month starts (ms) holding samples, oldest first. */
  monthStarts(): number[] {
    return [...this.months.keys()].sort((a, b) => a - b);
  }

  /** One month's block, its memory released from the builder. */
  take(monthStart: number, nowMs: number): BlockFiles {
    const month = this.months.get(monthStart);
    if (!month) throw new Error(`no samples for the month starting ${new Date(monthStart).toISOString()}`);
    this.months.delete(monthStart);
    const series = [...month.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    const segments: Uint8Array[][] = [[segmentHeader()]];
    let segmentBytes = segments[0]![0]!.length;
    const index: IndexSeries[] = [];
    let minT = Infinity;
    let maxT = -Infinity;
    let chunks = 0;
    let samples = 0;
    for (const s of series) {
      // Sources arrive in time order per series; a series added twice (another Prometheus's
      // query windows) keeps its chunks in time order.
      s.chunks.sort((a, b) => a.minT - b.minT);
      const metas: ChunkMeta[] = [];
      for (const c of s.chunks) {
        if (segmentBytes + c.record.length > SEGMENT_MAX_BYTES) {
          segments.push([segmentHeader()]);
          segmentBytes = segments.at(-1)![0]!.length;
        }
        metas.push({ minT: c.minT, maxT: c.maxT, ref: (segments.length - 1) * 2 ** 32 + segmentBytes });
        segments.at(-1)!.push(c.record);
        segmentBytes += c.record.length;
        minT = Math.min(minT, c.minT);
        maxT = Math.max(maxT, c.maxT);
      }
      chunks += s.chunks.length;
      samples += s.samples;
      index.push({ labels: s.labels, chunks: metas });
    }
    const id = ulid(nowMs, randomBytes(10));
    return {
      ulid: id,
      minT,
      maxT: maxT + 1,
      segments,
      index: encodeIndex(index),
      meta: blockMeta(id, minT, maxT + 1, {
        numSamples: samples,
        numSeries: series.length,
        numChunks: chunks,
      }),
      tombstones: emptyTombstones(),
    };
  }
}

async function writeSynced(path: string, parts: readonly Uint8Array[] | string): Promise<void> {
  const file = await open(path, "w");
  try {
    await file.writeFile(typeof parts === "string" ? parts : Buffer.concat(parts));
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Write a block's folder under `dir` (named by its ULID, meta.json last); returns the folder. */
export async function writeBlock(dir: string, block: BlockFiles): Promise<string> {
  const path = join(dir, block.ulid);
  await mkdir(join(path, "chunks"), { recursive: true });
  for (const [n, parts] of block.segments.entries()) {
    await writeSynced(join(path, "chunks", String(n + 1).padStart(6, "0")), parts);
  }
  await writeSynced(join(path, "index"), [block.index]);
  await writeSynced(join(path, "tombstones"), [block.tombstones]);
  await writeSynced(join(path, "meta.json"), block.meta);
  return path;
}
