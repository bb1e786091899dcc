import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../core/load.js";
import { inventoryExposition } from "./inventory-gauges.js";
import { planUpdates } from "./plan.js";
import { assemble, loadInBackground } from "./reload.js";

const SAMPLE = new URL("../../inventory/tanjungpinang.yaml", import.meta.url).pathname;

describe("loadInBackground", () => {
  it("gives back, slice by slice, exactly what loading on the main thread gives", async () => {
    const direct = loadInventory(SAMPLE);
    if (!direct.ok) throw new Error("the sample must load");
    const result = await loadInBackground(SAMPLE);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.inventory).toEqual(direct.inventory);
    // Against no running plans, every device comes back as a new plan.
    expect(result.plans).toEqual(planUpdates(direct.inventory, new Map()));
    expect([...result.plans.values()].every((u) => u.kind === "plan")).toBe(true);
    // The inventory gauges come rendered, for a collector without shards (and for shard 0).
    expect(result.gauges).toBe(inventoryExposition(direct.inventory));
  });

  it("renders no inventory gauges for a shard that does not export them", async () => {
    const result = await loadInBackground(SAMPLE, new Map(), { index: 1, count: 2 });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.gauges).toBeUndefined();
  });

  it("reports every problem of a bad file with its line, and loses nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kapasitas-reload-"));
    try {
      const file = join(dir, "bad.yaml");
      writeFileSync(file, "version: 1\norganisation: x\ndevices: []\npricing: { tiers: [] }\n");
      const result = await loadInBackground(file);
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.problems.map((p) => `${p.line} ${p.path}`)).toEqual(["3 devices", "4 pricing.tiers"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a worker that stops early is an error, not a half inventory", () => {
    expect(() => assemble([{ kind: "items", section: "opds", items: [] }])).toThrow(/stopped before/);
  });
});
