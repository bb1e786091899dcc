// The collector's own registry on the sample inventory: inventory gauges only, no SNMP traffic
// (nothing here is scraped through /snmp, so the sample's 10.x devices are never contacted).
import { readFileSync } from "node:fs";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseInventory } from "../../core/load.js";
import { Fleet } from "./fleet.js";

const FILE = "inventory/tanjungpinang.yaml";

function sample() {
  const result = parseInventory(readFileSync(FILE, "utf8"), FILE);
  if (!result.ok) throw new Error("the sample inventory should be valid");
  return result.inventory;
}

async function metrics(collector: Fleet): Promise<string[]> {
  return (await collector.metrics()).split("\n").filter((l) => l && !l.startsWith("#"));
}

describe("Fleet /metrics on the Tanjungpinang sample", () => {
  const inventory = sample();

  it("exports allocation, contract and info gauges for every OPD and uplink, in bits per second", async () => {
    const collector = new Fleet(inventory, { inventoryFile: FILE, logger: pino({ level: "silent" }) });
    const lines = await metrics(collector);
    collector.close();
    expect(lines.filter((l) => l.startsWith("opd_info{"))).toHaveLength(inventory.opds.length);
    expect(lines.filter((l) => l.startsWith("opd_allocated_bps{"))).toHaveLength(inventory.opds.length * 2);
    expect(lines.filter((l) => l.startsWith("uplink_contracted_bps{"))).toHaveLength(
      inventory.uplinks.length * 2,
    );
    const setda = inventory.opds.find((o) => o.id === "setda")!;
    expect(lines).toContain(
      `opd_allocated_bps{opd="setda",direction="download"} ${setda.allocated.download_mbps * 1_000_000}`,
    );
    expect(lines).toContain(`kapasitas_collector_devices ${inventory.devices.length}`);
  });

  it("with --shard, serves only its devices, and only shard 0 exports the inventory gauges", async () => {
    const shards = [0, 1, 2].map(
      (index) =>
        new Fleet(inventory, {
          inventoryFile: FILE,
          logger: pino({ level: "silent" }),
          shard: { index, count: 3 },
        }),
    );
    const targets = shards.map((c) => c.targets());
    expect(targets.flat().sort()).toEqual(inventory.devices.map((d) => d.id).sort());
    const withInfo = await Promise.all(
      shards.map(async (c) => (await metrics(c)).some((l) => l.startsWith("opd_info{"))),
    );
    expect(withInfo).toEqual([true, false, false]);
    const other = shards.find((c, k) => k > 0 && c.targets().length < inventory.devices.length)!;
    const foreign = inventory.devices.map((d) => d.id).find((id) => !other.targets().includes(id))!;
    expect(other.scrape(foreign)).toMatchObject({ ok: false, status: 404 });
    for (const c of shards) c.close();
  });
});
