// A plain-text summary of a valid inventory, for `kapasitas inventory check`.
import { measuredLinks, totals } from "./model.js";
import type { Inventory } from "./schema.js";

const count = <T>(xs: readonly T[], key: (x: T) => string): string =>
  Object.entries(
    xs.reduce<Record<string, number>>((acc, x) => {
      acc[key(x)] = (acc[key(x)] ?? 0) + 1;
      return acc;
    }, {}),
  )
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");

const mbps = (n: number): string => `${n.toLocaleString("en-US")} Mbps`;

/** How the city's connections are paid for: shared links on the uplinks, or own contracts. */
export interface CostModel {
  shared: number;
  own: number;
  uplinks: number;
  /** Sum of the uplinks' contracts, per direction (Mbps). */
  contracted: { download_mbps: number; upload_mbps: number };
  /** Sum of the shared OPDs' allocations, per direction (Mbps). */
  sharedAllocated: { download_mbps: number; upload_mbps: number };
  /** sharedAllocated ÷ contracted per direction; null without uplinks. */
  overbooking: { download: number | null; upload: number | null };
}

export function costModel(inv: Inventory): CostModel {
  const shared = inv.opds.filter((o) => o.contract === undefined);
  const sum = (xs: { download_mbps: number; upload_mbps: number }[]) => ({
    download_mbps: xs.reduce((a, x) => a + x.download_mbps, 0),
    upload_mbps: xs.reduce((a, x) => a + x.upload_mbps, 0),
  });
  const contracted = sum(inv.uplinks.map((u) => u.contracted));
  const sharedAllocated = sum(shared.map((o) => o.allocated));
  const ratio = (a: number, c: number) => (c > 0 ? a / c : null);
  return {
    shared: shared.length,
    own: inv.opds.length - shared.length,
    uplinks: inv.uplinks.length,
    contracted,
    sharedAllocated,
    overbooking: {
      download: ratio(sharedAllocated.download_mbps, contracted.download_mbps),
      upload: ratio(sharedAllocated.upload_mbps, contracted.upload_mbps),
    },
  };
}

/** "51 shared links on 2 uplinks (800 Mbps), 2 own contracts" */
export function describeCostModel(model: CostModel): string {
  const capacity = Math.max(model.contracted.download_mbps, model.contracted.upload_mbps);
  return `${model.shared} shared link(s) on ${model.uplinks} uplink(s) (${mbps(capacity)}), ${model.own} own contract(s)`;
}

/**
 * Problems that do not stop anything but a planner should see: shared allocations beyond the
 * uplinks × planning.max_overbooking (peaks do not coincide, but not by that much).
 */
export function warnings(inv: Inventory): string[] {
  const model = costModel(inv);
  const limit = inv.planning.max_overbooking;
  const out: string[] = [];
  for (const direction of ["download", "upload"] as const) {
    const ratio = model.overbooking[direction];
    if (ratio !== null && ratio > limit + 1e-9) {
      const key = `${direction}_mbps` as const;
      out.push(
        `shared ${direction} allocations (${mbps(model.sharedAllocated[key])}) are ${ratio.toFixed(2)}× the uplinks (${mbps(model.contracted[key])}), above planning.max_overbooking ${limit}`,
      );
    }
  }
  return out;
}

export function summarise(inv: Inventory): string {
  const links = measuredLinks(inv);
  const { allocated, contracted } = totals(inv);
  const model = costModel(inv);
  const ratio = (a: number, c: number) => (c > 0 ? `${(a / c).toFixed(2)}×` : "n/a (no uplinks)");
  const hotspots = inv.opds.reduce((n, o) => n + o.hotspots.length, 0);
  const unmeasured = inv.opds.filter((o) => o.links.length === 0).map((o) => o.id);
  const lines = [
    `${inv.organisation}`,
    `  OPDs:      ${inv.opds.length} (${count(inv.opds, (o) => o.category.replace("_", " ")) || "none"})`,
    `  devices:   ${inv.devices.length} (${count(inv.devices, (d) => `${d.vendor} SNMP${d.snmp.version}`)})`,
    `  links:     ${links.length} (${count(links, (l) => (l.target.kind === "queue" ? "simple queues" : "interfaces"))}), ${hotspots} hotspot servers`,
    `  uplinks:   ${inv.uplinks.map((u) => `${u.id} ${mbps(u.contracted.download_mbps)}/${mbps(u.contracted.upload_mbps)}`).join("; ") || "none"}`,
    `  allocated: ${mbps(allocated.download_mbps)} down / ${mbps(allocated.upload_mbps)} up to OPDs`,
    `  contracted:${" "}${mbps(contracted.download_mbps)} down / ${mbps(contracted.upload_mbps)} up from ISPs`,
    `  paid as:   ${describeCostModel(model)}`,
    `  overbooking (shared ÷ uplinks): ${ratio(model.sharedAllocated.download_mbps, contracted.download_mbps)} down, ${ratio(model.sharedAllocated.upload_mbps, contracted.upload_mbps)} up (planning.max_overbooking ${inv.planning.max_overbooking})`,
    `  apps:      ${inv.apps.length} to host centrally`,
  ];
  for (const w of warnings(inv)) lines.push(`  warning: ${w}`);
  if (unmeasured.length > 0)
    lines.push(`  note: ${unmeasured.length} OPD(s) have no link yet: ${unmeasured.join(", ")}`);
  return lines.join("\n");
}
