// Prometheus's TSDB block format, written the way Prometheus's own writer (tsdb/index, tsdb/chunks,
// tsdb/chunkenc/xor.go, tsdb/tombstones) writes it, byte for byte: XOR (Gorilla) chunks, chunk
// segment files, the v2 index (symbols, series, label indices, postings, both offset tables, TOC,
// each section with its CRC32-Castagnoli), the empty tombstones file, meta.json and the block's ULID.
// The format: prometheus/tsdb/docs/format/{index,chunks,tombstones}.md. Pure: bytes in, bytes out.

import { ByteWriter, crc32c, floatBits } from "../report/tsdb-bytes.js";

/** A series' labels as Prometheus holds them: [name, value] pairs sorted by name, `__name__` included. */
export type LabelPairs = readonly (readonly [string, string])[];

/** One chunk of a series in the index: its first and last sample time (ms) and where it is. */
export interface ChunkMeta {
  minT: number;
  maxT: number;
  /** Segment file sequence (from 0) << 32 | offset in that file. */
  ref: number;
}

export interface IndexSeries {
  labels: LabelPairs;
  chunks: readonly ChunkMeta[];
}

/** Samples per chunk: Prometheus cuts a head chunk at 120 samples. */
export const SAMPLES_PER_CHUNK = 120;
/** A chunk segment file's largest size (tsdb/chunks DefaultChunkSegmentSize). */
export const SEGMENT_MAX_BYTES = 512 * 1024 * 1024;
export const CHUNKS_MAGIC = 0x85bd40dd;
export const INDEX_MAGIC = 0xbaaad700;
export const TOMBSTONES_MAGIC = 0x0130ba30;
/** tsdb/chunkenc: EncXOR. */
export const ENCODING_XOR = 1;

const TWO_32 = 4294967296;
const { f64, u32, HI, LO } = floatBits;

/** A bit stream as tsdb/chunkenc's bstream writes it: most significant bit first. */
class BitWriter {
  buf = new Uint8Array(256);
  len = 0;
  /** Bits still free in the last byte. */
  free = 0;

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  byte(b: number): void {
    this.bits(b, 8);
  }

  /** The low n bits of v (n ≤ 32), most significant first. */
  bits(v: number, n: number): void {
    while (n > 0) {
      if (this.free === 0) {
        if (this.len === this.buf.length) this.grow();
        this.buf[this.len++] = 0;
        this.free = 8;
      }
      const take = n < this.free ? n : this.free;
      const part = (v >>> (n - take)) & ((1 << take) - 1);
      this.buf[this.len - 1]! |= part << (this.free - take);
      this.free -= take;
      n -= take;
    }
  }

  /** A 64-bit value given as its high and low 32-bit halves, its low n bits (n ≤ 64). */
  bits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.bits(hi, n - 32);
      this.bits(lo, 32);
    } else this.bits(lo, n);
  }
}

const ctz32 = (x: number): number => 31 - Math.clz32(x & -x);

/** Go's bitRange: does x fit in nbits as the XOR chunk's delta-of-delta buckets count it. */
const bitRange = (x: number, nbits: number): boolean => -(2 ** (nbits - 1) - 1) <= x && x <= 2 ** (nbits - 1);

/**
 * One XOR chunk (tsdb/chunkenc/xor.go) of the samples [from, to): times in ms, strictly increasing.
 * The bytes are the chunk's data, its 2-byte sample count first, as Prometheus stores them.
 */
export function xorChunk(
  timesMs: ArrayLike<number>,
  values: ArrayLike<number>,
  from: number,
  to: number,
): Uint8Array {
  const count = to - from;
  if (count <= 0 || count > 0xffff) throw new Error(`an XOR chunk holds 1 to 65535 samples, not ${count}`);
  const b = new BitWriter();
  b.bits(count, 16);
  let prevT = 0;
  let prevDelta = 0;
  let prevHi = 0;
  let prevLo = 0;
  let leading = 0xff;
  let trailing = 0;
  const scratch = new ByteWriter(10);
  for (let i = from; i < to; i++) {
    const t = timesMs[i]!;
    f64[0] = values[i]!;
    const hi = u32[HI]!;
    const lo = u32[LO]!;
    const n = i - from;
    if (n === 0) {
      scratch.pos = 0;
      scratch.varint(t);
      for (let k = 0; k < scratch.pos; k++) b.byte(scratch.buf[k]!);
      b.bits(hi, 32);
      b.bits(lo, 32);
    } else {
      const delta = t - prevT;
      if (!(delta > 0)) throw new Error(`sample times must increase: ${t} after ${prevT}`);
      if (n === 1) {
        scratch.pos = 0;
        scratch.uvarint(delta);
        for (let k = 0; k < scratch.pos; k++) b.byte(scratch.buf[k]!);
      } else {
        const dod = delta - prevDelta;
        if (dod === 0) b.bits(0, 1);
        else if (bitRange(dod, 14)) {
          b.bits(0b10, 2);
          b.bits(dod & 0x3fff, 14);
        } else if (bitRange(dod, 17)) {
          b.bits(0b110, 3);
          b.bits(dod & 0x1ffff, 17);
        } else if (bitRange(dod, 20)) {
          b.bits(0b1110, 4);
          b.bits(dod & 0xfffff, 20);
        } else {
          b.bits(0b1111, 4);
          b.bits64(Math.floor(dod / TWO_32) >>> 0, dod >>> 0, 64);
        }
      }
      prevDelta = delta;
      // The value: XOR with the previous one, leading and trailing zeros kept when they still fit.
      const dHi = (hi ^ prevHi) >>> 0;
      const dLo = (lo ^ prevLo) >>> 0;
      if (dHi === 0 && dLo === 0) b.bits(0, 1);
      else {
        b.bits(1, 1);
        let newLeading = dHi !== 0 ? Math.clz32(dHi) : 32 + Math.clz32(dLo);
        const newTrailing = dLo !== 0 ? ctz32(dLo) : 32 + ctz32(dHi);
        if (newLeading >= 32) newLeading = 31;
        let shift: number;
        let sigbits: number;
        if (leading !== 0xff && newLeading >= leading && newTrailing >= trailing) {
          b.bits(0, 1);
          shift = trailing;
          sigbits = 64 - leading - trailing;
        } else {
          leading = newLeading;
          trailing = newTrailing;
          sigbits = 64 - newLeading - newTrailing;
          b.bits(1, 1);
          b.bits(newLeading, 5);
          // 64 significant bits are written as 0 (6 bits hold 0-63; the reader turns 0 back into 64).
          b.bits(sigbits & 0x3f, 6);
          shift = newTrailing;
        }
        let sHi: number;
        let sLo: number;
        if (shift >= 32) {
          sHi = 0;
          sLo = dHi >>> (shift - 32);
        } else if (shift > 0) {
          sHi = dHi >>> shift;
          sLo = ((dLo >>> shift) | (dHi << (32 - shift))) >>> 0;
        } else {
          sHi = dHi;
          sLo = dLo;
        }
        b.bits64(sHi, sLo, sigbits);
      }
    }
    prevT = t;
    prevHi = hi;
    prevLo = lo;
  }
  return b.buf.slice(0, b.len);
}

/** A chunk as a segment file holds it: length, encoding, data, CRC32C of encoding and data. */
export function chunkRecord(data: Uint8Array): Uint8Array {
  const w = new ByteWriter(data.length + 16);
  w.uvarint(data.length);
  const start = w.pos;
  w.byte(ENCODING_XOR);
  w.bytes(data);
  w.crcFrom(start);
  return w.result();
}

/** A chunk segment file's 8-byte header: magic, version 1, 3 bytes of padding. */
export function segmentHeader(): Uint8Array {
  const w = new ByteWriter(8);
  w.be32(CHUNKS_MAGIC);
  w.byte(1);
  w.byte(0);
  w.byte(0);
  w.byte(0);
  return w.result();
}

/** Byte order of the strings' UTF-8, as Go compares strings. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order except around surrogates; compare bytes only then.
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** labels.Compare: label by label, names then values; a prefix sorts first. */
export function compareLabels(a: LabelPairs, b: LabelPairs): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const byName = compareStrings(a[i]![0], b[i]![0]);
    if (byName !== 0) return byName;
    const byValue = compareStrings(a[i]![1], b[i]![1]);
    if (byValue !== 0) return byValue;
  }
  return a.length - b.length;
}

/**
 * The block's `index` file (format v2), as Prometheus 2.x's index.Writer writes it: `series` must be
 * sorted by compareLabels, each series' labels sorted by name, chunk refs increasing from series to series.
 * The symbol table holds the empty string too, as a block Prometheus writes from its head does.
 */
export function encodeIndex(series: readonly IndexSeries[]): Uint8Array {
  for (let i = 1; i < series.length; i++) {
    if (compareLabels(series[i - 1]!.labels, series[i]!.labels) >= 0) {
      throw new Error("index series must be sorted by their labels, each label set once");
    }
  }
  const symbolSet = new Set<string>([""]);
  for (const s of series) {
    for (const [name, value] of s.labels) {
      symbolSet.add(name);
      symbolSet.add(value);
    }
  }
  const symbols = [...symbolSet].sort(compareStrings);
  const symbolRef = new Map(symbols.map((s, i) => [s, i]));

  const w = new ByteWriter(1 << 16);
  w.be32(INDEX_MAGIC);
  w.byte(2);

  // Symbol table.
  const tocSymbols = w.pos;
  w.section(() => {
    w.be32(symbols.length);
    for (const s of symbols) w.uvarintStr(s);
  });

  // Series, each 16-byte aligned; its reference is its offset / 16.
  const tocSeries = w.pos;
  const refs: number[] = [];
  const body = new ByteWriter(256);
  let lastRef = -1;
  for (const s of series) {
    w.pad(16);
    refs.push(w.pos / 16);
    body.pos = 0;
    body.uvarint(s.labels.length);
    for (const [name, value] of s.labels) {
      body.uvarint(symbolRef.get(name)!);
      body.uvarint(symbolRef.get(value)!);
    }
    body.uvarint(s.chunks.length);
    let prevMaxT = 0;
    let prevRef = 0;
    s.chunks.forEach((c, i) => {
      if (c.ref <= lastRef) throw new Error("chunk references must increase across the index");
      if (c.maxT < c.minT || (i > 0 && c.minT <= prevMaxT)) throw new Error("chunks of a series overlap");
      if (i === 0) {
        body.varint(c.minT);
        body.uvarint(c.maxT - c.minT);
        body.uvarint(c.ref);
      } else {
        body.uvarint(c.minT - prevMaxT);
        body.uvarint(c.maxT - c.minT);
        body.varint(c.ref - prevRef);
      }
      prevMaxT = c.maxT;
      prevRef = c.ref;
      lastRef = c.ref;
    });
    w.uvarint(body.pos);
    w.bytes(body.buf.subarray(0, body.pos));
    w.be32(crc32c(body.buf, 0, body.pos));
  }

  // Postings per label pair: name → value → series refs (ascending, as the series are sorted).
  const postings = new Map<string, Map<string, number[]>>();
  series.forEach((s, i) => {
    for (const [name, value] of s.labels) {
      let byValue = postings.get(name);
      if (!byValue) postings.set(name, (byValue = new Map()));
      const list = byValue.get(value);
      if (list) list.push(refs[i]!);
      else byValue.set(value, [refs[i]!]);
    }
  });
  const names = [...postings.keys()].sort(compareStrings);
  const sortedValues = new Map(names.map((n) => [n, [...postings.get(n)!.keys()].sort(compareStrings)]));

  // Label indices (no longer read by Prometheus, still written by 2.x): each name's value symbols.
  const tocLabelIndices = w.pos;
  const labelIndexAt: number[] = [];
  for (const name of names) {
    w.pad(4);
    labelIndexAt.push(w.pos);
    w.section(() => {
      w.be32(1);
      const values = sortedValues.get(name)!;
      w.be32(values.length);
      for (const v of values) w.be32(symbolRef.get(v)!);
    });
  }

  // Postings: the all-series list (empty name and value) first, then every pair in order.
  w.pad(4);
  const tocPostings = w.pos;
  const postingAt: [string, string, number][] = [];
  const writePosting = (name: string, value: string, list: readonly number[]): void => {
    w.pad(4);
    postingAt.push([name, value, w.pos]);
    w.section(() => {
      w.be32(list.length);
      for (const r of list) w.be32(r);
    });
  };
  writePosting("", "", refs);
  for (const name of names) {
    for (const value of sortedValues.get(name)!) writePosting(name, value, postings.get(name)!.get(value)!);
  }

  // Label offset table.
  const tocLabelTable = w.pos;
  w.section(() => {
    w.be32(names.length);
    names.forEach((name, i) => {
      w.uvarint(1);
      w.uvarintStr(name);
      w.uvarint(labelIndexAt[i]!);
    });
  });

  // Postings offset table.
  const tocPostingsTable = w.pos;
  w.section(() => {
    w.be32(postingAt.length);
    for (const [name, value, at] of postingAt) {
      w.uvarint(2);
      w.uvarintStr(name);
      w.uvarintStr(value);
      w.uvarint(at);
    }
  });

  // Table of contents.
  const toc = w.pos;
  for (const at of [tocSymbols, tocSeries, tocLabelIndices, tocLabelTable, tocPostings, tocPostingsTable]) {
    w.be64(at);
  }
  w.crcFrom(toc);
  return w.result();
}

/** An empty `tombstones` file: magic, version 1, the CRC32C of no tombstones. */
export function emptyTombstones(): Uint8Array {
  const w = new ByteWriter(9);
  w.be32(TOMBSTONES_MAGIC);
  w.byte(1);
  w.be32(0);
  return w.result();
}

export interface BlockStats {
  numSamples: number;
  numSeries: number;
  numChunks: number;
}

/** meta.json of a block written fresh (compaction level 1, its own source), as Prometheus writes it. */
export function blockMeta(ulid: string, minT: number, maxT: number, stats: BlockStats): string {
  return JSON.stringify(
    { ulid, minTime: minT, maxTime: maxT, stats, compaction: { level: 1, sources: [ulid] }, version: 1 },
    null,
    "\t",
  );
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID: 48 bits of milliseconds, 80 random bits (16 random bytes given, the first 10 used). */
export function ulid(ms: number, random: Uint8Array): string {
  if (random.length < 10) throw new Error("a ULID needs 10 random bytes");
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  // 80 bits as 16 base-32 digits, 5 bits at a time from the most significant.
  let acc = 0;
  let have = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | random[i]!;
    have += 8;
    while (have >= 5) {
      out += CROCKFORD[(acc >>> (have - 5)) & 31]!;
      have -= 5;
    }
    acc &= (1 << have) - 1;
  }
  return out;
}
