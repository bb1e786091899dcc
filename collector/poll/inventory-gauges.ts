// The inventory's gauges (pure): allocations, contracts and OPD info, in the text format. They come
// from the inventory, not from devices, so they are rendered once per inventory: by the reload
// worker on a SIGHUP (the main thread receives the text), by the fleet at start.
import { METRICS } from "../../core/contract.js";
import { DIRECTIONS, mbpsFor, mbpsToBps } from "../../core/model.js";
import type { Inventory } from "../../core/schema.js";
import { ExpositionWriter, seriesPrefix } from "./exposition.js";

/** The inventory's gauges in the text format (pure): allocations, contracts and OPD info. */
export function inventoryExposition(inventory: Inventory): string {
  const out = new ExpositionWriter();
  const gauge = (name: string, help: string, labels: Record<string, string>, value: number) =>
    out.sample(name, "gauge", help, seriesPrefix(name, labels), value);
  for (const o of inventory.opds)
    for (const direction of DIRECTIONS)
      gauge(
        METRICS.opdAllocatedBps,
        "Bandwidth allocated to an OPD in the inventory, bits per second.",
        { opd: o.id, direction },
        mbpsToBps(mbpsFor(o.allocated, direction)),
      );
  for (const u of inventory.uplinks)
    for (const direction of DIRECTIONS)
      gauge(
        METRICS.uplinkContractedBps,
        "Bandwidth contracted from an ISP in the inventory, bits per second.",
        { uplink: u.id, provider: u.provider, direction },
        mbpsToBps(mbpsFor(u.contracted, direction)),
      );
  for (const o of inventory.opds)
    gauge(
      METRICS.opdInfo,
      "One series per OPD in the inventory (value 1), carrying its full name and category.",
      { opd: o.id, name: o.name, category: o.category },
      1,
    );
  return out.toString();
}
