// The real entry point (infra/index.ts), as `pulumi up` would run it, with the stack config that
// Pulumi.production.yaml plus `pulumi config set --secret` would give it. Only the engine is mocked;
// resource transforms need the CLI, so the registration is captured instead of executed.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it, vi } from "vitest";
import { CONTAINER_TYPE } from "./policy.js";
import { policyTransform } from "./policy.js";
import { settle, TEST_SECRETS } from "./testing.js";

const REGISTRY_PASSWORD = "test-secret-registry-8d0e";

describe("infra/index.ts", () => {
  it("reads the stack config and secrets, and exports URLs and the Grafana password as a secret", async () => {
    const registered: { type: string; inputs: Record<string, unknown> }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          registered.push({ type: args.type, inputs: args.inputs as Record<string, unknown> });
          const state: Record<string, unknown> = { ...args.inputs };
          if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
          if (args.type === "docker:index/image:Image") state.repoDigest = `sha256:${args.name}`;
          if (args.type === "random:index/randomPassword:RandomPassword") {
            state.result = TEST_SECRETS.grafanaPassword;
            state.bcryptHash = TEST_SECRETS.passwordHash;
          }
          return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
      },
      "kapasitas",
      "production",
      false,
    );
    // What Pulumi puts in the program's environment: every key a JSON or plain string.
    const file = parse(readFileSync("Pulumi.production.yaml", "utf8")) as { config: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(file.config)) {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    config["kapasitas:snmp_secrets"] = JSON.stringify(TEST_SECRETS.snmp);
    config["kapasitas:app_secrets"] = JSON.stringify(TEST_SECRETS.apps);
    config["kapasitas:smtp_password"] = TEST_SECRETS.smtpPassword;
    config["kapasitas:telegram_bot_token"] = TEST_SECRETS.telegramBotToken;
    config["kapasitas:registry_passwords"] = JSON.stringify({
      "registry.tanjungpinangkota.go.id": REGISTRY_PASSWORD,
    });
    pulumi.runtime.setAllConfig(config, [
      "kapasitas:registry_passwords",
      "kapasitas:snmp_secrets",
      "kapasitas:app_secrets",
      "kapasitas:smtp_password",
      "kapasitas:telegram_bot_token",
    ]);
    const transforms = vi
      .spyOn(pulumi.runtime, "registerResourceTransform")
      .mockImplementation(() => undefined);

    const program = await import("./index.js");

    expect(transforms).toHaveBeenCalledWith(policyTransform);
    expect(await settle(pulumi.output(program.grafanaUrl))).toBe("https://noc.tanjungpinangkota.go.id/");
    expect(await settle(pulumi.output(program.reportsUrl))).toBe(
      "https://kapasitas.tanjungpinangkota.go.id/reports",
    );
    expect(await pulumi.isSecret(program.grafanaAdminPassword)).toBe(true);
    expect(await settle(program.collectorImage)).toMatch(/^kapasitas\/collector:\d+\.\d+\.\d+/);
    const provider = registered.find((r) => r.type === "pulumi:providers:docker");
    expect(provider?.inputs.host).toBe("ssh://deploy@dc-docker-1.tanjungpinangkota.go.id");
    // The registry password reaches the provider, wrapped as a secret (encrypted in the state).
    const auth = JSON.stringify(provider?.inputs.registryAuth);
    expect(auth).toContain("4dabf18193072939515e22adb298388d");
    expect(auth).toContain(REGISTRY_PASSWORD);
    // 11 services (5 of the stack, 6 apps) and 6 config seeds, registered as their inputs resolve.
    const containers = () => registered.filter((r) => r.type === CONTAINER_TYPE).length;
    // All containers to register (a unit test: vitest's own bounded polling, no lab/ helper).
    await vi.waitFor(() => expect(containers()).toBeGreaterThanOrEqual(17), {
      timeout: 20_000,
      interval: 100,
    });
    expect(containers()).toBe(17);
  });
});
