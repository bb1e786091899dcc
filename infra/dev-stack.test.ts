// The dev stack file, scaled out: three collector shards and remote_write to a long-term store.
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../core/load.js";
import { CONTAINER_TYPE, checkPolicies, formatViolations, unwrapSecrets } from "./policy.js";
import { missingSecretKeys, snmpSecretUses } from "./render/inventory.js";
import { parseStackSettings } from "./settings.js";
import { mockedStack, SAMPLE_INVENTORY, settle, stackFileSettings, type MockedStack } from "./testing.js";

interface ContainerView {
  name: string;
  start?: boolean;
  command?: string[];
  ports?: { ip: string; external: number; internal: number; protocol: string }[];
  networksAdvanced: { name: string; aliases: string[] }[];
  uploads?: { file: string; content: string; permissions: string; owner?: string }[];
}

const REMOTE_WRITE_PASSWORD = "test-secret-remote-write-2f7c";
let m: MockedStack;
const containers = () =>
  m.resources.filter((r) => r.type === CONTAINER_TYPE).map((r) => unwrapSecrets(r.inputs) as ContainerView);
const byName = (name: string) => containers().find((c) => c.name === name)!;

beforeAll(async () => {
  const dev = stackFileSettings("Pulumi.dev.yaml");
  const settings = parseStackSettings({
    ...dev,
    collector_shards: 3,
    prometheus: {
      ...dev.prometheus,
      remote_write: { url: "https://mimir.example.go.id/api/v1/push", username: "kapasitas" },
    },
  });
  m = await mockedStack(settings, { remoteWritePassword: pulumi.secret(REMOTE_WRITE_PASSWORD) });
});

describe("dev stack with three collector shards and remote_write", () => {
  it("runs three collectors, shard i started with --shard i/3, all answering to `collector`", () => {
    for (const shard of [0, 1, 2]) {
      const c = byName(`kapasitas-dev-collector-${shard}`);
      expect(c.command?.slice(-2)).toEqual(["--shard", `${shard}/3`]);
      expect(c.networksAdvanced.find((n) => n.name === "kapasitas-dev-monitoring")?.aliases).toEqual([
        `collector-${shard}`,
        "collector",
      ]);
    }
  });

  it("renders one hashmod over the three shards and remote_write with a password file", () => {
    const config = parse(m.stack.monitoring.prometheusConfig) as {
      scrape_configs: {
        job_name: string;
        relabel_configs?: Record<string, unknown>[];
        static_configs: { targets: string[] }[];
      }[];
      remote_write: { url: string; basic_auth: { username: string; password_file: string } }[];
    };
    const snmp = config.scrape_configs.find((j) => j.job_name === "kapasitas-snmp-30s")!;
    expect(snmp.relabel_configs).toContainEqual({
      source_labels: ["__param_target"],
      modulus: 3,
      target_label: "__tmp_shard",
      action: "hashmod",
    });
    const collectors = config.scrape_configs.find((j) => j.job_name === "kapasitas-collector")!;
    expect(collectors.static_configs[0]!.targets).toEqual([
      "collector-0:9105",
      "collector-1:9105",
      "collector-2:9105",
    ]);
    expect(config.remote_write[0]!.basic_auth).toEqual({
      username: "kapasitas",
      password_file: "secrets/remote-write-password",
    });
    const seed = byName("kapasitas-dev-prometheus-config-seed");
    const password = seed.uploads!.find((u) => u.file.endsWith("secrets/remote-write-password"))!;
    expect(password).toMatchObject({ content: REMOTE_WRITE_PASSWORD, permissions: "0400", owner: "65534" });
    const raw = m.resources.find((r) => r.name === "monitoring-prometheus-config-seed")!;
    expect(JSON.stringify(raw.inputs.uploads)).toContain("4dabf18193072939515e22adb298388d");
  });

  it("publishes on loopback only, on the dev ports, with Caddy's internal CA", async () => {
    expect(byName("kapasitas-dev-proxy").ports!.map((p) => `${p.ip}:${p.external}`)).toEqual([
      "127.0.0.1:8080",
      "127.0.0.1:8443",
      "127.0.0.1:8443",
    ]);
    expect(await settle(m.stack.hosting.caddyfile)).toMatch(/noc\.kapasitas\.localhost \{\n\ttls internal/);
  });

  it("still passes the hosting policy", () => {
    const errors = checkPolicies(m.resources).filter((v) => v.severity === "error");
    expect(formatViolations(errors)).toBe("");
  });

  it("names missing SNMP secrets by key and inventory path, never by value", () => {
    const uses = snmpSecretUses(loadInventoryOrThrow(SAMPLE_INVENTORY));
    expect(missingSecretKeys(uses, { KAPASITAS_CORE1_AUTH_KEY: "x", KAPASITAS_CORE1_PRIV_KEY: "y" })).toEqual(
      [
        "dist-1-community (devices[1].snmp.community)",
        "KAPASITAS_DIST2_COMMUNITY (devices[2].snmp.community)",
      ],
    );
  });
});
