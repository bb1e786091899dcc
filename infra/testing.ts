// Test support for the Pulumi program: run createStack() under `pulumi.runtime.setMocks` (the Pulumi
// engine cannot run here) and record every resource it registers, inputs as the engine receives
// them (secrets still wrapped), for assertions and for policy.ts.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { loadInventoryOrThrow } from "../core/load.js";
import type { RegisteredResource } from "./policy.js";
import { parseStackSettings, type StackSettings } from "./settings.js";
import type { KapasitasStack, StackSecrets } from "./stack.js";

export const SAMPLE_INVENTORY = "inventory/tanjungpinang.yaml";

/** Distinctive values, so a test can search the whole resource graph for a leak. */
export const TEST_SECRETS = {
  snmp: {
    KAPASITAS_CORE1_AUTH_KEY: "test-secret-core1-auth-5d1f",
    KAPASITAS_CORE1_PRIV_KEY: "test-secret-core1-priv-9a2c",
    "dist-1-community": "test-secret-dist1-community-77e0",
    KAPASITAS_DIST2_COMMUNITY: "test-secret-dist2-community-3b6b",
  },
  apps: { APEKEJE_DB_PASSWORD: "test-secret-apekeje-db-c41d" },
  smtpPassword: "test-secret-smtp-0e9f",
  telegramBotToken: "123456:test-secret-telegram-aa18",
  grafanaPassword: "test-secret-grafana-admin-61b2",
  /** What the mocks answer for every RandomPassword's bcryptHash (`caddy hash-password` of it). */
  passwordHash: "$2a$14$ZI0vaPoDUq0Dp0aiBsfV3OjnHsqF85H0.P4VLAe9X5j.1nslP93Hq",
  /** The plaintext of passwordHash. */
  hashedPassword: "test-report-password",
} as const;

/** A stack file's `kapasitas:*` config as the program sees it. */
export function stackFileSettings(file: string): StackSettings {
  const doc = parse(readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  const raw = Object.fromEntries(
    Object.entries(doc.config)
      .filter(([k]) => k.startsWith("kapasitas:"))
      .map(([k, v]) => [k.slice("kapasitas:".length), v]),
  );
  return parseStackSettings(raw);
}

/** A registered resource with the one resource option a replay must honour. */
export interface CapturedResource extends RegisteredResource {
  /** `protect`: `pulumi destroy` refuses to delete it (data volumes with `protect_data`). */
  protect: boolean;
}

export interface MockedStack {
  stack: KapasitasStack;
  resources: CapturedResource[];
}

interface MonitorWithRegister {
  registerResource(
    req: { getType(): string; getName(): string; getProtect(): boolean | undefined },
    cb: unknown,
  ): void;
}

/** Outputs resolve once their resources are registered; wait for all of them. */
export function settle<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

export async function mockedStack(
  settings: StackSettings,
  secrets: Partial<StackSecrets> = {},
): Promise<MockedStack> {
  const resources: CapturedResource[] = [];
  // Mocks see inputs but not resource options: note `protect` as the request passes the monitor.
  const protect = new Map<string, boolean>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          protect: protect.get(`${args.type}::${args.name}`) ?? false,
        });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:mock-${args.name}`;
        if (args.type === "docker:index/image:Image") state.repoDigest = `sha256:mock-${args.name}`;
        if (args.type === "random:index/randomPassword:RandomPassword") {
          state.result = TEST_SECRETS.grafanaPassword;
          state.bcryptHash = TEST_SECRETS.passwordHash;
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "kapasitas",
    "test",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithRegister;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    protect.set(`${req.getType()}::${req.getName()}`, req.getProtect() ?? false);
    register(req, cb);
  };
  // Imported after setMocks, as Pulumi's testing guide asks.
  const { createStack } = await import("./stack.js");
  const inventory = loadInventoryOrThrow(SAMPLE_INVENTORY);
  const stack = createStack({
    settings,
    inventory,
    inventoryText: readFileSync(SAMPLE_INVENTORY, "utf8"),
    version: "0.0.0-test",
    secrets: {
      snmp: pulumi.secret({ ...TEST_SECRETS.snmp }),
      apps: pulumi.secret({ ...TEST_SECRETS.apps }),
      smtpPassword: pulumi.secret(TEST_SECRETS.smtpPassword),
      telegramBotToken: pulumi.secret(TEST_SECRETS.telegramBotToken),
      ...secrets,
    },
  });
  const containers = [
    stack.monitoring.prometheus,
    stack.monitoring.alertmanager,
    stack.monitoring.grafana,
    stack.hosting.proxy,
    ...stack.collector.containers,
    ...Object.values(stack.hosting.apps),
  ];
  await settle(pulumi.all(containers.map((c) => c.id)));
  return { stack, resources };
}
