// The images the rehearsed stack runs, made on this machine without any registry and tagged with the
// program's pinned names, so its container specs are used unchanged:
//   Prometheus, Alertmanager, Caddy: Debian's own binaries on a busybox-static base (busybox gives
//     the `wget` the health checks use, as the upstream images' busybox does), with the upstream
//     images' entrypoint, user-owned data directories and environment;
//   the collector: collector/Dockerfile, its FROM satisfied by a stand-in for node:20-bookworm-slim;
//   each inventory app: a tiny busybox httpd answering its port and health path.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { findBinary } from "../lab/binaries.js";
import { importNodeBase, importRootfs, stageBuildContext, type Dockerd } from "../lab/docker.js";
import type { App } from "../core/schema.js";
import type { ImagePlan } from "./translate.js";

/** What each upstream image sets that the program relies on (entrypoint, data dirs, environment). */
function debianImage(
  binary: string,
  inImage: string,
  extra: { dirs?: Record<string, string>; trees?: [string, string][]; changes: string[] },
) {
  const host = findBinary(binary);
  if (!host) throw new Error(`missing ${binary}: apt-get install -y ${binary}`);
  return { applets: "*" as const, binaries: [[host, inImage]] as [string, string][], ...extra };
}

/** The body an app answers with, so a check can tell which app the proxy reached. */
export function appGreeting(app: Pick<App, "id">): string {
  return `kapasitas rehearsal app ${app.id}\n`;
}

export async function makeImages(
  engine: Dockerd,
  dir: string,
  images: readonly ImagePlan[],
  apps: readonly App[],
  refs: { prometheus: string; alertmanager: string; caddy: string },
  progress: (line: string) => void,
): Promise<void> {
  await importRootfs(
    engine,
    dir,
    refs.prometheus,
    debianImage("prometheus", "/bin/prometheus", {
      dirs: { "/prometheus": "65534:65534 755", "/etc/prometheus": "0:0 755" },
      // Debian's build reads its web UI from here.
      trees: [["/usr/share/prometheus/web", "/usr/share/prometheus/web"]],
      changes: ['ENTRYPOINT ["/bin/prometheus"]', "USER nobody", "WORKDIR /prometheus"],
    }),
  );
  progress(`image ${refs.prometheus} from Debian's prometheus`);
  await importRootfs(
    engine,
    dir,
    refs.alertmanager,
    debianImage("prometheus-alertmanager", "/bin/alertmanager", {
      dirs: { "/alertmanager": "65534:65534 755", "/etc/alertmanager": "0:0 755" },
      // Debian's build reads its notification templates from here.
      trees: [["/usr/share/prometheus/alertmanager", "/usr/share/prometheus/alertmanager"]],
      changes: ['ENTRYPOINT ["/bin/alertmanager"]', "USER nobody", "WORKDIR /alertmanager"],
    }),
  );
  progress(`image ${refs.alertmanager} from Debian's prometheus-alertmanager`);
  await importRootfs(
    engine,
    dir,
    refs.caddy,
    debianImage("caddy", "/usr/bin/caddy", {
      dirs: { "/data": "0:0 755", "/config": "0:0 755", "/etc/caddy": "0:0 755" },
      changes: [
        "ENV XDG_CONFIG_HOME=/config",
        "ENV XDG_DATA_HOME=/data",
        'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]',
        "WORKDIR /srv",
      ],
    }),
  );
  progress(`image ${refs.caddy} from Debian's caddy`);

  for (const app of apps) {
    const page = appGreeting(app);
    const files: Record<string, string> = { "/www/index.html": page };
    if (app.health_path !== "/") files[`/www${app.health_path}`] = page;
    await importRootfs(engine, dir, app.image, {
      applets: ["sh", "httpd", "wget"],
      files,
      changes: [`CMD ["httpd", "-f", "-p", "${app.port}", "-h", "/www"]`, "USER 65534"],
    });
  }
  progress(`images of ${apps.length} apps (busybox httpd)`);

  for (const image of images.filter((i) => i.build)) {
    const context = await stageBuildContext(dir);
    const build = image.build!;
    const cached = cachedBuild(context);
    if (cached && existsSync(cached)) {
      await engine.cliOk(["load", "--input", cached], 5 * 60_000);
      progress(`image ${image.ref} from the build cache (${cached}: same context, Dockerfile and node)`);
      continue;
    }
    await importNodeBase(engine, dir, "node:20-bookworm-slim");
    await engine.cliOk(
      [
        "build",
        // npm ci inside the build needs the host's network (this engine has no bridge).
        "--network=host",
        `--file=${context}/${build.dockerfile}`,
        ...(build.platform ? [`--platform=${build.platform}`] : []),
        `--tag=${image.ref}`,
        context,
      ],
      15 * 60_000,
    );
    progress(`image ${image.ref} from ${build.dockerfile} (stand-in node:20-bookworm-slim)`);
    if (cached) {
      mkdirSync(dirname(cached), { recursive: true });
      for (const old of readdirSync(dirname(cached))) rmSync(join(dirname(cached), old), { force: true });
      await engine.cliOk(["save", "--output", `${cached}.part`, image.ref], 5 * 60_000);
      renameSync(`${cached}.part`, cached);
    }
  }
}

/**
 * Where a built collector image is kept between rehearsals: keyed by the staged build context (as
 * committed), the Dockerfile and the node and npm the stand-in base is made from, so any change
 * rebuilds. KAPASITAS_REHEARSE_CACHE=off always builds; the default lives in ~/.cache.
 */
function cachedBuild(context: string): string | undefined {
  const root = process.env.KAPASITAS_REHEARSE_CACHE ?? join(homedir(), ".cache", "kapasitas-rehearse");
  if (root === "off") return undefined;
  const key = createHash("sha256");
  // Every file of the context by path and content (the archive itself carries the commit id).
  const files = (readdirSync(context, { recursive: true }) as string[])
    .filter((path) => statSync(join(context, path)).isFile())
    .sort();
  for (const path of files) key.update(`${path}\0`).update(readFileSync(join(context, path)));
  key.update(process.version).update(readFileSync("/usr/lib/node_modules/npm/package.json"));
  return join(root, `collector-${key.digest("hex").slice(0, 24)}.tar`);
}
