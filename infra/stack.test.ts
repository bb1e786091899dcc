// The resource graph for the sample inventory with the example production stack, under Pulumi mocks.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseInventory } from "../core/load.js";
import { LABEL, MAX_PROCESSES } from "./components/container.js";
import { COLLECTOR_OPEN_FILES } from "./components/collector.js";
import { CONTAINER_TYPE, checkPolicies, formatViolations, unwrapSecrets } from "./policy.js";
import type { RegisteredResource } from "./policy.js";
import { mockedStack, settle, stackFileSettings, TEST_SECRETS, type MockedStack } from "./testing.js";
import { collectorNodeFlags } from "./sizing.js";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The container inputs these tests read, as the engine receives them (secrets unwrapped). */
interface ContainerView {
  name: string;
  start?: boolean;
  image: string;
  command?: string[];
  user?: string;
  envs?: string[];
  memory: number;
  cpus: string;
  restart: string;
  readOnly: boolean;
  privileged: boolean;
  securityOpts: string[];
  capabilities: { drops: string[] };
  logOpts: Record<string, string>;
  healthcheck: { tests: string[] };
  ports?: { ip: string; external: number; internal: number; protocol: string }[];
  networksAdvanced: { name: string }[];
  volumes: { volumeName: string; containerPath: string; readOnly: boolean }[];
  labels: { label: string; value: string }[];
  uploads?: { file: string; content: string; permissions: string; owner?: string }[];
  ulimits?: { name: string; soft: number; hard: number }[];
}

let m: MockedStack;
const of = (type: string) => m.resources.filter((r) => r.type === type);
const containers = () => of(CONTAINER_TYPE).map((r) => unwrapSecrets(r.inputs) as ContainerView);
const running = () => containers().filter((c) => c.start !== false);
const byName = (name: string) => {
  const found = containers().find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
};
const labelOf = (c: ContainerView, key: string) => c.labels.find((l) => l.label === key)?.value;

/** Everything in a resource's inputs that is NOT wrapped as a Pulumi secret, as text. */
function plainText(value: unknown): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === "object") {
      if (SECRET_SIG in (v as object)) return "[secret]";
      return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, strip(x)]));
    }
    return v;
  };
  return JSON.stringify(strip(value));
}

const allSecretValues = [
  ...Object.values(TEST_SECRETS.snmp),
  ...Object.values(TEST_SECRETS.apps),
  TEST_SECRETS.smtpPassword,
  TEST_SECRETS.telegramBotToken,
  TEST_SECRETS.grafanaPassword,
  TEST_SECRETS.passwordHash,
];

beforeAll(async () => {
  m = await mockedStack(stackFileSettings("Pulumi.production.yaml"));
});

describe("resource graph for inventory/tanjungpinang.yaml (production stack)", () => {
  it("runs the monitoring stack, one collector, the proxy and one container per inventory app", () => {
    const names = running()
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(
      [
        "kapasitas-alertmanager",
        "kapasitas-collector-0",
        "kapasitas-grafana",
        "kapasitas-prometheus",
        "kapasitas-proxy",
        ...["perparkiran", "dakota", "sig-umkm", "apekeje", "siap", "simanja"].map(
          (a) => `kapasitas-app-${a}`,
        ),
      ].sort(),
    );
  });

  it("creates the edge, monitoring and apps networks; only the edge routes out", () => {
    const networks = of("docker:index/network:Network").map((r) => r.inputs);
    expect(networks.map((n) => [n.name, n.internal]).sort()).toEqual([
      ["kapasitas-apps", true],
      ["kapasitas-edge", false],
      ["kapasitas-monitoring", true],
    ]);
    const networksOf = (name: string) =>
      (byName(name).networksAdvanced as { name: string }[])
        .map((n) => n.name.replace("kapasitas-", ""))
        .sort();
    expect(networksOf("kapasitas-prometheus")).toEqual(["monitoring"]);
    expect(networksOf("kapasitas-grafana")).toEqual(["monitoring"]);
    expect(networksOf("kapasitas-collector-0")).toEqual(["edge", "monitoring"]);
    expect(networksOf("kapasitas-app-perparkiran")).toEqual(["apps"]);
    expect(networksOf("kapasitas-proxy")).toEqual(["apps", "edge", "monitoring"]);
  });

  it("keeps Prometheus, Grafana, Alertmanager, Caddy and app data on named volumes", () => {
    const volumes = of("docker:index/volume:Volume").map((r) => r.inputs.name as string);
    for (const v of [
      "prometheus-data",
      "grafana-data",
      "alertmanager-data",
      "caddy-data",
      "app-perparkiran-data",
    ]) {
      expect(volumes).toContain(`kapasitas-${v}`);
    }
    const mounts = (name: string) =>
      (byName(name).volumes as { volumeName: string; containerPath: string; readOnly: boolean }[]).map(
        (v) => `${v.volumeName}:${v.containerPath}${v.readOnly ? ":ro" : ""}`,
      );
    expect(mounts("kapasitas-prometheus")).toEqual([
      "kapasitas-prometheus-config:/etc/prometheus:ro",
      "kapasitas-prometheus-data:/prometheus",
    ]);
    expect(mounts("kapasitas-grafana")).toContain("kapasitas-grafana-data:/var/lib/grafana");
    expect(mounts("kapasitas-app-perparkiran")).toEqual(["kapasitas-app-perparkiran-data:/data"]);
  });

  it("pulls pinned images and builds the collector from collector/Dockerfile without pushing", () => {
    const pulled = of("docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name as string);
    expect(pulled).toEqual(
      expect.arrayContaining([
        "prom/prometheus:v3.5.0",
        "prom/alertmanager:v0.28.1",
        "grafana/grafana:12.2.1",
        "caddy:2.10.0-alpine",
      ]),
    );
    for (const image of pulled) expect(image).toMatch(/:[\w.-]*\d[\w.-]*(@sha256:[0-9a-f]{64})?$/);
    const [build] = of("docker:index/image:Image").map((r) => r.inputs);
    expect(build).toMatchObject({
      imageName: "kapasitas/collector:0.0.0-test",
      skipPush: true,
      build: { context: ".", dockerfile: "collector/Dockerfile" },
    });
    // Containers run the image id, so a rebuild replaces them.
    expect(byName("kapasitas-collector-0").image).toBe("sha256:mock-collector-image");
  });

  it("publishes ports from the reverse proxy only: 80 and 443 (TCP, and UDP for HTTP/3)", () => {
    const publishing = running().filter((c) => (c.ports ?? []).length > 0);
    expect(publishing.map((c) => c.name)).toEqual(["kapasitas-proxy"]);
    expect(publishing[0]!.ports!.map((p) => `${p.ip}:${p.external}->${p.internal}/${p.protocol}`)).toEqual([
      "0.0.0.0:80->80/tcp",
      "0.0.0.0:443->443/tcp",
      "0.0.0.0:443->443/udp",
    ]);
  });

  it("gives every container limits, a restart policy and a health check, and none runs privileged", () => {
    for (const c of running()) {
      expect(c.memory, c.name).toBeGreaterThan(0);
      expect(Number(c.cpus), c.name).toBeGreaterThan(0);
      expect(c.restart, c.name).toBe("unless-stopped");
      expect(c.healthcheck.tests.length, c.name).toBeGreaterThan(1);
      expect(c.privileged, c.name).toBe(false);
      expect(c.readOnly, c.name).toBe(true);
      expect(c.securityOpts, c.name).toContain("no-new-privileges:true");
      expect(c.capabilities.drops, c.name).toEqual(["ALL"]);
      expect(c.logOpts, c.name).toEqual({ "max-size": "10m", "max-file": "5" });
    }
    expect(byName("kapasitas-app-apekeje").memory).toBe(1024);
    expect(byName("kapasitas-app-apekeje").cpus).toBe("1");
  });

  it("passes the hosting policy: no errors, and root only where the image leaves no choice", () => {
    const violations = checkPolicies(m.resources);
    expect(formatViolations(violations.filter((v) => v.severity === "error"))).toBe("");
    const rootWarnings = violations.filter((v) => v.policy === "non-root").map((v) => v.resource);
    // Caddy (root-owned /data) and the OPD apps (their images decide) run as their image's user.
    expect(rootWarnings.sort()).toEqual(
      [
        "kapasitas-proxy",
        ...["perparkiran", "dakota", "sig-umkm", "apekeje", "siap", "simanja"].map(
          (a) => `kapasitas-app-${a}`,
        ),
      ].sort(),
    );
    expect(byName("kapasitas-prometheus").user).toBe("65534:65534");
    expect(byName("kapasitas-grafana").user).toBe("472");
    expect(byName("kapasitas-collector-0").user).toBe("1000");
  });

  it("gives the collector open files for a socket per device (Docker's default is 1,024)", () => {
    expect(byName("kapasitas-collector-0").ulimits).toEqual([
      { name: "nofile", soft: COLLECTOR_OPEN_FILES, hard: COLLECTOR_OPEN_FILES },
      { name: "nproc", soft: MAX_PROCESSES, hard: MAX_PROCESSES },
    ]);
  });

  it("bounds every container's processes (nproc: @pulumi/docker has no pidsLimit)", () => {
    const all = containers();
    expect(all.length).toBeGreaterThan(5);
    for (const c of all) {
      expect(
        c.ulimits?.filter((u) => u.name === "nproc"),
        c.name,
      ).toEqual([{ name: "nproc", soft: MAX_PROCESSES, hard: MAX_PROCESSES }]);
    }
  });

  it("asks for the report password on the report host only, its hash delivered as a secret", async () => {
    const caddyfile = await settle(m.stack.hosting.caddyfile);
    const sites = caddyfile.split("\n\n");
    const reports = sites.find((site) => site.includes("# Capacity report"))!;
    expect(reports).toContain(
      `basicauth * bcrypt "kapasitas laporan" {\n\t\tperencana ${TEST_SECRETS.passwordHash}\n\t}`,
    );
    expect(sites.filter((site) => site.includes("basicauth"))).toEqual([reports]);
    expect(await pulumi.isSecret(m.stack.hosting.caddyfile)).toBe(true);
    expect(await pulumi.isSecret(m.stack.reportPassword)).toBe(true);
    const seed = m.resources.find((r) => r.name === "hosting-caddy-config-seed")!;
    expect(JSON.stringify(seed.inputs.uploads)).toContain("4dabf18193072939515e22adb298388d");
  });

  it("labels each app with its owning OPD", () => {
    const app = byName("kapasitas-app-apekeje");
    expect(labelOf(app, LABEL.opd)).toBe("bkpsdm");
    expect(labelOf(app, LABEL.opdName)).toMatch(/Badan Kepegawaian/);
    expect(labelOf(app, LABEL.app)).toBe("apekeje");
  });

  it("delivers the inventory to the collector, its SNMP secrets as 0400 files it owns", async () => {
    const collector = byName("kapasitas-collector-0");
    // After the image's entrypoint `node dist/cli/kapasitas.js collect`.
    expect(collector.command).toEqual([
      "--inventory",
      "/etc/kapasitas/inventory.yaml",
      "--listen",
      "0.0.0.0:9105",
    ]);
    expect(collector.envs).toContain("KAPASITAS_PROMETHEUS_URL=http://prometheus:9090");
    // V8's heap bounded by the container's memory limit (infra/sizing.ts)
    expect(collector.envs).toContain(`NODE_OPTIONS=${collectorNodeFlags(collector.memory!).join(" ")}`);
    expect(collector.volumes).toEqual([
      { volumeName: "kapasitas-collector-config", containerPath: "/etc/kapasitas", readOnly: true },
    ]);
    const seed = byName("kapasitas-collector-config-seed");
    const uploads = seed.uploads as { file: string; content: string; permissions: string; owner?: string }[];
    const inventory = uploads.find((u) => u.file === "/kapasitas-seed/inventory.yaml")!;
    expect(inventory.content).toBe(m.stack.collector.renderedInventory);
    const parsed = parseInventory(inventory.content, "inventory.yaml");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.inventory.devices.map((d) => d.snmp)).toEqual([
      expect.objectContaining({
        auth_key: "file:/etc/kapasitas/secrets/KAPASITAS_CORE1_AUTH_KEY",
        priv_key: "file:/etc/kapasitas/secrets/KAPASITAS_CORE1_PRIV_KEY",
      }),
      expect.objectContaining({ community: "file:/etc/kapasitas/secrets/dist-1-community" }),
      expect.objectContaining({ community: "file:/etc/kapasitas/secrets/KAPASITAS_DIST2_COMMUNITY" }),
    ]);
    const secretFiles = uploads.filter((u) => u.file.includes("/secrets/"));
    expect(secretFiles.map((u) => [u.file.split("/").at(-1), u.content, u.permissions, u.owner])).toEqual(
      Object.entries(TEST_SECRETS.snmp).map(([k, v]) => [k, v, "0400", "1000"]),
    );
  });

  it("never puts a secret in plain state or in an environment variable", async () => {
    for (const r of m.resources) {
      const text = plainText(r.inputs);
      for (const secret of allSecretValues) expect(text, `${r.type} ${r.name}`).not.toContain(secret);
    }
    for (const c of containers()) {
      const env = JSON.stringify(c.envs ?? []);
      for (const secret of allSecretValues) expect(env, c.name).not.toContain(secret);
    }
    // …while the secrets do arrive, wrapped: the Grafana password and the SMTP/Telegram credentials.
    const uploadsOf = (seed: string) => byName(seed).uploads as { file: string; content: string }[];
    expect(
      uploadsOf("kapasitas-grafana-config-seed").find((u) => u.file.endsWith("admin-password"))?.content,
    ).toBe(TEST_SECRETS.grafanaPassword);
    const am = uploadsOf("kapasitas-alertmanager-config-seed")[0]!.content;
    expect(am).toContain(TEST_SECRETS.smtpPassword);
    expect(am).toContain(TEST_SECRETS.telegramBotToken);
    expect(byName("kapasitas-grafana").envs).toContain(
      "GF_SECURITY_ADMIN_PASSWORD__FILE=/etc/kapasitas/grafana/secrets/admin-password",
    );
    expect(byName("kapasitas-app-apekeje").envs).toContain(
      "DB_PASSWORD_FILE=/run/secrets/kapasitas/DB_PASSWORD",
    );
  });

  it("exports the Grafana admin password as a secret output, and the URLs", async () => {
    expect(await pulumi.isSecret(m.stack.grafanaAdminPassword)).toBe(true);
    expect(await pulumi.isSecret(m.stack.monitoring.alertmanagerConfig)).toBe(true);
    expect(m.stack.urls.grafana).toBe("https://noc.tanjungpinangkota.go.id/");
    expect(m.stack.urls.reports).toBe("https://kapasitas.tanjungpinangkota.go.id/reports");
    expect(m.stack.urls.apps.perparkiran).toBe("https://parkir.tanjungpinangkota.go.id/");
  });

  it("uploads the Prometheus config and the mixin's rules it was checked with, and keeps 800 days", () => {
    const seed = byName("kapasitas-prometheus-config-seed");
    const files = Object.fromEntries(
      (seed.uploads as { file: string; content: string }[]).map((u) => [
        u.file.replace("/kapasitas-seed/", ""),
        u.content,
      ]),
    );
    expect(files["prometheus.yml"]).toBe(m.stack.monitoring.prometheusConfig);
    expect(files["rules/kapasitas-rules.yaml"]).toMatch(/opd_direction:opd_link_bits:rate5m/);
    expect(byName("kapasitas-prometheus").command).toContain("--storage.tsdb.retention.time=800d");
  });

  it("replaces a service when its delivered config changes (revision label = the seed's id)", () => {
    expect(labelOf(byName("kapasitas-prometheus"), LABEL.configRevision)).toBe(
      "monitoring-prometheus-config-seed-id",
    );
    expect(labelOf(byName("kapasitas-collector-0"), LABEL.configRevision)).toBe("collector-config-seed-id");
  });
});

export type { RegisteredResource };
