// The rendered configs checked by the real tools, on exactly what the program uploads: every config
// seed's files are written to a temp dir at the paths the containers see (e.g. <tmp>/etc/prometheus/
// prometheus.yml), then promtool, amtool and caddy check them, and the collector's inventory is
// loaded with its secret files resolved the way the collector resolves them.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInventory } from "../core/load.js";
import { resolveSecret } from "../collector/snmp/secrets.js";
import { findBinary, requireBinary } from "../lab/binaries.js";
import { runOrThrow } from "../lab/process.js";
import { CONTAINER_TYPE, unwrapSecrets } from "../infra/policy.js";
import { mockedStack, stackFileSettings, TEST_SECRETS, type MockedStack } from "../infra/testing.js";

interface Upload {
  file: string;
  content: string;
}
interface ContainerInputs {
  name: string;
  start?: boolean;
  uploads?: Upload[];
  volumes?: { volumeName: string; containerPath: string }[];
}

/** Caddy is not in the foundation's binary table (it is new with infra/): same contract, own line. */
function requireCaddy(): string {
  const found = findBinary("caddy");
  if (!found) throw new Error("missing caddy: apt-get install -y caddy");
  return found;
}

let m: MockedStack;
let root: string;

/** Write each seed's uploads where the service that mounts its volume sees them. */
function materialise(stack: MockedStack, dir: string): void {
  const containers = stack.resources
    .filter((r) => r.type === CONTAINER_TYPE)
    .map((r) => unwrapSecrets(r.inputs) as ContainerInputs);
  const services = containers.filter((c) => c.start !== false);
  for (const seed of containers.filter((c) => c.start === false)) {
    const seedMount = seed.volumes![0]!;
    const service = services.find((s) => s.volumes?.some((v) => v.volumeName === seedMount.volumeName));
    if (!service) throw new Error(`no service mounts ${seedMount.volumeName}`);
    const mountedAt = service.volumes!.find((v) => v.volumeName === seedMount.volumeName)!.containerPath;
    for (const upload of seed.uploads ?? []) {
      const target = join(dir, mountedAt, upload.file.slice(seedMount.containerPath.length));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, upload.content);
    }
  }
}

beforeAll(async () => {
  m = await mockedStack(stackFileSettings("Pulumi.production.yaml"));
  root = mkdtempSync(join(tmpdir(), "kapasitas-infra-"));
  materialise(m, root);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the uploaded configuration, checked by the real tools", () => {
  it("promtool accepts prometheus.yml (and the rule file it names)", async () => {
    const promtool = requireBinary("promtool");
    const result = await runOrThrow(promtool, [
      "check",
      "config",
      join(root, "etc/prometheus/prometheus.yml"),
    ]);
    expect(result.stdout).toMatch(/SUCCESS: 1 rule files found/);
  });

  it("promtool accepts the mixin's rules as uploaded", async () => {
    const promtool = requireBinary("promtool");
    const result = await runOrThrow(promtool, [
      "check",
      "rules",
      join(root, "etc/prometheus/rules/kapasitas-rules.yaml"),
    ]);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("amtool accepts alertmanager.yml with e-mail and Telegram receivers", async () => {
    const amtool = requireBinary("amtool");
    const result = await runOrThrow(amtool, [
      "check-config",
      join(root, "etc/alertmanager/alertmanager.yml"),
    ]);
    expect(result.stdout).toMatch(/SUCCESS/);
    expect(result.stdout).toMatch(/2 receivers/);
  });

  it("amtool routes critical alerts to the on-call receiver and the rest to the NOC", async () => {
    const amtool = requireBinary("amtool");
    const config = `--config.file=${join(root, "etc/alertmanager/alertmanager.yml")}`;
    const route = async (...labels: string[]) =>
      (await runOrThrow(amtool, ["config", "routes", "test", config, ...labels])).stdout.trim();
    expect(await route("alertname=UplinkSaturated", "severity=critical", "uplink=telkom-astinet")).toBe(
      "noc-oncall",
    );
    expect(await route("alertname=OpdSaturated", "severity=warning", "opd=dinkes")).toBe("noc");
  });

  it("caddy validates the Caddyfile (Debian's caddy 2.6; the image runs 2.10)", async () => {
    const caddy = requireCaddy();
    const result = await runOrThrow(caddy, [
      "validate",
      "--adapter",
      "caddyfile",
      "--config",
      join(root, "etc/caddy/Caddyfile"),
    ]);
    expect(`${result.stdout}${result.stderr}`).toMatch(/Valid configuration/);
  });

  it("the collector's inventory loads, and each secret reference resolves to its delivered file", () => {
    const text = readFileSync(join(root, "etc/kapasitas/inventory.yaml"), "utf8");
    const loaded = parseInventory(text, "inventory.yaml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const resolved = loaded.inventory.devices.flatMap((d) =>
      [
        d.snmp.version === "v2c" ? d.snmp.community : undefined,
        ...(d.snmp.version === "v3" ? [d.snmp.auth_key, d.snmp.priv_key] : []),
      ]
        .filter((ref): ref is string => ref !== undefined)
        .map((ref) => resolveSecret(`file:${join(root, ref.slice("file:".length))}`)),
    );
    expect(resolved.sort()).toEqual(Object.values(TEST_SECRETS.snmp).sort());
  });

  it("Grafana's provider points at the directory the dashboards are delivered to", () => {
    const provider = parse(
      readFileSync(join(root, "etc/kapasitas/grafana/provisioning/dashboards/kapasitas.yaml"), "utf8"),
    ) as { providers: { options: { path: string } }[] };
    const dir = join(root, provider.providers[0]!.options.path);
    const delivered = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(delivered.length).toBeGreaterThan(0);
    for (const file of delivered) {
      const model = JSON.parse(readFileSync(join(dir, file), "utf8")) as { uid?: string };
      expect(model.uid, file).toBeTruthy();
    }
    const datasources = parse(
      readFileSync(join(root, "etc/kapasitas/grafana/provisioning/datasources/kapasitas.yaml"), "utf8"),
    ) as { datasources: { uid: string; url: string; jsonData: { timeInterval: string } }[] };
    expect(datasources.datasources[0]).toMatchObject({
      uid: "kapasitas-prometheus",
      url: "http://prometheus:9090",
      // The longest poll (dist-1, dist-2: 60s): $__rate_interval (4x) then holds four of their samples.
      jsonData: { timeInterval: "1m" },
    });
  });
});
