// How much memory a collector needs, from the fleet it polls (pure). The figures come from
// `npm run bench:scale` (BENCHMARKS.md, "Scale"): peak resident memory of one collector, reload
// included, grows by about PER_LINK_KIB with every polled link over a runtime of BASE_MIB. The
// Pulumi program gives each collector container at least this, whatever the stack file says
// (docs/scaling.md has the table).
import { hashmod } from "../core/hashmod.js";
import { measuredLinks } from "../core/model.js";
import type { Inventory } from "../core/schema.js";

/** Runtime, inventory and reload headroom of one collector, MiB (bench:scale, intercept). */
export const BASE_MIB = 152;
/** Peak memory per polled link (interface or queue), KiB (bench:scale, slope). */
export const PER_LINK_KIB = 16;
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
