// Prometheus, Alertmanager and Grafana: configs rendered by the pure functions in render/, delivered
// through read-only config volumes, data on named volumes, nothing published (the proxy fronts Grafana).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Inventory } from "../../core/schema.js";
import type { Mixin } from "../mixin.js";
import { ALERTMANAGER_FILES, renderAlertmanagerConfig } from "../render/alertmanager.js";
import { GRAFANA_CONFIG_DIR, GRAFANA_FILES, grafanaEnvironment, grafanaFiles } from "../render/grafana.js";
import { PROMETHEUS_FILES, renderPrometheusConfig, toYaml } from "../render/prometheus.js";
import { imageFor, resourcesFor, type StackSettings } from "../settings.js";
import { IMAGE_USERS } from "../versions.js";
import { ConfigBundle } from "./config-bundle.js";
import { httpProbe, serviceContainerArgs } from "./container.js";
import type { Networks } from "./networks.js";

const HEADER = "Rendered by infra/ (Pulumi) from the inventory and the stack config: do not edit here.";

export interface MonitoringArgs {
  settings: StackSettings;
  inventory: Inventory;
  mixin: Mixin;
  networks: Networks;
  /** host:port of each collector shard, shard 0 first. */
  collectors: string[];
  grafanaPublicUrl: string;
  secrets: {
    smtpPassword?: pulumi.Input<string> | undefined;
    telegramBotToken?: pulumi.Input<string> | undefined;
    remoteWritePassword?: pulumi.Input<string> | undefined;
  };
}

export class Monitoring extends pulumi.ComponentResource {
  readonly prometheus: docker.Container;
  readonly alertmanager: docker.Container;
  readonly grafana: docker.Container;
  readonly grafanaAdminPassword: pulumi.Output<string>;
  /** Exactly what is uploaded, for tests and `pulumi stack output`. */
  readonly prometheusConfig: string;
  readonly alertmanagerConfig: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kapasitas:infra:Monitoring", name, {}, opts);
    const { settings, networks } = args;
    const prefix = settings.name_prefix;
    const log = { maxSize: settings.log.max_size, maxFile: settings.log.max_file };
    const parent = { parent: this };
    const pull = (key: "prometheus" | "alertmanager" | "grafana") =>
      new docker.RemoteImage(
        `${name}-${key}-image`,
        { name: imageFor(settings, key), keepLocally: true },
        parent,
      );
    const dataVolume = (key: string) =>
      new docker.Volume(
        `${name}-${key}-data`,
        { name: `${prefix}-${key}-data` },
        { ...parent, protect: settings.protect_data },
      );

    // --- Prometheus -------------------------------------------------------------------------
    const prometheusImage = pull("prometheus");
    const remoteWrite = settings.prometheus.remote_write;
    const hasRemoteWritePassword = remoteWrite?.username !== undefined;
    if (hasRemoteWritePassword && args.secrets.remoteWritePassword === undefined) {
      throw new Error(
        "prometheus.remote_write.username is set: set the secret kapasitas:remote_write_password",
      );
    }
    this.prometheusConfig = toYaml(
      renderPrometheusConfig(args.inventory, {
        collectors: args.collectors,
        alertmanagers: ["alertmanager:9093"],
        ruleFiles: [PROMETHEUS_FILES.rules],
        externalLabels: settings.prometheus.external_labels,
        evaluationInterval: args.mixin.config.ruleInterval,
        ...(remoteWrite
          ? {
              remoteWrite: {
                url: remoteWrite.url,
                username: remoteWrite.username,
                passwordFile: hasRemoteWritePassword ? PROMETHEUS_FILES.remoteWritePassword : undefined,
              },
            }
          : {}),
      }),
      HEADER,
    );
    const prometheusConfig = new ConfigBundle(
      `${name}-prometheus-config`,
      {
        name: `${prefix}-prometheus-config`,
        image: prometheusImage.imageId,
        files: [
          { path: PROMETHEUS_FILES.config, content: this.prometheusConfig },
          { path: PROMETHEUS_FILES.rules, content: args.mixin.rulesYaml },
          ...(hasRemoteWritePassword
            ? [
                {
                  path: PROMETHEUS_FILES.remoteWritePassword,
                  content: args.secrets.remoteWritePassword!,
                  owner: IMAGE_USERS.prometheus,
                  secret: true,
                },
              ]
            : []),
        ],
      },
      parent,
    );
    const prometheusData = dataVolume("prometheus");
    const retention = [`--storage.tsdb.retention.time=${settings.prometheus.retention_time}`];
    if (settings.prometheus.retention_size) {
      retention.push(`--storage.tsdb.retention.size=${settings.prometheus.retention_size}`);
    }
    this.prometheus = new docker.Container(
      `${name}-prometheus`,
      serviceContainerArgs({
        name: `${prefix}-prometheus`,
        image: prometheusImage.imageId,
        role: "prometheus",
        user: `${IMAGE_USERS.prometheus}:${IMAGE_USERS.prometheus}`,
        command: [
          "--config.file=/etc/prometheus/prometheus.yml",
          "--storage.tsdb.path=/prometheus",
          ...retention,
          "--web.listen-address=:9090",
        ],
        networks: [{ name: networks.monitoring.name, aliases: ["prometheus"] }],
        volumes: [
          { volumeName: prometheusConfig.volume.name, containerPath: "/etc/prometheus", readOnly: true },
          { volumeName: prometheusData.name, containerPath: "/prometheus" },
        ],
        // Replaying the WAL of a year of data takes a while after an upgrade.
        health: { test: httpProbe("http://127.0.0.1:9090/-/healthy"), startPeriod: "5m" },
        waitTimeoutSeconds: 600,
        resources: resourcesFor(settings, "prometheus"),
        log,
        configRevision: prometheusConfig.revision,
      }),
      { ...parent, deleteBeforeReplace: true },
    );

    // --- Alertmanager -----------------------------------------------------------------------
    const alertmanagerImage = pull("alertmanager");
    this.alertmanagerConfig = pulumi.secret(
      pulumi
        .all([args.secrets.smtpPassword, args.secrets.telegramBotToken])
        .apply(([smtpPassword, telegramBotToken]) =>
          toYaml(renderAlertmanagerConfig(settings.alerting, { smtpPassword, telegramBotToken }), HEADER),
        ),
    );
    const alertmanagerConfig = new ConfigBundle(
      `${name}-alertmanager-config`,
      {
        name: `${prefix}-alertmanager-config`,
        image: alertmanagerImage.imageId,
        files: [
          {
            path: ALERTMANAGER_FILES.config,
            content: this.alertmanagerConfig,
            owner: IMAGE_USERS.alertmanager,
            secret: true,
          },
        ],
      },
      parent,
    );
    const alertmanagerData = dataVolume("alertmanager");
    this.alertmanager = new docker.Container(
      `${name}-alertmanager`,
      serviceContainerArgs({
        name: `${prefix}-alertmanager`,
        image: alertmanagerImage.imageId,
        role: "alertmanager",
        user: `${IMAGE_USERS.alertmanager}:${IMAGE_USERS.alertmanager}`,
        command: [
          "--config.file=/etc/alertmanager/alertmanager.yml",
          "--storage.path=/alertmanager",
          // One Alertmanager: no gossip port to open.
          "--cluster.listen-address=",
        ],
        networks: [
          { name: networks.monitoring.name, aliases: ["alertmanager"] },
          // Route out for mail and Telegram.
          { name: networks.edge.name, aliases: [] },
        ],
        volumes: [
          { volumeName: alertmanagerConfig.volume.name, containerPath: "/etc/alertmanager", readOnly: true },
          { volumeName: alertmanagerData.name, containerPath: "/alertmanager" },
        ],
        health: { test: httpProbe("http://127.0.0.1:9093/-/healthy") },
        resources: resourcesFor(settings, "alertmanager"),
        log,
        configRevision: alertmanagerConfig.revision,
      }),
      { ...parent, deleteBeforeReplace: true },
    );

    // --- Grafana ----------------------------------------------------------------------------
    const grafanaImage = pull("grafana");
    const password = new random.RandomPassword(
      `${name}-grafana-admin-password`,
      { length: 24, special: false },
      parent,
    );
    this.grafanaAdminPassword = pulumi.secret(password.result);
    const grafanaConfig = new ConfigBundle(
      `${name}-grafana-config`,
      {
        name: `${prefix}-grafana-config`,
        image: grafanaImage.imageId,
        files: [
          ...Object.entries(grafanaFiles(args.mixin)).map(([path, content]) => ({ path, content })),
          {
            path: GRAFANA_FILES.adminPassword,
            content: this.grafanaAdminPassword,
            owner: IMAGE_USERS.grafana,
            secret: true,
          },
        ],
      },
      parent,
    );
    const grafanaData = dataVolume("grafana");
    this.grafana = new docker.Container(
      `${name}-grafana`,
      serviceContainerArgs({
        name: `${prefix}-grafana`,
        image: grafanaImage.imageId,
        role: "grafana",
        user: IMAGE_USERS.grafana,
        env: grafanaEnvironment(args.grafanaPublicUrl),
        networks: [{ name: networks.monitoring.name, aliases: ["grafana"] }],
        // Logs go to the console; the image still expects its log directory to be writable.
        tmpfs: { "/var/log/grafana": "rw,noexec,nosuid,size=16m" },
        volumes: [
          { volumeName: grafanaConfig.volume.name, containerPath: GRAFANA_CONFIG_DIR, readOnly: true },
          { volumeName: grafanaData.name, containerPath: "/var/lib/grafana" },
        ],
        health: { test: httpProbe("http://127.0.0.1:3000/api/health"), startPeriod: "2m" },
        resources: resourcesFor(settings, "grafana"),
        log,
        configRevision: grafanaConfig.revision,
      }),
      { ...parent, deleteBeforeReplace: true },
    );

    this.registerOutputs({
      prometheus: this.prometheus.name,
      alertmanager: this.alertmanager.name,
      grafana: this.grafana.name,
      grafanaAdminPassword: this.grafanaAdminPassword,
    });
  }
}
