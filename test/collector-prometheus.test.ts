// The collector as Prometheus uses it: a real Prometheus scrapes two sharded collectors with the
// multi-target relabelling of docs/collector.md, routing each device with `hashmod`. Every target
// being up proves the collector's shard function agrees with Prometheus's own; the recorded
// series prove the exposition is accepted as is.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOBS } from "../core/contract.js";
import type { Fleet } from "../collector/poll/fleet.js";
import { createApp } from "../collector/server.js";
import { PRICING, inventoryFrom, setSecret, startCollector } from "./collector-support.js";
import { freePort } from "../lab/ports.js";
import { startPrometheus, type Prometheus } from "../lab/prometheus.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";
import { multiTargetRelabel } from "../infra/render/prometheus.js";

const DEVICES = ["core-1", "dist-1", "dist-2", "dist-3", "dist-4", "dist-5"];
const SHARDS = 2;

describe("Prometheus scraping sharded collectors (hashmod)", () => {
  const agents: Snmpd[] = [];
  const collectors: Fleet[] = [];
  const servers: Server[] = [];
  const ports: number[] = [];
  let prometheus: Prometheus;

  beforeAll(async () => {
    agents.push(...(await Promise.all(DEVICES.map(() => startSnmpd({ community: "prom-test" })))));
    const community = setSecret("KP_PROM_COMMUNITY", "prom-test");
    const inventory = inventoryFrom(`version: 1
organisation: test
devices:
${DEVICES.map((id, i) => `  - { id: ${id}, host: ${agents[i]!.host}, port: ${agents[i]!.port}, snmp: { version: v2c, community: ${community} } }`).join("\n")}
opds:
${DEVICES.map(
  (id) => `  - id: opd-${id}
    name: OPD ${id}
    category: internal
    allocated: { download_mbps: 10, upload_mbps: 10 }
    links: [{ device: ${id}, interface: { name: lo } }]`,
).join("\n")}
${PRICING}`);
    for (let k = 0; k < SHARDS; k++) {
      const collector = startCollector(inventory, { shard: { index: k, count: SHARDS } });
      collectors.push(collector);
      const port = await freePort("tcp");
      const app = createApp({ collector: () => collector, isReady: () => true });
      servers.push(
        await new Promise<Server>((resolve) => {
          const s = app.listen(port, "127.0.0.1", () => resolve(s));
        }),
      );
      ports.push(port);
    }
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: "1s", scrape_timeout: "1s" },
        scrape_configs: [
          {
            job_name: JOBS.snmp,
            metrics_path: "/snmp",
            static_configs: [{ targets: DEVICES }],
            // The relabelling the Pulumi program renders: hashmod over the collectors.
            relabel_configs: multiTargetRelabel(ports.map((port) => `127.0.0.1:${port}`)),
          },
          {
            job_name: JOBS.collector,
            static_configs: [{ targets: ports.map((p) => `127.0.0.1:${p}`) }],
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    for (const c of collectors) c.close();
    await Promise.all(agents.map((a) => a.stop()));
  });

  it("splits the devices between the shards, each device in exactly one", () => {
    const owned = collectors.map((c) => c.targets());
    expect(owned.flat().sort()).toEqual([...DEVICES].sort());
    expect(owned.every((o) => o.length > 0)).toBe(true);
  });

  it("every device is routed by Prometheus's hashmod to the collector that owns it", async () => {
    // A device routed to the wrong collector answers 404 and its target would be down.
    await prometheus.waitForTargetsUp(JOBS.snmp, 30_000);
    await prometheus.waitForTargetsUp(JOBS.collector, 30_000);
    const up = await prometheus.query(`snmp_device_up{job="${JOBS.snmp}"}`);
    expect(up.map((s) => s.metric.device).sort()).toEqual([...DEVICES].sort());
    expect(up.every((s) => s.value.v === 1)).toBe(true);
  });

  it("Prometheus ingests the link counters and the inventory gauges once", async () => {
    const links = await prometheus.query("count(opd_link_bytes_total)");
    expect(links[0]?.value.v).toBe(DEVICES.length * 2);
    // Only shard 0 exports the inventory gauges.
    const allocated = await prometheus.query("count(opd_allocated_bps)");
    expect(allocated[0]?.value.v).toBe(DEVICES.length * 2);
    const info = await prometheus.query("count by (instance) (opd_info)");
    expect(info).toHaveLength(1);
  });
});
