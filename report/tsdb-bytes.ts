// Prometheus's byte-level pieces the report's remote read and import's block writer share: the
// CRC32-Castagnoli that guards chunks, index sections and remote-read frames, a writer with Go's
// Encbuf operations (big-endian numbers, varints), a float's bits, and the XOR (Gorilla) chunk as
// tsdb/chunkenc/xor.go writes it, read back sample by sample. Here, not in import/, because the
// report reads chunks (remote read) and import/ may build on report/.

// CRC32 with the Castagnoli polynomial (reflected 0x82F63B78), as Go's crc32.MakeTable(crc32.Castagnoli),
// computed 8 bytes a step ("slicing by 8"): table k gives a byte's effect k bytes further on.
const CRC_TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const base = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    base[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const previous = tables[k - 1]![n]!;
      tables[k]![n] = (previous >>> 8) ^ base[previous & 0xff]!;
    }
  }
  return tables;
})();

export function crc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = 0xffffffff;
  let i = from;
  for (; i + 8 <= to; i += 8) {
    crc ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    crc =
      t7[crc & 0xff]! ^
      t6[(crc >>> 8) & 0xff]! ^
      t5[(crc >>> 16) & 0xff]! ^
      t4[crc >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
  }
  for (; i < to; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Receives a chunk's samples in order; `stale` marks Prometheus's staleness marker (a special NaN). */
export type ChunkSampleSink = (timeMs: number, value: number, stale: boolean) => void;

// pkg/value: StaleNaN is the float with bits 0x7ff0000000000002.
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// The float's bits as two halves (hi, lo) whatever the machine's byte order.
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;
/** A float's bits: write f64[0], read u32[HI] and u32[LO] (one shared scratch; no allocation). */
export const floatBits = { f64, u32, HI, LO } as const;

const TWO_32 = 4294967296;
const utf8 = new TextEncoder();

/** A growable byte buffer with Go's encoding.Encbuf operations (big-endian, varints). */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 4096) {
    this.buf = new Uint8Array(capacity);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  be32(v: number): void {
    this.room(4);
    this.setBe32(this.pos, v);
    this.pos += 4;
  }

  setBe32(at: number, v: number): void {
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = (v >>> 16) & 0xff;
    this.buf[at + 2] = (v >>> 8) & 0xff;
    this.buf[at + 3] = v & 0xff;
  }

  be64(v: number): void {
    this.be32(Math.floor(v / TWO_32) >>> 0);
    this.be32(v >>> 0);
  }

  /** An unsigned varint of a non-negative integer up to 2^53. */
  uvarint(v: number): void {
    this.room(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** A signed (zig-zag) varint. */
  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  uvarintStr(s: string): void {
    const b = utf8.encode(s);
    this.uvarint(b.length);
    this.bytes(b);
  }

  /** Zero bytes up to the next multiple of `align`. */
  pad(align: number): void {
    const n = (align - (this.pos % align)) % align;
    this.room(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  /** A section as the index holds them: a 4-byte length, what `body` writes, its CRC32C. */
  section(body: () => void): void {
    const start = this.pos;
    this.be32(0);
    body();
    this.setBe32(start, this.pos - start - 4);
    this.crcFrom(start + 4);
  }

  /** The CRC32-Castagnoli of bytes [from, pos), appended. */
  crcFrom(from: number): void {
    this.be32(crc32c(this.buf, from, this.pos));
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ChunkFormatError extends Error {
  constructor(message: string) {
    super(`unreadable XOR chunk: ${message}`);
    this.name = "ChunkFormatError";
  }
}

/** A most-significant-bit-first reader over [from, to) of a buffer, as tsdb's bstreamReader. */
class BitReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    from: number,
    to: number,
  ) {
    this.pos = from * 8;
    this.end = to * 8;
  }

  /** The next n bits (n ≤ 32) as an unsigned number. */
  bits(n: number): number {
    if (n === 0) return 0;
    const pos = this.pos;
    if (pos + n > this.end) throw new ChunkFormatError("ends inside a sample");
    const at = pos >>> 3;
    const buf = this.buf;
    this.pos = pos + n;
    // n ≤ 32 bits start at most 7 bits into their first byte: they lie within 5 bytes.
    if (at + 5 <= buf.length) {
      const used = pos & 7;
      const word = (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
      return ((word << used) | (buf[at + 4]! >>> (8 - used))) >>> (32 - n);
    }
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + ((buf[(pos + i) >>> 3]! >>> (7 - ((pos + i) & 7))) & 1);
    return v;
  }

  bit(): number {
    if (this.pos >= this.end) throw new ChunkFormatError("ends inside a sample");
    const b = (this.buf[this.pos >>> 3]! >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  /** A Go binary.Uvarint read from the bit stream (whole bytes, at any bit offset). */
  uvarint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.bits(8);
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
    }
    throw new ChunkFormatError("varint too long");
  }

  /** A Go binary.Varint (zig-zag). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}

/** The dod bucket widths for the prefixes 10, 110, 1110 (tsdb/chunkenc/xor.go). */
const DOD_BITS = [14, 17, 20] as const;

/**
 * Every sample of one XOR chunk's data (its 2-byte sample count first, as a chunk file or a
 * remote-read frame holds it), in [from, to) of `buf`.
 */
export function readXorChunk(buf: Uint8Array, from: number, to: number, sink: ChunkSampleSink): number {
  if (to - from < 2) throw new ChunkFormatError("shorter than its sample count");
  const count = (buf[from]! << 8) | buf[from + 1]!;
  const r = new BitReader(buf, from + 2, to);
  let t = 0;
  let delta = 0;
  let hi = 0;
  let lo = 0;
  let leading = 0;
  let trailing = 0;
  for (let n = 0; n < count; n++) {
    if (n === 0) {
      t = r.varint();
      hi = r.bits(32);
      lo = r.bits(32);
    } else {
      if (n === 1) delta = r.uvarint();
      else {
        // Delta of delta: 0, or a prefix of up to four 1-bits naming the width that follows.
        let prefix = 0;
        while (prefix < 4 && r.bit() === 1) prefix++;
        if (prefix === 4) {
          const dHi = r.bits(32);
          const dLo = r.bits(32);
          delta += (dHi | 0) * TWO_32 + dLo;
        } else if (prefix > 0) {
          const size = DOD_BITS[prefix - 1]!;
          let dod = r.bits(size);
          // Negative numbers come back as large unsigned ones (docs/bstream.md).
          if (dod > 2 ** (size - 1)) dod -= 2 ** size;
          delta += dod;
        }
      }
      t += delta;
      // The value: unchanged, or XORed with significant bits placed by leading/trailing zeros.
      if (r.bit() === 1) {
        if (r.bit() === 1) {
          leading = r.bits(5);
          let significant = r.bits(6);
          if (significant === 0) significant = 64;
          trailing = 64 - leading - significant;
        }
        const significant = 64 - leading - trailing;
        let xHi = 0;
        let xLo: number;
        if (significant > 32) {
          xHi = r.bits(significant - 32);
          xLo = r.bits(32);
        } else xLo = r.bits(significant);
        // Shift (xHi, xLo) left by `trailing` into place.
        if (trailing >= 32) {
          xHi = trailing >= 64 ? 0 : xLo << (trailing - 32);
          xLo = 0;
        } else if (trailing > 0) {
          xHi = (xHi << trailing) | (xLo >>> (32 - trailing));
          xLo = xLo << trailing;
        }
        hi = (hi ^ xHi) >>> 0;
        lo = (lo ^ xLo) >>> 0;
      }
    }
    u32[HI] = hi;
    u32[LO] = lo;
    sink(t, f64[0]!, hi === STALE_HI && lo === STALE_LO);
  }
  return count;
}
