// The remote-read pieces that decide something on their own: cutting frames out of a stream that
// arrives in arbitrary pieces, and which sample a slot takes. (Against a real Prometheus, the same
// points as query_range: test/report-remote-read.test.ts; the snappy request's every literal form
// against the benchmark's stand-in: test/bench.test.ts.)
import { describe, expect, it } from "vitest";
import { FrameReader, LastInWindow } from "./remote-read.js";
import { crc32c } from "./tsdb-bytes.js";

/** A frame as Prometheus's ChunkedWriter writes it: uvarint size, big-endian CRC32C, message. */
function frame(message: Buffer): Buffer {
  const size: number[] = [];
  let v = message.length;
  while (v >= 0x80) {
    size.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  size.push(v);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(message));
  return Buffer.concat([Buffer.from(size), crc, message]);
}

describe("FrameReader", () => {
  const messages = [Buffer.alloc(0), Buffer.from("a"), Buffer.alloc(300, 7), Buffer.alloc(20_000, 9)];
  const stream = Buffer.concat(messages.map(frame));

  it("gives each message once, whatever the pieces the stream arrives in", () => {
    for (const pieceSize of [1, 2, 3, 5, 64, 4096, stream.length]) {
      const seen: Buffer[] = [];
      const reader = new FrameReader((m) => seen.push(Buffer.from(m)));
      for (let at = 0; at < stream.length; at += pieceSize) reader.push(stream.subarray(at, at + pieceSize));
      reader.end();
      expect(
        seen.map((m) => m.toString("hex")),
        `pieces of ${pieceSize}`,
      ).toEqual(messages.map((m) => m.toString("hex")));
    }
  });

  it("refuses a damaged frame, a stream cut inside a frame and an oversized frame", () => {
    const damaged = Buffer.from(stream);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 1) ^ 1, damaged.length - 1);
    expect(() => new FrameReader(() => {}).push(damaged)).toThrow(/checksum/);
    const cut = new FrameReader(() => {});
    cut.push(stream.subarray(0, stream.length - 1));
    expect(() => cut.end()).toThrow(/ends inside a frame/);
    expect(() => new FrameReader(() => {}).push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(
      /a frame of/,
    );
  });
});

describe("LastInWindow", () => {
  // Evaluations at 300, 600, 900 s; window 299 s: [e − 299 s, e], both ends in.
  const points = (samples: [number, number, boolean?][]) => {
    const out: [number, number][] = [];
    const window = new LastInWindow(300_000, 900_000, 300_000, 299_000, (t, v) => out.push([t, v]));
    for (const [t, v, stale] of samples) window.sample(t, v, stale ?? false);
    window.flush();
    return out;
  };

  it("takes the last sample in each window, the window's first millisecond included", () => {
    expect(
      points([
        [1_000, 1],
        [300_000, 2],
        [301_000, 3],
        [599_999, 4],
        [600_000, 5],
      ]),
    ).toEqual([
      [300, 2],
      [600, 5],
    ]);
  });

  it("drops samples between windows, before the first and after the last", () => {
    expect(
      points([
        [0, 9],
        [300_500, 1],
        [600_999, 2],
        [900_001, 3],
      ]),
    ).toEqual([]);
  });

  it("skips staleness markers but keeps NaN, and ignores a sample that goes back in time", () => {
    const out = points([
      [10_000, 1],
      [20_000, 0, true],
      [310_000, NaN],
      [305_000, 7],
      [610_000, 0, true],
    ]);
    expect(out).toEqual([
      [300, 1],
      [600, NaN],
    ]);
  });

  it("needs a window shorter than the step", () => {
    expect(() => new LastInWindow(0, 0, 300_000, 300_000, () => {})).toThrow(/shorter/);
  });
});
