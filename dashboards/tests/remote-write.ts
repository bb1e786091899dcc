// A minimal Prometheus remote-write client for tests: encodes a WriteRequest (protobuf) and frames it
// as an uncompressed snappy block, then POSTs it to /api/v1/write (Prometheus started with
// --web.enable-remote-write-receiver).
//
// Why not `promtool tsdb create-blocks-from openmetrics`: promtool 2.42 writes one block per 2 hours of
// data at ~0.1 s each, so the two months of history the capacity-planning queries need would cost
// 70-130 s per test run. Remote write with an out-of-order window puts the same samples into the real
// TSDB in a second or two.

export interface WriteSeries {
  labels: Record<string, string>;
  samples: { t: number; v: number }[];
}

class Writer {
  private chunks: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  varint(n: number): void {
    const bytes: number[] = [];
    let v = BigInt(n);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.push(Buffer.from(bytes));
  }
  /** A length-delimited field (wire type 2). */
  bytesField(field: number, b: Buffer): void {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

function encodeLabel(name: string, value: string): Buffer {
  const w = new Writer();
  w.bytesField(1, Buffer.from(name));
  w.bytesField(2, Buffer.from(value));
  return w.done();
}

function encodeSample(v: number, tSeconds: number): Buffer {
  const w = new Writer();
  const d = Buffer.alloc(8);
  d.writeDoubleLE(v);
  w.varint((1 << 3) | 1); // double value = 1
  w.push(d);
  w.varint((2 << 3) | 0); // int64 timestamp (ms) = 2
  w.varint(Math.round(tSeconds * 1000));
  return w.done();
}

/** prometheus.WriteRequest { repeated TimeSeries timeseries = 1 } with sorted labels. */
export function encodeWriteRequest(series: WriteSeries[]): Buffer {
  const w = new Writer();
  for (const s of series) {
    const ts = new Writer();
    for (const name of Object.keys(s.labels).sort()) ts.bytesField(1, encodeLabel(name, s.labels[name]!));
    for (const p of s.samples) ts.bytesField(2, encodeSample(p.v, p.t));
    w.bytesField(1, ts.done());
  }
  return w.done();
}

/** Snappy block format with literals only: valid input for any snappy decoder, no compression. */
export function snappyLiteralBlock(data: Buffer): Buffer {
  const w = new Writer();
  w.varint(data.length);
  const MAX = 65_536;
  for (let off = 0; off < data.length; off += MAX) {
    const chunk = data.subarray(off, Math.min(off + MAX, data.length));
    const n = chunk.length - 1;
    if (n < 60) w.push(Buffer.from([n << 2]));
    else if (n < 256) w.push(Buffer.from([60 << 2, n]));
    else w.push(Buffer.from([61 << 2, n & 0xff, n >> 8]));
    w.push(chunk);
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
    const body = snappyLiteralBlock(encodeWriteRequest(batch));
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
