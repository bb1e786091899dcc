// One Prometheus per collector shard: the rendered hashmod, then `keep` of its own shard.
import { describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../../core/load.js";
import { multiTargetRelabel, renderPrometheusConfig } from "./prometheus.js";

const inventory = loadInventoryOrThrow("inventory/tanjungpinang.yaml");
const collectors = ["collector-0:9105", "collector-1:9105"];
const topology = { collectors, alertmanagers: [], ruleFiles: [] };

type Job = {
  job_name: string;
  relabel_configs?: Record<string, unknown>[];
  static_configs: { targets: string[] }[];
};
const jobs = (config: Record<string, unknown>) => config.scrape_configs as Job[];

describe("renderPrometheusConfig with scrapeShard", () => {
  it("keeps only the devices of its shard, right after the hashmod, and scrapes only that collector", () => {
    const config = renderPrometheusConfig(inventory, { ...topology, scrapeShard: 1 });
    const snmp = jobs(config).filter((j) => j.job_name.startsWith("kapasitas-snmp"));
    expect(snmp.length).toBeGreaterThan(0);
    for (const job of snmp) {
      const steps = job.relabel_configs!;
      const hashmod = steps.findIndex((s) => s.action === "hashmod");
      expect(steps[hashmod + 1]).toEqual({ source_labels: ["__tmp_shard"], regex: "1", action: "keep" });
    }
    expect(
      jobs(config).find((j) => j.job_name === "kapasitas-collector")!.static_configs[0]!.targets,
    ).toEqual(["collector-1:9105"]);
    // Without it, one Prometheus scrapes every shard, as before.
    expect(multiTargetRelabel(collectors).some((s) => s.action === "keep")).toBe(false);
  });

  it("refuses a shard that does not exist", () => {
    expect(() => renderPrometheusConfig(inventory, { ...topology, scrapeShard: 2 })).toThrow(/scrapeShard 2/);
    expect(() =>
      renderPrometheusConfig(inventory, { ...topology, collectors: ["c:9105"], scrapeShard: 0 }),
    ).toThrow(/at least two/);
  });
});
