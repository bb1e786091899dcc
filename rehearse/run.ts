// npm run rehearse: the whole data-centre stack the Pulumi program declares, running together on a
// real Docker engine (docs/infra.md, "Rehearse before `pulumi up`"). The program's resource graph is
// captured under Pulumi's mocks, translated to Docker API objects (rehearse/translate.ts) and
// created on a private dockerd inside a network namespace of its own, beside a management network
// with a real snmpd as one of the inventory's devices. Then the checks, a config change, the
// deliberate breaks, and a teardown that must keep the protected data volumes. Every step prints a
// line; the summary says what passed. Everything started is removed, on an interrupt too.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventoryOrThrow } from "../core/load.js";
import { REPORT_USER } from "../infra/components/app-hosting.js";
import { IMAGE_USERS } from "../infra/versions.js";
import { devicesByInterval } from "../infra/render/prometheus.js";
import { imageFor } from "../infra/settings.js";
import { SAMPLE_INVENTORY, TEST_SECRETS, stackFileSettings } from "../infra/testing.js";
import { findBinary, requireBinary } from "../lab/binaries.js";
import { onExit, removeDirOnExit } from "../lab/cleanup.js";
import { startDockerd, type Dockerd } from "../lab/docker.js";
import { createLab, type Lab } from "../lab/netns.js";
import { runOrThrow, startDaemon, waitFor, type Daemon } from "../lab/process.js";
import { BREAKS } from "./breaks.js";
import { CHECKS, type StackUnderTest } from "./checks.js";
import { Applier } from "./engine.js";
import { makeImages } from "./images.js";
import { leftOutImages, REHEARSAL_STACK_FILE, rehearsalSettings, type Variant } from "./stack.js";
import { translate, type GraphResource, type Plan } from "./translate.js";

/** The device the management side serves (a v2c device of the sample inventory) and its link by ifAlias. */
const DEVICE = { id: "dist-1", alias: "MPP-Tanjungpinang" };
/** User-defined networks of the private engine: a range nothing else on this machine uses. */
const ADDRESS_POOL = "base=10.213.0.0/16,size=24";
const LINK = { host: "198.19.250.1/30", device: "198.19.250.2/30", via: "198.19.250.2" };
const OUTSIDE_PORT = 8000;

interface Outcome {
  step: string;
  ok: boolean;
  detail: string;
  seconds: number;
}

const started = Date.now();
const outcomes: Outcome[] = [];
const clock = () => {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};
const say = (line: string) => console.log(`[${clock()}] ${line}`);

/** Run one step, print its line, record its outcome; a failed step is reported, not thrown, unless `fatal`. */
async function step(name: string, body: () => Promise<string>, { fatal = true } = {}): Promise<boolean> {
  const t0 = Date.now();
  say(`${name} ...`);
  try {
    const detail = await body();
    const seconds = Math.round((Date.now() - t0) / 1000);
    outcomes.push({ step: name, ok: true, detail, seconds });
    say(`${name}: ok (${seconds} s) ${detail}`);
    return true;
  } catch (error) {
    const seconds = Math.round((Date.now() - t0) / 1000);
    const detail = error instanceof Error ? error.message : String(error);
    outcomes.push({ step: name, ok: false, detail, seconds });
    say(`${name}: FAILED (${seconds} s) ${detail}`);
    if (fatal) throw new StopRehearsal();
    return false;
  }
}
class StopRehearsal extends Error {}

/** The program's graph for one variant, captured in a process of its own (the mocks are process-wide). */
async function capture(variant: Variant): Promise<GraphResource[]> {
  const result = await runOrThrow(process.execPath, ["--import", "tsx", "rehearse/capture.ts", variant], {
    timeoutMs: 120_000,
  });
  return JSON.parse(result.stdout) as GraphResource[];
}

function summary(): void {
  const width = Math.max(...outcomes.map((o) => o.step.length));
  console.log("\nRehearsal summary");
  for (const o of outcomes) {
    console.log(`  ${o.ok ? "PASS" : "FAIL"}  ${o.step.padEnd(width)}  ${String(o.seconds).padStart(4)} s`);
  }
  const failed = outcomes.filter((o) => !o.ok);
  console.log(
    failed.length === 0
      ? `\nAll ${outcomes.length} steps passed in ${clock()}. Not rehearsed: Grafana (no image can be made here), pulls from Docker Hub, ACME certificates.`
      : `\n${failed.length} of ${outcomes.length} steps failed:\n${failed.map((o) => `  ${o.step}: ${o.detail}`).join("\n")}`,
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error("the rehearsal starts dockerd and network namespaces: run it as root");
  for (const binary of ["dockerd", "docker", "ip", "snmpd"] as const) requireBinary(binary);
  for (const [binary, pkg] of [
    ["busybox", "busybox-static"],
    ["caddy", "caddy"],
    ["prometheus", "prometheus"],
    ["prometheus-alertmanager", "prometheus-alertmanager"],
    ["curl", "curl"],
    ["nsenter", "util-linux"],
  ] as const) {
    if (!findBinary(binary)) throw new Error(`missing ${binary}: apt-get install -y ${pkg}`);
  }

  const fromFile = stackFileSettings(REHEARSAL_STACK_FILE);
  const settings = rehearsalSettings(fromFile, "base");
  const inventory = loadInventoryOrThrow(SAMPLE_INVENTORY);
  const dir = mkdtempSync(join(tmpdir(), "kp-rehearse-"));
  const forgetDir = removeDirOnExit(dir);
  let builder: Dockerd | undefined;
  let engine: Dockerd | undefined;
  let lab: Lab | undefined;
  let outside: Daemon | undefined;
  let forgetMount = () => undefined as void;
  let unmountEngineFs = async (): Promise<unknown> => undefined;
  try {
    let plan!: Plan;
    let baseGraph: GraphResource[] = [];
    await step("capture the program's graph", async () => {
      const resources = await capture("base");
      baseGraph = resources;
      plan = translate(resources, { leaveOut: leftOutImages(settings) });
      return `${resources.length} resources → ${plan.networks.length} networks, ${plan.volumes.length} volumes, ${plan.containers.length} containers; left out: ${plan.leftOut.map((l) => l.name).join(", ")}`;
    });

    // The engine's data root on a tmpfs: image layers are tens of thousands of small files, and
    // removing them from a disk took minutes on a loaded machine; unmounting takes none.
    const engineFs = join(dir, "engine-fs");
    mkdirSync(engineFs);
    await runOrThrow("mount", ["-t", "tmpfs", "-o", "size=8g,mode=0711", "tmpfs", engineFs]);
    forgetMount = onExit(() => execFileSync("umount", ["-l", engineFs], { stdio: "ignore" }));
    unmountEngineFs = () => runOrThrow("umount", ["-l", engineFs]);
    const dataRoot = join(engineFs, "engine");
    await step("make the images (no registry)", async () => {
      builder = await startDockerd({ dir: dataRoot });
      await makeImages(
        builder,
        dir,
        plan.images,
        inventory.apps,
        {
          prometheus: imageFor(settings, "prometheus"),
          alertmanager: imageFor(settings, "alertmanager"),
          caddy: imageFor(settings, "caddy"),
        },
        (line) => say(`  ${line}`),
      );
      await builder.stop();
      return `${new Set(plan.containers.map((c) => c.image)).size} images tagged as the program pins them`;
    });

    lab = createLab();
    const host = await lab.namespace("dc");
    const mgmt = await lab.namespace("mgmt");
    const outsideUrl = `http://${inventory.devices.find((d) => d.id === DEVICE.id)!.host}:${OUTSIDE_PORT}/`;
    let rebootDevice!: () => Promise<void>;
    await step("management side: the device's snmpd", async () => {
      const address = inventory.devices.find((d) => d.id === DEVICE.id)!.host;
      await lab!.veth(
        { ns: host, name: "mgmt0", address: LINK.host },
        { ns: mgmt, name: "eth0", address: LINK.device },
      );
      await lab!.exec(mgmt, requireBinary("ip"), ["addr", "add", `${address}/32`, "dev", "eth0"]);
      await lab!.route(host, `${address}/32`, LINK.via);
      const ifIndex = await lab!.ifIndex(mgmt, "eth0");
      const agent = await lab!.snmpd(mgmt, {
        host: address,
        port: 161,
        community: TEST_SECRETS.snmp["dist-1-community"],
        sysName: DEVICE.id,
        ifCacheSeconds: 0,
        // The inventory selects one of dist-1's links by ifAlias.
        overrides: [{ oid: `1.3.6.1.2.1.31.1.1.1.18.${ifIndex}`, type: "octet_str", value: DEVICE.alias }],
      });
      // sysUpTime shows a reboot only when it comes back below what the last poll read, or below the
      // time since that poll (collector/poll/counters.ts detectReboot; docs/metrics.md). This snmpd has
      // been up seconds, not days: rebooted right after a poll before it had run one poll interval,
      // it would look like an agent that never stopped. So it reboots only once it has run longer.
      const pollSeconds = devicesByInterval(inventory).find((g) =>
        g.devices.includes(DEVICE.id),
      )!.intervalSeconds;
      let upSince = Date.now();
      rebootDevice = async () => {
        await waitFor(
          `${DEVICE.id}'s agent up longer than its ${pollSeconds} s poll interval`,
          () => Date.now() - upSince > (pollSeconds + 5) * 1000,
          { timeoutMs: (pollSeconds + 10) * 1000, intervalMs: 500 },
        );
        await agent.restart();
        upSince = Date.now();
      };
      const www = join(dir, "outside");
      rmSync(www, { recursive: true, force: true });
      await runOrThrow("mkdir", ["-p", www]);
      writeFileSync(join(www, "index.html"), "outside the data centre\n");
      outside = startDaemon("nsenter", [
        `--net=/run/netns/${mgmt}`,
        findBinary("busybox")!,
        "httpd",
        "-f",
        "-p",
        `${address}:${OUTSIDE_PORT}`,
        "-h",
        www,
      ]);
      return `${DEVICE.id} at ${address}:161 (snmpd, community from the test secrets), link ${DEVICE.alias} on ifIndex ${ifIndex}`;
    });

    await step("start the engine in its own network namespace", async () => {
      engine = await startDockerd({ dir: dataRoot, netns: host, iptables: true, addressPool: ADDRESS_POOL });
      return `dockerd in ${host}, networks from ${ADDRESS_POOL}`;
    });
    const applier = new Applier(engine!, dir);

    await step("create the stack as declared", async () => {
      const missing = await applier.missingImages(plan);
      if (missing.length > 0) throw new Error(`images not on the engine: ${missing.join(", ")}`);
      await applier.create(plan);
      return `${plan.networks.map((n) => n.name).join(", ")}; ${plan.containers.filter((c) => c.start).length} containers up`;
    });

    const stack: StackUnderTest = {
      engine: engine!,
      applier,
      plan,
      settings,
      apps: inventory.apps,
      hostNetns: host,
      device: { id: DEVICE.id, outsideUrl },
      reportCredentials: { user: REPORT_USER, password: TEST_SECRETS.hashedPassword },
      rebootDevice: () => rebootDevice(),
    };
    const check = (name: string, deadlineMs = 180_000) =>
      step(`check ${name}`, () => CHECKS[name]!.run(stack, deadlineMs), { fatal: false });

    await check("containers-healthy");
    await check("prometheus-scrapes-collector");
    // The slow ones (a poll interval or two, a rule evaluation) run beside the proxy and network checks.
    await Promise.all([
      check("recording-rules", 300_000),
      check("alert-reaches-alertmanager", 300_000),
      (async () => {
        await check("proxy-serves-reports");
        await check("proxy-routes-apps");
        await check("apps-isolated");
        await check("monitoring-unpublished");
      })(),
    ]);

    let current = plan;
    let currentGraph = baseGraph;
    await step(
      "config change replaces only the affected containers",
      async () => {
        const changedGraph = await capture("alerting-changed");
        const changed = translate(changedGraph, { leaveOut: leftOutImages(settings) });
        const before = await applier.ids(current);
        const diff = await applier.update(current, changed);
        const after = await applier.ids(changed);
        const replaced = [...after].filter(([name, id]) => before.get(name) !== id).map(([name]) => name);
        current = changed;
        currentGraph = changedGraph;
        const affected = changed.containers.filter((c) => c.name.includes("alertmanager")).map((c) => c.name);
        if (
          replaced.sort().join() !== affected.sort().join() ||
          diff.replace.sort().join() !== affected.join()
        ) {
          throw new Error(`replaced ${replaced.join(", ")}; only ${affected.join(", ")} should have been`);
        }
        const status = await engine!.cliOk([
          "exec",
          `${settings.name_prefix}-alertmanager`,
          "wget",
          "-q",
          "-O",
          "-",
          "http://127.0.0.1:9093/api/v2/status",
        ]);
        if (!status.includes("noc-bridge.invalid"))
          throw new Error("the new Alertmanager does not have the new receiver");
        return `new receiver → replaced ${replaced.join(", ")} (new ids); ${before.size - replaced.length} kept their ids`;
      },
      { fatal: false },
    );

    await step(
      "deliberate breaks fail their checks",
      async () => {
        let graph = currentGraph;
        for (const b of BREAKS) graph = b.apply(graph);
        const broken = translate(graph, { leaveOut: leftOutImages(settings) });
        const diff = await applier.update(current, broken, { wait: false });
        const seen: string[] = [];
        await Promise.all(
          BREAKS.map(async (b) => {
            try {
              await CHECKS[b.check]!.run({ ...stack, plan: broken }, b.deadlineMs);
              seen.push(`${b.name}: ${b.check} still PASSED`);
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              const line = `${b.name} (${b.what}) → ${b.check} failed: ${message.split("\n")[0]!.slice(0, 300)}`;
              say(`  ${line}`);
              seen.push(
                b.expect.test(message) ? line : `${b.name}: ${b.check} failed for another reason: ${message}`,
              );
            }
          }),
        );
        const wrong = seen.filter((s) => s.includes("still PASSED") || s.includes("another reason"));
        await applier.update(broken, current);
        if (wrong.length > 0) throw new Error(wrong.join("; "));
        return `${BREAKS.length} breaks (replaced ${diff.replace.length} containers), each failed its check; removed again`;
      },
      { fatal: false },
    );

    await step(
      "teardown keeps the protected data volumes",
      async () => {
        const kept = await applier.teardown(current);
        const volumes = (
          (await engine!.api("GET", "/volumes")).body as { Volumes: { Name: string; Mountpoint: string }[] }
        ).Volumes;
        const names = volumes.map((v) => v.Name).sort();
        if (names.join() !== [...kept].sort().join())
          throw new Error(`volumes left: ${names.join(", ")}; expected ${kept.join(", ")}`);
        const tsdb = volumes.find((v) => v.Name === `${settings.name_prefix}-prometheus-data`)!;
        const entries = existsSync(tsdb.Mountpoint) ? readdirSync(tsdb.Mountpoint) : [];
        if (!entries.includes("wal"))
          throw new Error(`the Prometheus data volume holds ${entries.join(", ") || "nothing"}`);
        return `kept ${kept.join(", ")} (Prometheus's TSDB with its wal, uid ${IMAGE_USERS.prometheus}); config volumes removed`;
      },
      { fatal: false },
    );
  } catch (error) {
    if (!(error instanceof StopRehearsal)) {
      outcomes.push({
        step: "rehearsal",
        ok: false,
        detail: error instanceof Error ? error.message : String(error),
        seconds: 0,
      });
    }
  } finally {
    say("cleaning up: containers, dockerd, namespaces, temp dir");
    await builder?.stop();
    await engine?.stop();
    await outside?.stop();
    await lab?.cleanup();
    await unmountEngineFs();
    forgetMount();
    rmSync(dir, { recursive: true, force: true });
    forgetDir();
  }
  summary();
  process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1;
}

await main();
