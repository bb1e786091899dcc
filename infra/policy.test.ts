// Each policy catches its own violation, and nothing else fires on a compliant container.
import { describe, expect, it } from "vitest";
import { LABEL, PROXY_ROLE, serviceContainerArgs } from "./components/container.js";
import {
  CONTAINER_TYPE,
  checkPolicies,
  isPinnedImage,
  POLICIES,
  policyTransform,
  REMOTE_IMAGE_TYPE,
  type RegisteredResource,
} from "./policy.js";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A container as serviceContainerArgs builds it (all inputs plain), as the engine would receive it. */
function compliant(overrides: Record<string, unknown> = {}): RegisteredResource {
  const args = serviceContainerArgs({
    name: "kapasitas-test",
    image: "sha256:test",
    role: "test",
    user: "65534",
    networks: [{ name: "kapasitas-monitoring", aliases: ["test"] }],
    health: { test: ["CMD", "true"] },
    resources: { cpus: 0.5, memory_mb: 256 },
    log: { maxSize: "10m", maxFile: 5 },
  });
  return {
    type: CONTAINER_TYPE,
    name: "test",
    inputs: { ...(args as unknown as Record<string, unknown>), ...overrides },
  };
}

const fired = (r: RegisteredResource) => checkPolicies([r]).map((v) => v.policy);

describe("hosting policy", () => {
  it("finds nothing wrong with a container built by serviceContainerArgs", () => {
    expect(checkPolicies([compliant()])).toEqual([]);
  });

  const cases: [policy: string, violation: Record<string, unknown>][] = [
    ["no-privileged", { privileged: true }],
    ["no-host-access", { networkMode: "host" }],
    [
      "no-host-access",
      { volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] },
    ],
    ["resource-limits", { memory: undefined }],
    ["resource-limits", { cpus: undefined }],
    ["resource-limits", { memory: 0 }],
    ["only-proxy-publishes-ports", { ports: [{ internal: 9090, external: 9090, ip: "0.0.0.0" }] }],
    ["restart-policy", { restart: "no" }],
    ["restart-policy", { restart: undefined }],
    ["health-check", { healthcheck: undefined }],
    ["health-check", { healthcheck: { tests: ["NONE"] } }],
    ["no-new-privileges", { securityOpts: [] }],
    ["drop-capabilities", { capabilities: { drops: ["NET_RAW"] } }],
    ["read-only-rootfs", { readOnly: false }],
    ["log-rotation", { logOpts: {} }],
    ["log-rotation", { logDriver: "syslog" }],
    ["no-secret-in-env", { envs: ["DB_PASSWORD=hunter2"] }],
    ["no-secret-in-env", { envs: ["KAPASITAS_DIST2_COMMUNITY=public"] }],
    ["non-root", { user: undefined }],
    ["non-root", { user: "0:0" }],
  ];

  it.each(cases)("%s catches %j", (policy, violation) => {
    expect(fired(compliant(violation))).toEqual([policy]);
  });

  it("covers every policy with at least one case", () => {
    expect(new Set(cases.map(([p]) => p))).toEqual(new Set(POLICIES.map((p) => p.name)));
  });

  it("lets the reverse proxy publish ports, and a NAME_FILE variable through", () => {
    const proxy = compliant({
      ports: [{ internal: 443, external: 443, ip: "0.0.0.0" }],
      labels: [{ label: LABEL.role, value: PROXY_ROLE }],
      envs: ["DB_PASSWORD_FILE=/run/secrets/kapasitas/DB_PASSWORD"],
    });
    expect(fired(proxy)).toEqual([]);
  });

  it("reads through Pulumi's secret wrapping", () => {
    const wrapped = compliant({
      privileged: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: true },
    });
    expect(fired(wrapped)).toEqual(["no-privileged"]);
  });

  it("holds a never-started config seed only to the rules that matter for a container that does not run", () => {
    const seed = { type: CONTAINER_TYPE, name: "seed", inputs: { name: "seed", start: false } };
    expect(fired(seed)).toEqual([]);
    expect(fired({ ...seed, inputs: { ...seed.inputs, privileged: true } })).toEqual(["no-privileged"]);
  });

  it("reports errors and warnings with the container's name", () => {
    const [v] = checkPolicies([compliant({ privileged: true })]);
    expect(v).toEqual({
      policy: "no-privileged",
      resource: "kapasitas-test",
      severity: "error",
      message: "runs privileged",
    });
  });

  it("stops a deployment on an error at registration time (the transform index.ts registers)", () => {
    const ok = compliant();
    expect(policyTransform({ type: CONTAINER_TYPE, name: "ok", props: ok.inputs })).toBeUndefined();
    expect(() =>
      policyTransform({ type: CONTAINER_TYPE, name: "bad", props: compliant({ privileged: true }).inputs }),
    ).toThrow("[no-privileged] kapasitas-test runs privileged");
    expect(policyTransform({ type: "docker:index/volume:Volume", name: "v", props: {} })).toBeUndefined();
  });

  it("pinned-image catches an OPD app image on latest or without a tag, and accepts tags and digests", () => {
    const image = (name: string): RegisteredResource => ({ type: REMOTE_IMAGE_TYPE, name, inputs: { name } });
    for (const bad of [
      "registry.example.go.id/dishub/perparkiran",
      "registry.example.go.id:5000/x/y:latest",
      "caddy",
    ]) {
      expect(
        checkPolicies([image(bad)]).map((v) => v.policy),
        bad,
      ).toEqual(["pinned-image"]);
    }
    for (const good of [
      "registry.example.go.id:5000/dishub/perparkiran:1.4.2",
      "caddy:2.10.0-alpine",
      `prom/prometheus@sha256:${"a".repeat(64)}`,
    ]) {
      expect(isPinnedImage(good), good).toBe(true);
    }
  });
});
