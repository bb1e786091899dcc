// `kapasitas collect` as an operator runs it: a real process, HTTP scrapes, SIGHUP reloads (a broken
// file keeps the running inventory), SIGTERM stops it cleanly. Agent: snmpd on loopback.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, select } from "../lab/exposition.js";
import { PRICING } from "./collector-support.js";
import { freePort } from "../lab/ports.js";
import { run, startDaemon, waitFor, type Daemon } from "../lab/process.js";
import { startSnmpd, type Snmpd } from "../lab/snmpd.js";
import { REPO_ROOT } from "../lab/snmpsim.js";

/** The first OPD is measured on lo; later ones have no links (an interface has one owner). */
function inventory(agent: Snmpd, opds: { id: string; name: string }[]): string {
  return `version: 1
organisation: test
devices:
  - id: core
    host: ${agent.host}
    port: ${agent.port}
    snmp: { version: v2c, community: env:KP_CLI_COMMUNITY }
opds:
${opds
  .map(
    (o) => `  - id: ${o.id}
    name: ${o.name}
    category: internal
    allocated: { download_mbps: 10, upload_mbps: 5 }
    links: ${o === opds[0] ? "[{ device: core, interface: { name: lo } }]" : "[]"}`,
  )
  .join("\n")}
${PRICING}`;
}

/** The `kapasitas` command from source, run to completion. */
function kapasitas(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ["--import", "tsx", join(REPO_ROOT, "cli/kapasitas.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
}

describe("kapasitas collect (process)", () => {
  let agent: Snmpd;
  let daemon: Daemon;
  let dir: string;
  let base: string;
  let file: string;

  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: r.status, text: await r.text(), type: r.headers.get("content-type") ?? "" };
  };
  const opdInfo = async () =>
    select(parseExposition((await get("/metrics")).text), "opd_info").map((s) => s.labels.opd);

  beforeAll(async () => {
    agent = await startSnmpd({ community: "cli-secret-community" });
    dir = mkdtempSync(join(tmpdir(), "kp-collect-cli-"));
    file = join(dir, "inventory.yaml");
    writeFileSync(file, inventory(agent, [{ id: "dinkes", name: "Dinas Kesehatan" }]));
    const port = await freePort("tcp");
    base = `http://127.0.0.1:${port}`;
    daemon = startDaemon(
      process.execPath,
      [
        "--import",
        "tsx",
        join(REPO_ROOT, "cli/kapasitas.ts"),
        "collect",
        "--inventory",
        file,
        "--listen",
        `127.0.0.1:${port}`,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, KP_CLI_COMMUNITY: "cli-secret-community", LOG_LEVEL: "info" },
      },
    );
    await waitFor("collector /ready", async () => (await get("/ready")).status === 200, {
      daemon,
      timeoutMs: 45_000,
    });
  });

  afterAll(async () => {
    await daemon?.stop();
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves /snmp?target=, /metrics, /healthz, and refuses unknown targets", async () => {
    const snmp = await get("/snmp?target=core");
    expect(snmp.status).toBe(200);
    expect(snmp.type).toContain("text/plain; version=0.0.4");
    const e = parseExposition(snmp.text);
    expect(select(e, "snmp_device_up", { device: "core" })[0]?.value).toBe(1);
    expect(select(e, "opd_link_bytes_total", { opd: "dinkes", interface: "lo" })).toHaveLength(2);
    expect((await get("/snmp?target=nope")).status).toBe(404);
    expect((await get("/snmp")).status).toBe(400);
    expect((await get("/healthz")).status).toBe(200);
    const metrics = parseExposition((await get("/metrics")).text);
    expect(select(metrics, "opd_allocated_bps", { opd: "dinkes", direction: "download" })[0]?.value).toBe(
      10e6,
    );
    expect(select(metrics, "opd_info", { opd: "dinkes" })[0]?.labels.name).toBe("Dinas Kesehatan");
  });

  it("SIGHUP reloads a valid inventory, keeps the old one on a broken file, logs every problem", async () => {
    writeFileSync(
      file,
      inventory(agent, [
        { id: "dinkes", name: "Dinas Kesehatan" },
        { id: "bpbd", name: "Badan Penanggulangan Bencana Daerah" },
      ]),
    );
    process.kill(daemon.pid, "SIGHUP");
    await waitFor("the new OPD to appear", async () => (await opdInfo()).includes("bpbd"));
    // An OPD without links changes no device's plan: the device keeps its poller and session.
    expect(daemon.output()).toMatch(
      /"unchanged":1,"changed":0,"added":0,"removed":0.*"msg":"inventory reloaded"/,
    );

    writeFileSync(file, "version: 1\norganisation: broken\ndevices: []\npricing: { tiers: [] }\n");
    process.kill(daemon.pid, "SIGHUP");
    await waitFor("the failed reload to be logged", () => daemon.output().includes("reload refused"));
    expect(await opdInfo()).toEqual(["dinkes", "bpbd"]);
    expect(daemon.output()).toMatch(/inventory\.yaml:\d+:\d+ devices/);
    const metrics = parseExposition((await get("/metrics")).text);
    expect(select(metrics, "kapasitas_inventory_reloads_total", { result: "failure" })[0]?.value).toBe(1);
    expect((await get("/snmp?target=core")).status).toBe(200);
  });

  it("mounts the capacity report under /reports (loaded on first use)", async () => {
    const page = await get("/reports");
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
  });

  it("kapasitas poll checks one device from the command line (exit 0 when it answers)", async () => {
    writeFileSync(file, inventory(agent, [{ id: "dinkes", name: "Dinas Kesehatan" }]));
    const result = await kapasitas(["poll", "--inventory", file, "core"], {
      KP_CLI_COMMUNITY: "cli-secret-community",
    });
    expect(result.code).toBe(0);
    const e = parseExposition(result.stdout);
    expect(select(e, "snmp_device_up", { device: "core" })[0]?.value).toBe(1);
    expect(select(e, "opd_link_bytes_total", { opd: "dinkes" })).toHaveLength(2);
    const wrong = await kapasitas(["poll", "--inventory", file, "core"], { KP_CLI_COMMUNITY: "wrong" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('"reason":"timeout"');
    expect(wrong.stderr + wrong.stdout).not.toContain("cli-secret-community");
  });

  it("a bad option says what is wrong in one line, without a stack trace", async () => {
    const result = await kapasitas(["collect", "--inventory", file, "--shard", "2/2"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "kapasitas: --shard 2/2: k counts from 0 like hashmod, so it must be below n (0..1)",
    );
  });

  it("never logs the community", () => {
    expect(daemon.output()).not.toContain("cli-secret-community");
  });

  it("SIGTERM stops it cleanly (exit 0)", async () => {
    const exited = new Promise<number | null>((resolve) => {
      const check = setInterval(() => {
        if (daemon.exited()) {
          clearInterval(check);
          resolve(0);
        }
      }, 50);
    });
    process.kill(daemon.pid, "SIGTERM");
    await waitFor("the collector to exit", () => daemon.exited(), { timeoutMs: 10_000 });
    await exited;
    expect(daemon.output()).toContain('"msg":"stopped"');
  });
});
