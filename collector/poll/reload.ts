// Inventory reload off the event loop. Parsing and validating a large inventory takes seconds
// (the YAML parser reads about 1 MB/s with source positions), and handing a large result back in
// one message would block the event loop while it is copied. So a worker thread loads and
// validates the file, works out what changed for each device against the plans in force (by
// digest) and renders the inventory gauges, then sends the result in slices, one per turn of the event loop (the main thread asks
// for each), and scrapes are answered in between. An unchanged device costs a few bytes.
import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../../core/worker.js";
import type { Problem } from "../../core/load.js";
import type { Inventory } from "../../core/schema.js";
import type { PlanDigest, PlanUpdate, Shard } from "./plan.js";

/** What the worker sends, one message at a time. */
export type ReloadMessage =
  | { kind: "problems"; problems: Problem[] }
  | { kind: "items"; section: ListSection; items: unknown[] }
  | { kind: "plans"; plans: [string, PlanUpdate][] }
  | { kind: "done"; rest: Omit<Inventory, ListSection>; gauges: string | undefined };

/** The inventory's long lists: sent in slices, the rest of the inventory in the last message. */
export const LIST_SECTIONS = ["devices", "opds", "uplinks", "apps"] as const;
export type ListSection = (typeof LIST_SECTIONS)[number];

/** Items per message: small enough that copying one slice takes a few milliseconds. */
export const SLICE = 250;

export type Reloaded =
  | {
      ok: true;
      inventory: Inventory;
      /** device id → what its poller must do (see Fleet.reload) */ plans: Map<string, PlanUpdate>;
      /** The inventory gauges as text, for the shard that exports them (shard 0, or no shards). */
      gauges: string | undefined;
    }
  | { ok: false; problems: Problem[] };

/** Reassemble the worker's messages (pure: the worker's protocol, testable without a thread). */
export function assemble(messages: Iterable<ReloadMessage>): Reloaded {
  const lists: Record<ListSection, unknown[]> = { devices: [], opds: [], uplinks: [], apps: [] };
  const plans = new Map<string, PlanUpdate>();
  for (const m of messages) {
    if (m.kind === "problems") return { ok: false, problems: m.problems };
    if (m.kind === "items") for (const item of m.items) lists[m.section].push(item);
    if (m.kind === "plans") for (const [id, plan] of m.plans) plans.set(id, plan);
    if (m.kind === "done")
      return { ok: true, inventory: { ...m.rest, ...lists } as Inventory, plans, gauges: m.gauges };
  }
  throw new Error("the reload worker stopped before it finished");
}

/**
 * The worker's young generation, MiB. Parsing makes objects that mostly live until the inventory is
 * built; with V8's default (16 MiB semi-spaces) each is copied through large semi-spaces first. A
 * small one makes the same parse of 1,000 devices × 50 links peak about 40 MiB lower for the same CPU
 * (measured: 218 → 180 MiB resident for load, plan and gauges of the 10 MB file).
 */
export const WORKER_YOUNG_GENERATION_MB = 6;

function startWorker(file: string, running: Map<string, PlanDigest>, shard: Shard | undefined): Worker {
  return startModuleWorker(import.meta.url, "reload-worker", {
    workerData: { file, running, shard },
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
}

/**
 * Load, validate and plan an inventory file on a worker thread; `running` holds the digests of the
 * plans in force, so that only what changed comes back (see planUpdates), and only the shard's
 * devices are planned.
 */
export function loadInBackground(
  file: string,
  running: Map<string, PlanDigest> = new Map(),
  shard?: Shard,
): Promise<Reloaded> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(file, running, shard);
    const messages: ReloadMessage[] = [];
    worker.on("message", (m: ReloadMessage) => {
      messages.push(m);
      // Ask for the next slice from a later turn of the event loop, so scrapes run in between.
      if (m.kind === "items" || m.kind === "plans") setImmediate(() => worker.postMessage("next"));
      if (m.kind === "problems" || m.kind === "done") {
        resolve(assemble(messages));
        void worker.terminate();
      }
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the reload worker exited with code ${code}`));
    });
  });
}
