// The generated rule file, checked by the real promtool: syntax (`check rules`) and behaviour
// (`test rules` on dashboards/rules.promtool.yaml: each alert firing and not firing).
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORDED } from "../core/contract.js";
import { removeDirOnExit } from "../lab/cleanup.js";
import { promtool } from "../lab/prometheus.js";
import { loadInventoryOrThrow } from "../core/load.js";
import { configFromInventory } from "../dashboards/config.js";
import { RULES_FILE, buildMixin } from "../dashboards/index.js";
import type { AlertingRule } from "../dashboards/rules.js";

/** The promtool unit tests, beside the rules they test. */
const PROMTOOL_TESTS = fileURLToPath(new URL("../dashboards/rules.promtool.yaml", import.meta.url));
const mixin = buildMixin();
const alerts: AlertingRule[] = mixin.rules.groups[2].rules;

let dir: string;
let unregister: () => void;

beforeAll(async () => {
  // Same layout as dashboards/ (the promtool file next to build/), with freshly generated rules, not the snapshot.
  dir = await mkdtemp(join(tmpdir(), "kapasitas-rules-"));
  unregister = removeDirOnExit(dir);
  await mkdir(join(dir, "build"));
  await writeFile(join(dir, "build", RULES_FILE), mixin.rulesYaml);
  await copyFile(PROMTOOL_TESTS, join(dir, "rules.promtool.yaml"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  unregister();
});

describe("rule file", () => {
  it("passes promtool check rules", async () => {
    const r = await promtool(["check", "rules", join(dir, "build", RULES_FILE)]);
    expect(r.stderr + r.stdout).toContain("SUCCESS: 19 rules found");
    expect(r.code).toBe(0);
  });

  it("passes every promtool unit test (firing, not firing, counter resets)", async () => {
    const r = await promtool(["test", "rules", "rules.promtool.yaml"], { cwd: dir });
    expect(r.stdout + r.stderr, r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  it("records exactly the contract's names, which the report and dashboards read", () => {
    const recorded = mixin.rules.groups.flatMap((g) =>
      g.rules.flatMap((r) => ("record" in r ? [r.record] : [])),
    );
    expect(recorded.sort()).toEqual(Object.values(RECORDED).sort());
  });

  it("gives every alert a severity, a summary, an actionable description and a runbook anchor", () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      "KapasitasCollectorDown",
      "KapasitasDeviceDown",
      "KapasitasDeviceRestarted",
      "KapasitasInventoryReloadFailed",
      "KapasitasLinkSelectorUnresolved",
      "KapasitasOpdLinkInterfaceDown",
      "KapasitasOpdLinkSaturated",
      "KapasitasOpdQueueDown",
      "KapasitasPollFailuresRising",
      "KapasitasSnmpRequestStuck",
      "KapasitasUplinkSaturated",
    ]);
    for (const a of alerts) {
      expect(["critical", "warning", "info"]).toContain(a.labels.severity);
      expect(a.annotations.summary.length).toBeGreaterThan(10);
      expect(a.annotations.description.length).toBeGreaterThan(100);
      expect(a.annotations.runbook_url).toBe(`docs/dashboards.md#${a.alert.toLowerCase()}`);
    }
  });

  it("every alert name is tested by the promtool file, firing and not firing", async () => {
    const text = await readFile(PROMTOOL_TESTS, "utf8");
    for (const a of alerts) {
      const evals = text.split(`alertname: ${a.alert}\n`).slice(1);
      const firing = evals.filter((e) => !/^\s*exp_alerts: \[\]/.test(e));
      const quiet = evals.filter((e) => /^\s*exp_alerts: \[\]/.test(e));
      expect(firing.length, `${a.alert} firing`).toBeGreaterThan(0);
      expect(quiet.length, `${a.alert} not firing`).toBeGreaterThan(0);
    }
  });

  it("follows the inventory's saturation threshold when asked", () => {
    const inv = loadInventoryOrThrow(
      fileURLToPath(new URL("../inventory/tanjungpinang.yaml", import.meta.url)),
    );
    const c = configFromInventory({ ...inv, planning: { ...inv.planning, saturation_threshold: 0.8 } });
    const rules = buildMixin(c).rules.groups[2].rules;
    expect(rules.find((r) => r.alert === "KapasitasOpdLinkSaturated")?.expr).toMatch(/> 0\.8$/);
  });
});
