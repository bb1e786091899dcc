import { describe, expect, it } from "vitest";
import { IF, MTXR_QUEUE, SYS_UPTIME } from "./oids.js";
import type { PlannedLink } from "./plan.js";
import { compileReadPlan, typeProblem } from "./read-plan.js";

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
  const oidOf = (pos: number) => plan.oids[pos];

  it("starts with sysUpTime and reads every OID once", () => {
    expect(plan.oids[plan.uptime]).toBe(SYS_UPTIME);
    expect(new Set(plan.oids).size).toBe(plan.oids.length);
  });

  it("maps directions through counterFor: downstream download = out, upstream download = in, queue download = bytes out", () => {
    const [opd, uplink, queue] = plan.links;
    expect(opd!.counters.map((c) => oidOf(c.pos))).toEqual([`${IF.hcOutOctets}.5`, `${IF.hcInOctets}.5`]);
    // ether9 has no HC counters: 32-bit ones
    expect(uplink!.counters.map((c) => oidOf(c.pos))).toEqual([`${IF.inOctets}.9`, `${IF.outOctets}.9`]);
    expect(queue!.counters.map((c) => oidOf(c.pos))).toEqual([
      `${MTXR_QUEUE.bytesOut}.3`,
      `${MTXR_QUEUE.bytesIn}.3`,
    ]);
    expect(queue!.speedOf).toBeUndefined();
  });

  it("precomputes escaped series prefixes and keys that do not depend on the index", () => {
    const uplink = plan.links[1]!.counters[0]!;
    expect(uplink.prefix).toBe(
      'uplink_bytes_total{uplink="isp",provider="PT \\"ISP\\"",device="core",interface="ether9",direction="download"} ',
    );
    expect(uplink.key).toBe("link:uplink:isp:core/ether9:download");
    expect(uplink.instance).toBe("interface:9");
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
  const sound = plan.oids.map((oid) => ({
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
