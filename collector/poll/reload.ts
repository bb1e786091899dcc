// Inventory reload off the event loop. Parsing and validating a large inventory takes seconds
// (the YAML parser reads about 1 MB/s with source positions), and handing a large result back in
// one message would block the event loop while it is copied. So a worker thread loads and
// validates the file and works out what changed for each device against the plans in force (by
// digest), then sends the result in slices, one per turn of the event loop (the main thread asks
// for each), and scrapes are answered in between. An unchanged device costs a few bytes.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Problem } from "../../core/load.js";
import type { Inventory } from "../../core/schema.js";
import type { PlanDigest, PlanUpdate, Shard } from "./plan.js";

/** What the worker sends, one message at a time. */
export type ReloadMessage =
  | { kind: "problems"; problems: Problem[] }
  | { kind: "items"; section: ListSection; items: unknown[] }
  | { kind: "plans"; plans: [string, PlanUpdate][] }
  | { kind: "done"; rest: Omit<Inventory, ListSection> };

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
    if (m.kind === "done") return { ok: true, inventory: { ...m.rest, ...lists } as Inventory, plans };
  }
  throw new Error("the reload worker stopped before it finished");
}

interface TsxPackage {
  exports: { "./esm/api": { import: { default: string } } };
}

/**
 * The worker next to this module. Built, it is plain JavaScript. From source (tsx, or vitest, which
 * does not pass its loader on to workers), a small bootstrap registers tsx's loader in the worker
 * first, then imports the TypeScript file.
 */
function startWorker(file: string, running: Map<string, PlanDigest>, shard: Shard | undefined): Worker {
  const options = { workerData: { file, running, shard } };
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./reload-worker.js", import.meta.url), options);
  // tsx's ESM API, found through its own exports map (a require() resolve would pick the CJS build).
  const tsxPackage = createRequire(import.meta.url).resolve("tsx/package.json");
  const exports = (JSON.parse(readFileSync(tsxPackage, "utf8")) as TsxPackage).exports["./esm/api"].import
    .default;
  const api = pathToFileURL(join(dirname(tsxPackage), exports)).href;
  const script = new URL("./reload-worker.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
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
