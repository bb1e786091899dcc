// `kapasitas import`: read every source, check it all, then write it in one go (store.ts).
// Nothing reaches the store until every file has been read and checked and every month's block
// is written.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { Inventory } from "../core/schema.js";
import type { ImportSource } from "../core/contract.js";
import type { PrometheusClient } from "../report/prometheus.js";
import { silentProgress, type Progress } from "../report/progress.js";
import { csvRows } from "./csv.js";
import type { MappedSource } from "./mapping.js";
import { mrtgLogRows } from "./mrtg-log.js";
import { readPrometheus, readRawCounters } from "./prometheus-source.js";
import { dumpRrd, parseRrdDump, rrdMaxBps, rrdRows } from "./rrd.js";
import { implausible, ImportInputError, resolutionLabel, toSlots, type Row } from "./rows.js";
import { addLink, overlaps, spanOf, type OwnerSeries } from "./series.js";
import { readLedger, Staging, type LedgerEntry } from "./store.js";

/** Above this a rate is absurd whatever the interface (a file without a stated speed). */
export const ABSURD_BPS = 400e9;

export interface ImportOptions {
  inventory: Inventory;
  /** Prometheus's storage folder (--storage.tsdb.path). */
  tsdb: string;
  /** Files from a mapping (docs/import.md). */
  sources?: MappedSource[];
  /** Or another Prometheus, between fromS and toS. */
  prometheus?: { client: PrometheusClient; fromS: number; toS: number };
  now?: Date;
  /** promtool processes at once (with promtool). */
  parallel?: number;
  progress?: Progress;
  rrdtool?: string;
  /** Write the blocks with this promtool (create-blocks-from openmetrics) instead of directly. */
  promtool?: string;
}

export interface Imported {
  origin: string;
  link: string;
  source: ImportSource;
  fromS: number;
  toS: number;
  /** Slots per resolution label ("5m": 2016, "30m": ...). */
  slots: Record<string, number>;
}

export interface ImportResult {
  imported: Imported[];
  /** Files already imported (same bytes, same link): left alone. */
  skipped: string[];
  samples: number;
  blocks: string[];
  /** Prometheus series whose OPD or uplink the inventory does not list. */
  unknown: string[];
  /** Raw counter series read from another Prometheus (opd_link_bytes_total, uplink_bytes_total). */
  rawSeries: number;
}

interface Read {
  source: ImportSource;
  rows: Row[];
  statedMaxBps: number;
}

/** `rrdtool dump` of each RRD, started one file ahead: rrdtool dumps the next while this one is parsed. */
class Dumps {
  private readonly started = new Map<MappedSource, Promise<string>>();
  constructor(private readonly rrdtool: string | undefined) {}

  start(s: MappedSource | undefined): void {
    if (s?.format !== "rrd" || this.started.has(s)) return;
    const dump = dumpRrd(s.file, this.rrdtool);
    // Awaited when its turn comes; a refusal before then must not surface as unhandled.
    dump.catch(() => undefined);
    this.started.set(s, dump);
  }

  take(s: MappedSource): Promise<string> {
    this.start(s);
    const dump = this.started.get(s)!;
    this.started.delete(s);
    return dump;
  }
}

async function readSource(s: MappedSource, dumps: Dumps): Promise<Read> {
  const stated = s.maxMbps === undefined ? NaN : s.maxMbps * 1e6;
  if (s.format === "rrd") {
    const dump = parseRrdDump(await dumps.take(s), s.file);
    const mapping = {
      ...(s.ds ? { ds: s.ds } : {}),
      ...(s.unit ? { unit: s.unit as "bytes" | "bits" } : {}),
    };
    const rows = rrdRows(dump, s.file, mapping);
    return {
      source: "rrd",
      rows,
      statedMaxBps: Number.isNaN(stated) ? rrdMaxBps(dump, s.file, mapping) : stated,
    };
  }
  const text = await readFile(s.file, "utf8");
  if (s.format === "mrtg-log")
    return { source: "mrtg", rows: mrtgLogRows(text, s.file), statedMaxBps: stated };
  return { source: "csv", rows: csvRows(text, s.file, s.unit!, s.timezone!), statedMaxBps: stated };
}

async function checkTsdb(tsdb: string): Promise<void> {
  const info = await stat(tsdb).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`${tsdb} is not a folder: give Prometheus's --storage.tsdb.path`);
}

export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const { inventory, tsdb } = options;
  const progress = options.progress ?? silentProgress;
  const nowS = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if ((options.sources?.length ?? 0) > 0 && options.prometheus) {
    throw new Error(
      "import either files (--mapping) or another Prometheus (--from-prometheus), one at a time",
    );
  }
  await checkTsdb(tsdb);
  const ledger = await readLedger(tsdb);
  const staging = new Staging(tsdb, {
    ...(options.promtool !== undefined ? { promtool: options.promtool } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
  });
  const result: ImportResult = {
    imported: [],
    skipped: [],
    samples: 0,
    blocks: [],
    unknown: [],
    rawSeries: 0,
  };
  const entries: Omit<LedgerEntry, "blocks" | "importedAt">[] = [];
  await staging.open();
  try {
    const sources = options.sources ?? [];
    const owners = new Map<string, MappedSource[]>();
    for (const s of sources) {
      const key = `${s.link.owner}\0${s.link.ownerId}`;
      owners.set(key, [...(owners.get(key) ?? []), s]);
    }
    const steps = sources.length + (options.prometheus ? 1 : 0);
    let done = 0;
    progress.update(0, steps * 2);
    const spans = new Map<string, { origin: string; fromS: number; toS: number }[]>();
    const order = [...owners.values()].flat();
    const dumps = new Dumps(options.rrdtool);
    for (const group of owners.values()) {
      const series = new Map<string, OwnerSeries>();
      for (const s of group) {
        dumps.start(order[order.indexOf(s) + 1]);
        const bytes = await readFile(s.file);
        const key = createHash("sha256").update(bytes).digest("hex");
        if (ledger.imports.some((e) => e.key === key && e.link === s.link.linkId)) {
          result.skipped.push(s.file);
          progress.update(++done, steps * 2);
          continue;
        }
        const read = await readSource(s, dumps);
        const maxBps =
          Number.isFinite(read.statedMaxBps) && read.statedMaxBps > 0 ? read.statedMaxBps : ABSURD_BPS;
        const wrong = implausible(read.rows, { nowS, maxBps });
        if (wrong) throw new ImportInputError(s.file, wrong);
        const slots = toSlots(read.rows);
        const span = spanOf(slots);
        if (!span) throw new ImportInputError(s.file, "holds no data (every row is unknown)");
        for (const other of spans.get(s.link.linkId) ?? []) {
          if (overlaps(span, other)) {
            throw new ImportInputError(
              s.file,
              `overlaps ${other.origin} for link "${s.link.linkId}" (${isoSpan(span, other)}): import one of them`,
            );
          }
        }
        for (const e of ledger.imports) {
          if (e.link === s.link.linkId && overlaps(span, e)) {
            throw new ImportInputError(
              s.file,
              `overlaps ${e.origin}, imported ${e.importedAt} for link "${s.link.linkId}" (${isoSpan(span, e)})`,
            );
          }
        }
        spans.set(s.link.linkId, [...(spans.get(s.link.linkId) ?? []), { origin: s.file, ...span }]);
        addLink(series, s.link, slots, read.source, inventory);
        const counts: Record<string, number> = {};
        for (const step of slots.stepS)
          counts[resolutionLabel(step)] = (counts[resolutionLabel(step)] ?? 0) + 1;
        result.imported.push({
          origin: s.file,
          link: s.link.linkId,
          source: read.source,
          ...span,
          slots: counts,
        });
        entries.push({ key, link: s.link.linkId, origin: s.file, ...span });
        progress.update(++done, steps * 2);
      }
      for (const one of series.values()) await staging.add(one);
    }
    if (options.prometheus) {
      const { client, fromS, toS } = options.prometheus;
      const key = `prometheus ${client.url} ${fromS}-${toS}`;
      if (ledger.imports.some((e) => e.key === key)) result.skipped.push(client.url);
      else {
        const read = await readPrometheus(client, inventory, fromS, toS, async (chunk) => {
          for (const one of chunk) await staging.add(one);
        });
        result.unknown = read.unknown;
        // The raw counters too, as the collector labelled them (the dashboards' panels read them).
        const raw = await readRawCounters(client, inventory, fromS, toS, async (batch) => {
          for (const one of batch) await staging.addRaw(one);
        });
        result.rawSeries = raw.series;
        if (read.series > 0 || raw.series > 0) {
          result.imported.push({
            origin: client.url,
            link: "*",
            source: "prometheus",
            fromS,
            toS,
            slots: {},
          });
          entries.push({ key, link: "*", origin: client.url, fromS, toS });
        }
      }
      progress.update(++done, steps * 2);
    }
    result.samples = staging.samples;
    if (result.samples === 0) {
      progress.done();
      return result;
    }
    await staging.write((months, total) =>
      progress.update(steps + Math.round((months / total) * steps), steps * 2),
    );
    const importedAt = new Date(nowS * 1000).toISOString();
    result.blocks = await staging.commit((blocks) => ({
      imports: [...ledger.imports, ...entries.map((e) => ({ ...e, importedAt, blocks }))],
    }));
    progress.done();
    return result;
  } finally {
    await staging.remove();
  }
}

function isoSpan(a: { fromS: number; toS: number }, b: { fromS: number; toS: number }): string {
  const iso = (s: number) => new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ");
  return `both hold ${iso(Math.max(a.fromS, b.fromS))} to ${iso(Math.min(a.toS, b.toS))} UTC`;
}
