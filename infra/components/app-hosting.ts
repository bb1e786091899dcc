// The front door and the OPD applications: Caddy terminates TLS for Grafana, the report page and
// every inventory app, and is the only container that publishes a port. Each app runs under the
// same policy (limits, health check, restart, read-only root, labels naming its OPD) on the
// internal apps network, with a named data volume and its secrets as files.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { App, Inventory } from "../../core/schema.js";
import {
  assertSafePath,
  type BasicAuth,
  CADDY_FILES,
  CADDY_HEALTH_PORT,
  renderCaddyfile,
  type ProxyRoute,
} from "../render/caddy.js";
import { secretKeyOf } from "../render/inventory.js";
import { COLLECTOR_PORT } from "../render/prometheus.js";
import { imageFor, resourcesFor, type StackSettings } from "../settings.js";
import { ConfigBundle } from "./config-bundle.js";
import { httpProbe, LABEL, PROXY_ROLE, serviceContainerArgs } from "./container.js";
import type { Networks } from "./networks.js";

/** Where an app finds its secrets: one file per name, announced as NAME_FILE. */
export const APP_SECRETS_DIR = "/run/secrets/kapasitas";

/** Works with either busybox wget or curl in the app image: the one thing the policy asks of it. */
export function appHealthCheck(app: App): string[] {
  const url = `http://127.0.0.1:${app.port}${assertSafePath(app.health_path, `apps.${app.id}.health_path`)}`;
  return ["CMD-SHELL", `wget -q -O /dev/null '${url}' || curl -fsS -o /dev/null '${url}'`];
}

/** The one account the proxy asks for on the report host (its password: the stack's `reportPassword`). */
export const REPORT_USER = "perencana";

/** Every site the proxy serves: Grafana, the report page (behind `reportAuth`), then the apps in inventory order. */
export function proxyRoutes(settings: StackSettings, inv: Inventory, reportAuth?: BasicAuth): ProxyRoute[] {
  const opdName = new Map(inv.opds.map((o) => [o.id, o.name]));
  return [
    {
      host: settings.hosts.grafana,
      upstream: "grafana:3000",
      healthPath: "/api/health",
      comment: "Grafana (NOC)",
    },
    {
      host: settings.hosts.reports,
      upstream: `collector:${COLLECTOR_PORT}`,
      healthPath: "/healthz",
      // The collector's /metrics and /snmp stay on the monitoring network.
      onlyPaths: ["/reports"],
      comment: "Capacity report (planners)",
      ...(reportAuth ? { basicAuth: reportAuth } : {}),
    },
    ...inv.apps.map((app) => ({
      host: app.domain,
      upstream: `app-${app.id}:${app.port}`,
      healthPath: app.health_path,
      comment: `${app.name} (${opdName.get(app.opd) ?? app.opd})`,
    })),
  ];
}

export interface AppHostingArgs {
  settings: StackSettings;
  inventory: Inventory;
  networks: Networks;
  /** `app_secrets`: secret key → value (keys as in the inventory's env:/file: references). */
  appSecrets: pulumi.Input<Record<string, string>>;
}

export class AppHosting extends pulumi.ComponentResource {
  readonly proxy: docker.Container;
  readonly apps: Record<string, docker.Container>;
  /** The rendered Caddyfile: a secret, since it holds the report password's bcrypt hash. */
  readonly caddyfile: pulumi.Output<string>;
  /** The report host's password for REPORT_USER (a Pulumi secret; only its hash reaches the proxy). */
  readonly reportPassword: pulumi.Output<string>;

  constructor(name: string, args: AppHostingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kapasitas:infra:AppHosting", name, {}, opts);
    const { settings, inventory, networks } = args;
    const prefix = settings.name_prefix;
    const log = { maxSize: settings.log.max_size, maxFile: settings.log.max_file };
    const parent = { parent: this };
    const opds = new Map(inventory.opds.map((o) => [o.id, o]));

    this.apps = {};
    for (const app of inventory.apps) {
      const image = new docker.RemoteImage(
        `${name}-${app.id}-image`,
        { name: app.image, keepLocally: true },
        parent,
      );
      const data = new docker.Volume(
        `${name}-${app.id}-data`,
        { name: `${prefix}-app-${app.id}-data`, labels: [{ label: LABEL.app, value: app.id }] },
        { ...parent, protect: settings.protect_data },
      );
      const secretNames = Object.keys(app.secrets);
      const secretEnv: Record<string, string> = {};
      const volumes: { volumeName: pulumi.Input<string>; containerPath: string; readOnly?: boolean }[] = [
        { volumeName: data.name, containerPath: "/data" },
      ];
      let configRevision: pulumi.Output<string> | undefined;
      if (secretNames.length > 0) {
        const provided = pulumi.output(args.appSecrets);
        const bundle = new ConfigBundle(
          `${name}-${app.id}-secrets`,
          {
            name: `${prefix}-app-${app.id}-secrets`,
            image: image.imageId,
            files: secretNames.map((envName) => {
              const key = secretKeyOf(app.secrets[envName]!);
              return {
                path: envName,
                content: provided.apply((s) => {
                  const value = s?.[key];
                  if (value === undefined) {
                    throw new Error(
                      `app ${app.id} needs secret ${key}: pulumi config set --secret --path 'app_secrets.${key}'`,
                    );
                  }
                  return value;
                }),
                // The app image's user is not known here: readable inside this container only.
                mode: "0444",
                secret: true,
              };
            }),
          },
          parent,
        );
        for (const envName of secretNames) secretEnv[`${envName}_FILE`] = `${APP_SECRETS_DIR}/${envName}`;
        volumes.push({ volumeName: bundle.volume.name, containerPath: APP_SECRETS_DIR, readOnly: true });
        configRevision = bundle.revision;
      }
      const opd = opds.get(app.opd);
      this.apps[app.id] = new docker.Container(
        `${name}-${app.id}`,
        serviceContainerArgs({
          name: `${prefix}-app-${app.id}`,
          image: image.imageId,
          role: "app",
          // user: the app image's own; the policy reports apps that run as root.
          env: { ...app.env, ...secretEnv },
          networks: [{ name: networks.apps.name, aliases: [`app-${app.id}`] }],
          volumes,
          health: { test: appHealthCheck(app), startPeriod: "1m" },
          resources: { cpus: app.resources.cpus, memory_mb: app.resources.memory_mb },
          log,
          labels: {
            [LABEL.app]: app.id,
            [LABEL.opd]: app.opd,
            [LABEL.opdName]: opd?.name ?? app.opd,
            "org.opencontainers.image.title": app.name,
          },
          ...(configRevision ? { configRevision } : {}),
        }),
        { ...parent, deleteBeforeReplace: true },
      );
    }

    // --- The reverse proxy ------------------------------------------------------------------
    const caddyImage = new docker.RemoteImage(
      `${name}-caddy-image`,
      { name: imageFor(settings, "caddy"), keepLocally: true },
      parent,
    );
    // The report page and API are published: the proxy asks for a password, generated once and kept
    // in the stack's state as a secret; only its bcrypt hash is written into the Caddyfile.
    const reportPassword = new random.RandomPassword(
      `${name}-report-password`,
      { length: 24, special: false },
      { ...parent, additionalSecretOutputs: ["bcryptHash"] },
    );
    this.reportPassword = pulumi.secret(reportPassword.result);
    this.caddyfile = pulumi.secret(
      reportPassword.bcryptHash.apply((bcryptHash) =>
        renderCaddyfile({
          tls: settings.tls,
          routes: proxyRoutes(settings, inventory, {
            user: REPORT_USER,
            bcryptHash,
            realm: "kapasitas laporan",
          }),
        }),
      ),
    );
    const caddyConfig = new ConfigBundle(
      `${name}-caddy-config`,
      {
        // Not `-caddy-config`: that is Caddy's own /config volume below, and two resources naming
        // one Docker volume would share it (and a destroy of this one would delete Caddy's).
        name: `${prefix}-caddyfile`,
        image: caddyImage.imageId,
        files: [{ path: CADDY_FILES.config, content: this.caddyfile, secret: true }],
      },
      parent,
    );
    const caddyVolume = (key: string) =>
      new docker.Volume(
        `${name}-caddy-${key}`,
        { name: `${prefix}-caddy-${key}` },
        { ...parent, protect: settings.protect_data },
      );
    const { http, https, bind_address: ip } = settings.ports;
    this.proxy = new docker.Container(
      `${name}-proxy`,
      serviceContainerArgs({
        name: `${prefix}-proxy`,
        image: caddyImage.imageId,
        role: PROXY_ROLE,
        // user: root. The caddy image has no other user, and its /data (certificates, ACME account)
        // is root-owned; every capability but binding :80/:443 is dropped instead.
        keepCapabilities: ["NET_BIND_SERVICE"],
        networks: [
          { name: networks.edge.name, aliases: [] },
          { name: networks.monitoring.name, aliases: [] },
          { name: networks.apps.name, aliases: [] },
        ],
        volumes: [
          { volumeName: caddyConfig.volume.name, containerPath: "/etc/caddy", readOnly: true },
          { volumeName: caddyVolume("data").name, containerPath: "/data" },
          { volumeName: caddyVolume("config").name, containerPath: "/config" },
        ],
        ports: [
          { internal: 80, external: http, ip },
          { internal: 443, external: https, ip },
          // HTTP/3.
          { internal: 443, external: https, ip, protocol: "udp" },
        ],
        health: { test: httpProbe(`http://127.0.0.1:${CADDY_HEALTH_PORT}/healthz`) },
        resources: resourcesFor(settings, "proxy"),
        log,
        configRevision: caddyConfig.revision,
      }),
      { ...parent, deleteBeforeReplace: true },
    );
    this.registerOutputs({ proxy: this.proxy.name, apps: Object.keys(this.apps) });
  }
}
