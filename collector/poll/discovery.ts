// Discovery decisions (pure): which row of a device's tables an inventory selector means.
// A selector that matches nothing or several rows is a finding to report, never an exception.
import type { InterfaceTarget } from "../../core/model.js";
import type { Row } from "../snmp/session.js";
import { IF, indexOf, MTXR_QUEUE } from "./oids.js";

export interface InterfaceRow {
  index: number;
  name?: string;
  alias?: string;
  descr?: string;
}

export interface QueueRow {
  index: number;
  name: string;
}

export type Resolution =
  { ok: true; index: number } | { ok: false; problem: "none" | "several"; candidates: number[] };

function stringOf(row: Row): string | undefined {
  return row.value.kind === "string" ? row.value.value : undefined;
}

/** Join walked ifDescr / ifName / ifAlias columns into one row per ifIndex, sorted by index. */
export function interfaceRows(columns: ReadonlyMap<string, readonly Row[]>): InterfaceRow[] {
  const byIndex = new Map<number, InterfaceRow>();
  const add = (column: string, key: "name" | "alias" | "descr") => {
    for (const row of columns.get(column) ?? []) {
      const index = indexOf(column, row.oid);
      const value = stringOf(row);
      if (index === undefined || value === undefined) continue;
      const entry = byIndex.get(index) ?? { index };
      entry[key] = value;
      byIndex.set(index, entry);
    }
  };
  add(IF.descr, "descr");
  add(IF.name, "name");
  add(IF.alias, "alias");
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

export function queueRows(rows: readonly Row[]): QueueRow[] {
  const out: QueueRow[] = [];
  for (const row of rows) {
    const index = indexOf(MTXR_QUEUE.name, row.oid);
    const name = stringOf(row);
    if (index !== undefined && name !== undefined) out.push({ index, name });
  }
  return out.sort((a, b) => a.index - b.index);
}

function single(indexes: number[]): Resolution {
  if (indexes.length === 1) return { ok: true, index: indexes[0]! };
  return { ok: false, problem: indexes.length === 0 ? "none" : "several", candidates: indexes };
}

/** Exact, case-sensitive match on the selector's column, the way the device spells it. */
export function resolveInterface(rows: readonly InterfaceRow[], target: InterfaceTarget): Resolution {
  if (target.by === "index") return single(rows.filter((r) => r.index === target.value).map((r) => r.index));
  return single(rows.filter((r) => r[target.by] === target.value).map((r) => r.index));
}

export function resolveQueue(rows: readonly QueueRow[], name: string): Resolution {
  return single(rows.filter((r) => r.name === name).map((r) => r.index));
}

/** The `interface` label: ifName, as operators know it, falling back to ifDescr, then the index. */
export function interfaceLabel(row: InterfaceRow | undefined, index: number): string {
  return row?.name || row?.descr || `ifIndex ${index}`;
}

/**
 * MikroTik shows a hotspot server's id as `*HEX` (e.g. `*1A`); the MIB's ServerID column carries the
 * same number. A plain decimal is accepted too. Names cannot be resolved: the MIB does not carry them.
 */
export function hotspotServerId(server: string): number | undefined {
  const star = /^\*([0-9A-Fa-f]+)$/.exec(server);
  if (star) return parseInt(star[1]!, 16);
  if (/^\d+$/.test(server)) return Number(server);
  return undefined;
}

/** Active sessions per hotspot ServerID, from the walked ServerID column. */
export function countHotspotSessions(rows: readonly Row[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const row of rows) {
    if (row.value.kind !== "int") continue;
    counts.set(row.value.value, (counts.get(row.value.value) ?? 0) + 1);
  }
  return counts;
}
