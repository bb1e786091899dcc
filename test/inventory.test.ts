// The inventory's validation, case by case: each broken file must fail with exactly these
// locations and messages (file:line:column path: message), and nothing else.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { formatProblem, loadInventory, parseInventory } from "../core/load.js";
import { counterFor, measuredLinks, pollSettings, totals } from "../core/model.js";

const dir = "test/fixtures/inventory";
const broken: [file: string, expected: string[]][] = [
  [
    "01-unknown-device.yaml",
    ['01-unknown-device.yaml:18:19 opds[0].links[0].device: no device "core-2"; did you mean "core-1"?'],
  ],
  [
    "02-literal-community.yaml",
    [
      "02-literal-community.yaml:8:38 devices[0].snmp.community: must be a reference to a secret (env:NAME or file:/path), never the secret itself",
    ],
  ],
  [
    "03-misspelt-field.yaml",
    ['03-misspelt-field.yaml:16:5 opds[0].alocated: unknown field "alocated"; did you mean "allocated"?'],
  ],
  [
    "04-duplicate-opd-id.yaml",
    ['04-duplicate-opd-id.yaml:19:9 opds[1].id: duplicate OPD id "dinkes" (first used at opds[0])'],
  ],
  [
    "05-interface-claimed-twice.yaml",
    [
      '05-interface-claimed-twice.yaml:32:9 uplinks[0].links[0]: interface name "Gi0/2" on dist-1 is already measured by opds[1].links[0]',
    ],
  ],
  [
    "06-non-positive-capacity.yaml",
    [
      "06-non-positive-capacity.yaml:29:34 uplinks[0].contracted.download_mbps: must be a positive number of Mbps",
    ],
  ],
  [
    "07-v3-authpriv-incomplete.yaml",
    [
      "07-v3-authpriv-incomplete.yaml:12:7 devices[1].snmp.priv_protocol: authPriv needs priv_protocol (aes128, aes192, aes256 or aes256c)",
      "07-v3-authpriv-incomplete.yaml:12:7 devices[1].snmp.priv_key: authPriv needs priv_key (a reference such as env:DIST_1_PRIV_KEY)",
    ],
  ],
  [
    "08-queue-on-non-mikrotik.yaml",
    [
      '08-queue-on-non-mikrotik.yaml:18:34 opds[0].links[0].queue: simple queues exist only on MikroTik devices; device "dist-1" has vendor "generic"',
    ],
  ],
  [
    "09-selector-two-ways.yaml",
    [
      "09-selector-two-ways.yaml:25:20 opds[1].links[0].interface: name the interface exactly one way: name, alias, descr or index (got name and alias)",
    ],
  ],
  [
    "10-yaml-syntax.yaml",
    [
      "10-yaml-syntax.yaml:16:1 YAML: Sequence item without - indicator",
      "10-yaml-syntax.yaml:17:1 YAML: All mapping items must start at the same column",
    ],
  ],
  ["11-app-unknown-opd.yaml", ['11-app-unknown-opd.yaml:37:10 apps[0].opd: no OPD "dishub"']],
  [
    "12-bad-duration.yaml",
    ['12-bad-duration.yaml:8:20 devices[0].poll_interval: must be a duration such as "500ms", "30s" or "5m"'],
  ],
  [
    "13-tiers-not-increasing.yaml",
    [
      "13-tiers-not-increasing.yaml:37:15 pricing.tiers[1].mbps: tiers must be in increasing order of mbps (5 follows 10)",
    ],
  ],
  [
    "14-unknown-category.yaml",
    [
      '14-unknown-category.yaml:21:15 opds[1].category: Invalid option: expected one of "public_service"|"internal"',
    ],
  ],
  [
    "15-interface-and-queue.yaml",
    [
      "15-interface-and-queue.yaml:18:9 opds[0].links[0]: a link measures either an interface or a MikroTik simple queue: give exactly one of interface or queue",
    ],
  ],
  [
    "16-v3-noauth-with-key.yaml",
    [
      "16-v3-noauth-with-key.yaml:14:23 devices[1].snmp.security_level: noAuthNoPriv ignores auth_protocol/auth_key: raise the level to authNoPriv or authPriv, or remove them",
    ],
  ],
  [
    "17-many-problems.yaml",
    [
      "17-many-problems.yaml:8:38 devices[0].snmp.community: must be a reference to a secret (env:NAME or file:/path), never the secret itself",
      '17-many-problems.yaml:18:19 opds[0].links[0].device: no device "core-9"; did you mean "core-1"?',
      "17-many-problems.yaml:27:9 uplinks[0].id: must be a slug: lower-case letters, digits and '-' (e.g. dinas-kominfo)",
    ],
  ],
  ["18-duplicate-key.yaml", ["18-duplicate-key.yaml:15:5 YAML: Map keys must be unique"]],
  [
    "19-unresolved-alias.yaml",
    ["19-unresolved-alias.yaml:11:11 YAML: alias *cred has no anchor &cred before it; did you mean *creds?"],
  ],
  [
    "20-alias-bomb.yaml",
    [
      "20-alias-bomb.yaml:39:38 YAML: aliases expand to more than 10000 nodes (a resource-exhaustion guard); write the repeated part out, or split the file",
    ],
  ],
  [
    "21-contract-misspelt.yaml",
    [
      '21-contract-misspelt.yaml:23:42 opds[1].contract.monthly_price: unknown field "monthly_price"; did you mean "monthly_price_idr"?',
    ],
  ],
  [
    "22-planning-out-of-range.yaml",
    [
      "22-planning-out-of-range.yaml:39:20 planning.max_overbooking: must be at least 1 (1.5: shared allocations may add up to 1.5× the uplinks)",
      "22-planning-out-of-range.yaml:40:17 planning.min_coverage: must be a share between 0 and 1 (0.8 = 80%)",
      '22-planning-out-of-range.yaml:43:58 report.signatories[0].nip: write the NIP in quotes ("196910031994032004"): as a bare number YAML loses digits',
    ],
  ],
];

/** An inventory whose devices all share one anchored `snmp:` block, as a large city writes it. */
function sharedCredentials(devices: number): string {
  const list = Array.from(
    { length: devices },
    (_, i) =>
      `  - { id: d${i}, host: 10.0.${Math.floor(i / 250)}.${(i % 250) + 1}, snmp: ${i === 0 ? "&creds { version: v2c, community: env:C }" : "*creds"} }`,
  );
  return `version: 1\norganisation: x\ndevices:\n${list.join("\n")}\npricing:\n  tiers:\n    - { mbps: 10, idr_per_mbps_month: 1 }\n`;
}

describe("inventory validation", () => {
  it("accepts the minimal inventory and the Tanjungpinang sample", () => {
    for (const file of [join(dir, "minimal.yaml"), "inventory/tanjungpinang.yaml"]) {
      const result = loadInventory(file);
      expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
    }
  });

  it("has at least 12 distinct broken cases", () => expect(broken.length).toBeGreaterThanOrEqual(12));

  it.each(broken)("%s fails with exactly its problems", (file, expected) => {
    const result = loadInventory(join(dir, "broken", file));
    expect(result.ok).toBe(false);
    const got = result.ok ? [] : result.problems.map((p) => formatProblem({ ...p, file: file }));
    expect(got).toEqual(expected);
  });

  it("never echoes a literal secret it rejects", () => {
    const result = loadInventory(join(dir, "broken", "17-many-problems.yaml"));
    const text = result.ok ? "" : result.problems.map(formatProblem).join("\n");
    expect(text).toContain("devices[0].snmp.community");
    expect(text).not.toContain("s3cr3t");
  });

  it("accepts one anchor used by 500 devices (the YAML library's own limit is 100)", () => {
    const result = parseInventory(sharedCredentials(500), "shared.yaml");
    expect(result.ok ? result.inventory.devices.length : result.problems.map(formatProblem)).toBe(500);
  });

  it("names a file it cannot read", () => {
    const result = loadInventory(join(dir, "no-such.yaml"));
    expect(result.ok ? "" : formatProblem(result.problems[0]!)).toBe(
      `${join(dir, "no-such.yaml")}:0:0 cannot read the inventory: no such file`,
    );
  });

  it("fills defaults and maps directions once", () => {
    const result = parseInventory(readFileSync(join(dir, "minimal.yaml"), "utf8"), "minimal.yaml");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const inv = result.inventory;
    expect(pollSettings(inv, inv.devices[0]!)).toEqual({
      intervalSeconds: 60,
      timeoutSeconds: 2,
      retries: 1,
      maxRepetitions: 25,
      walkMaxRows: 100_000,
      walkMaxRequests: 10_000,
    });
    expect(totals(inv)).toEqual({
      allocated: { download_mbps: 70, upload_mbps: 60 },
      contracted: { download_mbps: 100, upload_mbps: 100 },
    });
    const links = measuredLinks(inv);
    expect(links.map((l) => [l.owner, l.ownerId, l.linkId, l.path])).toEqual([
      ["opd", "dinkes", "core-1/queue/dinkes", "opds[0].links[0]"],
      ["opd", "disdukcapil", "dist-1/Gi0/2", "opds[1].links[0]"],
      ["uplink", "isp-a", "core-1/ether1", "uplinks[0].links[0]"],
    ]);
    // A queue counts the target's download as bytes out; an OPD-facing port sends the download;
    // an ISP-facing port receives it.
    expect(links.map((l) => [counterFor(l.target, "download"), counterFor(l.target, "upload")])).toEqual([
      ["out", "in"],
      ["out", "in"],
      ["in", "out"],
    ]);
  });
});

describe("kapasitas inventory check", () => {
  const run = promisify(execFile);
  const cli = (file: string) => run("npx", ["tsx", "cli/kapasitas.ts", "inventory", "check", file]);

  it("prints a summary and exits 0 on the sample", async () => {
    const { stdout } = await cli("inventory/tanjungpinang.yaml");
    expect(stdout).toContain("OPDs:      55 (8 internal, 47 public service)");
    expect(stdout).toContain("allocated: 850 Mbps down / 506 Mbps up to OPDs");
    expect(stdout).toContain("paid as:   54 shared link(s) on 2 uplink(s) (800 Mbps), 1 own contract(s)");
    expect(stdout).not.toContain("warning");
    expect(stdout).toContain("inventory OK");
  });

  it("warns, without failing, when shared allocations exceed the uplinks × planning.max_overbooking", async () => {
    const { stdout } = await cli(join(dir, "overbooked.yaml"));
    expect(stdout).toContain(
      "warning: shared download allocations (170 Mbps) are 1.70× the uplinks (100 Mbps), above planning.max_overbooking 1.5",
    );
    expect(stdout).not.toMatch(/warning: shared upload/);
    expect(stdout).toContain("inventory OK");
  });

  it("lists every problem on stderr and exits 1", async () => {
    const file = join(dir, "broken", "17-many-problems.yaml");
    const failure = await cli(file).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `${file}:18:19 opds[0].links[0].device: no device "core-9"; did you mean "core-1"?`,
    );
    expect(failure?.stderr).toContain("3 problem(s); nothing will start on this inventory.");
  });

  it.each(["19-unresolved-alias.yaml", "20-alias-bomb.yaml"])(
    "reports %s as a located problem, never a stack trace",
    async (name) => {
      const file = join(dir, "broken", name);
      const failure = await cli(file).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(new RegExp(`^${file}:\\d+:\\d+ YAML: alias`, "m"));
      expect(failure?.stderr).not.toMatch(/ReferenceError|\n\s+at /);
    },
  );
});
