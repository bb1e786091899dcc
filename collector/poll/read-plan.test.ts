import { describe, expect, it } from "vitest";
import { IF, MTXR_QUEUE, SYS_UPTIME } from "./oids.js";
import type { PlannedLink } from "./plan.js";
import { compileReadPlan, counterKeys, directedPrefix, oidAt, oidsOf, typeProblem } from "./read-plan.js";

const link = (over: Partial<PlannedLink> & Pick<PlannedLink, "target">): PlannedLink => ({
  owner: "opd",
  ownerId: "dinkes",
  linkId: "core/ether5",
  device: "core",
  path: "opds[0].links[0]",
  provider: "",
  ...over,
});

describe("compileReadPlan", () => {
  const plan = compileReadPlan(
    "core",
    [
      { index: 5, hc: true, label: "ether5", identity: { column: IF.name, value: "ether5" } },
      { index: 9, hc: false, label: "ether9", identity: undefined },
    ],
    [
      {
        link: link({ target: { kind: "interface", by: "name", value: "ether5", faces: "downstream" } }),
        kind: "interface",
        index: 5,
        label: "ether5",
      },
      {
        link: link({
          owner: "uplink",
          ownerId: "isp",
          linkId: "core/ether9",
          provider: 'PT "ISP"',
          target: { kind: "interface", by: "index", value: 9, faces: "upstream" },
        }),
        kind: "interface",
        index: 9,
        label: "ether9",
      },
      {
        link: link({
          ownerId: "setda",
          linkId: "core/queue/setda",
          target: { kind: "queue", queue: "setda" },
        }),
        kind: "queue",
        index: 3,
        label: "queue/setda",
      },
    ],
  );
  const oidOf = (pos: number) => oidAt(plan, pos);
  const oids = oidsOf(plan);

  it("starts with sysUpTime and reads every OID once", () => {
    expect(oids[plan.uptime]).toBe(SYS_UPTIME);
    expect(new Set(oids).size).toBe(oids.length);
  });

  it("maps directions through counterFor: downstream download = out, upstream download = in, queue download = bytes out", () => {
    const [opd, uplink, queue] = plan.links;
    const counters = (l: typeof opd) => [oidOf(l!.download), oidOf(l!.upload)];
    expect(counters(opd)).toEqual([`${IF.hcOutOctets}.5`, `${IF.hcInOctets}.5`]);
    // ether9 has no HC counters: 32-bit ones
    expect(counters(uplink)).toEqual([`${IF.inOctets}.9`, `${IF.outOctets}.9`]);
    expect(counters(queue)).toEqual([`${MTXR_QUEUE.bytesOut}.3`, `${MTXR_QUEUE.bytesIn}.3`]);
    expect(queue!.speedOf).toBeUndefined();
  });

  it("escapes each label set once, and keys counters by what they count, not by the index", () => {
    const uplink = plan.links[1]!;
    expect(directedPrefix(uplink.name, uplink.labels, "download")).toBe(
      'uplink_bytes_total{uplink="isp",provider="PT \\"ISP\\"",device="core",interface="ether9",direction="download"} ',
    );
    expect(plan.interfaces[0]!.labels).toBe('device="core",interface="ether5"');
    expect(uplink.instance).toBe(9);
    expect(plan.links[2]!.instance).toBe(-4); // queue 3: not interface 3
    const keys = counterKeys(plan);
    expect(keys).toHaveLength(plan.counters);
    expect(keys[uplink.counter]).toBe("link:uplink:isp:core/ether9:download");
    expect(keys[uplink.counter + 1]).toBe("link:uplink:isp:core/ether9:upload");
    expect(keys.slice(plan.interfaces[1]!.counter, plan.interfaces[1]!.counter + 4)).toEqual([
      "interface:ether9:errors:in",
      "interface:ether9:errors:out",
      "interface:ether9:discards:in",
      "interface:ether9:discards:out",
    ]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("reads each interface's errors and discards in and out from consecutive positions", () => {
    const i = plan.interfaces[0]!;
    expect([i.errors, i.errors + 1, i.discards, i.discards + 1].map(oidOf)).toEqual([
      `${IF.inErrors}.5`,
      `${IF.outErrors}.5`,
      `${IF.inDiscards}.5`,
      `${IF.outDiscards}.5`,
    ]);
  });

  it("reads the identity column of name selectors and the queue name, to notice renumbering", () => {
    expect(oidOf(plan.interfaces[0]!.identity!.pos)).toBe(`${IF.name}.5`);
    expect(plan.interfaces[1]!.identity).toBeUndefined();
    expect(plan.queueNames.map((q) => [oidOf(q.pos), q.name])).toEqual([[`${MTXR_QUEUE.name}.3`, "setda"]]);
  });
});

describe("typeProblem", () => {
  const plan = compileReadPlan(
    "core",
    [{ index: 5, hc: true, label: "ether5", identity: { column: IF.name, value: "ether5" } }],
    [
      {
        link: link({ target: { kind: "interface", by: "name", value: "ether5", faces: "downstream" } }),
        kind: "interface",
        index: 5,
        label: "ether5",
      },
    ],
  );
  const sound = oidsOf(plan).map((oid) => ({
    oid,
    value: oid.startsWith(`${IF.name}.`)
      ? ({ kind: "string", value: "ether5" } as const)
      : oid.startsWith(`${IF.hcInOctets}.`) || oid.startsWith(`${IF.hcOutOctets}.`)
        ? ({ kind: "counter64", value: 10n } as const)
        : ({ kind: "int", value: 1 } as const),
  }));

  it("accepts a sound response, and absent columns", () => {
    expect(typeProblem(plan, sound)).toBeUndefined();
    const absent = sound.map((r) =>
      r.oid.startsWith(`${IF.speed}.`) ? { oid: r.oid, value: { kind: "missing" } as const } : r,
    );
    expect(typeProblem(plan, absent)).toBeUndefined();
  });

  it("names the first value whose type contradicts its OID", () => {
    const garbled = sound.map((r) =>
      r.oid === SYS_UPTIME ? { oid: r.oid, value: { kind: "string", value: "12345" } as const } : r,
    );
    expect(typeProblem(plan, garbled)).toBe(`${SYS_UPTIME}: expected int, got string`);
    const counterAsText = sound.map((r) =>
      r.oid.startsWith(`${IF.hcOutOctets}.`)
        ? { oid: r.oid, value: { kind: "string", value: "x" } as const }
        : r,
    );
    expect(typeProblem(plan, counterAsText)).toMatch(/expected int or counter64, got string/);
  });
});
