// Hardening, black-box: `kapasitas collect` as a process, polling a real snmpd and hostile agents
// written in the suite (lab/hostile-agent.ts): walks that repeat, go backwards or never end; an agent
// that answers with another community (net-snmp quotes both in its error); a silent device at
// shutdown; careless scrapers (absurd scrape-timeout headers, HEAD, POST, a repeated target); an
// alias typo on SIGHUP. Through all of it the healthy device keeps answering, every failure is
// counted once under its own reason, and no configured secret ever reaches the collector's output
// or `kapasitas poll`'s.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "../core/contract.js";
import { parseExposition, select, type Exposition } from "../lab/exposition.js";
import { startHostileAgent, type HostileAgent } from "../lab/hostile-agent.js";
import {
  inventoryYaml,
  opdWithLink,
  REPO_ROOT,
  startCollector,
  type CollectorProcess,
  type InventorySpec,
} from "../lab/kapasitas.js";
import { run, waitFor } from "../lab/process.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";

/** Every secret the inventory configures: none may appear in any output. */
const SECRETS = {
  healthy: "kp-hard-healthy-91c3",
  loop: "kp-hard-loop-4d2e",
  backwards: "kp-hard-back-8f10",
  endless: "kp-hard-endless-2b7a",
  mismatch: "kp-hard-mismatch-6e55",
  counted: "kp-hard-counted-0c9d",
  silent: "kp-hard-silent-37fa",
};
const env = Object.fromEntries(
  Object.entries(SECRETS).map(([id, secret]) => [`KP_HARD_${id.toUpperCase()}`, secret]),
);

function device(id: keyof typeof SECRETS, agent: { host: string; port: number }, extra = {}) {
  return {
    id,
    host: agent.host,
    port: agent.port,
    snmp: { version: "v2c", community: `env:KP_HARD_${id.toUpperCase()}` },
    ...extra,
  };
}

function failures(e: Exposition, id: string): Record<string, number> {
  return Object.fromEntries(
    select(e, METRICS.devicePollFailures, { device: id }).map((s) => [s.labels.reason, s.value]),
  );
}
const up = (e: Exposition, id: string) => select(e, METRICS.deviceUp, { device: id })[0]?.value;

describe("kapasitas collect against hostile agents and careless clients", () => {
  let snmpd: Snmpd;
  const agents: Record<string, HostileAgent> = {};
  let collector: CollectorProcess;
  let spec: InventorySpec;

  beforeAll(async () => {
    snmpd = await startSnmpd({ community: SECRETS.healthy });
    agents.loop = await startHostileAgent({ community: SECRETS.loop, mode: "repeat" });
    agents.backwards = await startHostileAgent({ community: SECRETS.backwards, mode: "backwards" });
    agents.endless = await startHostileAgent({ community: SECRETS.endless, mode: "endless" });
    agents.mismatch = await startHostileAgent({ community: SECRETS.mismatch, mode: "wrong-community" });
    agents.counted = await startHostileAgent({ community: SECRETS.counted, mode: "normal" });
    // Answers only its own community: with another one configured it is a silent device.
    agents.silent = await startHostileAgent({ community: "not-what-the-collector-sends", mode: "normal" });
    const link = (id: string) => opdWithLink(`opd-${id}`, { device: id, interface: { name: "eth1" } });
    spec = {
      devices: [
        device("healthy", snmpd),
        device("loop", agents.loop),
        device("backwards", agents.backwards),
        device("endless", agents.endless, { walk_max_rows: 300 }),
        device("mismatch", agents.mismatch),
        device("counted", agents.counted),
        device("silent", agents.silent, { timeout: "20s", retries: 0 }),
      ],
      opds: [
        opdWithLink("opd-healthy", { device: "healthy", interface: { name: "lo" } }),
        ...["loop", "backwards", "endless", "mismatch", "counted", "silent"].map(link),
      ],
    };
    collector = await startCollector({ inventory: spec, env: { ...env, LOG_LEVEL: "info" } });
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    await snmpd?.stop();
    for (const agent of Object.values(agents)) await agent.close();
  });

  it("refuses walks that repeat, go backwards or never end, counted once each, and keeps serving the healthy device", async () => {
    const [loop, backwards, endless, healthy] = await Promise.all(
      ["loop", "backwards", "endless", "healthy"].map((id) => collector.scrapeTarget(id, 10)),
    );
    expect(up(healthy!.exposition, "healthy")).toBe(1);
    expect(up(loop!.exposition, "loop")).toBe(0);
    expect(failures(loop!.exposition, "loop")).toMatchObject({ loop: 1, timeout: 0 });
    expect(up(backwards!.exposition, "backwards")).toBe(0);
    expect(failures(backwards!.exposition, "backwards")).toMatchObject({ loop: 1, timeout: 0 });
    expect(up(endless!.exposition, "endless")).toBe(0);
    expect(failures(endless!.exposition, "endless")).toMatchObject({ too_many_rows: 1, timeout: 0 });
    // 300 rows of three columns side by side, 8 repetitions each: a bounded number of requests.
    expect(agents.endless!.requests()).toBeLessThanOrEqual(300);

    // The next scrape retries once (probe, then the walk) and fails the same way; after two
    // failures in a row the device is backed off: answered at once, nothing sent.
    const again = await collector.scrapeTarget("loop", 10);
    expect(failures(again.exposition, "loop")).toMatchObject({ loop: 2 });
    const sent = agents.loop!.requests();
    const backedOff = await collector.scrapeTarget("loop", 10);
    expect(up(backedOff.exposition, "loop")).toBe(0);
    expect(failures(backedOff.exposition, "loop")).toMatchObject({ loop: 2 });
    expect(agents.loop!.requests()).toBe(sent);
    expect(up((await collector.scrapeTarget("healthy", 10)).exposition, "healthy")).toBe(1);
  });

  it("scrubs both communities from net-snmp's community-mismatch error", async () => {
    const scrape = await collector.scrapeTarget("mismatch", 10);
    expect(up(scrape.exposition, "mismatch")).toBe(0);
    expect(failures(scrape.exposition, "mismatch")).toMatchObject({ malformed: 1 });
    await waitFor("the failure's log line", () =>
      collector.daemon.output().includes("does not match community '[redacted]'"),
    );
  });

  it("`kapasitas poll` prints no secret on stdout or stderr", async () => {
    const result = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        join(REPO_ROOT, "cli/kapasitas.ts"),
        "poll",
        "--inventory",
        collector.inventoryFile,
        "mismatch",
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[redacted]");
    for (const secret of Object.values(SECRETS)) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it("clamps absurd scrape-timeout headers: a healthy device stays up, no failure counted", async () => {
    for (const header of ["0.001", "1e308"]) {
      const response = await fetch(`${collector.baseUrl}/snmp?target=healthy`, {
        headers: { "X-Prometheus-Scrape-Timeout-Seconds": header },
        signal: AbortSignal.timeout(15_000),
      });
      const e = parseExposition(await response.text());
      expect(up(e, "healthy")).toBe(1);
      expect(Object.values(failures(e, "healthy")).reduce((a, b) => a + b, 0)).toBe(0);
    }
  });

  it("answers HEAD without polling, other methods with 405 and Allow, a repeated target with a clear 400", async () => {
    const before = agents.counted!.requests();
    const head = await fetch(`${collector.baseUrl}/snmp?target=counted`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await fetch(`${collector.baseUrl}/snmp?target=nobody`, { method: "HEAD" })).status).toBe(404);
    expect(agents.counted!.requests()).toBe(before);
    for (const path of ["/snmp?target=counted", "/metrics", "/"]) {
      const post = await fetch(`${collector.baseUrl}${path}`, { method: "POST" });
      expect(post.status).toBe(405);
      expect(post.headers.get("allow")).toBe("GET, HEAD");
    }
    expect(agents.counted!.requests()).toBe(before);
    const twice = await collector.get("/snmp?target=healthy&target=counted");
    expect(twice.status).toBe(400);
    expect(await twice.text()).toBe("target given 2 times; give exactly one ?target=<device id>\n");
  });

  it("survives an alias typo on SIGHUP: keeps the running inventory, reports it located", async () => {
    writeFileSync(collector.inventoryFile, `${inventoryYaml(spec)}shared: *creds\n`);
    process.kill(collector.pid, "SIGHUP");
    await waitFor("the refused reload", async () => {
      const m = await collector.scrapeMetrics();
      return select(m.exposition, METRICS.inventoryReloads, { result: "failure" })[0]?.value === 1;
    });
    expect(collector.daemon.output()).toMatch(/inventory\.yaml:\d+:\d+ YAML: alias \*creds has no anchor/);
    expect(collector.daemon.exited()).toBe(false);
    expect(up((await collector.scrapeTarget("healthy", 10)).exposition, "healthy")).toBe(1);
    writeFileSync(collector.inventoryFile, inventoryYaml(spec));
  });

  it("does not let a poll that is still waiting on a silent device hold the shutdown", async () => {
    // No scrape-timeout header: the scrape waits for the poll (20 s timeout, no retry).
    const pending = fetch(`${collector.baseUrl}/snmp?target=silent`, { signal: AbortSignal.timeout(60_000) });
    await waitFor("the silent device to be asked", () => agents.silent!.requests() > 0);
    await collector.daemon.stop(60_000);
    // 0: stopped cleanly; the 15 s grace timer exits with 1.
    expect(collector.daemon.exitCode()).toBe(0);
    const answered = await pending;
    expect(up(parseExposition(await answered.text()), "silent")).toBe(0);
  });

  it("never printed a configured secret, on any of the failure paths above", () => {
    const output = collector.daemon.output();
    expect(output).toContain("poll failed");
    for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
  });
});
