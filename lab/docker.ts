/**
 * A private Docker engine and the images the tests and the stack rehearsal need, made without a
 * registry: dockerd with its own data root, exec root, pidfile and socket under a temp dir
 * (optionally inside a network namespace, so its bridges, iptables rules and published ports live
 * there), the Engine API over that socket, base images from Debian's busybox-static and the host's
 * own node, and the collector image's build context as committed.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { findBinary, requireBinary } from "./binaries.js";
import { onExit } from "./cleanup.js";
import { run, runOrThrow, startDaemon, waitFor, type Daemon, type RunResult } from "./process.js";

export interface DockerdOptions {
  /** Temp dir that holds the data root, exec root, pidfile and socket. */
  dir: string;
  /** Run dockerd inside this network namespace (its bridges, iptables and ports stay there). */
  netns?: string;
  /** Let dockerd manage iptables (needed for internal networks and published ports); only in a netns. */
  iptables?: boolean;
  /** `--default-address-pool` for user-defined networks, e.g. "base=10.213.0.0/16,size=24". */
  addressPool?: string;
}

export interface Dockerd {
  socket: string;
  daemon: Daemon;
  /** The docker CLI against this engine; never throws on a non-zero exit. */
  cli(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** The docker CLI; throws with its output on a non-zero exit. */
  cliOk(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** One Engine API call (JSON in, JSON or text out). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; text: string }>;
  /** Remove every container, stop dockerd, unmount what it left mounted. Idempotent. */
  stop(): Promise<void>;
}

/** Start dockerd on a private socket and wait until it answers. */
export async function startDockerd(options: DockerdOptions): Promise<Dockerd> {
  const dockerd = requireBinary("dockerd");
  const docker = requireBinary("docker");
  const { dir } = options;
  const socket = join(dir, "docker.sock");
  const args = [
    `--data-root=${join(dir, "data")}`,
    `--exec-root=${join(dir, "exec")}`,
    `--pidfile=${join(dir, "docker.pid")}`,
    `--host=unix://${socket}`,
    "--bridge=none",
    `--iptables=${options.iptables ? "true" : "false"}`,
    ...(options.addressPool ? [`--default-address-pool=${options.addressPool}`] : []),
  ];
  // nsenter, not `ip netns exec`: that one remounts /sys and hides the cgroup tree dockerd needs.
  const daemon = options.netns
    ? startDaemon("nsenter", [`--net=/run/netns/${options.netns}`, dockerd, ...args])
    : startDaemon(dockerd, args);
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const cli = (cmd: readonly string[], timeoutMs = 60_000) => run(docker, cmd, { env, timeoutMs });
  const cliOk = async (cmd: readonly string[], timeoutMs = 60_000) => {
    const result = await cli(cmd, timeoutMs);
    if (result.code !== 0) {
      throw new Error(`docker ${cmd.join(" ")}:\n${`${result.stdout}${result.stderr}`.trim().slice(-4000)}`);
    }
    return result.stdout.trim();
  };

  // On an interrupt the containers must go before dockerd does (a killed dockerd leaves them
  // running): synchronous, newest-first, so it runs before startDaemon's own kill.
  const teardownSync = () => {
    try {
      const ids = execFileSync(docker, ["ps", "-aq"], { env, encoding: "utf8", timeout: 20_000 })
        .split("\n")
        .filter(Boolean);
      if (ids.length > 0)
        execFileSync(docker, ["rm", "-f", ...ids], { env, stdio: "ignore", timeout: 60_000 });
    } catch {
      // dockerd already gone
    }
    try {
      process.kill(daemon.pid, "SIGTERM");
      execFileSync("timeout", ["20", "tail", `--pid=${daemon.pid}`, "-f", "/dev/null"], { stdio: "ignore" });
    } catch {
      // already exited
    }
    unmountUnder(dir);
  };
  const unregister = onExit(teardownSync);

  await waitFor("dockerd to answer", async () => (await cli(["info"])).code === 0, {
    daemon,
    timeoutMs: 60_000,
    intervalMs: 200,
  });

  let stopping: Promise<void> | undefined;
  return {
    socket,
    daemon,
    cli,
    cliOk,
    api: (method, path, body) => dockerApi(socket, method, path, body),
    stop() {
      stopping ??= (async () => {
        if (!daemon.exited()) {
          const ids = (await cli(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
          if (ids.length > 0) await cli(["rm", "-f", ...ids], 120_000);
          await daemon.stop(20_000);
        }
        unmountUnder(dir);
        unregister();
      })();
      return stopping;
    },
  };
}

/** dockerd leaves its network namespace files (and, on failure, overlay mounts) under its roots. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((target): target is string => target !== undefined && target.startsWith(dir))
    .reverse();
  for (const target of mounts) {
    try {
      execFileSync("umount", ["-l", target], { stdio: "ignore" });
    } catch {
      // already unmounted
    }
  }
}

/** One Engine API request over the unix socket. */
export function dockerApi(
  socket: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<{ status: number; body: unknown; text: string }> {
  const payload =
    body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        method,
        path,
        headers: payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // plain text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

export interface Upload {
  /** Absolute path in the container. */
  file: string;
  content: string;
  permissions: string;
  owner?: string;
  group?: string;
}

/** A tar with one entry per upload, named by its absolute path, with its mode and owner (as the Docker provider sends it). */
export async function uploadTar(dir: string, uploads: readonly Upload[]): Promise<Buffer> {
  const staging = join(dir, `staging-${Math.random().toString(36).slice(2)}`);
  const archive = `${staging}.tar`;
  for (const u of uploads) {
    const path = join(staging, u.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, u.content);
    await runOrThrow("tar", [
      "-rf",
      archive,
      "--numeric-owner",
      `--owner=${u.owner ?? "0"}`,
      `--group=${u.group ?? u.owner ?? "0"}`,
      `--mode=${u.permissions}`,
      "-C",
      staging,
      u.file.slice(1),
    ]);
  }
  const tar = readFileSync(archive);
  rmSync(staging, { recursive: true, force: true });
  rmSync(archive, { force: true });
  return tar;
}

/** The Docker provider's upload: one PUT of the archive to "/" of the created container. */
export async function putArchive(
  socket: string,
  container: string,
  body: Buffer,
): Promise<{ status: number; message: string }> {
  const result = await dockerApi(
    socket,
    "PUT",
    `/containers/${container}/archive?path=/`,
    body,
    "application/x-tar",
  );
  return { status: result.status, message: result.text };
}

export interface RootfsImage {
  /** Busybox applets to link into /bin ("*" for all of them). */
  applets: readonly string[] | "*";
  /** Host files to copy in, with the shared libraries they link: [host path, path in the image]. */
  binaries?: readonly [string, string][];
  /** Host directories to copy in whole: [host path, path in the image]. */
  trees?: readonly [string, string][];
  /** Symbolic links: path in the image → target. */
  links?: Record<string, string>;
  /** Files to write (after /etc/passwd and /etc/group, which they may replace): path in the image → content (mode 0644, or 0755 with `executable`). */
  files?: Record<string, string | { content: string; executable?: boolean }>;
  /** Directories to create: path → "uid:gid mode". */
  dirs?: Record<string, string>;
  /** `docker import --change` lines (ENV, USER, ENTRYPOINT, CMD, WORKDIR). */
  changes?: readonly string[];
}

/** Import an image made from Debian's busybox-static plus the given files: no registry, no Dockerfile. */
export async function importRootfs(
  engine: Dockerd,
  dir: string,
  tag: string,
  image: RootfsImage,
): Promise<void> {
  const root = join(dir, `rootfs-${tag.replace(/[^a-z0-9]+/gi, "-")}`);
  rmSync(root, { recursive: true, force: true });
  for (const d of ["bin", "usr/bin", "etc", "tmp", "root"]) mkdirSync(join(root, d), { recursive: true });
  const busybox = findBinary("busybox");
  if (!busybox) throw new Error("missing busybox: apt-get install -y busybox-static");
  copyFileSync(busybox, join(root, "bin/busybox"));
  const applets =
    image.applets === "*"
      ? (await runOrThrow(busybox, ["--list"])).stdout.split("\n").filter(Boolean)
      : image.applets;
  for (const applet of applets) if (applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
  for (const [host, inImage] of image.binaries ?? []) {
    mkdirSync(join(root, dirname(inImage)), { recursive: true });
    copyFileSync(host, join(root, inImage));
    for (const lib of await sharedLibraries(host)) {
      mkdirSync(join(root, dirname(lib)), { recursive: true });
      copyFileSync(lib, join(root, lib));
    }
  }
  for (const [host, inImage] of image.trees ?? []) {
    mkdirSync(join(root, dirname(inImage)), { recursive: true });
    await runOrThrow("cp", ["-a", host, join(root, inImage)]);
  }
  for (const [path, target] of Object.entries(image.links ?? {})) {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    symlinkSync(target, join(root, path));
  }
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  for (const [path, file] of Object.entries(image.files ?? {})) {
    const { content, executable } = typeof file === "string" ? { content: file, executable: false } : file;
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), content, { mode: executable ? 0o755 : 0o644 });
  }
  for (const [path, spec] of Object.entries(image.dirs ?? {})) {
    const [owner, mode] = spec.split(" ");
    mkdirSync(join(root, path), { recursive: true });
    await runOrThrow("chown", [owner!, join(root, path)]);
    await runOrThrow("chmod", [mode!, join(root, path)]);
  }
  await runOrThrow("chmod", ["1777", join(root, "tmp")]);
  const tarball = `${root}.tar`;
  await runOrThrow("tar", ["-cf", tarball, "--numeric-owner", "-C", root, "."]);
  await engine.cliOk(["import", ...(image.changes ?? []).map((c) => `--change=${c}`), tarball, tag]);
  rmSync(root, { recursive: true, force: true });
  rmSync(tarball, { force: true });
}

/** The shared libraries a host binary links (ldd), loader included. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const result = await run("ldd", [binary]);
  return result.stdout
    .split("\n")
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((lib): lib is string => lib !== undefined);
}

/**
 * A stand-in for node:20-bookworm-slim: the host's node (Node 20) with the libraries it links,
 * npm, busybox for /bin/sh, the CA bundle, and the `node` user (uid 1000) the real image has.
 */
export async function importNodeBase(engine: Dockerd, dir: string, tag: string): Promise<void> {
  const npm = (cli: string) => ({
    content: `#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/${cli} "$@"\n`,
    executable: true,
  });
  await importRootfs(engine, dir, tag, {
    applets: "*",
    binaries: [[process.execPath, "/usr/local/bin/node"]],
    trees: [["/usr/lib/node_modules/npm", "/usr/local/lib/node_modules/npm"]],
    links: { "/usr/bin/env": "/bin/busybox" },
    files: {
      "/usr/local/bin/npm": npm("npm-cli.js"),
      "/usr/local/bin/npx": npm("npx-cli.js"),
      "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n",
      "/etc/group": "root:x:0:\nnode:x:1000:\n",
      "/etc/ssl/certs/ca-certificates.crt": readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8"),
    },
    dirs: { "/home/node": "1000:1000 755" },
    changes: [
      "ENV PATH=/usr/local/bin:/usr/bin:/bin",
      "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt",
      "ENV HOME=/root",
      'CMD ["node"]',
    ],
  });
}

/**
 * The build context the repository's one .dockerignore admits (its `!path/**` lines: package files,
 * tsconfigs, core/, collector/, report/, cli/; less its other patterns: no tests), as committed
 * (`git archive HEAD`), so work in progress in the same tree cannot break the build.
 */
export async function stageBuildContext(dir: string): Promise<string> {
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
