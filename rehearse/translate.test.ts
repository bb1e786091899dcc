import { beforeAll, describe, expect, it } from "vitest";
import { CONTAINER_TYPE } from "../infra/policy.js";
import { mockedStack, stackFileSettings } from "../infra/testing.js";
import { BREAKS } from "./breaks.js";
import { leftOutImages, REHEARSAL_STACK_FILE, rehearsalSettings } from "./stack.js";
import {
  diffContainers,
  durationNs,
  translate,
  TRANSLATED,
  TYPES,
  untranslated,
  usedProperties,
  type GraphResource,
  type Plan,
} from "./translate.js";

const settings = rehearsalSettings(stackFileSettings(REHEARSAL_STACK_FILE), "base");
let resources: GraphResource[];
let translated: Plan | undefined;

beforeAll(async () => {
  resources = (await mockedStack(settings)).resources;
});

/** Translated on first use, so the coverage tests report what is missing instead of a failed setup. */
const planOf = () => (translated ??= translate(resources, { leaveOut: leftOutImages(settings) }));

const container = (p: Plan, suffix: string) => {
  const found = p.containers.find((c) => c.name.endsWith(suffix));
  if (!found) throw new Error(`no container ${suffix}`);
  return found;
};

describe("the translator's coverage of the program", () => {
  it("understands every resource type and property the program uses", () => {
    expect(untranslated(resources)).toEqual([]);
  });

  it("lists exactly what the program uses: no entry the program has stopped using", () => {
    const used = new Set(usedProperties(resources));
    const listed = Object.entries(TRANSLATED).flatMap(([type, paths]) => [
      type,
      ...Object.keys(paths).map((path) => `${type} ${path}`),
    ]);
    expect(listed.filter((entry) => !used.has(entry))).toEqual([]);
  });

  it("names a property it does not understand, and refuses to translate the graph", () => {
    const withPids = resources.map((r) =>
      r.type === CONTAINER_TYPE ? { ...r, inputs: { ...r.inputs, pidsLimit: 256 } } : r,
    );
    expect(untranslated(withPids)).toEqual([`${CONTAINER_TYPE} pidsLimit`]);
    expect(() => translate(withPids)).toThrow(/does not understand[\s\S]*pidsLimit/);
    const withType = [
      ...resources,
      { type: "docker:index/service:Service", name: "s", inputs: {}, protect: false },
    ];
    expect(untranslated(withType)).toEqual(["docker:index/service:Service"]);
  });
});

describe("the Docker objects it makes", () => {
  it("creates Prometheus as declared: image by its pinned name, uid, read-only root, limits, config read-only, one network alias", () => {
    const p = container(planOf(), "-prometheus");
    expect(p.create).toMatchObject({
      Image: "prom/prometheus:v3.5.0",
      User: "65534:65534",
      Healthcheck: { Test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/healthy"] },
      HostConfig: {
        ReadonlyRootfs: true,
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges:true"],
        Memory: 2048 * 1024 * 1024,
        NanoCpus: 1e9,
        Binds: [
          "kapasitas-dev-prometheus-config:/etc/prometheus:ro",
          "kapasitas-dev-prometheus-data:/prometheus",
        ],
        NetworkMode: "kapasitas-dev-monitoring",
      },
      NetworkingConfig: { EndpointsConfig: { "kapasitas-dev-monitoring": { Aliases: ["prometheus"] } } },
    });
    expect(p.connect).toEqual([]);
    expect(p.waitSeconds).toBe(600);
  });

  it("attaches the proxy to all three networks and publishes only its ports, HTTP/3 on UDP", () => {
    const proxy = container(planOf(), "-proxy");
    expect(proxy.connect.map((n) => n.network)).toEqual(["kapasitas-dev-monitoring", "kapasitas-dev-apps"]);
    expect((proxy.create.HostConfig as { PortBindings: unknown }).PortBindings).toEqual({
      "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }],
      "443/tcp": [{ HostIp: "127.0.0.1", HostPort: "8443" }],
      "443/udp": [{ HostIp: "127.0.0.1", HostPort: "8443" }],
    });
    const published = planOf().containers.filter(
      (c) => Object.keys((c.create.HostConfig as { PortBindings: object }).PortBindings).length > 0,
    );
    expect(published.map((c) => c.name)).toEqual([proxy.name]);
  });

  it("fills config volumes from never-started seeds, and a seed's content is its service's config revision", () => {
    const seed = container(planOf(), "-collector-config-seed");
    expect(seed.start).toBe(false);
    expect(seed.create).toMatchObject({ HostConfig: { NetworkMode: "none" } });
    expect(seed.uploads.find((u) => u.file.endsWith("/dist-1-community"))).toMatchObject({
      owner: "1000",
      permissions: "0400",
    });
    const collector = container(planOf(), "-collector-0");
    expect((collector.create.Labels as Record<string, string>)["kapasitas.config-revision"]).toBe(
      `rev-${seed.fingerprint}`,
    );
    expect(collector.image).toBe("kapasitas-dev/collector:0.0.0-test");
  });

  it("leaves Grafana out (no image can be made here) and says so", () => {
    expect(planOf().leftOut.map((l) => l.name)).toEqual([
      "kapasitas-dev-grafana-config-seed",
      "kapasitas-dev-grafana",
    ]);
    expect(planOf().containers.some((c) => c.name.includes("grafana"))).toBe(false);
  });

  it("keeps protect on the data volumes only", () => {
    const protectedVolumes = planOf()
      .volumes.filter((v) => v.protect)
      .map((v) => v.name);
    expect(protectedVolumes).toContain("kapasitas-dev-prometheus-data");
    expect(protectedVolumes).toContain("kapasitas-dev-caddy-data");
    expect(protectedVolumes.some((v) => v.endsWith("-config") && !v.includes("caddy"))).toBe(false);
    expect(planOf().networks.find((n) => n.name === "kapasitas-dev-monitoring")?.body.Internal).toBe(true);
    expect(planOf().images.find((i) => i.build)?.build).toEqual({
      context: ".",
      dockerfile: "collector/Dockerfile",
      platform: "linux/amd64",
    });
    expect(resources.filter((r) => r.type === TYPES.volume && r.protect).length).toBe(
      protectedVolumes.length,
    );
  });

  it("refuses two resources that name one Docker object", () => {
    const volume = resources.find((r) => r.type === TYPES.volume)!;
    const twin = { ...volume, name: `${volume.name}-twin` };
    expect(() => translate([...resources, twin])).toThrow(/same Docker volume: kapasitas-dev-/);
  });

  it("reads Docker's durations", () => {
    expect(durationNs("30s")).toBe(30e9);
    expect(durationNs("5m")).toBe(300e9);
    expect(() => durationNs("5 minutes")).toThrow(/not a duration/);
  });
});

describe("the deliberate breaks", () => {
  it.each(BREAKS.map((b) => [b.name, b] as const))("%s replaces only what it touches", (_, b) => {
    const broken = translate(b.apply(resources), { leaveOut: leftOutImages(settings) });
    const diff = diffContainers(planOf(), broken);
    const expected: Record<string, string[]> = {
      "wrong scrape target name": ["kapasitas-dev-prometheus-config-seed", "kapasitas-dev-prometheus"],
      "missing network attachment": ["kapasitas-dev-proxy"],
      "wrong volume owner": ["kapasitas-dev-alertmanager-config-seed", "kapasitas-dev-alertmanager"],
    };
    expect(diff.replace).toEqual(expected[b.name]);
    expect(diff.create).toEqual([]);
    expect(diff.remove).toEqual([]);
  });
});
