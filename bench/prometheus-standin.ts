// A stand-in for Prometheus's query API and remote read, for the province benchmark only: a fiscal
// year of 600 OPDs is 126 M samples, ~13 GB of OpenMetrics and most of an hour of promtool on this
// machine, so this serves the same recorded series computed on the fly (a daily office-hours curve
// with noise, the generator of bench/report.ts). It answers what the report asks: remote read
// (streamed XOR chunks of 120 samples, frames cut near 1 MiB as Prometheus cuts them) or
// query_range over one batch's `{opd=~"a|b"}` selector, the allocation queries (empty: the
// inventory's allocations apply) and label values. It measures the report's side only: Prometheus's
// own CPU is not in it, and encoding chunks here costs this process, not the report's.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SAMPLES_PER_CHUNK, xorChunk } from "../import/tsdb-format.js";
import { message, Proto } from "../report/remote-read.js";
import { ByteWriter, crc32c } from "../report/tsdb-bytes.js";

const SLOT = 300;

/** A value in [0, 1) from a series and a slot: deterministic, no state. */
function noise(seed: number, k: number): number {
  let t = (seed * 0x9e3779b1 + k * 0x85ebca6b) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

async function bytesOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A series' value at slot end t (unix s): what both endpoints serve. */
function valueAt(id: string, direction: string, t: number): number {
  const seed = seedOf(`${id}/${direction}`);
  const base = (direction === "download" ? 0.45 : 0.25) * 20e6 * (0.5 + noise(seed, 0));
  const k = Math.round(t / SLOT);
  const hour = (((t / 3600 + 7) % 24) + 24) % 24;
  const daily = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
  return base * daily * (0.8 + 0.4 * noise(seed, k));
}

/** Snappy's block format, literals only: what the report's client writes (report/remote-read.ts). */
export function snappyLiteralsDecode(block: Buffer): Buffer {
  let at = 0;
  let length = 0;
  for (let scale = 1; ; scale *= 128) {
    const b = block[at++]!;
    length += (b & 0x7f) * scale;
    if (b < 0x80) break;
  }
  const out = Buffer.alloc(length);
  let written = 0;
  while (at < block.length) {
    const tag = block[at++]!;
    if ((tag & 3) !== 0) throw new Error("the stand-in reads literal-only snappy");
    let n = tag >>> 2;
    if (n === 60) n = block[at++]!;
    else if (n === 61) n = block.readUInt16LE((at += 2) - 2);
    written += block.copy(out, written, at, at + n + 1);
    at += n + 1;
  }
  if (written !== length) throw new Error(`snappy: ${written} bytes where the header says ${length}`);
  return out;
}

/** The ReadRequest's query (the client sends one): time range (ms) and its label matchers (name → value). */
function readQuery(request: Buffer): { startMs: number; endMs: number; matchers: Map<string, string> } {
  const query = { startMs: 0, endMs: 0, matchers: new Map<string, string>() };
  const within = ([from, to]: [number, number]) => new Proto(request, from, to);
  const outer = new Proto(request, 0, request.length);
  while (outer.more()) {
    const tag = outer.uvarint();
    if (tag !== ((1 << 3) | 2)) {
      outer.skip(tag & 7); // accepted_response_types
      continue;
    }
    const q = within(outer.span());
    while (q.more()) {
      const t = q.uvarint();
      if (t === 1 << 3) query.startMs = q.uvarint();
      else if (t === 2 << 3) query.endMs = q.uvarint();
      else if (t === ((3 << 3) | 2)) {
        // LabelMatcher { type = 1; name = 2; value = 3 }
        const m = within(q.span());
        let name = "";
        let value = "";
        while (m.more()) {
          const f = m.uvarint();
          if (f !== ((2 << 3) | 2) && f !== ((3 << 3) | 2)) {
            m.skip(f & 7);
            continue;
          }
          const [from, to] = m.span();
          if (f >>> 3 === 2) name = request.toString("utf8", from, to);
          else value = request.toString("utf8", from, to);
        }
        query.matchers.set(name, value);
      } else q.skip(t & 7);
    }
  }
  return query;
}

/** Streamed XOR chunks for each id and direction: frames of at most ~1 MiB of chunks. */
async function remoteRead(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { startMs, endMs, matchers } = readQuery(snappyLiteralsDecode(await bytesOf(req)));
  const metric = matchers.get("__name__") ?? "";
  const label = matchers.has("opd") ? "opd" : "uplink";
  res.writeHead(200, {
    "content-type": "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse",
  });
  const first = Math.ceil(startMs / 1000 / SLOT) * SLOT;
  for (const id of (matchers.get(label) ?? "").split("|")) {
    for (const direction of ["download", "upload"]) {
      const labels = new ByteWriter(256);
      for (const [name, value] of [
        ["__name__", metric],
        ["direction", direction],
        [label, id],
      ] as const) {
        // ChunkedSeries.labels = 1: Label { name = 1; value = 2 }
        message(labels, 1, (pair) => {
          pair.byte(0x0a);
          pair.uvarintStr(name);
          pair.byte(0x12);
          pair.uvarintStr(value);
        });
      }
      const times: number[] = [];
      const values: number[] = [];
      for (let t = first; t * 1000 <= endMs; t += SLOT) {
        times.push(t * 1000);
        values.push(valueAt(id, direction, t));
      }
      let series = new ByteWriter(1 << 20);
      series.bytes(labels.result());
      const flush = async () => {
        // ChunkedReadResponse { chunked_series = 1 }, framed: length, CRC32C, message.
        const response = new ByteWriter(series.pos + 8);
        response.byte(0x0a);
        response.uvarint(series.pos);
        response.bytes(series.result());
        const frame = new ByteWriter(response.pos + 16);
        frame.uvarint(response.pos);
        frame.be32(crc32c(response.buf, 0, response.pos));
        frame.bytes(response.result());
        if (!res.write(frame.result())) await new Promise((resolve) => res.once("drain", resolve));
        series = new ByteWriter(1 << 20);
        series.bytes(labels.result());
      };
      for (let from = 0; from < times.length; from += SAMPLES_PER_CHUNK) {
        const to = Math.min(times.length, from + SAMPLES_PER_CHUNK);
        const data = xorChunk(times, values, from, to);
        const chunk = new ByteWriter(data.length + 32);
        chunk.byte(0x08);
        chunk.uvarint(times[from]!);
        chunk.byte(0x10);
        chunk.uvarint(times[to - 1]!);
        chunk.byte(0x18);
        chunk.uvarint(1); // XOR
        chunk.byte(0x22);
        chunk.uvarint(data.length);
        chunk.bytes(data);
        series.byte(0x12);
        series.uvarint(chunk.pos);
        series.bytes(chunk.result());
        if (series.pos > 1 << 20) await flush();
      }
      await flush();
    }
  }
  res.end();
}

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams((await bytesOf(req)).toString("utf8"));
}

export interface StandIn {
  url: string;
  stop(): Promise<void>;
}

/** `ids`: label name (opd, uplink) → the ids label values answer. */
export async function startStandIn(ids: Record<string, string[]>): Promise<StandIn> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://standin");
      const ok = (data: string) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`{"status":"success","data":${data}}`);
      };
      const labelValues = /^\/api\/v1\/label\/([a-z_]+)\/values$/.exec(url.pathname);
      if (labelValues) return ok(JSON.stringify(ids[labelValues[1]!] ?? []));
      if (url.pathname === "/api/v1/read") return remoteRead(req, res);
      const params = await body(req);
      if (url.pathname === "/api/v1/query") return ok('{"resultType":"vector","result":[]}');
      if (url.pathname !== "/api/v1/query_range") {
        res.writeHead(404).end();
        return;
      }
      const query = params.get("query") ?? "";
      const match = /\{(opd|uplink)=~"([^"]*)"\}/.exec(query);
      if (!match) return ok('{"resultType":"matrix","result":[]}');
      const [label, alternatives] = [match[1]!, match[2]!];
      const start = Number(params.get("start"));
      const end = Number(params.get("end"));
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"success","data":{"resultType":"matrix","result":[');
      let first = true;
      for (const id of alternatives.split("|")) {
        for (const direction of ["download", "upload"]) {
          const parts: string[] = [
            `${first ? "" : ","}{"metric":{"${label}":"${id}","direction":"${direction}"},"values":[`,
          ];
          first = false;
          for (let t = start; t <= end; t += SLOT) {
            parts.push(`${t === start ? "" : ","}[${t},"${valueAt(id, direction, t)}"]`);
          }
          parts.push("]}");
          if (!res.write(parts.join(""))) await new Promise((resolve) => res.once("drain", resolve));
        }
      }
      res.end("]}}");
    })().catch((error: unknown) => {
      console.error("stand-in:", error);
      res.destroy();
    });
  });
  // The report keeps its connections open across batches (as Prometheus's Go server allows).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
