// How much memory a collector needs, from the fleet it polls (pure), and the V8 flags that keep it
// within that. The figures come from `npm run bench:scale -- --as-deployed` (BENCHMARKS.md,
// "Scale"): peak resident memory of one collector, reload included, measured 94 MiB + 7.3 KiB a
// polled link (100 / 300 / 1,000 devices × 50 links: 130 / 201 / 457 MiB); the rule below keeps
// headroom over that line. The Pulumi program gives each collector container at least this,
// whatever the stack file says (docs/scaling.md has the table).
import { hashmod } from "../core/hashmod.js";
import { measuredLinks } from "../core/model.js";
import type { Inventory } from "../core/schema.js";

/** Runtime, inventory and reload of one collector, MiB (bench:scale's intercept, 94, and headroom). */
export const BASE_MIB = 160;
/** Peak memory per polled link (interface or queue), KiB (bench:scale's slope, 7.3, and headroom). */
export const PER_LINK_KIB = 10;
/** The smallest limit ever given: the sample city's, and room for a report request. */
export const MIN_MIB = 256;

/** The busiest shard's links: what one collector container must hold. */
export function busiestShardLinks(inventory: Inventory, shards: number): number {
  const perShard = new Array<number>(shards).fill(0);
  for (const link of measuredLinks(inventory)) perShard[shards > 1 ? hashmod(link.device, shards) : 0]! += 1;
  return Math.max(...perShard);
}

/** The memory limit for a collector polling `links` links, MiB: rounded up to 64 MiB, at least MIN_MIB. */
export function collectorMemoryMb(links: number): number {
  const need = BASE_MIB + (links * PER_LINK_KIB) / 1024;
  return Math.max(MIN_MIB, Math.ceil(need / 64) * 64);
}

/** Share of a collector container's memory limit given to V8's old generation (the JS heap). */
export const HEAP_SHARE = 0.5;
/**
 * V8's semi-space (each half of the young generation), MiB. The default (16 MiB) lets short-lived
 * objects, a poll's varbinds and its exposition, sit in up to 48 MiB of young generation.
 */
export const SEMI_SPACE_MIB = 2;

/**
 * `--max-old-space-size` for a collector in a container of `memoryMb`, MiB. Left alone, V8 sizes
 * its heap from the host's memory and lets it grow to about twice the live data before a full
 * collection: a collector that needs 150 MiB of live heap can reach 300 MiB and be killed by the
 * container's limit (exit 137). With a limit it collects harder as the heap nears it (more CPU,
 * less memory). The other half is what is not JS heap: code, the young generation, socket and
 * zlib buffers, and the reload worker's own heap while it parses the inventory.
 */
export function collectorHeapMb(memoryMb: number): number {
  return Math.floor(memoryMb * HEAP_SHARE);
}

/** The collector's V8 flags in a container of `memoryMb` (NODE_OPTIONS; bench:scale --as-deployed). */
export function collectorNodeFlags(memoryMb: number): string[] {
  return [`--max-old-space-size=${collectorHeapMb(memoryMb)}`, `--max-semi-space-size=${SEMI_SPACE_MIB}`];
}
