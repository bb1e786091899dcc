// Pulumi entry point (Pulumi.yaml: main infra/): read the stack's config and secrets, load the
// inventory (nothing deploys from an invalid one), build the stack on the configured Docker host.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parseInventory, formatProblem } from "../core/load.js";
import { REPORT_USER } from "./components/app-hosting.js";
import { policyTransform } from "./policy.js";
import { parseStackSettings, SECRET_KEYS, settingsFromConfigMap } from "./settings.js";
import { createStack, dockerProvider } from "./stack.js";

const config = new pulumi.Config("kapasitas");
const settings = parseStackSettings(settingsFromConfigMap(pulumi.runtime.allConfig()));

const inventoryText = readFileSync(settings.inventory, "utf8");
const loaded = parseInventory(inventoryText, settings.inventory);
if (!loaded.ok) {
  throw new Error(`the inventory is invalid:\n${loaded.problems.map(formatProblem).join("\n")}`);
}

// Every container this program declares is held to the hosting policy before Docker sees it.
pulumi.runtime.registerResourceTransform(policyTransform);

const packageVersion = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
const provider = dockerProvider(
  settings,
  config.getSecretObject<Record<string, string>>(SECRET_KEYS.registryPasswords) ?? {},
);
const stack = createStack(
  {
    settings,
    inventory: loaded.inventory,
    inventoryText,
    version: packageVersion,
    secrets: {
      snmp: config.getSecretObject<Record<string, string>>(SECRET_KEYS.snmp) ?? pulumi.secret({}),
      apps: config.getSecretObject<Record<string, string>>(SECRET_KEYS.apps) ?? pulumi.secret({}),
      smtpPassword: config.getSecret(SECRET_KEYS.smtpPassword),
      telegramBotToken: config.getSecret(SECRET_KEYS.telegramBotToken),
      remoteWritePassword: config.getSecret(SECRET_KEYS.remoteWritePassword),
    },
  },
  { providers: { docker: provider } },
);

export const grafanaUrl = stack.urls.grafana;
export const reportsUrl = stack.urls.reports;
export const appUrls = stack.urls.apps;
export const grafanaAdminPassword = stack.grafanaAdminPassword;
/** `pulumi stack output reportPassword --show-secrets`; the user is REPORT_USER ("perencana"). */
export const reportPassword = stack.reportPassword;
export const reportUser = REPORT_USER;
export const collectorImage = stack.collector.image.imageName;
