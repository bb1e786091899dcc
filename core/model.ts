// Pure derivations from a validated inventory: what to measure, and which way the bytes go.
// The collector, the Pulumi program, the dashboards and the report all read these, never the raw YAML.
import type { Device, Facing, InterfaceSelector, Inventory, Link } from "./schema.js";

export type Direction = "download" | "upload";
export const DIRECTIONS: readonly Direction[] = ["download", "upload"];

export type SelectorKind = "name" | "alias" | "descr" | "index";

export interface InterfaceTarget {
  kind: "interface";
  by: SelectorKind;
  value: string | number;
  faces: Facing;
}
export interface QueueTarget {
  kind: "queue";
  queue: string;
}

/** One thing the collector measures, with its owner and its labels. */
export interface MeasuredLink {
  owner: "opd" | "uplink";
  ownerId: string;
  /** Label `link`: the inventory's id, or one derived from device and selector. */
  linkId: string;
  device: string;
  target: InterfaceTarget | QueueTarget;
  /** Where in the inventory this link is written, e.g. `opds[3].links[0]`. */
  path: string;
}

export function selectorOf(selector: InterfaceSelector): { by: SelectorKind; value: string | number } {
  if (selector.name !== undefined) return { by: "name", value: selector.name };
  if (selector.alias !== undefined) return { by: "alias", value: selector.alias };
  if (selector.descr !== undefined) return { by: "descr", value: selector.descr };
  if (selector.index !== undefined) return { by: "index", value: selector.index };
  throw new Error("interface selector names no interface (the schema should have caught this)");
}

/** A stable, readable label value for a link without an explicit id: `core-1/ether5`, `core-1/queue/dinkes`. */
export function derivedLinkId(link: Link): string {
  if (link.queue !== undefined) return `${link.device}/queue/${link.queue}`;
  const { by, value } = selectorOf(link.interface!);
  return by === "name" ? `${link.device}/${value}` : `${link.device}/${by}/${value}`;
}

/** The key two links collide on when they claim the same interface or queue. */
export function claimKey(link: Link): string {
  if (link.queue !== undefined) return `${link.device}\0queue\0${link.queue}`;
  const { by, value } = selectorOf(link.interface!);
  return `${link.device}\0${by}\0${value}`;
}

function toMeasured(owner: "opd" | "uplink", ownerId: string, link: Link, path: string): MeasuredLink {
  // An OPD link by default sits on the core router facing the OPD; an uplink faces the provider.
  const defaultFacing: Facing = owner === "opd" ? "downstream" : "upstream";
  const target: InterfaceTarget | QueueTarget =
    link.queue !== undefined
      ? { kind: "queue", queue: link.queue }
      : { kind: "interface", ...selectorOf(link.interface!), faces: link.faces ?? defaultFacing };
  return { owner, ownerId, linkId: link.id ?? derivedLinkId(link), device: link.device, target, path };
}

export function measuredLinks(inv: Inventory): MeasuredLink[] {
  return [
    ...inv.opds.flatMap((o, i) =>
      o.links.map((l, j) => toMeasured("opd", o.id, l, `opds[${i}].links[${j}]`)),
    ),
    ...inv.uplinks.flatMap((u, i) =>
      u.links.map((l, j) => toMeasured("uplink", u.id, l, `uplinks[${i}].links[${j}]`)),
    ),
  ];
}

/**
 * Which raw SNMP counter carries a direction. An interface facing downstream sends the OPD's
 * download (ifOutOctets); one facing upstream receives it (ifInOctets). A MikroTik simple queue
 * counts the target's upload as bytes in and its download as bytes out.
 */
export function counterFor(target: InterfaceTarget | QueueTarget, direction: Direction): "in" | "out" {
  if (target.kind === "queue") return direction === "download" ? "out" : "in";
  const downloadIsOut = target.faces === "downstream";
  return (direction === "download") === downloadIsOut ? "out" : "in";
}

export interface PollSettings {
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  maxRepetitions: number;
  walkMaxRows: number;
  walkMaxRequests: number;
}

export function pollSettings(inv: Inventory, device: Device): PollSettings {
  return {
    intervalSeconds: device.poll_interval ?? inv.defaults.poll_interval,
    timeoutSeconds: device.timeout ?? inv.defaults.timeout,
    retries: device.retries ?? inv.defaults.retries,
    maxRepetitions: device.max_repetitions ?? inv.defaults.max_repetitions,
    walkMaxRows: device.walk_max_rows ?? inv.defaults.walk_max_rows,
    walkMaxRequests: device.walk_max_requests ?? inv.defaults.walk_max_requests,
  };
}

export function totals(inv: Inventory): {
  allocated: { download_mbps: number; upload_mbps: number };
  contracted: { download_mbps: number; upload_mbps: number };
} {
  const sum = (xs: { download_mbps: number; upload_mbps: number }[]) => ({
    download_mbps: xs.reduce((a, x) => a + x.download_mbps, 0),
    upload_mbps: xs.reduce((a, x) => a + x.upload_mbps, 0),
  });
  return {
    allocated: sum(inv.opds.map((o) => o.allocated)),
    contracted: sum(inv.uplinks.map((u) => u.contracted)),
  };
}

/** One direction of an allocation or a contract. */
export function mbpsFor(
  bandwidth: { download_mbps: number; upload_mbps: number },
  direction: Direction,
): number {
  return direction === "download" ? bandwidth.download_mbps : bandwidth.upload_mbps;
}

/** Mbps to bits per second, the unit every exported gauge uses. */
export const mbpsToBps = (mbps: number): number => mbps * 1_000_000;
