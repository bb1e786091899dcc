// The hosting policy as plain functions over the resources a program registers (type, name, inputs),
// in the spirit of Pulumi CrossGuard but runnable without the Pulumi CLI: the unit tests feed them the
// resources registered under `pulumi.runtime.setMocks`, and each rule has a test that it catches its
// violation. One policy for every container, the stack's own and the OPDs' apps alike.
import * as pulumi from "@pulumi/pulumi";
import { LABEL, PROXY_ROLE } from "./components/container.js";

export const CONTAINER_TYPE = "docker:index/container:Container";
export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";

/**
 * An image reference that names one release: a tag other than `latest`, or a digest. A moving tag
 * would let a `docker pull` change what runs without a `pulumi up`.
 */
export function isPinnedImage(reference: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return true;
  const lastSegment = reference.split("/").at(-1) ?? "";
  const tag = lastSegment.includes(":") ? lastSegment.split(":").at(-1)! : undefined;
  return tag !== undefined && tag !== "" && tag !== "latest";
}

export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface Violation {
  policy: string;
  resource: string;
  severity: "error" | "warning";
  message: string;
}

/** Pulumi's wire form of a secret value; policies look at the value inside. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG] !== undefined && "value" in record) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

interface ContainerInputs {
  name?: string;
  start?: boolean;
  privileged?: boolean;
  memory?: number;
  cpus?: string;
  ports?: unknown[];
  restart?: string;
  healthcheck?: { tests?: string[] };
  securityOpts?: string[];
  capabilities?: { drops?: string[]; adds?: string[] };
  readOnly?: boolean;
  logDriver?: string;
  logOpts?: Record<string, string>;
  user?: string;
  networkMode?: string;
  volumes?: { hostPath?: string }[];
  envs?: string[];
  labels?: { label: string; value: string }[];
}

interface Policy {
  name: string;
  severity: Violation["severity"];
  /** Also applies to containers that are created but never started (config seeds). */
  evenIfNeverStarted?: boolean;
  /** A message when the container breaks the rule, undefined when it keeps it. */
  check(c: ContainerInputs): string | undefined;
}

const label = (c: ContainerInputs, key: string) => c.labels?.find((l) => l.label === key)?.value;
const RESTART_POLICIES = ["always", "unless-stopped", "on-failure"];
/** Variable names that announce a credential; `NAME_FILE` (a path to one) is the allowed form. */
const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|COMMUNITY|PRIV_KEY|AUTH_KEY|API_KEY)[A-Z0-9_]*$/i;

export const POLICIES: readonly Policy[] = [
  {
    name: "no-privileged",
    severity: "error",
    evenIfNeverStarted: true,
    check: (c) => (c.privileged === true ? "runs privileged" : undefined),
  },
  {
    name: "no-host-access",
    severity: "error",
    evenIfNeverStarted: true,
    check: (c) => {
      if (c.networkMode === "host") return "uses the host's network";
      if (c.volumes?.some((v) => v.hostPath?.includes("docker.sock"))) return "mounts the Docker socket";
      return undefined;
    },
  },
  {
    name: "resource-limits",
    severity: "error",
    check: (c) => {
      const missing = [
        ...(c.memory === undefined || c.memory <= 0 ? ["memory"] : []),
        ...(c.cpus === undefined || !(Number(c.cpus) > 0) ? ["cpus"] : []),
      ];
      return missing.length > 0 ? `has no ${missing.join(" or ")} limit` : undefined;
    },
  },
  {
    name: "only-proxy-publishes-ports",
    severity: "error",
    evenIfNeverStarted: true,
    check: (c) =>
      (c.ports?.length ?? 0) > 0 && label(c, LABEL.role) !== PROXY_ROLE
        ? `publishes ${c.ports!.length} port(s) but is not the reverse proxy`
        : undefined,
  },
  {
    name: "restart-policy",
    severity: "error",
    check: (c) =>
      RESTART_POLICIES.includes(c.restart ?? "no") ? undefined : `restart policy is "${c.restart ?? "no"}"`,
  },
  {
    name: "health-check",
    severity: "error",
    check: (c) => {
      const tests = c.healthcheck?.tests ?? [];
      return tests.length === 0 || tests[0] === "NONE" ? "has no health check" : undefined;
    },
  },
  {
    name: "no-new-privileges",
    severity: "error",
    check: (c) =>
      c.securityOpts?.some((o) => o === "no-new-privileges:true" || o === "no-new-privileges")
        ? undefined
        : "does not set no-new-privileges",
  },
  {
    name: "drop-capabilities",
    severity: "error",
    check: (c) => (c.capabilities?.drops?.includes("ALL") ? undefined : "does not drop ALL capabilities"),
  },
  {
    name: "read-only-rootfs",
    severity: "error",
    check: (c) => (c.readOnly === true ? undefined : "root filesystem is writable"),
  },
  {
    name: "log-rotation",
    severity: "error",
    check: (c) =>
      (c.logDriver === "json-file" || c.logDriver === "local") && c.logOpts?.["max-size"]
        ? undefined
        : "logs are not rotated (json-file with max-size)",
  },
  {
    name: "no-secret-in-env",
    severity: "error",
    evenIfNeverStarted: true,
    check: (c) => {
      const names = (c.envs ?? []).map((e) => e.split("=", 1)[0]!);
      const bad = names.filter((n) => SECRET_ENV.test(n) && !n.endsWith("_FILE"));
      return bad.length > 0
        ? `passes ${bad.join(", ")} as environment variables (deliver a file)`
        : undefined;
    },
  },
  {
    name: "non-root",
    severity: "warning",
    check: (c) =>
      c.user === undefined || c.user === "" || /^(0|root)(:|$)/.test(c.user)
        ? "runs as the image's default user (root unless the image says otherwise)"
        : undefined,
  },
];

export function checkPolicies(resources: readonly RegisteredResource[]): Violation[] {
  const violations: Violation[] = [];
  for (const resource of resources) {
    if (resource.type === REMOTE_IMAGE_TYPE) {
      const name = unwrapSecrets(resource.inputs.name);
      // At registration an image name computed from another resource is not known yet: skip it.
      if (typeof name === "string" && !isPinnedImage(name)) {
        violations.push({
          policy: "pinned-image",
          resource: name,
          severity: "error",
          message: "is not pinned to a release (use an exact tag or a digest, never latest)",
        });
      }
      continue;
    }
    if (resource.type !== CONTAINER_TYPE) continue;
    const inputs = unwrapSecrets(resource.inputs) as ContainerInputs;
    const runs = inputs.start !== false;
    for (const policy of POLICIES) {
      if (!runs && !policy.evenIfNeverStarted) continue;
      const message = policy.check(inputs);
      if (message !== undefined) {
        violations.push({
          policy: policy.name,
          resource: inputs.name ?? resource.name,
          severity: policy.severity,
          message,
        });
      }
    }
  }
  return violations;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.severity}: [${v.policy}] ${v.resource} ${v.message}`).join("\n");
}

/**
 * The same rules enforced during `pulumi preview` / `pulumi up` (registered in index.ts with
 * pulumi.runtime.registerResourceTransform): an error stops the deployment before Docker is asked
 * to create anything; a warning is printed. The fields checked are plain values in this program.
 */
export function policyTransform(args: {
  type: string;
  name: string;
  props: Record<string, unknown>;
}): undefined {
  const violations = checkPolicies([{ type: args.type, name: args.name, inputs: args.props }]);
  const errors = violations.filter((v) => v.severity === "error");
  if (errors.length > 0) throw new Error(`hosting policy:\n${formatViolations(errors)}`);
  for (const warning of violations) void pulumi.log.warn(formatViolations([warning]));
  return undefined;
}
