// Prometheus remote read (/api/v1/read) with streamed XOR chunks, the way Prometheus's own remote
// storage and Thanos's sidecar read it: the store sends the chunks it keeps, nothing is evaluated or
// written as JSON on either side. For a fiscal year that is ~2 bytes a sample instead of ~35, and
// Prometheus's CPU for the report drops to reading its blocks. The protocol (prompb/remote.proto,
// storage/remote/chunked.go): a snappy-compressed protobuf ReadRequest; an answer of frames, each a
// uvarint length, a big-endian CRC32C and one ChunkedReadResponse message.
//
// What the report asks of a series is last_over_time(series[window]) at every step (engine.ts
// slotQuery). LastInWindow gives the same points from raw samples, so either path fills a slot alike.
// The importer asks for a range selector's samples (import/prometheus-source.ts): InRange.

import type { Labels, SampleSink } from "./matrix.js";
import { ByteWriter, crc32c, readXorChunk } from "./tsdb-bytes.js";

export interface LabelMatcher {
  name: string;
  /** prompb LabelMatcher.Type: EQ, RE (the only ones the report needs). */
  op: "=" | "=~";
  value: string;
}

/** One series selector: what `metric{label=~"a|b"}` says in PromQL. */
export interface SeriesSelector {
  metric: string;
  matchers: readonly LabelMatcher[];
}

export function promqlSelector(selector: SeriesSelector): string {
  const matchers = selector.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`);
  return `${selector.metric}{${matchers.join(",")}}`;
}

// ---- The request: protobuf, then snappy ------------------------------------------------------

/** prompb.ResponseType STREAMED_XOR_CHUNKS. */
const STREAMED_XOR_CHUNKS = 1;
const MATCHER_TYPE = { "=": 0, "=~": 2 } as const;

/** A protobuf field's tag: its number and wire type (0 varint, 2 length-delimited). */
const tag = (field: number, wireType: 0 | 2): number => (field << 3) | wireType;

/** A length-delimited field whose body `write` puts into a writer of its own. */
export function message(out: ByteWriter, field: number, write: (w: ByteWriter) => void): void {
  const body = new ByteWriter(64);
  write(body);
  out.uvarint(tag(field, 2));
  out.uvarint(body.pos);
  out.bytes(body.buf.subarray(0, body.pos));
}

/** ReadRequest{queries: [Query{start, end, matchers}], accepted_response_types: [STREAMED_XOR_CHUNKS]}. */
export function encodeReadRequest(selector: SeriesSelector, startMs: number, endMs: number): Uint8Array {
  const matchers: readonly LabelMatcher[] = [
    { name: "__name__", op: "=", value: selector.metric },
    ...selector.matchers,
  ];
  const request = new ByteWriter(256);
  message(request, 1, (query) => {
    query.uvarint(tag(1, 0));
    query.uvarint(startMs);
    query.uvarint(tag(2, 0));
    query.uvarint(endMs);
    for (const m of matchers) {
      message(query, 3, (matcher) => {
        matcher.uvarint(tag(1, 0));
        matcher.uvarint(MATCHER_TYPE[m.op]);
        matcher.uvarint(tag(2, 2));
        matcher.uvarintStr(m.name);
        matcher.uvarint(tag(3, 2));
        matcher.uvarintStr(m.value);
      });
    }
  });
  request.uvarint(tag(2, 0));
  request.uvarint(STREAMED_XOR_CHUNKS);
  return request.result();
}

/**
 * Snappy's block format with literals only: valid snappy that any decoder reads, no compression.
 * A request is a few hundred bytes; a compressor would be a dependency for nothing.
 */
export function snappyLiterals(data: Uint8Array): Uint8Array {
  const out = new ByteWriter(data.length + 16);
  out.uvarint(data.length);
  for (let at = 0; at < data.length; at += 65_536) {
    const piece = data.subarray(at, Math.min(data.length, at + 65_536));
    const n = piece.length - 1;
    // Tag: literal (low bits 00); lengths up to 60 in the tag, else 1 or 2 little-endian bytes after it.
    if (n < 60) out.byte(n << 2);
    else if (n < 256) {
      out.byte(60 << 2);
      out.byte(n);
    } else {
      out.byte(61 << 2);
      out.byte(n & 0xff);
      out.byte(n >>> 8);
    }
    out.bytes(piece);
  }
  return out.result();
}

// ---- The answer: frames, messages, chunks ----------------------------------------------------

export class RemoteReadFormatError extends Error {
  constructor(message: string) {
    super(`unexpected remote-read answer: ${message}`);
    this.name = "RemoteReadFormatError";
  }
}

/** A frame larger than this is refused: Prometheus cuts frames at 1 MiB by default. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Cuts the byte stream into frames as it arrives and hands each checked message on. Holds at most
 * one frame's pieces, joined once when the frame is whole (joining on every piece would copy a
 * 1 MiB frame a dozen times).
 */
export class FrameReader {
  private pieces: Buffer[] = [];
  private held = 0;
  /** The header of the frame being gathered, once it has arrived whole. */
  private header: FrameHeader | undefined;

  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(data: Buffer): void {
    this.pieces.push(data);
    this.held += data.length;
    while (this.held > 0) {
      if (!this.header) {
        if (this.pieces[0]!.length < 9 && this.pieces.length > 1) this.join();
        this.header = frameHeader(this.pieces[0]!);
        if (!this.header) return; // the header is not complete yet
      }
      const { messageAt, end } = this.header;
      if (this.held < end) return;
      if (this.pieces[0]!.length < end) this.join();
      const buf = this.pieces[0]!;
      const message = buf.subarray(messageAt, end);
      if (crc32c(message) !== buf.readUInt32BE(messageAt - 4)) {
        throw new RemoteReadFormatError("frame checksum mismatch");
      }
      this.onMessage(message);
      this.held -= end;
      this.header = undefined;
      if (buf.length > end) this.pieces[0] = buf.subarray(end);
      else this.pieces.shift();
    }
  }

  /** The stream ended: nothing may be left over. */
  end(): void {
    if (this.held > 0) throw new RemoteReadFormatError("the answer ends inside a frame");
  }

  private join(): void {
    this.pieces = [Buffer.concat(this.pieces)];
  }
}

interface FrameHeader {
  /** Where the message starts (after the uvarint size and the 4-byte CRC) and ends. */
  messageAt: number;
  end: number;
}

/** A frame's header (uvarint message size, then its CRC32C); undefined while it is incomplete. */
function frameHeader(buf: Buffer): FrameHeader | undefined {
  let size = 0;
  let scale = 1;
  for (let i = 0; i < Math.min(buf.length, 5); i++) {
    const b = buf[i]!;
    size += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (size > MAX_FRAME_BYTES) throw new RemoteReadFormatError(`a frame of ${size} bytes`);
      return { messageAt: i + 1 + 4, end: i + 1 + 4 + size };
    }
    scale *= 128;
  }
  if (buf.length >= 5) throw new RemoteReadFormatError("frame length too long");
  return undefined;
}

/** A protobuf reader over [pos, end) of a buffer: varints, lengths, skips. */
export class Proto {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  more(): boolean {
    return this.pos < this.end;
  }

  uvarint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10 && this.pos < this.end; i++) {
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
    }
    throw new RemoteReadFormatError("truncated varint");
  }

  /** A length-delimited field's [from, to). */
  span(): [number, number] {
    const length = this.uvarint();
    const from = this.pos;
    if (from + length > this.end) throw new RemoteReadFormatError("a field runs past its message");
    this.pos = from + length;
    return [from, this.pos];
  }

  skip(wireType: number): void {
    if (wireType === 0) this.uvarint();
    else if (wireType === 2) this.span();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw new RemoteReadFormatError(`wire type ${wireType}`);
    if (this.pos > this.end) throw new RemoteReadFormatError("a field runs past its message");
  }
}

/** prompb Chunk.Encoding XOR. */
const CHUNK_XOR = 1;

interface RemoteSeries {
  /** With `__name__`, as query_range's answer to last_over_time(...) holds them. */
  labels: Labels;
  /** A name for the label set: the same series split over frames comes again with the same key. */
  key: string;
  /** [from, to) of each XOR chunk's data in `buf`, in time order. */
  chunks: { minMs: number; maxMs: number; from: number; to: number }[];
  buf: Buffer;
}

/** The series of one ChunkedReadResponse message, in order. */
function readChunkedResponse(message: Buffer, onSeries: (series: RemoteSeries) => void): void {
  const response = new Proto(message, 0, message.length);
  while (response.more()) {
    const tag = response.uvarint();
    if (tag !== ((1 << 3) | 2)) {
      response.skip(tag & 7); // query_index: one query a request here
      continue;
    }
    const [from, to] = response.span();
    const series = new Proto(message, from, to);
    const labels: Labels = {};
    const keyParts: string[] = [];
    const chunks: RemoteSeries["chunks"] = [];
    while (series.more()) {
      const field = series.uvarint();
      if (field === ((1 << 3) | 2)) {
        const [lFrom, lTo] = series.span();
        const label = new Proto(message, lFrom, lTo);
        let name = "";
        let value = "";
        while (label.more()) {
          const t = label.uvarint();
          if (t === ((1 << 3) | 2) || t === ((2 << 3) | 2)) {
            const [sFrom, sTo] = label.span();
            const text = message.toString("utf8", sFrom, sTo);
            if (t >>> 3 === 1) name = text;
            else value = text;
          } else label.skip(t & 7);
        }
        labels[name] = value;
        keyParts.push(name, value);
      } else if (field === ((2 << 3) | 2)) {
        const [cFrom, cTo] = series.span();
        const chunk = new Proto(message, cFrom, cTo);
        let minMs = 0;
        let maxMs = 0;
        let type = 0;
        let data: [number, number] = [0, 0];
        while (chunk.more()) {
          const t = chunk.uvarint();
          if (t === 1 << 3) minMs = chunk.uvarint();
          else if (t === 2 << 3) maxMs = chunk.uvarint();
          else if (t === 3 << 3) type = chunk.uvarint();
          else if (t === ((4 << 3) | 2)) data = chunk.span();
          else chunk.skip(t & 7);
        }
        if (type !== CHUNK_XOR) {
          throw new RemoteReadFormatError(
            `chunk encoding ${type} (a histogram?) where float samples were expected`,
          );
        }
        chunks.push({ minMs, maxMs, from: data[0], to: data[1] });
      } else series.skip(field & 7);
    }
    onSeries({ labels, key: keyParts.join("\0"), chunks, buf: message });
  }
}

// ---- Samples out of the chunks: last_over_time at each step, or a range selector's samples ------

/** What one series' samples go to, in time order; `flush` when the series ends. */
interface SampleConsumer {
  sample(timeMs: number, value: number, stale: boolean): void;
  flush(): void;
}

/**
 * The points of last_over_time(series[window]) evaluated at first, first + step, ..., last (ms),
 * from the series' samples in time order: at each evaluation time e, the last sample in
 * [e − window, e] (both ends inclusive, as Prometheus 2.x selects a range), staleness markers
 * skipped. A NaN sample is a point (the caller decides what NaN means), as in PromQL. Needs
 * window < step, so a sample belongs to at most one evaluation.
 */
export class LastInWindow implements SampleConsumer {
  private evaluation = -1;
  private value = 0;
  private lastMs = -Infinity;

  constructor(
    private readonly firstMs: number,
    private readonly lastEvalMs: number,
    private readonly stepMs: number,
    private readonly windowMs: number,
    private readonly emit: (timeS: number, value: number) => void,
  ) {
    if (!(windowMs < stepMs)) throw new Error("LastInWindow needs a window shorter than the step");
  }

  sample(timeMs: number, value: number, stale: boolean): void {
    // Merged chunks never go back in time; a repeat would fill a slot twice.
    if (timeMs <= this.lastMs) return;
    this.lastMs = timeMs;
    if (stale || timeMs < this.firstMs - this.windowMs || timeMs > this.lastEvalMs) return;
    const k = Math.max(0, Math.ceil((timeMs - this.firstMs) / this.stepMs));
    if (this.firstMs + k * this.stepMs - timeMs > this.windowMs) return; // between two windows
    if (k !== this.evaluation) this.flush();
    this.evaluation = k;
    this.value = value;
  }

  flush(): void {
    if (this.evaluation < 0) return;
    this.emit((this.firstMs + this.evaluation * this.stepMs) / 1000, this.value);
    this.evaluation = -1;
  }
}

/** Every sample in (fromMs, toMs], staleness markers and repeats skipped: a range selector's samples. */
export class InRange implements SampleConsumer {
  private lastMs = -Infinity;

  constructor(
    private readonly fromMs: number,
    private readonly toMs: number,
    private readonly emit: (timeS: number, value: number) => void,
  ) {}

  sample(timeMs: number, value: number, stale: boolean): void {
    if (timeMs <= this.lastMs) return;
    this.lastMs = timeMs;
    if (!stale && timeMs > this.fromMs && timeMs <= this.toMs) this.emit(timeMs / 1000, value);
  }

  flush(): void {}
}

/**
 * Reads the messages of one remote-read answer into a consumer per series: `open` is asked once per
 * series (a series split over frames continues); chunks outside [fromMs, toMs] and chunks of
 * series `open` declines are never decoded.
 */
export class SeriesFromChunks {
  private current: { key: string; consumer: SampleConsumer | null } | undefined;

  constructor(
    private readonly fromMs: number,
    private readonly toMs: number,
    private readonly open: (labels: Labels) => SampleConsumer | null,
  ) {}

  message(message: Buffer): void {
    readChunkedResponse(message, (series) => this.add(series));
  }

  private add(series: RemoteSeries): void {
    if (this.current?.key !== series.key) {
      this.current?.consumer?.flush();
      this.current = { key: series.key, consumer: this.open(series.labels) };
    }
    const consumer = this.current.consumer;
    if (!consumer) return;
    const sample = (t: number, v: number, stale: boolean) => consumer.sample(t, v, stale);
    for (const chunk of series.chunks) {
      if (chunk.maxMs < this.fromMs || chunk.minMs > this.toMs) continue;
      readXorChunk(series.buf, chunk.from, chunk.to, sample);
    }
  }

  /** The answer ended: the last series' last point. */
  end(): void {
    this.current?.consumer?.flush();
    this.current = undefined;
  }
}

/**
 * The series of one remote-read answer into per-series sinks, as queryRangeInto of
 * last_over_time(selector[windowS]) would feed them.
 */
export function slotsFromChunks(
  range: { firstS: number; lastS: number; stepS: number; windowS: number },
  onSeries: (labels: Labels) => SampleSink,
): SeriesFromChunks {
  const { firstS, lastS, stepS, windowS } = range;
  return new SeriesFromChunks((firstS - windowS) * 1000, lastS * 1000, (labels) => {
    const sink = onSeries(labels);
    return sink && new LastInWindow(firstS * 1000, lastS * 1000, stepS * 1000, windowS * 1000, sink);
  });
}
