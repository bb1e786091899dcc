// Simulated agents for the demo: one snmpsim recording per inventory device, generated from the
// inventory itself. Interfaces the inventory names (by ifName, ifAlias, ifDescr or ifIndex), one
// MIKROTIK-MIB simple queue per OPD queue link and the hotspot sessions, with every byte counter
// growing at the rate the load model gives (snmpsim's `numeric` variation: value = initial +
// rate x seconds since snmpsimd started).
import { counterFor, DIRECTIONS, measuredLinks, type MeasuredLink } from "../core/model.js";
import type { Device, Inventory } from "../core/schema.js";
import { IF, MTXR_HOTSPOT_SERVER_ID, MTXR_QUEUE, SYS_UPTIME } from "../collector/poll/oids.js";
import { allocationMbps, growthOf, shareAt, unitHash } from "./load.js";

const SYS_DESCR = "1.3.6.1.2.1.1.1.0";
const SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0";
const SYS_NAME = "1.3.6.1.2.1.1.5.0";

const VENDOR_LOOK: Record<Device["vendor"], { descr: string; objectId: string }> = {
  mikrotik: { descr: "RouterOS CCR2116-12G-4S+", objectId: "1.3.6.1.4.1.14988.1" },
  cisco: {
    descr: "Cisco IOS Software, C2960X Software, Version 15.2(7)E8",
    objectId: "1.3.6.1.4.1.9.1.1208",
  },
  huawei: {
    descr: "Huawei Versatile Routing Platform Software, AR6120",
    objectId: "1.3.6.1.4.1.2011.2.224.279",
  },
  generic: { descr: "Linux", objectId: "1.3.6.1.4.1.8072.3.2.10" },
  linux: { descr: "Linux", objectId: "1.3.6.1.4.1.8072.3.2.10" },
};

/** One `OID|tag|value` line of an .snmprec file. */
interface Row {
  oid: string;
  tag: string;
  value: string | number;
}

const counter64 = (oid: string, bytesPerSecond: number, seed: string): Row => ({
  oid,
  tag: "70:numeric",
  // A counter that has run for a while (non-zero), growing at the load model's rate.
  value: `initial=${Math.round(unitHash(seed) * 1e12)},rate=${Math.round(bytesPerSecond)}`,
});

/** Bytes per second the agent's counter for this link grows at, in one direction ("now"). */
export function liveBytesPerSecond(
  inv: Inventory,
  link: MeasuredLink,
  direction: (typeof DIRECTIONS)[number],
  monthIndex: number,
): number {
  const links = measuredLinks(inv).filter((l) => l.owner === link.owner && l.ownerId === link.ownerId).length;
  const bits =
    shareAt(growthOf(link.ownerId, direction), monthIndex) *
    allocationMbps(inv, link.owner, link.ownerId, direction) *
    1e6;
  return bits / 8 / links;
}

/** Compare dotted OIDs numerically (snmpsim answers GETNEXT in file order: the file must be sorted). */
export function compareOids(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The interface a link selects, given index `index` on its device. */
function interfaceRows(link: MeasuredLink, index: number, rates: Record<"in" | "out", number>): Row[] {
  if (link.target.kind !== "interface") return [];
  const { by, value } = link.target;
  const name = by === "name" ? String(value) : `port${index}`;
  const at = (column: string) => `${column}.${index}`;
  return [
    { oid: at(IF.descr), tag: "4", value: by === "descr" ? String(value) : name },
    { oid: at(IF.speed), tag: "66", value: 1_000_000_000 },
    { oid: at(IF.operStatus), tag: "2", value: 1 },
    { oid: at(IF.inDiscards), tag: "65", value: 0 },
    { oid: at(IF.inErrors), tag: "65", value: 0 },
    { oid: at(IF.outDiscards), tag: "65", value: 0 },
    { oid: at(IF.outErrors), tag: "65", value: 0 },
    { oid: at(IF.name), tag: "4", value: name },
    counter64(at(IF.hcInOctets), rates.in, `${link.linkId}/in`),
    counter64(at(IF.hcOutOctets), rates.out, `${link.linkId}/out`),
    { oid: at(IF.highSpeed), tag: "66", value: 1000 },
    { oid: at(IF.alias), tag: "4", value: by === "alias" ? String(value) : `${link.owner} ${link.ownerId}` },
  ];
}

function queueRows(link: MeasuredLink, index: number, rates: Record<"in" | "out", number>): Row[] {
  if (link.target.kind !== "queue") return [];
  return [
    { oid: `${MTXR_QUEUE.name}.${index}`, tag: "4", value: link.target.queue },
    counter64(`${MTXR_QUEUE.bytesIn}.${index}`, rates.in, `${link.linkId}/in`),
    counter64(`${MTXR_QUEUE.bytesOut}.${index}`, rates.out, `${link.linkId}/out`),
  ];
}

/** Active hotspot sessions: one row per session, holding only its server's numeric id. */
function hotspotRows(inv: Inventory, deviceId: string): Row[] {
  const rows: Row[] = [];
  let session = 1;
  for (const opd of inv.opds) {
    for (const h of opd.hotspots) {
      if (h.device !== deviceId || h.server_id === undefined) continue;
      const serverId = Number.parseInt(h.server_id.slice(1), 16);
      const users = 5 + Math.round(35 * unitHash(`${opd.id}/${h.server}/users`));
      for (let u = 0; u < users; u++)
        rows.push({ oid: `${MTXR_HOTSPOT_SERVER_ID}.${session++}`, tag: "2", value: serverId });
    }
  }
  return rows;
}

/** The .snmprec text for one device: what its agent answers "now" (month `monthIndex` of the model). */
export function deviceRecording(inv: Inventory, device: Device, monthIndex: number): string {
  const look = VENDOR_LOOK[device.vendor];
  const rows: Row[] = [
    { oid: SYS_DESCR, tag: "4", value: look.descr },
    { oid: SYS_OBJECT_ID, tag: "6", value: look.objectId },
    // Uptime ticks on (100 per second), so the collector never mistakes the agent for rebooted.
    { oid: SYS_UPTIME, tag: "67:numeric", value: `initial=${8_640_000 * 40},rate=100` },
    { oid: SYS_NAME, tag: "4", value: device.id },
  ];
  const links = measuredLinks(inv).filter((l) => l.device === device.id);
  // Interfaces picked by ifIndex keep their index; the others get the free ones from 1 up.
  const claimed = new Set(
    links.flatMap((l) =>
      l.target.kind === "interface" && l.target.by === "index" ? [Number(l.target.value)] : [],
    ),
  );
  let nextInterface = 0;
  const freeIndex = () => {
    do nextInterface++;
    while (claimed.has(nextInterface));
    return nextInterface;
  };
  let nextQueue = 1;
  for (const link of links) {
    const rates = { in: 0, out: 0 };
    for (const direction of DIRECTIONS)
      rates[counterFor(link.target, direction)] = liveBytesPerSecond(inv, link, direction, monthIndex);
    if (link.target.kind === "queue") rows.push(...queueRows(link, nextQueue++, rates));
    else {
      const index = link.target.by === "index" ? Number(link.target.value) : freeIndex();
      rows.push(...interfaceRows(link, index, rates));
    }
  }
  rows.push(...hotspotRows(inv, device.id));
  return rows
    .sort((a, b) => compareOids(a.oid, b.oid))
    .map((r) => `${r.oid}|${r.tag}|${r.value}`)
    .join("\n");
}
