import { describe, expect, it } from "vitest";
import { parseInventory } from "../../core/load.js";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  backoffSeconds,
  devicePlans,
  hashmod,
  inShard,
  parseShard,
  pathsOf,
  planDigest,
  planUpdates,
  withPaths,
} from "./plan.js";

const MD5_CORE1 = createHash("md5").update("core-1").digest("hex");

describe("hashmod (Prometheus relabel action)", () => {
  it("uses the last 8 bytes of md5, big-endian, modulo n", () => {
    // relabel.go: binary.BigEndian.Uint64(md5[8:]) % modulus, i.e. the low 16 hex digits modulo n.
    expect(createHash("md5").update("core-1").digest("hex")).toBe(MD5_CORE1);
    expect(hashmod("core-1", 7)).toBe(Number(BigInt(`0x${MD5_CORE1.slice(16)}`) % 7n));
    expect(hashmod("core-1", 1)).toBe(0);
  });
  it("puts every device in exactly one shard", () => {
    const ids = Array.from({ length: 50 }, (_, i) => `opd-router-${i}`);
    for (const id of ids) {
      const owners = [0, 1, 2].filter((k) => inShard(id, { index: k, count: 3 }));
      expect(owners).toHaveLength(1);
    }
  });
});

describe("parseShard", () => {
  it("reads k/n with k from 0", () => {
    expect(parseShard("0/3")).toEqual({ index: 0, count: 3 });
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
  });
  it("refuses k >= n and malformed text with a message that says why", () => {
    expect(() => parseShard("3/3")).toThrow(/counts from 0/);
    expect(() => parseShard("1-3")).toThrow(/k\/n/);
    expect(() => parseShard("0/0")).toThrow();
  });
});

describe("backoffSeconds", () => {
  it("retries at the next scrape after one failure, then doubles, capped", () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffSeconds(n, 30))).toEqual([0, 30, 60, 120, 240, 300]);
  });
});

describe("devicePlans", () => {
  it("gives each device its links, providers and hotspots from the sample inventory", () => {
    const file = "inventory/tanjungpinang.yaml";
    const result = parseInventory(readFileSync(file, "utf8"), file);
    if (!result.ok) throw new Error("sample inventory should be valid");
    const plans = devicePlans(result.inventory);
    const core = plans.get("core-1")!;
    expect(core.links.some((l) => l.target.kind === "queue")).toBe(true);
    const uplink = core.links.find((l) => l.owner === "uplink")!;
    expect(uplink.provider).not.toBe("");
    expect(core.hotspots.length).toBeGreaterThan(0);
    expect(core.settings.intervalSeconds).toBe(30);
    const total = [...plans.values()].reduce((n, p) => n + p.links.length, 0);
    const declared =
      result.inventory.opds.reduce((n, o) => n + o.links.length, 0) +
      result.inventory.uplinks.reduce((n, u) => n + u.links.length, 0);
    expect(total).toBe(declared);
  });
});

describe("planUpdates (what a reload must do per device)", () => {
  const sample = readFileSync(new URL("../../inventory/tanjungpinang.yaml", import.meta.url), "utf8");
  const load = (text: string) => {
    const r = parseInventory(text, "x.yaml");
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.inventory;
  };
  const running = new Map([...devicePlans(load(sample))].map(([id, p]) => [id, planDigest(p)]));

  it("an identical file changes nothing", () => {
    const kinds = [...planUpdates(load(sample), running).values()].map((u) => u.kind);
    expect(new Set(kinds)).toEqual(new Set(["same"]));
  });

  it("an OPD added above the others only moves their paths; a new link changes its device's plan", () => {
    const added = sample.replace(
      "opds:\n",
      "opds:\n  - id: baru\n    name: OPD Baru\n    category: internal\n    allocated: { download_mbps: 10, upload_mbps: 10 }\n    links: [{ device: dist-1, interface: { name: Gi0/48 } }]\n",
    );
    const updates = planUpdates(load(added), running);
    expect(updates.get("dist-1")?.kind).toBe("plan");
    const core = updates.get("core-1")!;
    expect(core.kind).toBe("paths");
    if (core.kind !== "paths") return;
    // Every link of core-1 is now one OPD further down the list.
    const before = new Map(pathsOf(devicePlans(load(sample)).get("core-1")!));
    for (const [link, path] of core.paths) {
      const was = before.get(link)!;
      const n = (p: string) => Number(/^opds\[(\d+)\]/.exec(p)?.[1] ?? -1);
      if (was.startsWith("opds[")) expect(n(path)).toBe(n(was) + 1);
    }
    expect(withPaths(devicePlans(load(sample)).get("core-1")!, new Map(core.paths))).toEqual(
      devicePlans(load(added)).get("core-1"),
    );
  });
});
