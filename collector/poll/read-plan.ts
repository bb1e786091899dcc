// The read plan (pure): compiled once per discovery, it lists the OIDs of a regular poll and, for
// every counter and gauge, where its value sits in the response, the key of its counter state and
// its escaped series prefix. A poll then only indexes arrays: no OID strings, no label escaping.
import { METRICS } from "../../core/contract.js";
import { counterFor, DIRECTIONS, type Direction } from "../../core/model.js";
import type { Row, SnmpValue } from "../snmp/session.js";
import { seriesPrefix } from "./exposition.js";
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

/** A counter read from position `pos`, accumulated under `key`, exported with `prefix`. */
export interface CounterSlot {
  pos: number;
  key: string;
  /** What the raw value belongs to (`interface:7`): a change means the row moved. */
  instance: string;
  prefix: string;
  name: string;
}

export interface InterfaceSlots {
  index: number;
  highSpeed: number;
  speed: number;
  oper: number;
  identity: { pos: number; value: string } | undefined;
  operPrefix: string;
  speedPrefix: string;
  errors: CounterSlot[];
  discards: CounterSlot[];
}

export interface LinkSlots {
  /** The interface whose speed bounds this link's deltas; undefined for a queue. */
  speedOf: InterfaceSlots | undefined;
  counters: CounterSlot[];
  /** An OPD's simple queue: where its state (kapasitas_queue_up) is kept and exported. */
  queueState: { key: string; prefix: string } | undefined;
}

export interface ReadPlan {
  oids: string[];
  uptime: number;
  interfaces: InterfaceSlots[];
  queueNames: { pos: number; name: string }[];
  links: LinkSlots[];
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

function linkPrefix(deviceId: string, r: ResolvedLink, direction: Direction): string {
  const l = r.link;
  return l.owner === "opd"
    ? seriesPrefix(METRICS.opdLinkBytes, {
        opd: l.ownerId,
        link: l.linkId,
        device: deviceId,
        interface: r.label,
        direction,
      })
    : seriesPrefix(METRICS.uplinkBytes, {
        uplink: l.ownerId,
        provider: l.provider,
        device: deviceId,
        interface: r.label,
        direction,
      });
}

export function compileReadPlan(
  deviceId: string,
  interfaces: readonly PlannedInterface[],
  links: readonly ResolvedLink[],
): ReadPlan {
  const oids: string[] = [SYS_UPTIME];
  const at = (oid: string) => oids.push(oid) - 1;

  const byIndex = new Map<number, InterfaceSlots>();
  for (const i of interfaces) {
    const idx = i.index;
    const labels = { device: deviceId, interface: i.label };
    const instance = `interface:${idx}`;
    const dirSlots = (name: string, inCol: string, outCol: string, what: string): CounterSlot[] =>
      (["in", "out"] as const).map((direction) => ({
        pos: at(`${direction === "in" ? inCol : outCol}.${idx}`),
        key: `interface:${i.label}:${what}:${direction}`,
        instance,
        prefix: seriesPrefix(name, { ...labels, direction }),
        name,
      }));
    const slots: InterfaceSlots = {
      index: idx,
      highSpeed: at(`${IF.highSpeed}.${idx}`),
      speed: at(`${IF.speed}.${idx}`),
      oper: at(`${IF.operStatus}.${idx}`),
      identity: i.identity && { pos: at(`${i.identity.column}.${idx}`), value: i.identity.value },
      operPrefix: seriesPrefix(METRICS.interfaceOperUp, labels),
      speedPrefix: seriesPrefix(METRICS.interfaceSpeedBps, labels),
      errors: dirSlots(METRICS.interfaceErrors, IF.inErrors, IF.outErrors, "errors"),
      discards: dirSlots(METRICS.interfaceDiscards, IF.inDiscards, IF.outDiscards, "discards"),
    };
    byIndex.set(idx, slots);
  }
  const hcOf = new Map(interfaces.map((i) => [i.index, i.hc]));

  // Each counter OID is read once even when several links share it.
  const counterPos = new Map<string, number>();
  const once = (oid: string) => counterPos.get(oid) ?? counterPos.set(oid, at(oid)).get(oid)!;
  const queueNames: { pos: number; name: string }[] = [];
  const seenQueues = new Set<number>();

  const linkSlots: LinkSlots[] = links.map((r) => {
    const target = r.link.target;
    if (target.kind === "queue" && !seenQueues.has(r.index)) {
      seenQueues.add(r.index);
      queueNames.push({ pos: at(`${MTXR_QUEUE.name}.${r.index}`), name: target.queue });
    }
    const counters = DIRECTIONS.map((direction): CounterSlot => {
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
      const prefix = linkPrefix(deviceId, r, direction);
      return {
        pos: once(`${column}.${r.index}`),
        key: `link:${r.link.owner}:${r.link.ownerId}:${r.link.linkId}:${direction}`,
        instance: `${r.kind}:${r.index}`,
        prefix,
        name: r.link.owner === "opd" ? METRICS.opdLinkBytes : METRICS.uplinkBytes,
      };
    });
    const statePrefix = queueStatePrefix(deviceId, r.link);
    return {
      speedOf: r.kind === "interface" ? byIndex.get(r.index) : undefined,
      counters,
      queueState:
        statePrefix === undefined
          ? undefined
          : { key: `queue:${r.link.ownerId}:${r.link.linkId}`, prefix: statePrefix },
    };
  });

  return { oids, uptime: 0, interfaces: [...byIndex.values()], queueNames, links: linkSlots };
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
    return `${row?.oid ?? plan.oids[pos]}: expected ${allowed.join(" or ")}, got ${kind}`;
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
      ...[...i.errors, ...i.discards].map((slot) => check(slot.pos, counter)),
    ]),
    ...plan.queueNames.map((q) => check(q.pos, text)),
    ...plan.links.flatMap((l) => l.counters.map((slot) => check(slot.pos, counter))),
  ];
  return problems.find((p) => p !== undefined);
}
