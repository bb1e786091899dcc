// A stand-in for Prometheus's query API, for the province benchmark only: a fiscal year of 600 OPDs
// is 126 M samples, ~13 GB of OpenMetrics and most of an hour of promtool on this machine, so this
// serves the same recorded series computed on the fly (a daily office-hours curve with noise, the
// generator of bench/report.ts). It answers what the report asks: query_range over one batch's
// `{opd=~"a|b"}` selector, the allocation queries (empty: the inventory's allocations apply) and
// label values. It measures the report's side only: Prometheus's own CPU is not in it.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

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

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
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
          const seed = seedOf(`${id}/${direction}`);
          const base = (direction === "download" ? 0.45 : 0.25) * 20e6 * (0.5 + noise(seed, 0));
          const parts: string[] = [
            `${first ? "" : ","}{"metric":{"${label}":"${id}","direction":"${direction}"},"values":[`,
          ];
          first = false;
          for (let t = start; t <= end; t += SLOT) {
            const k = Math.round(t / SLOT);
            const hour = (((t / 3600 + 7) % 24) + 24) % 24;
            const daily = 0.35 + 0.65 * Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
            const value = base * daily * (0.8 + 0.4 * noise(seed, k));
            parts.push(`${t === start ? "" : ","}[${t},"${value}"]`);
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
