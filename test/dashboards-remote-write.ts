// A minimal Prometheus remote-write client for tests: encodes a WriteRequest (protobuf) and frames it
// as an uncompressed snappy block, then POSTs it to /api/v1/write (Prometheus started with
// --web.enable-remote-write-receiver). The protobuf writer and the snappy framing are the report's own
// (report/tsdb-bytes.ts ByteWriter, report/remote-read.ts).
//
// Why not `promtool tsdb create-blocks-from openmetrics`: promtool 2.42 writes one block per 2 hours of
// data at ~0.1 s each, so the two months of history the capacity-planning queries need would cost
// 70-130 s per test run. Remote write with an out-of-order window puts the same samples into the real
// TSDB in a second or two.

import { message, snappyLiterals } from "../report/remote-read.js";
import { ByteWriter } from "../report/tsdb-bytes.js";

export interface WriteSeries {
  labels: Record<string, string>;
  samples: { t: number; v: number }[];
}

function uvarintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** prometheus.WriteRequest { repeated TimeSeries timeseries = 1 } with sorted labels. */
export function encodeWriteRequest(series: WriteSeries[]): Uint8Array {
  const request = new ByteWriter(1 << 16);
  const double = Buffer.alloc(8); // protobuf doubles are little-endian
  for (const s of series) {
    message(request, 1, (ts) => {
      for (const name of Object.keys(s.labels).sort()) {
        // Label { string name = 1; string value = 2 }
        message(ts, 1, (label) => {
          label.byte((1 << 3) | 2);
          label.uvarintStr(name);
          label.byte((2 << 3) | 2);
          label.uvarintStr(s.labels[name]!);
        });
      }
      for (const p of s.samples) {
        // Sample { double value = 1; int64 timestamp = 2 (ms) }, its length known: no writer of its own.
        const ms = Math.round(p.t * 1000);
        ts.byte((2 << 3) | 2);
        ts.uvarint(1 + 8 + 1 + uvarintLength(ms));
        ts.byte((1 << 3) | 1);
        double.writeDoubleLE(p.v);
        ts.bytes(double);
        ts.byte((2 << 3) | 0);
        ts.uvarint(ms);
      }
    });
  }
  return request.result();
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
