// Writing into Prometheus's storage, all or nothing: the samples go to OpenMetrics files (one per
// UTC month) in a staging folder inside the TSDB folder, promtool turns each month into blocks, and
// only when every month succeeded are the blocks moved in, then the ledger written. A failure
// anywhere before that removes the staging folder: the store is as it was. The ledger
// (kapasitas-imports.json) remembers what was imported, so importing the same file twice changes nothing.
import { createWriteStream, type WriteStream } from "node:fs";
import { chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { sampleLabels, type OwnerSeries } from "./series.js";

export const LEDGER_FILE = "kapasitas-imports.json";

export interface LedgerEntry {
  /** sha256 of the file's bytes, or `prometheus <url> <from>-<to>`. */
  key: string;
  /** The inventory link, or `*` for a Prometheus source (its series name their owner). */
  link: string;
  origin: string;
  fromS: number;
  toS: number;
  importedAt: string;
  blocks: string[];
}

export interface Ledger {
  imports: LedgerEntry[];
}

export async function readLedger(tsdb: string): Promise<Ledger> {
  try {
    return JSON.parse(await readFile(join(tsdb, LEDGER_FILE), "utf8")) as Ledger;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { imports: [] };
    throw new Error(`${join(tsdb, LEDGER_FILE)} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const MONTH_FAMILY_ORDER = (t: number): string => new Date(t * 1000).toISOString().slice(0, 7);

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** The OpenMetrics lines of one series, split by resolution (each its own series), time-ordered. */
export function seriesLines(series: OwnerSeries): Map<string, { month: string; text: string }[]> {
  const byStep = new Map<number, number[]>();
  for (const [t, { stepS }] of series.values) {
    const ts = byStep.get(stepS) ?? [];
    ts.push(t);
    byStep.set(stepS, ts);
  }
  const out = new Map<string, { month: string; text: string }[]>();
  for (const [stepS, times] of byStep) {
    times.sort((a, b) => a - b);
    const labels = Object.entries(sampleLabels(series, stepS))
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(",");
    const head = `${series.metric}{${labels}} `;
    const chunks: { month: string; text: string }[] = [];
    let month = "";
    let lines: string[] = [];
    for (const t of times) {
      const m = MONTH_FAMILY_ORDER(t);
      if (m !== month && lines.length > 0) {
        chunks.push({ month, text: lines.join("") });
        lines = [];
      }
      month = m;
      lines.push(`${head}${series.values.get(t)!.bps} ${t}\n`);
    }
    if (lines.length > 0) chunks.push({ month, text: lines.join("") });
    out.set(head, chunks);
  }
  return out;
}

/** A staging folder inside the TSDB folder (same filesystem, so moving a block is a rename). */
export class Staging {
  private readonly files = new Map<string, { stream: WriteStream; family: string }>();
  readonly dir: string;
  samples = 0;

  constructor(readonly tsdb: string) {
    // Not a ULID: Prometheus ignores it; a dot keeps it out of `ls`.
    this.dir = join(tsdb, `.kapasitas-import-${process.pid}`);
  }

  async open(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(join(this.dir, "openmetrics"), { recursive: true });
    await mkdir(join(this.dir, "blocks"), { recursive: true });
  }

  /** Append a series to the month files it spans. */
  async add(series: OwnerSeries): Promise<void> {
    for (const chunks of seriesLines(series).values()) {
      for (const { month, text } of chunks) {
        let file = this.files.get(month);
        if (!file) {
          file = { stream: createWriteStream(join(this.dir, "openmetrics", `${month}.om`)), family: "" };
          this.files.set(month, file);
        }
        if (file.family !== series.metric) {
          // promtool takes a family's samples in several runs, each after its # TYPE line.
          file.stream.write(`# TYPE ${series.metric} gauge\n`);
          file.family = series.metric;
        }
        if (!file.stream.write(text)) await once(file.stream, "drain");
        this.samples += text.length === 0 ? 0 : countLines(text);
      }
    }
  }

  /** Close the month files; their paths, oldest first. */
  async close(): Promise<string[]> {
    const months = [...this.files.keys()].sort();
    for (const m of months) {
      const { stream } = this.files.get(m)!;
      stream.end("# EOF\n");
      await once(stream, "finish");
    }
    return months.map((m) => join(this.dir, "openmetrics", `${m}.om`));
  }

  /** promtool on each month file, `parallel` at a time; onDone after each. */
  async blocks(files: string[], parallel: number, onDone: () => void, promtool = "promtool"): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const file = files[next++]!;
        await runPromtool(promtool, file, join(this.dir, "blocks"));
        onDone();
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));
  }

  /** Move every block in, owned like the TSDB folder; returns their ULIDs. */
  async commit(): Promise<string[]> {
    const dir = join(this.dir, "blocks");
    const ulids = (await readdir(dir)).filter((d) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d));
    const owner = await stat(this.tsdb);
    const asRoot = process.getuid?.() === 0;
    for (const ulid of ulids) {
      if (asRoot) await chownTree(join(dir, ulid), owner.uid, owner.gid);
      await rename(join(dir, ulid), join(this.tsdb, ulid));
    }
    return ulids;
  }

  async remove(): Promise<void> {
    for (const { stream } of this.files.values()) stream.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  if ((await stat(path)).isDirectory()) {
    for (const child of await readdir(path)) await chownTree(join(path, child), uid, gid);
  }
}

/** Write the ledger beside the blocks, atomically (a temp file renamed over it), owned like the folder. */
export async function writeLedger(tsdb: string, ledger: Ledger): Promise<void> {
  const path = join(tsdb, LEDGER_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(ledger, null, 2) + "\n");
  if (process.getuid?.() === 0) {
    const owner = await stat(tsdb);
    await chown(tmp, owner.uid, owner.gid);
  }
  await rename(tmp, path);
}

/**
 * `promtool tsdb create-blocks-from openmetrics` for one month. promtool re-reads its input once per
 * block it writes: 1458 h blocks (the largest Prometheus 2.x accepts for 10% of a 10-year
 * retention) make a month one or two blocks.
 */
function runPromtool(promtool: string, input: string, outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      promtool,
      ["tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=1458h", input, outDir],
      { maxBuffer: 16 << 20 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(new Error("promtool is not installed: apt-get install -y prometheus"));
        }
        reject(
          new Error(`promtool could not write blocks: ${stderr.trim().split("\n").slice(-3).join(" ")}`),
        );
      },
    );
  });
}
