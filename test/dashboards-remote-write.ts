// A minimal Prometheus remote-write client for tests: encodes a WriteRequest (protobuf) and frames it
// as an uncompressed snappy block, then POSTs it to /api/v1/write (Prometheus started with
// --web.enable-remote-write-receiver). The snappy framing is the report's own (report/remote-read.ts).
//
// Why not `promtool tsdb create-blocks-from openmetrics`: promtool 2.42 writes one block per 2 hours of
// data at ~0.1 s each, so the two months of history the capacity-planning queries need would cost
// 70-130 s per test run. Remote write with an out-of-order window puts the same samples into the real
// TSDB in a second or two.

import { snappyLiterals } from "../report/remote-read.js";

export interface WriteSeries {
  labels: Record<string, string>;
  samples: { t: number; v: number }[];
}

/** A growable byte buffer with the few protobuf primitives a WriteRequest needs. */
class Writer {
  private buf = Buffer.allocUnsafe(1 << 16);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  /** Unsigned varint; exact for integers below 2^53 (millisecond timestamps are). */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 128) {
      this.buf[this.len++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.len++] = n;
  }
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  /** A length-delimited field (wire type 2). */
  bytesField(field: number, b: Buffer): void {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.bytes(b);
  }
  done(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function encodeLabel(name: string, value: string): Buffer {
  const w = new Writer();
  w.bytesField(1, Buffer.from(name));
  w.bytesField(2, Buffer.from(value));
  return w.done();
}

/** prometheus.WriteRequest { repeated TimeSeries timeseries = 1 } with sorted labels. */
export function encodeWriteRequest(series: WriteSeries[]): Buffer {
  const w = new Writer();
  for (const s of series) {
    const ts = new Writer();
    for (const name of Object.keys(s.labels).sort()) ts.bytesField(1, encodeLabel(name, s.labels[name]!));
    for (const p of s.samples) {
      // Sample { double value = 1; int64 timestamp = 2 (ms) }
      const ms = Math.round(p.t * 1000);
      ts.varint((2 << 3) | 2);
      ts.varint(1 + 8 + 1 + varintLength(ms));
      ts.byte((1 << 3) | 1);
      ts.double(p.v);
      ts.byte((2 << 3) | 0);
      ts.varint(ms);
    }
    w.bytesField(1, ts.done());
  }
  return w.done();
}

/** POST series to Prometheus's remote-write receiver, in batches of about `batchSamples` samples. */
export async function remoteWrite(
  baseUrl: string,
  series: WriteSeries[],
  batchSamples = 200_000,
): Promise<void> {
  let batch: WriteSeries[] = [];
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const body = snappyLiterals(encodeWriteRequest(batch));
    const response = await fetch(`${baseUrl}/api/v1/write`, {
      method: "POST",
      headers: {
        "Content-Encoding": "snappy",
        "Content-Type": "application/x-protobuf",
        "X-Prometheus-Remote-Write-Version": "0.1.0",
      },
      body,
    });
    if (!response.ok) throw new Error(`remote write: ${response.status} ${await response.text()}`);
    batch = [];
    count = 0;
  };
  for (const s of series) {
    // Split long series so one request stays a few MB.
    for (let i = 0; i < s.samples.length; i += batchSamples) {
      const part = { labels: s.labels, samples: s.samples.slice(i, i + batchSamples) };
      batch.push(part);
      count += part.samples.length;
      if (count >= batchSamples) await flush();
    }
  }
  await flush();
}
