// The parts of the design that only a real Docker engine can prove, on a private dockerd (its own
// data root and socket, no bridge, no iptables; containers run with --network=none):
// 1. config volumes (components/config-bundle.ts): the program's real uploads, pushed the way the
//    Docker provider pushes them (PUT /containers/<id>/archive?path=/, one tar entry per file with
//    mode and owner), reach a read-only mount; the same upload into a read-only container is refused;
// 2. the collector image, built from collector/Dockerfile, runs healthy under exactly the container
//    settings the program declares (user, read-only root, tmpfs, dropped capabilities, limits).
// No registry is reachable, so the base images are made here: busybox from Debian's busybox-static,
// and a stand-in for node:20-bookworm-slim from the host's own node, npm, libraries and CA bundle.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  importNodeBase,
  importRootfs,
  putArchive as putArchiveOn,
  stageBuildContext,
  startDockerd,
  uploadTar as uploadTarIn,
  type Dockerd,
  type Upload,
} from "../lab/docker.js";
import { waitFor } from "../lab/process.js";
import { CONTAINER_TYPE, unwrapSecrets } from "../infra/policy.js";
import { mockedStack, stackFileSettings, TEST_SECRETS, type MockedStack } from "../infra/testing.js";

const IMAGE = "kapasitas-test/busybox:1";

let dir: string;
let engine: Dockerd | undefined;
let m: MockedStack;

const docker = (args: string[], timeoutMs = 60_000) => engine!.cli(args, timeoutMs);
const dockerOk = (args: string[], timeoutMs = 60_000) => engine!.cliOk(args, timeoutMs);
const uploadTar = (uploads: readonly Upload[]) => uploadTarIn(dir, uploads);
const putArchive = (container: string, body: Buffer) => putArchiveOn(engine!.socket, container, body);

function seedUploads(seedName: string): Upload[] {
  const seed = m.resources
    .filter((r) => r.type === CONTAINER_TYPE)
    .map((r) => unwrapSecrets(r.inputs) as { name: string; uploads?: Upload[] })
    .find((c) => c.name === seedName);
  if (!seed?.uploads) throw new Error(`no seed ${seedName}`);
  return seed.uploads;
}

beforeAll(async () => {
  m = await mockedStack(stackFileSettings("Pulumi.production.yaml"));
  dir = mkdtempSync(join(tmpdir(), "kp-dockerd-"));
  engine = await startDockerd({ dir });
  // The smallest image with a shell: busybox-static and its applet links.
  await importRootfs(engine, dir, IMAGE, { applets: ["sh", "cat", "true", "stat", "touch", "grep"] });
}, 90_000);

// Removing the image layers (tens of thousands of small files) took over two minutes on a loaded
// two-core machine.
afterAll(async () => {
  await engine?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 300_000);

describe("config volumes on a real Docker engine", () => {
  it("delivers the collector's inventory and SNMP secrets into a read-only mount, secrets readable by its user only", async () => {
    const uploads = seedUploads("kapasitas-collector-config-seed");
    await dockerOk(["volume", "create", "kp-collector-config"]);
    // As ConfigBundle creates it: never started, no network, the volume at the seed mount.
    await dockerOk([
      "create",
      "--name=kp-collector-seed",
      "--network=none",
      "--volume=kp-collector-config:/kapasitas-seed",
      IMAGE,
      "true",
    ]);
    const put = await putArchive("kp-collector-seed", await uploadTar(uploads));
    expect(put, put.message).toMatchObject({ status: 200 });

    // As the collector runs: its uid, read-only root, the volume read-only at /etc/kapasitas.
    const asUser = (user: string, script: string) =>
      docker([
        "run",
        "--rm",
        "--network=none",
        "--read-only",
        `--user=${user}`,
        "--security-opt=no-new-privileges:true",
        "--cap-drop=ALL",
        "--volume=kp-collector-config:/etc/kapasitas:ro",
        IMAGE,
        "sh",
        "-c",
        script,
      ]);
    const collector = await asUser(
      "1000",
      "stat -c '%n %u %a' /etc/kapasitas/inventory.yaml /etc/kapasitas/secrets/dist-1-community && " +
        "cat /etc/kapasitas/secrets/dist-1-community && echo && " +
        "grep -c 'file:/etc/kapasitas/secrets/' /etc/kapasitas/inventory.yaml; " +
        "touch /etc/kapasitas/x 2>&1; touch /x 2>&1; true",
    );
    expect(collector.code, collector.stderr).toBe(0);
    const lines = collector.stdout.trim().split("\n");
    expect(lines[0]).toBe("/etc/kapasitas/inventory.yaml 0 444");
    expect(lines[1]).toBe("/etc/kapasitas/secrets/dist-1-community 1000 400");
    expect(lines[2]).toBe(TEST_SECRETS.snmp["dist-1-community"]);
    // Four references (core-1 auth and priv, dist-1 and dist-2 communities) now point at the files.
    expect(lines[3]).toBe("4");
    expect(collector.stdout).toContain("/etc/kapasitas/x: Read-only file system");
    expect(collector.stdout).toContain("/x: Read-only file system");

    // Any other user in that container (say, an exploited process that changed uid) cannot read it.
    const other = await asUser("65534", "cat /etc/kapasitas/secrets/dist-1-community");
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/Permission denied/);
  });

  it("shows why the volume is needed: Docker refuses the provider's upload into a read-only container", async () => {
    await dockerOk(["create", "--name=kp-readonly", "--network=none", "--read-only", IMAGE, "true"]);
    const put = await putArchive(
      "kp-readonly",
      await uploadTar(seedUploads("kapasitas-prometheus-config-seed")),
    );
    expect(put.status).toBeGreaterThanOrEqual(400);
    expect(put.message).toMatch(/container rootfs is marked read-only/);
  });
});

interface ContainerInputs {
  name: string;
  user?: string;
  command?: string[];
  envs?: string[];
  readOnly?: boolean;
  tmpfs?: Record<string, string>;
  securityOpts?: string[];
  capabilities?: { drops?: string[]; adds?: string[] };
  memory?: number;
  memorySwap?: number;
  ulimits?: { name: string; soft: number; hard: number }[];
  cpus?: string;
  restart?: string;
  init?: boolean;
  logDriver?: string;
  logOpts?: Record<string, string>;
  labels?: { label: string; value: string }[];
  volumes?: { volumeName: string; containerPath: string; readOnly?: boolean }[];
  healthcheck?: { tests?: string[] };
}

function containerInputs(name: string): ContainerInputs {
  const found = m.resources
    .filter((r) => r.type === CONTAINER_TYPE)
    .map((r) => unwrapSecrets(r.inputs) as ContainerInputs)
    .find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** `docker create` flags for what the program declares; the network is always none here. */
function createFlags(c: ContainerInputs): string[] {
  return [
    `--name=${c.name}`,
    "--network=none",
    ...(c.user ? [`--user=${c.user}`] : []),
    ...(c.readOnly ? ["--read-only"] : []),
    ...Object.entries(c.tmpfs ?? {}).map(([path, options]) => `--tmpfs=${path}:${options}`),
    ...(c.securityOpts ?? []).map((o) => `--security-opt=${o}`),
    ...(c.capabilities?.drops ?? []).map((cap) => `--cap-drop=${cap}`),
    ...(c.capabilities?.adds ?? []).map((cap) => `--cap-add=${cap}`),
    ...(c.memory ? [`--memory=${c.memory}m`] : []),
    ...(c.memorySwap ? [`--memory-swap=${c.memorySwap}m`] : []),
    ...(c.ulimits ?? []).map((u) => `--ulimit=${u.name}=${u.soft}:${u.hard}`),
    ...(c.cpus ? [`--cpus=${c.cpus}`] : []),
    ...(c.restart ? [`--restart=${c.restart}`] : []),
    ...(c.init ? ["--init"] : []),
    ...(c.logDriver ? [`--log-driver=${c.logDriver}`] : []),
    ...Object.entries(c.logOpts ?? {}).map(([k, v]) => `--log-opt=${k}=${v}`),
    ...(c.labels ?? []).map((l) => `--label=${l.label}=${l.value}`),
    ...(c.envs ?? []).map((e) => `--env=${e}`),
    ...(c.volumes ?? []).map((v) => `--volume=${v.volumeName}:${v.containerPath}${v.readOnly ? ":ro" : ""}`),
  ];
}

describe("the collector image under the program's container settings", () => {
  const image = "kapasitas/collector:docker-test";

  beforeAll(async () => {
    await importNodeBase(engine!, dir, "node:20-bookworm-slim");
    // Build collector/Dockerfile as docker.Image does on the host (npm ci inside needs the host's
    // network: the engine here has no bridge), from the files its ignore file admits.
    const context = await stageBuildContext(dir);
    await dockerOk(
      ["build", "--network=host", "--file=collector/Dockerfile", `--tag=${image}`, context],
      15 * 60_000,
    );
  }, 20 * 60_000);

  it("starts healthy as uid 1000 on a read-only root, loads the delivered inventory and resolves its secret files", async () => {
    const collector = containerInputs("kapasitas-collector-0");
    const seed = containerInputs("kapasitas-collector-config-seed");
    const volume = collector.volumes![0]!.volumeName;
    await dockerOk(["volume", "create", volume]);
    await dockerOk([
      "create",
      `--name=${seed.name}`,
      "--network=none",
      `--volume=${volume}:/kapasitas-seed`,
      image,
    ]);
    const put = await putArchive(seed.name, await uploadTar(seedUploads(seed.name)));
    expect(put, put.message).toMatchObject({ status: 200 });

    await dockerOk(["create", ...createFlags(collector), image, ...collector.command!]);
    await dockerOk(["start", collector.name]);
    // The program's own health check command, run the way Docker runs it.
    const probe = collector.healthcheck!.tests!.slice(1);
    await waitFor(
      "the collector's health check to pass",
      async () => {
        const state = await dockerOk(["inspect", "--format={{.State.Status}}", collector.name]);
        if (state !== "running") {
          const logs = await docker(["logs", collector.name]);
          throw new Error(`collector is ${state}:\n${logs.stdout}${logs.stderr}`);
        }
        return (await docker(["exec", collector.name, ...probe])).code === 0;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    const inspect = JSON.parse(await dockerOk(["inspect", collector.name])) as {
      Config: { User: string };
      HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[]; Memory: number; NanoCpus: number };
    }[];
    expect(inspect[0]!.Config.User).toBe("1000");
    expect(inspect[0]!.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ["ALL"],
      Memory: 256 * 1024 * 1024,
      NanoCpus: 0.5e9,
    });

    const metrics = await dockerOk([
      "exec",
      collector.name,
      "node",
      "-e",
      "fetch('http://127.0.0.1:9105/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
    ]);
    // The inventory arrived: one allocation gauge per OPD direction, read from the delivered file.
    expect(metrics).toMatch(/opd_allocated_bps\{[^}]*opd="setda"/);
    const logs = await docker(["logs", collector.name]);
    const output = `${logs.stdout}${logs.stderr}`;
    for (const secret of Object.values(TEST_SECRETS.snmp)) expect(output).not.toContain(secret);
  });
});
