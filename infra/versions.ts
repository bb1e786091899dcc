// Every third-party image the stack runs, pinned to an exact release tag.
//
// Tags only, on purpose: this machine cannot reach a registry, so no digest here has been checked
// against one, and an unchecked digest is worse than none. Operators pin digests per stack with
// `kapasitas:images` (e.g. "prom/prometheus:v3.5.0@sha256:…"; see docs/infra.md, "Upgrades"), and the
// reference is then immutable: Docker refuses an image whose digest does not match.

export const IMAGES = {
  /** Prometheus 3.5 is the LTS line; the rendered config also passes Debian's promtool 2.42. */
  prometheus: "prom/prometheus:v3.5.0",
  alertmanager: "prom/alertmanager:v0.28.1",
  /** The dashboards' schemaVersion 42 needs Grafana 12.2+ (dashboards/config.ts). */
  grafana: "grafana/grafana:12.2.1",
  /** Alpine variant: busybox wget for the health check. */
  caddy: "caddy:2.10.0-alpine",
} as const;

export type ImageKey = keyof typeof IMAGES;

/** User ids baked into the upstream images; files uploaded for them are owned by these ids. */
export const IMAGE_USERS = {
  prometheus: "65534", // nobody
  alertmanager: "65534", // nobody
  grafana: "472",
  // The collector's Dockerfile runs as the `node` user of node:20-bookworm-slim.
  collector: "1000",
} as const;
