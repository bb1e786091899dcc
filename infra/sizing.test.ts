import { describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../core/load.js";
import { measuredLinks } from "../core/model.js";
import { collectorResources } from "./components/collector.js";
import { parseStackSettings } from "./settings.js";
import {
  BASE_MIB,
  busiestShardLinks,
  collectorHeapMb,
  collectorMemoryMb,
  collectorNodeFlags,
  HEAP_SHARE,
  MIN_MIB,
  PER_LINK_KIB,
} from "./sizing.js";
import { stackFileSettings } from "./testing.js";

const inventory = loadInventoryOrThrow("inventory/tanjungpinang.yaml");

describe("collector sizing", () => {
  it("grows with the links from the measured runtime, in 64 MiB steps, never below the floor", () => {
    expect(collectorMemoryMb(0)).toBe(MIN_MIB);
    const links = 50_000; // 1,000 devices × 50 links
    const need = BASE_MIB + (links * PER_LINK_KIB) / 1024;
    expect(collectorMemoryMb(links)).toBeGreaterThanOrEqual(need);
    expect(collectorMemoryMb(links) - need).toBeLessThan(64);
    expect(collectorMemoryMb(links) % 64).toBe(0);
  });

  it("sizes for the busiest shard", () => {
    const all = measuredLinks(inventory).length;
    expect(busiestShardLinks(inventory, 1)).toBe(all);
    const two = busiestShardLinks(inventory, 2);
    expect(two).toBeLessThanOrEqual(all);
    expect(two).toBeGreaterThanOrEqual(Math.ceil(all / 2));
  });

  it("raises the stack's collector memory to what the fleet needs, and keeps a larger one", () => {
    const settings = parseStackSettings(stackFileSettings("Pulumi.dev.yaml"));
    expect(collectorResources(settings, inventory).memory_mb).toBe(MIN_MIB); // the sample city
    const province = { ...inventory, opds: Array.from({ length: 200 }, () => inventory.opds).flat() };
    const need = collectorMemoryMb(busiestShardLinks(province, settings.collector_shards));
    expect(need).toBeGreaterThan(MIN_MIB);
    expect(collectorResources(settings, province).memory_mb).toBe(need);
    const generous = parseStackSettings({
      ...stackFileSettings("Pulumi.dev.yaml"),
      resources: { collector: { cpus: 1, memory_mb: 8192 } },
    });
    expect(collectorResources(generous, province).memory_mb).toBe(8192);
  });

  it("bounds V8's heap by the container's limit, leaving the rest to what is not JS heap", () => {
    expect(collectorHeapMb(MIN_MIB)).toBe(Math.floor(MIN_MIB * HEAP_SHARE));
    expect(collectorHeapMb(1024)).toBeLessThan(1024);
    expect(collectorNodeFlags(512)).toEqual(["--max-old-space-size=256", "--max-semi-space-size=2"]);
  });
});
