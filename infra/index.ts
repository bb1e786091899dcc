// Pulumi entry point (Pulumi.yaml: main infra/): read the stack's config and secrets, load the
// inventory (nothing deploys from an invalid one), build the stack on the configured Docker host.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parseInventory, formatProblem } from "../collector/inventory/load.js";
import { policyTransform } from "./policy.js";
import { parseStackSettings, SECRET_KEYS } from "./settings.js";
import { createStack, dockerProvider } from "./stack.js";

const NAMESPACE = "kapasitas";
const secretKeys = new Set<string>(Object.values(SECRET_KEYS));

/** The stack's plain `kapasitas:*` keys as one object (structured values arrive as JSON text). */
function plainConfig(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
    const [namespace, key] = fullKey.split(":", 2) as [string, string | undefined];
    if (namespace !== NAMESPACE || key === undefined || secretKeys.has(key)) continue;
    try {
      out[key] = JSON.parse(text);
    } catch {
      out[key] = text;
    }
  }
  return out;
}

const config = new pulumi.Config(NAMESPACE);
const settings = parseStackSettings(plainConfig());

const inventoryText = readFileSync(settings.inventory, "utf8");
const loaded = parseInventory(inventoryText, settings.inventory);
if (!loaded.ok) {
  throw new Error(`the inventory is invalid:\n${loaded.problems.map(formatProblem).join("\n")}`);
}

// Every container this program declares is held to the hosting policy before Docker sees it.
pulumi.runtime.registerResourceTransform(policyTransform);

const packageVersion = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
const provider = dockerProvider(settings);
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
export const collectorImage = stack.collector.image.imageName;
