// The config-volume design (components/configBundle.ts) on a real Docker engine: a private dockerd
// (its own data root and socket, no bridge, no iptables), a throwaway busybox image imported from
// Debian's busybox-static, and the program's real uploads pushed the way the Docker provider pushes
// them (PUT /containers/<id>/archive?path=/ with one tar entry per file, mode and owner set).
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
import { findBinary, requireBinary } from "../test/helpers/binaries.js";
import {
  run,
  runOrThrow,
  startDaemon,
  waitFor,
  type Daemon,
  type RunResult,
} from "../test/helpers/process.js";
import { CONTAINER_TYPE, unwrapSecrets } from "./policy.js";
import { mockedStack, stackFileSettings, TEST_SECRETS, type MockedStack } from "./testing.js";

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

const docker = (args: string[]): Promise<RunResult> =>
  run(requireBinary("docker"), args, { env: { ...process.env, DOCKER_HOST: `unix://${socket}` } });
const dockerOk = async (args: string[]): Promise<string> => {
  const result = await docker(args);
  if (result.code !== 0) throw new Error(`docker ${args.join(" ")}: ${result.stderr.trim()}`);
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
    await docker(["rm", "-f", "kp-collector-seed", "kp-readonly"]);
    await docker(["volume", "rm", "-f", "kp-collector-config"]);
    await dockerd.stop(15_000);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

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
