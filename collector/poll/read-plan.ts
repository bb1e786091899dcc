// The read plan (pure): compiled once per discovery, it lists the OIDs of a regular poll and, for
// every counter and gauge, where its value sits in the response, which slot of the device's counter
// bank holds its state, and its escaped label set. A poll then only indexes arrays: no OID parsing,
// no label escaping. The plan is what a collector keeps per polled link, so it holds no string of
// its own per OID, per counter or per series: OIDs are a shared column constant and an index, and
// each interface and link writes its label set once; a line's prefix is joined when it is written.
import { METRICS } from "../../core/contract.js";
import { counterFor, DIRECTIONS, type Direction } from "../../core/model.js";
import type { Row, SnmpValue } from "../snmp/session.js";
import { flat, labelSet, seriesPrefix } from "./exposition.js";
import { IF, MTXR_QUEUE, SYS_UPTIME } from "./oids.js";
import type { PlannedLink } from "./plan.js";

/** An interface some link uses, as discovery found it. */
export interface PlannedInterface {
  index: number;
  /** ifHC* counters answered at discovery; otherwise the 32-bit ones are read. */
  hc: boolean;
  /** The `interface` label (ifName, else ifDescr). */
  label: string;
  /** The column and value the selector matched; read every poll to notice renumbering. */
  identity: { column: string; value: string } | undefined;
}

export interface ResolvedLink {
  link: PlannedLink;
  kind: "interface" | "queue";
  index: number;
  /** The `interface` label: the interface's, or `queue/<name>`. */
  label: string;
}

/**
 * An interface's reads. Its errors and discards are two counters each (in, then out), read from
 * consecutive positions and kept in consecutive slots of the counter bank: errors in at `counter`,
 * errors out at `counter + 1`, discards in and out at `counter + 2` and `counter + 3`.
 */
export interface InterfaceSlots {
  index: number;
  /** The `interface` label, unescaped (the key of its counters). */
  label: string;
  /** `device="…",interface="…"`, escaped: the label set of its series, written once. */
  labels: string;
  highSpeed: number;
  speed: number;
  oper: number;
  identity: { pos: number; value: string } | undefined;
  /** Position of ifInErrors; ifOutErrors follows. */
  errors: number;
  /** Position of ifInDiscards; ifOutDiscards follows. */
  discards: number;
  /** First of its four counter slots. */
  counter: number;
}

/** A link's two byte counters, one per direction (DIRECTIONS order), in slots `counter` and `counter + 1`. */
export interface LinkSlots {
  link: PlannedLink;
  /** What the raw values belong to: the interface index, or `-1 - index` for a queue (see instanceOf). */
  instance: number;
  /** opd_link_bytes_total or uplink_bytes_total. */
  name: string;
  /** The series' label set without the direction, escaped, written once. */
  labels: string;
  /** Response positions of the download and upload counters (two links may share one). */
  download: number;
  upload: number;
  counter: number;
  /** The interface whose speed bounds this link's deltas; undefined for a queue. */
  speedOf: InterfaceSlots | undefined;
  /** An OPD's simple queue: where its state (kapasitas_queue_up) is kept and exported. */
  queueState: { key: string; prefix: string } | undefined;
}

export interface ReadPlan {
  /** The OIDs of a poll: column `COLUMNS[columns[k]]` and instance `indexes[k]` (-1: none). */
  columns: Uint8Array;
  indexes: Int32Array;
  uptime: number;
  interfaces: InterfaceSlots[];
  queueNames: { pos: number; name: string }[];
  links: LinkSlots[];
  /** Counter slots in the bank: four an interface, two a link. */
  counters: number;
}

/** Every column a read plan reads (ReadPlan.columns holds positions in this list). */
export const COLUMNS: readonly string[] = [SYS_UPTIME, ...Object.values(IF), ...Object.values(MTXR_QUEUE)];
const COLUMN_ID = new Map(COLUMNS.map((column, id) => [column, id]));

function columnId(column: string): number {
  const id = COLUMN_ID.get(column);
  if (id === undefined) throw new Error(`read plan: ${column} is not in COLUMNS`);
  return id;
}

/** The OID at response position `pos`. */
export function oidAt(plan: ReadPlan, pos: number): string {
  const column = COLUMNS[plan.columns[pos]!]!;
  const index = plan.indexes[pos]!;
  return index < 0 ? column : `${column}.${index}`;
}

/** The OIDs of a poll, built for the request (the plan keeps them as column and index). */
export function oidsOf(plan: ReadPlan): string[] {
  return Array.from(plan.indexes, (_, pos) => oidAt(plan, pos));
}

/** A counter's instance: what its raw value belongs to; a change means the row moved. */
export function instanceOf(kind: "interface" | "queue", index: number): number {
  return kind === "interface" ? index : -1 - index;
}

/** Directions of an interface's error and discard counters, in slot order. */
const IN_OUT = ["in", "out"] as const;

/**
 * The key of every counter slot, in slot order: what a counter's state is carried under when the
 * plan is compiled again (rediscovery, reload). Built only then, never kept. A link's key does not
 * depend on the index or the interface it resolved to, so a renumbered row keeps its total.
 */
export function counterKeys(plan: ReadPlan): string[] {
  const keys = new Array<string>(plan.counters);
  for (const i of plan.interfaces)
    ["errors", "discards"].forEach((what, w) =>
      IN_OUT.forEach((d, n) => (keys[i.counter + 2 * w + n] = `interface:${i.label}:${what}:${d}`)),
    );
  for (const s of plan.links)
    DIRECTIONS.forEach(
      (d, n) => (keys[s.counter + n] = `link:${s.link.owner}:${s.link.ownerId}:${s.link.linkId}:${d}`),
    );
  return keys;
}

/** The series prefix of one direction of a counter: `name{labels,direction="d"} `. */
export function directedPrefix(name: string, labels: string, direction: string): string {
  return `${name}{${labels},direction="${direction}"} `;
}

/**
 * The kapasitas_queue_up series of an OPD's queue link (undefined for an interface or an uplink):
 * the labels of its opd_link_bytes_total, without the direction.
 */
export function queueStatePrefix(deviceId: string, link: PlannedLink): string | undefined {
  if (link.owner !== "opd" || link.target.kind !== "queue") return undefined;
  return seriesPrefix(METRICS.queueUp, {
    opd: link.ownerId,
    link: link.linkId,
    device: deviceId,
    interface: `queue/${link.target.queue}`,
  });
}

function linkLabels(deviceId: string, r: ResolvedLink): string {
  const l = r.link;
  return l.owner === "opd"
    ? labelSet({ opd: l.ownerId, link: l.linkId, device: deviceId, interface: r.label })
    : labelSet({ uplink: l.ownerId, provider: l.provider, device: deviceId, interface: r.label });
}

export function compileReadPlan(
  deviceId: string,
  interfaces: readonly PlannedInterface[],
  links: readonly ResolvedLink[],
): ReadPlan {
  const columns: string[] = [SYS_UPTIME];
  const indexes: number[] = [-1];
  const at = (column: string, index: number) => {
    indexes.push(index);
    return columns.push(column) - 1;
  };
  let counters = 0;

  const byIndex = new Map<number, InterfaceSlots>();
  for (const i of interfaces) {
    const idx = i.index;
    const highSpeed = at(IF.highSpeed, idx);
    const speed = at(IF.speed, idx);
    const oper = at(IF.operStatus, idx);
    const identity = i.identity && { pos: at(i.identity.column, idx), value: i.identity.value };
    const errors = at(IF.inErrors, idx);
    at(IF.outErrors, idx);
    const discards = at(IF.inDiscards, idx);
    at(IF.outDiscards, idx);
    const labels = labelSet({ device: deviceId, interface: i.label });
    const slots: InterfaceSlots = {
      index: idx,
      label: i.label,
      labels,
      highSpeed,
      speed,
      oper,
      identity,
      errors,
      discards,
      counter: counters,
    };
    counters += 4;
    byIndex.set(idx, slots);
  }
  const hcOf = new Map(interfaces.map((i) => [i.index, i.hc]));

  // Each counter OID is read once even when several links share it.
  const counterPos = new Map<string, number>();
  const once = (column: string, index: number) => {
    const oid = `${column}.${index}`;
    return counterPos.get(oid) ?? counterPos.set(oid, at(column, index)).get(oid)!;
  };
  const queueNames: { pos: number; name: string }[] = [];
  const seenQueues = new Set<number>();

  const linkSlots: LinkSlots[] = links.map((r) => {
    const target = r.link.target;
    if (target.kind === "queue" && !seenQueues.has(r.index)) {
      seenQueues.add(r.index);
      queueNames.push({ pos: at(MTXR_QUEUE.name, r.index), name: target.queue });
    }
    const pos = (direction: Direction): number => {
      const which = counterFor(r.link.target, direction);
      const column =
        r.kind === "queue"
          ? which === "in"
            ? MTXR_QUEUE.bytesIn
            : MTXR_QUEUE.bytesOut
          : hcOf.get(r.index)
            ? which === "in"
              ? IF.hcInOctets
              : IF.hcOutOctets
            : which === "in"
              ? IF.inOctets
              : IF.outOctets;
      return once(column, r.index);
    };
    const statePrefix = queueStatePrefix(deviceId, r.link);
    const slots: LinkSlots = {
      link: r.link,
      instance: instanceOf(r.kind, r.index),
      name: r.link.owner === "opd" ? METRICS.opdLinkBytes : METRICS.uplinkBytes,
      labels: linkLabels(deviceId, r),
      download: pos("download"),
      upload: pos("upload"),
      counter: counters,
      speedOf: r.kind === "interface" ? byIndex.get(r.index) : undefined,
      queueState:
        statePrefix === undefined
          ? undefined
          : { key: flat(`queue:${r.link.ownerId}:${r.link.linkId}`), prefix: statePrefix },
    };
    counters += 2;
    return slots;
  });

  return {
    // Exact-size typed arrays: a byte and four bytes an OID, where arrays grown by push hold
    // pointers with room to spare.
    columns: Uint8Array.from(columns, columnId),
    indexes: Int32Array.from(indexes),
    uptime: 0,
    interfaces: [...byIndex.values()],
    queueNames,
    links: linkSlots,
    counters,
  };
}

type Kind = SnmpValue["kind"];

/**
 * The first value of a response whose type contradicts its OID (a counter sent as a string, a
 * string where ifName belongs), or undefined when the response is sound. Absent values
 * (noSuchObject, noSuchInstance) are allowed: agents legitimately lack columns.
 */
export function typeProblem(plan: ReadPlan, values: readonly Row[]): string | undefined {
  const check = (pos: number, allowed: readonly Kind[]): string | undefined => {
    const row = values[pos];
    const kind = row?.value.kind ?? "missing";
    if (kind === "missing" || allowed.includes(kind)) return undefined;
    return `${row?.oid ?? oidAt(plan, pos)}: expected ${allowed.join(" or ")}, got ${kind}`;
  };
  const number: Kind[] = ["int"];
  const counter: Kind[] = ["int", "counter64"];
  const text: Kind[] = ["string"];
  const problems = [
    check(plan.uptime, number),
    ...plan.interfaces.flatMap((i) => [
      check(i.highSpeed, number),
      check(i.speed, number),
      check(i.oper, number),
      i.identity && check(i.identity.pos, text),
      ...[0, 1].flatMap((n) => [check(i.errors + n, counter), check(i.discards + n, counter)]),
    ]),
    ...plan.queueNames.map((q) => check(q.pos, text)),
    ...plan.links.flatMap((l) => [check(l.download, counter), check(l.upload, counter)]),
  ];
  return problems.find((p) => p !== undefined);
}
