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

export function summarise(inv: Inventory): string {
  const links = measuredLinks(inv);
  const { allocated, contracted } = totals(inv);
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
    `  oversubscription: ${ratio(allocated.download_mbps, contracted.download_mbps)} down, ${ratio(allocated.upload_mbps, contracted.upload_mbps)} up`,
    `  apps:      ${inv.apps.length} to host centrally`,
  ];
  const weak = inv.devices.filter((d) => d.snmp.version === "v3" && d.snmp.allow_weak_crypto);
  if (weak.length > 0)
    lines.push(
      `  WEAK: ${weak.length} device(s) on MD5/DES (allow_weak_crypto): ${weak.map((d) => d.id).join(", ")}; move them to SHA/AES when their firmware allows`,
    );
  if (unmeasured.length > 0)
    lines.push(`  note: ${unmeasured.length} OPD(s) have no link yet: ${unmeasured.join(", ")}`);
  return lines.join("\n");
}
