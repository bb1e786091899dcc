// The import mapping is checked like the inventory: every problem at once, at file:line:column.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatProblem } from "../core/load.js";
import { loadInventoryOrThrow } from "../core/load.js";
import { parseMapping } from "./mapping.js";

const inventory = loadInventoryOrThrow("test/fixtures/import/inventory.yaml");
const dir = mkdtempSync(join(tmpdir(), "kapasitas-mapping-"));
for (const f of ["a.rrd", "b.csv", "c.log", "d.txt"]) writeFileSync(join(dir, f), "");
const file = join(dir, "import.yaml");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shown = (p: Parameters<typeof formatProblem>[0]) => formatProblem(p).replaceAll(`${dir}/`, "");

describe("import mapping", () => {
  it("resolves files beside the mapping and links from the inventory", () => {
    const result = parseMapping("sources:\n  - { file: a.rrd, link: dinkes-1 }\n", file, inventory);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.sources[0]).toMatchObject({ file: join(dir, "a.rrd"), format: "rrd", at: `${file}:2:5` });
    expect(result.sources[0]!.link).toMatchObject({ owner: "opd", ownerId: "dinkes", linkId: "dinkes-1" });
  });

  it("lists every problem with its position", () => {
    const text = [
      "sources:",
      "  - file: a.rrd",
      "    link: dinkes1",
      "  - file: b.csv",
      "    link: bappeda-wan",
      "    unit: mbit",
      "    timezone: Asia/Jakrta",
      "  - file: missing.log",
      "    link: satpol-1",
      "    unti: Mbps",
      "  - file: d.txt",
      "    link: satpol-1",
      "",
    ].join("\n");
    const result = parseMapping(text, file, inventory);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(shown)).toEqual([
      'import.yaml:10:5 sources[2].unti: unknown field "unti"; did you mean "unit"?',
    ]);
    const fixed = parseMapping(text.replace("unti", "unit"), file, inventory);
    expect(fixed.ok).toBe(false);
    if (fixed.ok) return;
    expect(fixed.problems.map(shown)).toEqual([
      'import.yaml:3:11 sources[0].link: no link "dinkes1" in the inventory; did you mean "dinkes-1"?',
      'import.yaml:6:11 sources[1].unit: unknown unit "mbit"; one of bps, kbps, Mbps, Gbps, Bps, KBps, kBps, MBps, GBps',
      'import.yaml:7:15 sources[1].timezone: unknown time zone "Asia/Jakrta"; an IANA name (Asia/Jakarta) or an offset (+07:00)',
      "import.yaml:8:11 sources[2].file: no such file: missing.log",
      "import.yaml:10:11 sources[2].unit: an MRTG log is always bytes per second: drop unit:",
      'import.yaml:11:11 sources[3].file: cannot tell the format from ".txt"; state format: rrd, mrtg-log or csv',
    ]);
  });
});
