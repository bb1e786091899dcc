import { describe, expect, it } from "vitest";
import type { Row } from "../snmp/session.js";
import {
  countHotspotSessions,
  hotspotServerId,
  interfaceLabel,
  interfaceRows,
  queueRows,
  resolveInterface,
  resolveQueue,
  suggestions,
} from "./discovery.js";
import { IF, indexOf, MTXR_HOTSPOT_SERVER_ID, MTXR_QUEUE } from "./oids.js";

const str = (oid: string, value: string): Row => ({ oid, value: { kind: "string", value } });
const int = (oid: string, value: number): Row => ({ oid, value: { kind: "int", value } });

const columns = new Map<string, Row[]>([
  [IF.descr, [str(`${IF.descr}.1`, "lo"), str(`${IF.descr}.2`, "eth0"), str(`${IF.descr}.7`, "eth1")]],
  [IF.name, [str(`${IF.name}.1`, "lo"), str(`${IF.name}.2`, "eth0"), str(`${IF.name}.7`, "eth1")]],
  [IF.alias, [str(`${IF.alias}.2`, "OPD Dinkes"), str(`${IF.alias}.7`, "OPD Dinkes")]],
]);
const rows = interfaceRows(columns);
const target = (by: "name" | "alias" | "descr" | "index", value: string | number) =>
  ({ kind: "interface", by, value, faces: "downstream" }) as const;

describe("interface resolution", () => {
  it("joins the columns by ifIndex", () => {
    expect(rows).toEqual([
      { index: 1, descr: "lo", name: "lo" },
      { index: 2, descr: "eth0", name: "eth0", alias: "OPD Dinkes" },
      { index: 7, descr: "eth1", name: "eth1", alias: "OPD Dinkes" },
    ]);
  });
  it("resolves by name, descr and index", () => {
    expect(resolveInterface(rows, target("name", "eth1"))).toEqual({ ok: true, index: 7 });
    expect(resolveInterface(rows, target("descr", "eth0"))).toEqual({ ok: true, index: 2 });
    expect(resolveInterface(rows, target("index", 1))).toEqual({ ok: true, index: 1 });
  });
  it("reports a selector matching several rows", () => {
    expect(resolveInterface(rows, target("alias", "OPD Dinkes"))).toEqual({
      ok: false,
      problem: "several",
      candidates: [2, 7],
    });
  });
  it("reports a selector matching nothing (case matters, as on the device)", () => {
    expect(resolveInterface(rows, target("name", "ETH1"))).toMatchObject({ ok: false, problem: "none" });
    expect(resolveInterface(rows, target("index", 99))).toMatchObject({ ok: false, problem: "none" });
  });
  it("labels by ifName, then ifDescr", () => {
    expect(interfaceLabel({ index: 3, descr: "GigabitEthernet0/1" }, 3)).toBe("GigabitEthernet0/1");
    expect(interfaceLabel(undefined, 3)).toBe("ifIndex 3");
  });
  it("ignores rows outside the column", () => {
    expect(indexOf(IF.name, `${IF.name}0.1`)).toBeUndefined();
    expect(indexOf(IF.name, `${IF.name}.12`)).toBe(12);
  });
});

describe("MikroTik tables", () => {
  it("resolves simple queues by name", () => {
    const q = queueRows([str(`${MTXR_QUEUE.name}.5`, "dinkes"), str(`${MTXR_QUEUE.name}.9`, "setda")]);
    expect(resolveQueue(q, "setda")).toEqual({ ok: true, index: 9 });
    expect(resolveQueue(q, "bpkad")).toMatchObject({ ok: false, problem: "none" });
  });
  it("counts hotspot sessions per server id", () => {
    const counts = countHotspotSessions([
      int(`${MTXR_HOTSPOT_SERVER_ID}.1`, 1),
      int(`${MTXR_HOTSPOT_SERVER_ID}.2`, 2),
      int(`${MTXR_HOTSPOT_SERVER_ID}.3`, 1),
    ]);
    expect([...counts]).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });
  it("reads MikroTik's *HEX server ids", () => {
    expect(hotspotServerId("*1A")).toBe(26);
    expect(hotspotServerId("3")).toBe(3);
    expect(hotspotServerId("hs-setda")).toBeUndefined();
  });
});

describe("suggestions", () => {
  it("offers the same name in another case, a name carrying it, then near names", () => {
    expect(suggestions("te0/30", ["Te0/30", "Te0/31", "Gi0/1"])).toEqual(["Te0/30", "Te0/31"]);
    expect(suggestions("eth1", ["wan: STCable (eth1)", "ether2", "bridge"])).toEqual(["wan: STCable (eth1)"]);
    expect(suggestions("uplink", ["ether1", "bridge"])).toEqual([]);
  });
});
