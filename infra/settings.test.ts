// Stack settings: what Pulumi hands the program, and what the schema makes of it.
import { describe, expect, it } from "vitest";
import { buildMixin } from "../dashboards/index.js";
import { mixinOverrides } from "./render/grafana.js";
import { parseStackSettings, settingsFromConfigMap } from "./settings.js";
import { stackFileSettings } from "./testing.js";

describe("stack settings", () => {
  it("reads Pulumi's config map: JSON for structured values, plain text for strings, secrets left out", () => {
    const raw = settingsFromConfigMap({
      "kapasitas:docker_host": "ssh://deploy@dc-docker-1",
      "kapasitas:hosts": '{"grafana":"noc.example.go.id","reports":"laporan.example.go.id"}',
      "kapasitas:collector_shards": "2",
      "kapasitas:apps_egress": "true",
      "kapasitas:prometheus": '{"retention_time":"800d"}',
      "kapasitas:snmp_secrets": '{"KAPASITAS_DIST2_COMMUNITY":"s3cret"}',
      "kapasitas:smtp_password": "s3cret",
      "docker:host": "unix:///var/run/docker.sock",
    });
    expect(raw).toEqual({
      docker_host: "ssh://deploy@dc-docker-1",
      hosts: { grafana: "noc.example.go.id", reports: "laporan.example.go.id" },
      collector_shards: 2,
      apps_egress: true,
      prometheus: { retention_time: "800d" },
    });
    const settings = parseStackSettings(raw);
    expect(settings.prometheus.retention_time).toBe("800d");
    expect(settings.tls).toEqual({ mode: "internal" });
    expect(settings.ports).toEqual({ http: 80, https: 443, bind_address: "0.0.0.0" });
  });

  it("builds the dashboards in Bahasa Indonesia unless the stack asks for English", () => {
    const base = { docker_host: "unix:///var/run/docker.sock", hosts: { grafana: "a.b", reports: "c.d" } };
    expect(parseStackSettings(base).dashboard_language).toBe("id");
    const en = parseStackSettings({ ...base, dashboard_language: "en" });
    const mixin = buildMixin(
      mixinOverrides({
        publicUrl: "https://a.b/",
        reportUrl: "https://c.d/reports",
        prometheusUrl: "http://prometheus:9090",
        scrapeInterval: "1m",
        language: en.dashboard_language,
      }),
    );
    expect(mixin.dashboards["kapasitas-noc-overview.json"]?.title).toBe("Kapasitas / NOC overview");
    expect(() => parseStackSettings({ ...base, dashboard_language: "jv" })).toThrow(/dashboard_language/);
  });

  it("accepts both stack files in the repository", () => {
    expect(stackFileSettings("Pulumi.dev.yaml").docker_host).toBe("unix:///var/run/docker.sock");
    const production = stackFileSettings("Pulumi.production.yaml");
    expect(production.docker_host).toMatch(/^ssh:\/\//);
    expect(production.prometheus.retention_time).toBe("800d");
    expect(production.tls).toEqual({ mode: "acme", email: "diskominfo@tanjungpinangkota.go.id" });
  });

  it("names every bad key by its path, and checks receivers exist", () => {
    expect(() =>
      parseStackSettings({
        docker_host: "docker.example:2375",
        hosts: { grafana: "NOC!", reports: "laporan.example.go.id" },
        prometheus: { retention_time: "two years" },
        alerting: {
          default_receiver: "oncall",
          receivers: [{ name: "noc", email_to: ["noc@example.go.id"] }],
        },
        colector_shards: 2,
      }),
    ).toThrow(
      /kapasitas:docker_host: must be unix:\/\/, ssh:\/\/ or tcp:\/\/[\s\S]*kapasitas:hosts\.grafana: must be a DNS name[\s\S]*kapasitas:prometheus\.retention_time[\s\S]*colector_shards/,
    );
    expect(() =>
      parseStackSettings({
        docker_host: "unix:///var/run/docker.sock",
        hosts: { grafana: "noc.example.go.id", reports: "laporan.example.go.id" },
        alerting: {
          default_receiver: "oncall",
          receivers: [{ name: "noc", email_to: ["noc@example.go.id"] }],
        },
      }),
    ).toThrow(
      /alerting\.default_receiver: no receiver named "oncall"[\s\S]*alerting\.smtp: a receiver sends e-mail/,
    );
  });
});
