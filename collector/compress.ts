// gzip for the expositions, when the scraper asks for it (Prometheus always sends
// `Accept-Encoding: gzip`). An exposition is label text repeated line after line: gzip shrinks it
// about 15 times. It is compressed on libuv's thread pool (zlib's async API), never on the event loop.
//
// A gzip file may hold several members one after the other, and a reader decodes them as one
// stream (RFC 1952 §2.2; Go's gzip.Reader, which Prometheus uses, reads multistream by default):
// so a part that seldom changes (the inventory gauges of /metrics) is compressed once and sent
// after the fresh part as it is.
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";

const gzipAsync = promisify(gzipCallback);

/**
 * zlib level 1: for expositions it gives nearly all of level 6's saving (within a few percent) for
 * about half the CPU; measured in BENCHMARKS.md (bench:scale).
 */
export const GZIP_LEVEL = 1;

export function gzip(data: string | Buffer): Promise<Buffer> {
  return gzipAsync(data, { level: GZIP_LEVEL });
}

/** Does an Accept-Encoding header accept gzip (`gzip`, else `*`; `q=0` refuses)? Pure. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const codings = new Map(
    header.split(",").map((part) => {
      const [coding = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return [coding.trim(), q === undefined ? 1 : Number(q)];
    }),
  );
  return (codings.get("gzip") ?? codings.get("*") ?? 0) > 0;
}

/** A block of text that is sent again and again unchanged: its gzip member made once, on first use. */
export class FixedBlock {
  private compressed: Promise<Buffer> | undefined;

  constructor(readonly text: string) {}

  gzipped(): Promise<Buffer> {
    return (this.compressed ??= gzip(this.text));
  }
}

/** The body to send, in parts: plain text, or gzip members (the fresh part, then the fixed blocks). */
export async function encodeBody(
  text: string,
  fixed: readonly FixedBlock[],
  wantGzip: boolean,
): Promise<{ parts: (Buffer | string)[]; length: number; encoding?: "gzip" }> {
  if (!wantGzip) {
    const parts = [text, ...fixed.map((b) => b.text)];
    return { parts, length: parts.reduce((n, p) => n + Buffer.byteLength(p), 0) };
  }
  const parts = await Promise.all([gzip(text), ...fixed.map((b) => b.gzipped())]);
  return { parts, length: parts.reduce((n, p) => n + p.length, 0), encoding: "gzip" };
}
