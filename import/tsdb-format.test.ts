// The TSDB block encoders against bytes the real promtool wrote (2.42, `promtool tsdb
// create-blocks-from openmetrics` of the samples below, its block's files printed with `xxd -p`):
// the same samples must give the same chunk file and the same index, byte for byte.
import { describe, expect, it } from "vitest";
import {
  chunkRecord,
  compareLabels,
  emptyTombstones,
  encodeIndex,
  segmentHeader,
  ulid,
  xorChunk,
  type LabelPairs,
} from "./tsdb-format.js";
import { crc32c, readXorChunk } from "../report/tsdb-bytes.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** m{a="x",b="y"} 1.5, 2.25, 2.25, 1e9, 123456.789 every 300 s from 1700000000; m{a="z"} 0 then -3 an hour later. */
const PROMTOOL_CHUNKS =
  "85bd40dd010000002501000580a0abfef9623ff8000000000000e0a712c277ffa33b3cfcd6567e667d2d33f7ced920b8eb40ac18" +
  "01000280a0abfef962000000000000000080dddb01c06e0040db3c2be7";
const PROMTOOL_INDEX =
  "baaad700020000001a0000000800085f5f6e616d655f5f01610162016d01780179017a640c6cd6000000000000000000120301040205" +
  "03060180a0abfef962809f4908f75fbd410000000000000000001102010402070180a0abfef96280dddb0133971775de00000000000c" +
  "00000001000000010000000420d59ba6000000100000000100000002000000050000000793adcd190000000c00000001000000010000" +
  "0006c1eeeb510000000c000000020000000300000005bb33cbd40000000c000000020000000300000005bb33cbd40000000800000001" +
  "00000003a7692ed200000008000000010000000581c8c93a000000080000000100000003a7692ed2000000180000000301085f5f6e61" +
  "6d655f5f680101617c0101629401f899d7550000002c00000005020000a80102085f5f6e616d655f5f016dbc010201610178d0010201" +
  "61017ae0010201620179f00135f0c4c9000000000000000500000000000000270000000000000066000000000000010000000000000000" +
  "a80000000000000120cc4a236c";

/** Every delta-of-delta bucket (0, 14, 17, 20 and 64 bits, both signs) and awkward floats, as promtool wrote them. */
const ODD_TIMES = [
  1700000000000, 1700000300000, 1700000600000, 1700000900001, 1700001190001, 1700001990001, 1700006990001,
  1700006991001, 1700006991500, 1700007291500,
];
const ODD_VALUES = [0.1, 0.2, 0.30000000000000004, -7, 1e-300, 5e300, 1e-5, 3, 3, 17179869184];
const PROMTOOL_ODD_CHUNK =
  "01000a80a0abfef9623fb999999999999ae0a712d21f6bd3555555555555e000707dff9e66666666666eec77e00306e5b87f0be3cd67" +
  "9f20c27ff8b35468f8605af0000000000401640902e497f88b8fefcbffffffffffecee2a27eecf8b588e368f1be0b7248f6c04300000" +
  "00000000863cd92f";

describe("TSDB block format", () => {
  it("CRC32-Castagnoli: the standard check value", () => {
    expect(crc32c(new TextEncoder().encode("123456789")).toString(16)).toBe("e3069283");
  });

  it("XOR chunks and the segment file are promtool's bytes", () => {
    const t0 = 1700000000000;
    const a = xorChunk(
      [0, 1, 2, 3, 4].map((k) => t0 + k * 300_000),
      [1.5, 2.25, 2.25, 1e9, 123456.789],
      0,
      5,
    );
    const b = xorChunk([t0, t0 + 3_600_000], [0, -3], 0, 2);
    const file = Buffer.concat([segmentHeader(), chunkRecord(a), chunkRecord(b)]);
    expect(hex(file)).toBe(PROMTOOL_CHUNKS);
  });

  it("XOR: every timestamp bucket and odd floats as promtool encodes them", () => {
    const chunk = xorChunk(ODD_TIMES, ODD_VALUES, 0, ODD_TIMES.length);
    // The segment holds len, encoding, data, CRC; compare from the encoding byte.
    expect(hex(chunkRecord(chunk)).slice(2)).toBe(PROMTOOL_ODD_CHUNK);
  });

  it("promtool's XOR chunks read back to their samples, bit for bit (report/tsdb-bytes.ts)", () => {
    const read = (bytes: Uint8Array, from: number, to: number) => {
      const samples: [number, number, boolean][] = [];
      readXorChunk(bytes, from, to, (t, v, stale) => samples.push([t, v, stale]));
      return samples;
    };
    // The segment: 8-byte header, then per chunk uvarint length (< 128 here), encoding, data, CRC.
    const file = Buffer.from(PROMTOOL_CHUNKS, "hex");
    const firstLength = file[8]!;
    const first = read(file, 10, 10 + firstLength);
    const t0 = 1700000000000;
    expect(first).toEqual([1.5, 2.25, 2.25, 1e9, 123456.789].map((v, k) => [t0 + k * 300_000, v, false]));
    const secondAt = 10 + firstLength + 4;
    expect(read(file, secondAt + 2, secondAt + 2 + file[secondAt]!)).toEqual([
      [t0, 0, false],
      [t0 + 3_600_000, -3, false],
    ]);
    const odd = Buffer.from(PROMTOOL_ODD_CHUNK, "hex");
    expect(read(odd, 1, odd.length - 4)).toEqual(ODD_TIMES.map((t, k) => [t, ODD_VALUES[k], false]));
  });

  it("XOR chunks written here read back bit for bit, NaN and the staleness marker included", () => {
    const times: number[] = [];
    const values: number[] = [];
    let t = 1735664400000;
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 1000; k++) {
      t += [300_000, 300_000, 299_999, 60_000, 9_000_000][Math.floor(next() * 5)]!;
      times.push(t);
      values.push([next() * 1e9, Math.round(next() * 100), 0, -next(), NaN][Math.floor(next() * 5)]!);
    }
    times.push(t + 300_000);
    // The staleness marker's bits set in place: a NaN kept in a JS array may lose its payload.
    const withStale = new Float64Array([...values, 0]);
    new Uint32Array(withStale.buffer).set([2, 0x7ff00000], 2 * values.length);
    values.push(NaN);
    const chunk = xorChunk(times, withStale, 0, times.length);
    const seen: number[] = [];
    const staleAt: number[] = [];
    readXorChunk(chunk, 0, chunk.length, (time, value, isStale) => {
      expect(time).toBe(times[seen.length]);
      expect(value).toBe(values[seen.length]);
      if (isStale) staleAt.push(seen.length);
      seen.push(value);
    });
    expect(seen).toHaveLength(times.length);
    expect(staleAt).toEqual([times.length - 1]);
    expect(() => readXorChunk(chunk, 0, chunk.length - 3, () => {})).toThrow(/ends inside a sample/);
  });

  it("the index is promtool's bytes", () => {
    const t0 = 1700000000000;
    const index = encodeIndex([
      {
        labels: [
          ["__name__", "m"],
          ["a", "x"],
          ["b", "y"],
        ],
        chunks: [{ minT: t0, maxT: t0 + 1_200_000, ref: 8 }],
      },
      {
        labels: [
          ["__name__", "m"],
          ["a", "z"],
        ],
        chunks: [{ minT: t0, maxT: t0 + 3_600_000, ref: 51 }],
      },
    ]);
    expect(hex(index)).toBe(PROMTOOL_INDEX);
  });

  it("refuses what Prometheus would refuse to read", () => {
    const s = (v: string): { labels: LabelPairs; chunks: { minT: number; maxT: number; ref: number }[] } => ({
      labels: [["__name__", v]],
      chunks: [{ minT: 0, maxT: 1, ref: 8 }],
    });
    expect(() => encodeIndex([s("b"), s("a")])).toThrow(/sorted/);
    expect(() => xorChunk([5, 5], [1, 2], 0, 2)).toThrow(/increase/);
    expect(() => xorChunk([], [], 0, 0)).toThrow(/1 to 65535/);
  });

  it("labels sort as Prometheus's labels.Compare (bytes, then a prefix first)", () => {
    expect(
      compareLabels(
        [["a", "x"]],
        [
          ["a", "x"],
          ["b", "y"],
        ],
      ),
    ).toBeLessThan(0);
    expect(
      compareLabels(
        [["a", "z"]],
        [
          ["a", "x"],
          ["b", "y"],
        ],
      ),
    ).toBeGreaterThan(0);
    // U+FF5E sorts before U+1F600 in UTF-8, after it in UTF-16.
    expect(compareLabels([["a", "\uff5e"]], [["a", "\u{1f600}"]])).toBeLessThan(0);
  });

  it("the empty tombstones file and the ULID", () => {
    expect(hex(emptyTombstones())).toBe("0130ba300100000000");
    const id = ulid(1700000000000, new Uint8Array(16).fill(0xff));
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(id.slice(0, 10)).toBe("01HF7YAT00");
    expect(id.slice(10)).toBe("ZZZZZZZZZZZZZZZZ");
  });
});
