// Discovery decisions (pure): which row of a device's tables an inventory selector means.
// A selector that matches nothing or several rows is a finding to report, never an exception.
import { editDistance } from "../../core/hint.js";
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

/**
 * The names on the device an unmatched selector probably meant, best first (at most three): the same
 * name in another case (`te0/30` for `Te0/30`), a name that carries it in brackets or after a colon
 * (RouterOS puts the interface's comment into ifName: `wan: STCable (eth1)` for `eth1`), then the
 * names within a small edit distance.
 */
export function suggestions(wanted: string, names: readonly string[]): string[] {
  const lower = wanted.toLowerCase();
  const unique = [...new Set(names.filter((n) => n !== "" && n !== wanted))];
  const sameCase = unique.filter((n) => n.toLowerCase() === lower);
  const tokens = (n: string) => n.toLowerCase().split(/[\s:()[\],;]+/);
  const carrying = unique.filter((n) => !sameCase.includes(n) && tokens(n).includes(lower));
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const near = unique
    .filter((n) => !sameCase.includes(n) && !carrying.includes(n))
    .map((n) => ({ n, d: editDistance(lower, n.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d)
    .map((x) => x.n);
  return [...sameCase, ...carrying, ...near].slice(0, 3);
}

/** The values of the column a selector matches on (what a suggestion is chosen from). */
export function selectorNames(rows: readonly InterfaceRow[], target: InterfaceTarget): string[] {
  if (target.by === "index") return [];
  const column = target.by as "name" | "alias" | "descr";
  return rows.flatMap((r) => (r[column] === undefined ? [] : [r[column]]));
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
