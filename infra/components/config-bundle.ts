// Config files for a read-only container, delivered through a named volume.
//
// Why not upload straight into the service: the Docker provider uploads with a copy to "/", and
// Docker refuses any copy into a container whose root filesystem is read-only. So each service gets
// a small config volume, filled by a "seed" container that is created but never started (it holds
// the uploads and runs nothing), and the service mounts that volume read-only. The seed's id is the
// config revision: new content replaces the seed, which replaces the service, which re-reads it.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABEL, MAX_PROCESSES } from "./container.js";

export const SEED_ROLE = "config-seed";
const SEED_MOUNT = "/kapasitas-seed";

export interface ConfigFile {
  /** Path relative to the volume root (= the service's mount point). */
  path: string;
  content: pulumi.Input<string>;
  /** Numeric uid the service runs as, for files only it may read. */
  owner?: string;
  /** Octal mode; 0444 by default, 0400 for secrets. */
  mode?: string;
  /** Credentials, or a file that embeds them: encrypted in the state, never shown in a diff. */
  secret?: boolean;
}

export interface ConfigBundleArgs {
  /** Container and volume name stem, e.g. `kapasitas-prometheus-config`. */
  name: string;
  /** An image already on the host (the service's own): the seed never runs, it only needs a rootfs. */
  image: pulumi.Input<string>;
  files: ConfigFile[];
}

export function validateConfigPaths(files: readonly ConfigFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (f.path.startsWith("/") || f.path.split("/").includes("..") || f.path === "") {
      throw new Error(`config file path must be relative and stay inside the volume: "${f.path}"`);
    }
    if (seen.has(f.path)) throw new Error(`config file delivered twice: ${f.path}`);
    seen.add(f.path);
  }
}

export class ConfigBundle extends pulumi.ComponentResource {
  readonly volume: docker.Volume;
  readonly seed: docker.Container;
  /** Changes whenever any file changes: put it in the service's labels. */
  readonly revision: pulumi.Output<string>;

  constructor(name: string, args: ConfigBundleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kapasitas:infra:ConfigBundle", name, {}, opts);
    validateConfigPaths(args.files);
    this.volume = new docker.Volume(
      `${name}-volume`,
      { name: args.name, labels: [{ label: LABEL.role, value: SEED_ROLE }] },
      { parent: this },
    );
    this.seed = new docker.Container(
      `${name}-seed`,
      {
        name: `${args.name}-seed`,
        image: args.image,
        start: false,
        mustRun: false,
        // Never started, but hardened all the same in case someone does `docker start` it.
        command: ["true"],
        privileged: false,
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        networkMode: "none",
        memory: 16,
        ulimits: [{ name: "nproc", soft: MAX_PROCESSES, hard: MAX_PROCESSES }],
        cpus: "0.1",
        logDriver: "json-file",
        logOpts: { "max-size": "1m", "max-file": "1" },
        labels: [{ label: LABEL.role, value: SEED_ROLE }],
        volumes: [{ volumeName: this.volume.name, containerPath: SEED_MOUNT }],
        uploads: args.files.map((f) => {
          return {
            file: `${SEED_MOUNT}/${f.path}`,
            content: f.secret ? pulumi.secret(f.content) : f.content,
            permissions: f.mode ?? (f.secret ? "0400" : "0444"),
            ...(f.owner !== undefined ? { owner: f.owner, group: f.owner } : {}),
          };
        }),
      },
      // A fixed container name cannot exist twice: remove the old seed before creating the new one.
      { parent: this, deleteBeforeReplace: true },
    );
    this.revision = this.seed.id;
    this.registerOutputs({ volumeName: this.volume.name, revision: this.revision });
  }
}
