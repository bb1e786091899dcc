// The collector: its image built from collector/Dockerfile by the target host's Docker daemon (the
// build context travels over the provider's connection, ssh:// included), the inventory and one file
// per SNMP secret delivered read-only, and N shards that Prometheus spreads the devices over.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Inventory } from "../../core/schema.js";
import {
  COLLECTOR_SECRETS_DIR,
  missingSecretKeys,
  renderCollectorInventory,
  snmpSecretUses,
} from "../render/inventory.js";
import { COLLECTOR_PORT } from "../render/prometheus.js";
import { resourcesFor, type Resources, type StackSettings } from "../settings.js";
import { busiestShardLinks, collectorMemoryMb, collectorNodeFlags } from "../sizing.js";
import { IMAGE_USERS } from "../versions.js";
import { ConfigBundle } from "./config-bundle.js";
import { serviceContainerArgs } from "./container.js";
import type { Networks } from "./networks.js";

/** Where the config volume is mounted; the secrets sit in its `secrets/` directory. */
export const COLLECTOR_CONFIG_DIR = "/etc/kapasitas";
export const COLLECTOR_INVENTORY = `${COLLECTOR_CONFIG_DIR}/inventory.yaml`;

/**
 * Arguments to the image's entrypoint (collector/Dockerfile: `node dist/cli/kapasitas.js collect`).
 * With several shards, shard i polls only the devices Prometheus's hashmod routes to it (the same
 * relabelling render/prometheus.ts writes).
 */
export function collectorCommand(shard: number, shards: number): string[] {
  const command = ["--inventory", COLLECTOR_INVENTORY, "--listen", `0.0.0.0:${COLLECTOR_PORT}`];
  return shards > 1 ? [...command, "--shard", `${shard}/${shards}`] : command;
}

/** The image is node:20-bookworm-slim: no wget or curl, so node itself probes /healthz. */
export const COLLECTOR_HEALTH = [
  "CMD",
  "node",
  "-e",
  `fetch("http://127.0.0.1:${COLLECTOR_PORT}/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];

/** host:port of each shard, as Prometheus scrapes them. */
export function collectorAddresses(shards: number): string[] {
  return Array.from({ length: shards }, (_, i) => `collector-${i}:${COLLECTOR_PORT}`);
}

/**
 * A collector's CPU and memory: the stack file's, but never less memory than the busiest shard
 * needs by the sizing measured in bench:scale (infra/sizing.ts, docs/scaling.md). A limit below
 * it would have the kernel kill the collector (exit 137) at its first reload.
 */
export function collectorResources(settings: StackSettings, inventory: Inventory): Resources {
  const given = resourcesFor(settings, "collector");
  const need = collectorMemoryMb(busiestShardLinks(inventory, settings.collector_shards));
  return { ...given, memory_mb: Math.max(given.memory_mb, need) };
}

export interface CollectorArgs {
  settings: StackSettings;
  inventory: Inventory;
  /** The operator's inventory file as written (comments and all). */
  inventoryText: string;
  networks: Networks;
  /** `snmp_secrets`: secret key → value, e.g. { KAPASITAS_CORE1_AUTH_KEY: "…" }. */
  snmpSecrets: pulumi.Input<Record<string, string>>;
  /** Image tag, e.g. the package version. */
  version: string;
}

/**
 * Open files for a collector container: a socket per device with room for HTTP connections. A
 * container cannot go above the Docker daemon's own hard limit (20,000 on the machines these tests
 * run on; systemd hosts commonly 524,288 or more), and memory bounds a shard long before 16,384
 * devices.
 */
export const COLLECTOR_OPEN_FILES = 16384;

export class Collector extends pulumi.ComponentResource {
  readonly image: docker.Image;
  readonly containers: docker.Container[];
  readonly addresses: string[];
  /** The inventory exactly as the containers receive it. */
  readonly renderedInventory: string;

  constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kapasitas:infra:Collector", name, {}, opts);
    const { settings } = args;
    const prefix = settings.name_prefix;
    const parent = { parent: this };

    this.image = new docker.Image(
      `${name}-image`,
      {
        imageName: `${prefix}/collector:${args.version}`,
        // Relative to the project root (where Pulumi.yaml is), so the state is the same on every laptop.
        build: { context: ".", dockerfile: "collector/Dockerfile", platform: "linux/amd64" },
        // No registry: the image is built by, and stays on, the data-centre host.
        skipPush: true,
      },
      parent,
    );

    const uses = snmpSecretUses(args.inventory);
    const secrets = pulumi.output(args.snmpSecrets).apply((provided) => {
      const missing = missingSecretKeys(uses, provided ?? {});
      if (missing.length > 0) {
        throw new Error(
          `set the SNMP secrets the inventory references (pulumi config set --secret --path 'snmp_secrets.KEY'):\n  ${missing.join("\n  ")}`,
        );
      }
      return provided;
    });
    this.renderedInventory = renderCollectorInventory(args.inventoryText, args.inventory);
    const secretsSubdir = COLLECTOR_SECRETS_DIR.slice(COLLECTOR_CONFIG_DIR.length + 1);
    const config = new ConfigBundle(
      `${name}-config`,
      {
        name: `${prefix}-collector-config`,
        image: this.image.repoDigest,
        files: [
          { path: "inventory.yaml", content: this.renderedInventory },
          ...uses.map((use) => ({
            path: `${secretsSubdir}/${use.key}`,
            content: secrets.apply((s) => s[use.key]!),
            owner: IMAGE_USERS.collector,
            secret: true,
          })),
        ],
      },
      parent,
    );

    this.addresses = collectorAddresses(settings.collector_shards);
    const resources = collectorResources(settings, args.inventory);
    this.containers = this.addresses.map(
      (_, shard) =>
        new docker.Container(
          `${name}-${shard}`,
          serviceContainerArgs({
            name: `${prefix}-collector-${shard}`,
            // The image id, not the tag: a rebuild replaces the containers.
            image: this.image.repoDigest,
            role: "collector",
            user: IMAGE_USERS.collector,
            command: collectorCommand(shard, this.addresses.length),
            env: {
              NODE_ENV: "production",
              TZ: args.inventory.timezone,
              // The capacity report (/reports) reads its figures from Prometheus.
              KAPASITAS_PROMETHEUS_URL: "http://prometheus:9090",
              // V8's heap bounded by the container's limit, not the host's memory (infra/sizing.ts).
              NODE_OPTIONS: collectorNodeFlags(resources.memory_mb).join(" "),
            },
            networks: [
              // `collector` resolves to every shard: the proxy sends /reports to any of them.
              { name: args.networks.monitoring.name, aliases: [`collector-${shard}`, "collector"] },
              // Route out to the routers' SNMP agents.
              { name: args.networks.edge.name, aliases: [] },
            ],
            volumes: [
              { volumeName: config.volume.name, containerPath: COLLECTOR_CONFIG_DIR, readOnly: true },
            ],
            health: { test: COLLECTOR_HEALTH },
            // One UDP socket per device (its SNMP session): Docker's default 1,024 open files is a
            // fleet of about 1,000 devices; fd exhaustion would fail polls as reason fd_exhausted.
            ulimits: [{ name: "nofile", soft: COLLECTOR_OPEN_FILES, hard: COLLECTOR_OPEN_FILES }],
            resources,
            log: { maxSize: settings.log.max_size, maxFile: settings.log.max_file },
            labels: { "kapasitas.shard": `${shard}/${this.addresses.length}` },
            configRevision: config.revision,
          }),
          { ...parent, deleteBeforeReplace: true },
        ),
    );
    this.registerOutputs({ image: this.image.imageName, containers: this.containers.map((c) => c.name) });
  }
}
