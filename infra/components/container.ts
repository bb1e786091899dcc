// One shape for every long-running container, hardened by default: non-root where the image allows,
// read-only root filesystem with tmpfs scratch, no-new-privileges, all capabilities dropped, CPU and
// memory limits, a health check, a restart policy and rotated logs. Callers state only what differs.
import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../settings.js";

export const LABEL = {
  role: "kapasitas.role",
  stack: "kapasitas.stack",
  opd: "kapasitas.opd",
  opdName: "kapasitas.opd.name",
  app: "kapasitas.app",
  configRevision: "kapasitas.config-revision",
} as const;

/** Role label of the one container allowed to publish ports. */
export const PROXY_ROLE = "proxy";

export interface HealthCheck {
  /** Docker HEALTHCHECK test, e.g. ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/healthy"]. */
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  startPeriod?: string;
}

export interface ServiceSpec {
  name: string;
  image: pulumi.Input<string>;
  role: string;
  /** uid[:gid]; leave undefined only when the image has no usable non-root user (say why at the call). */
  user?: string;
  command?: string[];
  env?: Record<string, string>;
  networks: { name: pulumi.Input<string>; aliases: string[] }[];
  volumes?: { volumeName: pulumi.Input<string>; containerPath: string; readOnly?: boolean }[];
  /** Writable scratch in memory; /tmp is always there. */
  tmpfs?: Record<string, string>;
  health: HealthCheck;
  resources: Resources;
  log: { maxSize: string; maxFile: number };
  labels?: Record<string, pulumi.Input<string>>;
  /** Only the proxy: host ports. */
  ports?: { internal: number; external: number; ip: string; protocol?: "tcp" | "udp" }[];
  /** Resource limits beyond Docker's defaults, e.g. open files for a process with a socket per device. */
  ulimits?: { name: string; soft: number; hard: number }[];
  /** Capabilities to keep after dropping ALL (e.g. NET_BIND_SERVICE for the proxy). */
  keepCapabilities?: string[];
  /** Changes when delivered config changes, so the container is replaced and reads it afresh. */
  configRevision?: pulumi.Input<string>;
  /** How long `pulumi up` waits for "healthy" (default 120 s). */
  waitTimeoutSeconds?: number;
}

/**
 * Processes and threads a container's user may have (RLIMIT_NPROC), the bound on a fork bomb.
 * Docker's `--pids-limit` is not in @pulumi/docker (5.2.0, the latest, has no `pidsLimit`), so this
 * is the nearest limit it can set. The kernel counts it per uid across the host, not per container
 * (containers sharing a uid share it), and uid 0 is exempt: docs/security.md, "Container limits".
 * Our busiest container (Grafana, Prometheus) runs tens of threads.
 */
export const MAX_PROCESSES = 2048;

export function serviceContainerArgs(spec: ServiceSpec): docker.ContainerArgs {
  const labels: Record<string, pulumi.Input<string>> = { [LABEL.role]: spec.role, ...spec.labels };
  if (spec.configRevision !== undefined) labels[LABEL.configRevision] = spec.configRevision;
  return {
    name: spec.name,
    image: spec.image,
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.command ? { command: spec.command } : {}),
    envs: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    restart: "unless-stopped",
    // Pulumi waits for the health check on create, so a broken config fails `pulumi up`.
    wait: true,
    waitTimeout: spec.waitTimeoutSeconds ?? 120,
    readOnly: true,
    tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m", ...spec.tmpfs },
    privileged: false,
    securityOpts: ["no-new-privileges:true"],
    capabilities: { drops: ["ALL"], adds: spec.keepCapabilities ?? [] },
    init: true,
    ulimits: [
      ...(spec.ulimits ?? []),
      ...((spec.ulimits ?? []).some((u) => u.name === "nproc")
        ? []
        : [{ name: "nproc", soft: MAX_PROCESSES, hard: MAX_PROCESSES }]),
    ],
    memory: spec.resources.memory_mb,
    // Same as the limit: no swapping a monitoring stack into uselessness.
    memorySwap: spec.resources.memory_mb,
    cpus: String(spec.resources.cpus),
    healthcheck: {
      tests: spec.health.test,
      interval: spec.health.interval ?? "30s",
      timeout: spec.health.timeout ?? "5s",
      retries: spec.health.retries ?? 3,
      startPeriod: spec.health.startPeriod ?? "30s",
    },
    logDriver: "json-file",
    logOpts: { "max-size": spec.log.maxSize, "max-file": String(spec.log.maxFile) },
    networksAdvanced: spec.networks.map((n) => ({ name: n.name, aliases: n.aliases })),
    volumes: (spec.volumes ?? []).map((v) => ({
      volumeName: v.volumeName,
      containerPath: v.containerPath,
      readOnly: v.readOnly ?? false,
    })),
    ports: (spec.ports ?? []).map((p) => ({
      internal: p.internal,
      external: p.external,
      ip: p.ip,
      protocol: p.protocol ?? "tcp",
    })),
    labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
  };
}

/** `wget` health probe for images with busybox (Prometheus, Alertmanager, Grafana, Caddy). */
export function httpProbe(url: string): string[] {
  return ["CMD", "wget", "-q", "-O", "/dev/null", url];
}
