// gzip for the expositions, when the scraper asks for it (Prometheus always sends
// `Accept-Encoding: gzip`). An exposition is label text repeated line after line: gzip shrinks it
// about 15 times. Small bodies are compressed at once, large ones on libuv's thread pool.
//
// A gzip file may hold several members one after the other, and a reader decodes them as one
// stream (RFC 1952 §2.2; Go's gzip.Reader, which Prometheus uses, reads multistream by default):
// so a part that seldom changes (the inventory gauges of /metrics) is compressed once and sent
// after the fresh part as it is.
import { promisify } from "node:util";
import { gunzip as gunzipCallback, gzip as gzipCallback, gzipSync } from "node:zlib";

const gzipAsync = promisify(gzipCallback);
const gunzipAsync = promisify(gunzipCallback);

/**
 * zlib level 1: for expositions it gives nearly all of level 6's saving (within a few percent) for
 * about half the CPU; measured in BENCHMARKS.md (bench:scale).
 */
export const GZIP_LEVEL = 1;

/**
 * Below this many bytes a body is compressed on the event loop: a device's exposition (tens of KB)
 * takes a fraction of a millisecond at level 1, less than the hop to the thread pool and back, which
 * on a busy machine waits for a pool thread to be scheduled (measured: ~100 ms under load 20).
 */
export const SYNC_GZIP_BYTES = 256 * 1024;

export function gzip(data: string | Buffer): Promise<Buffer> {
  const size = typeof data === "string" ? data.length : data.byteLength;
  if (size < SYNC_GZIP_BYTES) return Promise.resolve(gzipSync(data, { level: GZIP_LEVEL }));
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

/**
 * A block of text that is sent again and again unchanged (the inventory gauges: 9.8 MB of text at
 * 50,000 OPDs): only its gzip member is kept, made at once on the thread pool (about 15 times
 * smaller); a scraper that does not take gzip gets the text decompressed for its request.
 */
export class FixedBlock {
  private readonly compressed: Promise<Buffer>;

  constructor(text: string) {
    this.compressed = gzip(text);
  }

  gzipped(): Promise<Buffer> {
    return this.compressed;
  }

  async text(): Promise<string> {
    return (await gunzipAsync(await this.compressed)).toString();
  }
}

/** The body to send, in parts: plain text, or gzip members (the fresh part, then the fixed blocks). */
export async function encodeBody(
  text: string,
  fixed: readonly FixedBlock[],
  wantGzip: boolean,
): Promise<{ parts: (Buffer | string)[]; length: number; encoding?: "gzip" }> {
  if (!wantGzip) {
    const parts = [text, ...(await Promise.all(fixed.map((b) => b.text())))];
    return { parts, length: parts.reduce((n, p) => n + Buffer.byteLength(p), 0) };
  }
  const parts = await Promise.all([gzip(text), ...fixed.map((b) => b.gzipped())]);
  return { parts, length: parts.reduce((n, p) => n + p.length, 0), encoding: "gzip" };
}
