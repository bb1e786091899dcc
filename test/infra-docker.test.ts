// The parts of the design that only a real Docker engine can prove, on a private dockerd (its own
// data root and socket, no bridge, no iptables; containers run with --network=none):
// 1. config volumes (components/config-bundle.ts): the program's real uploads, pushed the way the
//    Docker provider pushes them (PUT /containers/<id>/archive?path=/, one tar entry per file with
//    mode and owner), reach a read-only mount; the same upload into a read-only container is refused;
// 2. the collector image, built from collector/Dockerfile, runs healthy under exactly the container
//    settings the program declares (user, read-only root, tmpfs, dropped capabilities, limits).
// No registry is reachable, so the base images are made here: busybox from Debian's busybox-static,
// and a stand-in for node:20-bookworm-slim from the host's own node, npm, libraries and CA bundle.
import { request } from "node:http";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBinary, requireBinary } from "../lab/binaries.js";
import { run, runOrThrow, startDaemon, waitFor, type Daemon, type RunResult } from "../lab/process.js";
import { CONTAINER_TYPE, unwrapSecrets } from "../infra/policy.js";
import { mockedStack, stackFileSettings, TEST_SECRETS, type MockedStack } from "../infra/testing.js";

const IMAGE = "kapasitas-test/busybox:1";

interface Upload {
  file: string;
  content: string;
  permissions: string;
  owner?: string;
}

let dir: string;
let socket: string;
let dockerd: Daemon | undefined;
let m: MockedStack;

const docker = (args: string[], timeoutMs = 60_000): Promise<RunResult> =>
  run(requireBinary("docker"), args, {
    env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
    timeoutMs,
  });
const dockerOk = async (args: string[], timeoutMs = 60_000): Promise<string> => {
  const result = await docker(args, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`docker ${args.join(" ")}:\n${`${result.stdout}${result.stderr}`.trim().slice(-4000)}`);
  }
  return result.stdout.trim();
};

/** A tar with one entry per upload, named by its absolute path, with its mode and owner. */
async function uploadTar(uploads: readonly Upload[]): Promise<Buffer> {
  const staging = join(dir, `staging-${Math.random().toString(36).slice(2)}`);
  const archive = `${staging}.tar`;
  for (const u of uploads) {
    const path = join(staging, u.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, u.content);
    const owner = u.owner ?? "0";
    await runOrThrow("tar", [
      "-rf",
      archive,
      "--numeric-owner",
      `--owner=${owner}`,
      `--group=${owner}`,
      `--mode=${u.permissions}`,
      "-C",
      staging,
      u.file.slice(1),
    ]);
  }
  return readFileSync(archive);
}

/** The Docker provider's upload: one PUT of the archive to "/" of the created container. */
function putArchive(container: string, body: Buffer): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        method: "PUT",
        path: `/containers/${container}/archive?path=/`,
        headers: { "Content-Type": "application/x-tar", "Content-Length": body.length },
      },
      (res) => {
        let message = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (message += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, message }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function seedUploads(seedName: string): Upload[] {
  const seed = m.resources
    .filter((r) => r.type === CONTAINER_TYPE)
    .map((r) => unwrapSecrets(r.inputs) as { name: string; uploads?: Upload[] })
    .find((c) => c.name === seedName);
  if (!seed?.uploads) throw new Error(`no seed ${seedName}`);
  return seed.uploads;
}

beforeAll(async () => {
  const dockerdBinary = requireBinary("dockerd");
  requireBinary("docker");
  const busybox = findBinary("busybox");
  if (!busybox) throw new Error("missing busybox: apt-get install -y busybox-static");
  m = await mockedStack(stackFileSettings("Pulumi.production.yaml"));

  dir = mkdtempSync(join(tmpdir(), "kp-dockerd-"));
  socket = join(dir, "docker.sock");
  dockerd = startDaemon(dockerdBinary, [
    `--data-root=${join(dir, "data")}`,
    `--exec-root=${join(dir, "exec")}`,
    `--pidfile=${join(dir, "docker.pid")}`,
    `--host=unix://${socket}`,
    "--bridge=none",
    "--iptables=false",
  ]);
  await waitFor("dockerd to answer", async () => (await docker(["info"])).code === 0, {
    daemon: dockerd,
    timeoutMs: 30_000,
    intervalMs: 200,
  });

  // The smallest image with a shell: busybox-static and its applet links.
  const rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  copyFileSync(busybox, join(rootfs, "bin/busybox"));
  for (const applet of ["sh", "cat", "true", "stat", "touch", "grep"])
    symlinkSync("busybox", join(rootfs, "bin", applet));
  const tarball = join(dir, "rootfs.tar");
  await runOrThrow("tar", ["-cf", tarball, "-C", rootfs, "."]);
  await dockerOk(["import", tarball, IMAGE]);
}, 90_000);

afterAll(async () => {
  if (dockerd && !dockerd.exited()) {
    const ids = (await docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await docker(["rm", "-f", ...ids]);
    await docker(["volume", "prune", "-f"]);
    await dockerd.stop(15_000);
  }
  if (dir) {
    // dockerd leaves its network namespace file mounted under the exec root.
    const mounts = readFileSync("/proc/self/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[1])
      .filter((target): target is string => target !== undefined && target.startsWith(dir))
      .reverse();
    for (const target of mounts) await run("umount", [target]);
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

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

/**
 * A stand-in for node:20-bookworm-slim: the host's node (Node 20) with the libraries it links,
 * npm, busybox for /bin/sh, the CA bundle, and the `node` user (uid 1000) the real image has.
 */
async function importNodeBase(tag: string): Promise<void> {
  const root = join(dir, "node-rootfs");
  for (const d of [
    "bin",
    "usr/bin",
    "usr/local/bin",
    "usr/local/lib/node_modules",
    "etc/ssl/certs",
    "tmp",
    "home/node",
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  const busybox = findBinary("busybox")!;
  copyFileSync(busybox, join(root, "bin/busybox"));
  const applets = (await runOrThrow(busybox, ["--list"])).stdout.split("\n").filter(Boolean);
  for (const applet of applets) if (applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
  symlinkSync("/bin/busybox", join(root, "usr/bin/env"));
  const node = process.execPath;
  copyFileSync(node, join(root, "usr/local/bin/node"));
  const libraries = (await runOrThrow("ldd", [node])).stdout
    .split("\n")
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((lib): lib is string => lib !== undefined);
  for (const lib of libraries) {
    mkdirSync(join(root, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(root, lib));
  }
  await runOrThrow("cp", ["-a", "/usr/lib/node_modules/npm", join(root, "usr/local/lib/node_modules/npm")]);
  for (const [name, cli] of [
    ["npm", "npm-cli.js"],
    ["npx", "npx-cli.js"],
  ] as const) {
    writeFileSync(
      join(root, "usr/local/bin", name),
      `#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/${cli} "$@"\n`,
      { mode: 0o755 },
    );
  }
  writeFileSync(
    join(root, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n",
  );
  writeFileSync(join(root, "etc/group"), "root:x:0:\nnode:x:1000:\n");
  copyFileSync("/etc/ssl/certs/ca-certificates.crt", join(root, "etc/ssl/certs/ca-certificates.crt"));
  await runOrThrow("chmod", ["1777", join(root, "tmp")]);
  await runOrThrow("chown", ["1000:1000", join(root, "home/node")]);
  const tarball = join(dir, "node-rootfs.tar");
  await runOrThrow("tar", ["-cf", tarball, "-C", root, "."]);
  await dockerOk([
    "import",
    "--change=ENV PATH=/usr/local/bin:/usr/bin:/bin",
    "--change=ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt",
    "--change=ENV HOME=/root",
    '--change=CMD ["node"]',
    tarball,
    tag,
  ]);
}

/**
 * The build context the repository's one .dockerignore admits (its `!path/**` lines: package files,
 * tsconfigs, core/, collector/, report/, cli/; less its other patterns: no tests), as committed
 * (`git archive HEAD`), so colleagues' work in progress in the same tree cannot break the build.
 */
async function stageBuildContext(): Promise<string> {
  const context = join(dir, "build-context");
  mkdirSync(context, { recursive: true });
  const lines = readFileSync(".dockerignore", "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && line !== "**");
  const admitted = lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/\*\*$/, ""));
  const excluded = lines.filter((l) => !l.startsWith("!")).map((l) => l.replace(/^\*\*\//, ""));
  const archive = join(dir, "build-context.tar");
  await runOrThrow("git", ["archive", "--format=tar", `--output=${archive}`, "HEAD", "--", ...admitted]);
  await runOrThrow("tar", ["-xf", archive, "-C", context, ...excluded.map((p) => `--exclude=${p}`)]);
  return context;
}

describe("the collector image under the program's container settings", () => {
  const image = "kapasitas/collector:docker-test";

  beforeAll(async () => {
    await importNodeBase("node:20-bookworm-slim");
    // Build collector/Dockerfile as docker.Image does on the host (npm ci inside needs the host's
    // network: the engine here has no bridge), from the files its ignore file admits.
    const context = await stageBuildContext();
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
