// Writing into Prometheus's storage, all or nothing: the samples become TSDB blocks (one per UTC
// month, blocks.ts; or promtool's, openmetrics.ts) in a staging folder inside the TSDB folder, and
// only when every month's block is written are the blocks moved in, then the ledger written. A failure
// anywhere before that removes the staging folder: the store is as it was. The ledger
// (kapasitas-imports.json) remembers what was imported, so importing the same file twice changes nothing.
import { chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BlockBuilder, writeBlock } from "./blocks.js";
import { PromtoolBlocks } from "./openmetrics.js";
import { byResolution, type OwnerSeries, type ResolutionSeries } from "./series.js";

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

/** Where the blocks come from: written directly (the default) or by promtool (the fallback). */
export interface StagingOptions {
  /** Write the blocks with this promtool (create-blocks-from openmetrics) instead of directly. */
  promtool?: string;
  /** promtool processes at once. */
  parallel?: number;
}

/** A staging folder inside the TSDB folder (same filesystem, so moving a block is a rename). */
export class Staging {
  readonly dir: string;
  private readonly direct = new BlockBuilder();
  private readonly viaPromtool: PromtoolBlocks | undefined;

  constructor(
    readonly tsdb: string,
    options: StagingOptions = {},
  ) {
    // Not a ULID: Prometheus ignores it; a dot keeps it out of `ls`.
    this.dir = join(tsdb, `.kapasitas-import-${process.pid}`);
    if (options.promtool !== undefined) {
      this.viaPromtool = new PromtoolBlocks(
        join(this.dir, "openmetrics"),
        options.promtool,
        options.parallel ?? 2,
      );
    }
  }

  get samples(): number {
    return (this.viaPromtool ?? this.direct).samples;
  }

  async open(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(join(this.dir, "blocks"), { recursive: true });
  }

  /** Take a series (each resolution its own series): encoded now, written by write(). */
  async add(series: OwnerSeries): Promise<void> {
    for (const one of byResolution(series)) await this.addRaw(one);
  }

  /** Take a series as it is (another Prometheus's raw counters: labels kept, no resolution split). */
  async addRaw(series: ResolutionSeries): Promise<void> {
    if (this.viaPromtool) await this.viaPromtool.add(series);
    else this.direct.add(series);
  }

  /** Write every month's block into the staging folder; onProgress after each. */
  async write(onProgress: (done: number, total: number) => void, now = new Date()): Promise<void> {
    const blocks = join(this.dir, "blocks");
    if (this.viaPromtool) return this.viaPromtool.finish(blocks, onProgress);
    const months = this.direct.monthStarts();
    for (const [n, month] of months.entries()) {
      await writeBlock(blocks, this.direct.take(month, now.getTime()));
      onProgress(n + 1, months.length);
    }
  }

  /**
   * Move every block in, owned like the TSDB folder, then the ledger `ledger(ulids)` gives; returns
   * the ULIDs. The ledger is written (in the staging folder) before any block moves, so a full disk
   * stops the import before the store changes; after that only renames on one filesystem remain.
   */
  async commit(ledger: (ulids: string[]) => Ledger): Promise<string[]> {
    const dir = join(this.dir, "blocks");
    const ulids = (await readdir(dir)).filter((d) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d));
    const owner = await stat(this.tsdb);
    const asRoot = process.getuid?.() === 0;
    const staged = join(this.dir, LEDGER_FILE);
    await writeFile(staged, JSON.stringify(ledger(ulids), null, 2) + "\n");
    if (asRoot) await chown(staged, owner.uid, owner.gid);
    for (const ulid of ulids) {
      if (asRoot) await chownTree(join(dir, ulid), owner.uid, owner.gid);
      await rename(join(dir, ulid), join(this.tsdb, ulid));
    }
    await rename(staged, join(this.tsdb, LEDGER_FILE));
    return ulids;
  }

  async remove(): Promise<void> {
    this.viaPromtool?.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  if ((await stat(path)).isDirectory()) {
    for (const child of await readdir(path)) await chownTree(join(path, child), uid, gid);
  }
}
