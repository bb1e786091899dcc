// The whole data-centre stack from three inputs: the validated stack settings, the inventory, and the
// secrets (Pulumi secret outputs). index.ts reads them from the stack; tests pass them directly.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Inventory } from "../core/schema.js";
import { AppHosting } from "./components/app-hosting.js";
import { Collector } from "./components/collector.js";
import { Monitoring } from "./components/monitoring.js";
import { Networks } from "./components/networks.js";
import { mixinFor, publicUrls } from "./mixin.js";
import { mixinOverrides } from "./render/grafana.js";
import { devicesByInterval, formatSeconds } from "./render/prometheus.js";
import type { StackSettings } from "./settings.js";

export interface StackSecrets {
  snmp: pulumi.Input<Record<string, string>>;
  apps: pulumi.Input<Record<string, string>>;
  smtpPassword?: pulumi.Input<string> | undefined;
  telegramBotToken?: pulumi.Input<string> | undefined;
  remoteWritePassword?: pulumi.Input<string> | undefined;
}

export interface StackInputs {
  settings: StackSettings;
  inventory: Inventory;
  inventoryText: string;
  secrets: StackSecrets;
  /** Tag of the collector image. */
  version: string;
}

export interface KapasitasStack {
  networks: Networks;
  collector: Collector;
  monitoring: Monitoring;
  hosting: AppHosting;
  urls: { grafana: string; reports: string; apps: Record<string, string> };
  grafanaAdminPassword: pulumi.Output<string>;
  /** The report host's basic-auth password (user REPORT_USER). */
  reportPassword: pulumi.Output<string>;
}

export function createStack(inputs: StackInputs, opts?: pulumi.ComponentResourceOptions): KapasitasStack {
  const { settings, inventory } = inputs;
  const url = (host: string) => `https://${host}/`;
  const urls = {
    ...publicUrls(settings.hosts),
    apps: Object.fromEntries(inventory.apps.map((a) => [a.id, url(a.domain)])),
  };

  // Grafana's $__rate_interval is 4x this: take the longest poll so every device's rate() window
  // holds enough samples (the shortest would leave 60 s devices with two samples per window).
  const longest = devicesByInterval(inventory).at(-1)!.intervalSeconds;
  const mixin = mixinFor(
    inventory,
    mixinOverrides({
      publicUrl: urls.grafana,
      reportUrl: urls.reports,
      prometheusUrl: "http://prometheus:9090",
      scrapeInterval: formatSeconds(longest) as `${number}${"s" | "m" | "h"}`,
    }),
  );

  const networks = new Networks(
    "networks",
    { prefix: settings.name_prefix, appsEgress: settings.apps_egress },
    opts,
  );
  const collector = new Collector(
    "collector",
    {
      settings,
      inventory,
      inventoryText: inputs.inventoryText,
      networks,
      snmpSecrets: inputs.secrets.snmp,
      version: inputs.version,
    },
    opts,
  );
  const monitoring = new Monitoring(
    "monitoring",
    {
      settings,
      inventory,
      mixin,
      networks,
      collectors: collector.addresses,
      grafanaPublicUrl: urls.grafana,
      secrets: {
        smtpPassword: inputs.secrets.smtpPassword,
        telegramBotToken: inputs.secrets.telegramBotToken,
        remoteWritePassword: inputs.secrets.remoteWritePassword,
      },
    },
    opts,
  );
  const hosting = new AppHosting(
    "hosting",
    { settings, inventory, networks, appSecrets: inputs.secrets.apps },
    opts,
  );
  return {
    networks,
    collector,
    monitoring,
    hosting,
    urls,
    grafanaAdminPassword: monitoring.grafanaAdminPassword,
    reportPassword: hosting.reportPassword,
  };
}

/**
 * The provider for the stack's Docker host (unix socket locally, ssh:// for the data centre), with
 * the credentials of the private registries the apps come from.
 */
export function dockerProvider(
  settings: StackSettings,
  registryPasswords: pulumi.Input<Record<string, string>> = {},
): docker.Provider {
  const passwords = pulumi.secret(pulumi.output(registryPasswords));
  return new docker.Provider("docker-host", {
    host: settings.docker_host,
    registryAuth: settings.registries.map((r) => ({
      address: r.address,
      username: r.username,
      password: passwords.apply((p) => {
        const password = p?.[r.address];
        if (password === undefined) {
          throw new Error(
            `registry ${r.address} needs a password: pulumi config set --secret --path 'registry_passwords["${r.address}"]'`,
          );
        }
        return password;
      }),
    })),
    // Keep SSH sessions multiplexed: a `pulumi up` makes hundreds of API calls.
    ...(settings.docker_host.startsWith("ssh://")
      ? {
          sshOpts: [
            "-o",
            "ControlMaster=auto",
            "-o",
            "ControlPersist=60s",
            "-o",
            "ControlPath=~/.ssh/kapasitas-%C",
          ],
        }
      : {}),
  });
}
