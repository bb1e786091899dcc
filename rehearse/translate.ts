// The rehearsal's translator: the resource graph the Pulumi program registers (captured under
// `pulumi.runtime.setMocks`, infra/testing.ts) turned into the Docker Engine API objects the Docker
// provider would create — networks, volumes, containers with their uploads and network attachments.
// Pure: no I/O here (rehearse/engine.ts applies a plan). It understands exactly the resource types
// and properties listed in TRANSLATED; `untranslated()` names anything else the program uses, and
// rehearse/translate.test.ts fails on it, so the rehearsal cannot silently drift from the program.
import { createHash } from "node:crypto";
import { unwrapSecrets } from "../infra/policy.js";

export const TYPES = {
  network: "docker:index/network:Network",
  volume: "docker:index/volume:Volume",
  container: "docker:index/container:Container",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  image: "docker:index/image:Image",
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

/** The program's own ComponentResources only group resources: nothing of theirs reaches Docker. */
const COMPONENT_PREFIX = "kapasitas:";

/**
 * Every property the translator understands, per resource type, and what it becomes. Paths: `a.b`
 * for a nested field, `a[].b` for a field of each list element; a path listed whole (`tmpfs`) is
 * taken as it is (a map or a list of scalars).
 */
export const TRANSLATED: Record<string, Record<string, string>> = {
  [TYPES.network]: {
    name: "Name",
    driver: "Driver",
    internal: "Internal",
    "labels[].label": "Labels (key)",
    "labels[].value": "Labels (value)",
  },
  [TYPES.volume]: {
    name: "Name",
    "labels[].label": "Labels (key)",
    "labels[].value": "Labels (value)",
  },
  [TYPES.remoteImage]: {
    name: "the image reference that must be on the engine (imageId resolves to it)",
    keepLocally: "nothing to do: the rehearsal never removes images",
  },
  [TYPES.image]: {
    imageName: "the tag the rehearsal builds (repoDigest resolves to it)",
    "build.context": "docker build context (staged from what .dockerignore admits)",
    "build.dockerfile": "docker build --file",
    "build.platform": "docker build --platform",
    skipPush: "nothing to do: no registry",
    buildOnPreview: "nothing to do: the rehearsal has no preview",
  },
  [TYPES.randomPassword]: {
    length: "nothing in Docker: its result only feeds Grafana's config, which is left out",
    special: "nothing in Docker (as length)",
  },
  [TYPES.container]: {
    name: "name (POST /containers/create?name=)",
    image: "Image",
    user: "User",
    command: "Cmd",
    envs: "Env",
    restart: "HostConfig.RestartPolicy.Name",
    wait: "wait until healthy after start",
    waitTimeout: "deadline of that wait",
    readOnly: "HostConfig.ReadonlyRootfs",
    tmpfs: "HostConfig.Tmpfs",
    privileged: "HostConfig.Privileged",
    securityOpts: "HostConfig.SecurityOpt",
    "capabilities.drops": "HostConfig.CapDrop",
    "capabilities.adds": "HostConfig.CapAdd",
    init: "HostConfig.Init",
    "ulimits[].name": "HostConfig.Ulimits[].Name",
    "ulimits[].soft": "HostConfig.Ulimits[].Soft",
    "ulimits[].hard": "HostConfig.Ulimits[].Hard",
    memory: "HostConfig.Memory (MB)",
    memorySwap: "HostConfig.MemorySwap (MB)",
    cpus: "HostConfig.NanoCpus",
    "healthcheck.tests": "Healthcheck.Test",
    "healthcheck.interval": "Healthcheck.Interval",
    "healthcheck.timeout": "Healthcheck.Timeout",
    "healthcheck.retries": "Healthcheck.Retries",
    "healthcheck.startPeriod": "Healthcheck.StartPeriod",
    logDriver: "HostConfig.LogConfig.Type",
    logOpts: "HostConfig.LogConfig.Config",
    "networksAdvanced[].name": "first: NetworkingConfig; others: POST /networks/{name}/connect",
    "networksAdvanced[].aliases": "EndpointConfig.Aliases",
    networkMode: "HostConfig.NetworkMode",
    "volumes[].volumeName": "HostConfig.Binds (volume)",
    "volumes[].containerPath": "HostConfig.Binds (path)",
    "volumes[].readOnly": "HostConfig.Binds (:ro)",
    "ports[].internal": "ExposedPorts, HostConfig.PortBindings key",
    "ports[].external": "HostConfig.PortBindings[].HostPort",
    "ports[].ip": "HostConfig.PortBindings[].HostIp",
    "ports[].protocol": "ExposedPorts, HostConfig.PortBindings key (/tcp, /udp)",
    "labels[].label": "Labels (key)",
    "labels[].value": "Labels (value)",
    start: "start after create (false: create only, as a config seed)",
    mustRun: "nothing more: a container that is not started need not run",
    "uploads[].file": "PUT /containers/{id}/archive?path=/ (tar entry name)",
    "uploads[].content": "tar entry content",
    "uploads[].permissions": "tar entry mode",
    "uploads[].owner": "tar entry uid",
    "uploads[].group": "tar entry gid",
  },
};

export interface GraphResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  protect: boolean;
}

/** The property paths of one resource's inputs, in TRANSLATED's notation. */
export function propertyPaths(type: string, inputs: Record<string, unknown>): string[] {
  const known = TRANSLATED[type] ?? {};
  const paths = new Set<string>();
  const walk = (value: unknown, path: string) => {
    if (value === undefined || value === null) return;
    if (path !== "" && path in known) {
      paths.add(path);
      return;
    }
    if (Array.isArray(value)) {
      const objects = value.filter((v) => v !== null && typeof v === "object" && !Array.isArray(v));
      // An empty list of objects (no ports) uses nothing; a list of scalars is the property itself.
      const listOfObjects = Object.keys(known).some((k) => k.startsWith(`${path}[].`));
      if (objects.length === 0 && !listOfObjects) paths.add(path);
      for (const element of objects) walk(element, `${path}[]`);
      return;
    }
    if (typeof value === "object") {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        walk(inner, path === "" ? key : `${path}.${key}`);
      }
      return;
    }
    paths.add(path);
  };
  walk(unwrapSecrets(inputs), "");
  return [...paths].sort();
}

/** Every `type property` the graph uses, sorted: the coverage list. */
export function usedProperties(resources: readonly GraphResource[]): string[] {
  const used = new Set<string>();
  for (const r of resources) {
    if (r.type.startsWith(COMPONENT_PREFIX)) {
      used.add(`${r.type} (component: groups resources only)`);
      continue;
    }
    used.add(r.type);
    for (const path of propertyPaths(r.type, r.inputs)) used.add(`${r.type} ${path}`);
  }
  return [...used].sort();
}

/** What the program uses that the translator does not understand: must be empty. */
export function untranslated(resources: readonly GraphResource[]): string[] {
  return usedProperties(resources).filter((entry) => {
    if (entry.endsWith("(component: groups resources only)")) return false;
    const [type, path] = entry.split(" ") as [string, string | undefined];
    const known = TRANSLATED[type];
    if (known === undefined) return true;
    return path !== undefined && !(path in known);
  });
}

// --- The plan -------------------------------------------------------------------------------

export interface Upload {
  file: string;
  content: string;
  permissions: string;
  owner?: string;
  group?: string;
}

export interface ImagePlan {
  resource: string;
  ref: string;
  build?: { context: string; dockerfile: string; platform?: string };
}

export interface NetworkPlan {
  resource: string;
  name: string;
  body: { Name: string; Driver: string; Internal: boolean; Labels: Record<string, string> };
}

export interface VolumePlan {
  resource: string;
  name: string;
  protect: boolean;
  body: { Name: string; Labels: Record<string, string> };
}

export interface ContainerPlan {
  resource: string;
  name: string;
  image: string;
  start: boolean;
  /** Body of POST /containers/create?name=<name>. */
  create: Record<string, unknown>;
  /** Networks after the first: POST /networks/<network>/connect. */
  connect: { network: string; aliases: string[] }[];
  uploads: Upload[];
  /** Wait for "healthy" after start, this long. */
  waitSeconds: number | undefined;
  /** Changes whenever anything the engine gets for this container changes: a change means replace. */
  fingerprint: string;
}

export interface Plan {
  images: ImagePlan[];
  networks: NetworkPlan[];
  volumes: VolumePlan[];
  containers: ContainerPlan[];
  /** Containers not replayed, with why (e.g. Grafana: no image can be made here). */
  leftOut: { name: string; why: string }[];
}

interface ContainerInputs {
  name: string;
  image: string;
  user?: string;
  command?: string[];
  envs?: string[];
  restart?: string;
  wait?: boolean;
  waitTimeout?: number;
  readOnly?: boolean;
  tmpfs?: Record<string, string>;
  privileged?: boolean;
  securityOpts?: string[];
  capabilities?: { drops?: string[]; adds?: string[] };
  init?: boolean;
  ulimits?: { name: string; soft: number; hard: number }[];
  memory?: number;
  memorySwap?: number;
  cpus?: string;
  healthcheck?: {
    tests?: string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    startPeriod?: string;
  };
  logDriver?: string;
  logOpts?: Record<string, string>;
  networksAdvanced?: { name: string; aliases?: string[] }[];
  networkMode?: string;
  volumes?: { volumeName: string; containerPath: string; readOnly?: boolean }[];
  ports?: { internal: number; external: number; ip?: string; protocol?: string }[];
  labels?: { label: string; value: string }[];
  start?: boolean;
  uploads?: Upload[];
}

const MIB = 1024 * 1024;
const UNITS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go-style duration ("30s", "5m", "1h30m") in nanoseconds, as the Engine API wants it. */
export function durationNs(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new Error(`not a duration: "${text}"`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0);
}

const labelMap = (labels: { label: string; value: string }[] | undefined) =>
  Object.fromEntries((labels ?? []).map((l) => [l.label, l.value]));

const hash = (value: unknown) =>
  createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);

export interface TranslateOptions {
  /** Image references that cannot be made here: their containers (and seeds) are left out, with why. */
  leaveOut?: Record<string, string>;
}

/**
 * The Docker objects the graph declares. Output values the mocks stand in for are resolved the way
 * the engine resolves them: an image's `imageId`/`repoDigest` to its reference, a container's id to
 * its fingerprint (a seed's id is its services' config revision: new content, new id).
 */
export function translate(resources: readonly GraphResource[], options: TranslateOptions = {}): Plan {
  const problems = untranslated(resources);
  if (problems.length > 0) {
    throw new Error(`the rehearsal does not understand what the program uses:\n  ${problems.join("\n  ")}`);
  }
  const of = (type: string) =>
    resources.filter((r) => r.type === type).map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as never }));

  const images: ImagePlan[] = [];
  const imageByMock = new Map<string, string>();
  for (const r of of(TYPES.remoteImage)) {
    const inputs = r.inputs as { name: string };
    images.push({ resource: r.name, ref: inputs.name });
    imageByMock.set(`sha256:mock-${r.name}`, inputs.name);
  }
  for (const r of of(TYPES.image)) {
    const inputs = r.inputs as {
      imageName: string;
      build: { context: string; dockerfile: string; platform?: string };
    };
    images.push({
      resource: r.name,
      ref: inputs.imageName,
      build: {
        context: inputs.build.context,
        dockerfile: inputs.build.dockerfile,
        ...(inputs.build.platform ? { platform: inputs.build.platform } : {}),
      },
    });
    imageByMock.set(`sha256:mock-${r.name}`, inputs.imageName);
  }

  const networks: NetworkPlan[] = of(TYPES.network).map((r) => {
    const inputs = r.inputs as {
      name: string;
      driver?: string;
      internal?: boolean;
      labels?: { label: string; value: string }[];
    };
    return {
      resource: r.name,
      name: inputs.name,
      body: {
        Name: inputs.name,
        Driver: inputs.driver ?? "bridge",
        Internal: inputs.internal ?? false,
        Labels: labelMap(inputs.labels),
      },
    };
  });
  const volumes: VolumePlan[] = of(TYPES.volume).map((r) => {
    const inputs = r.inputs as { name: string; labels?: { label: string; value: string }[] };
    return {
      resource: r.name,
      name: inputs.name,
      protect: r.protect,
      body: { Name: inputs.name, Labels: labelMap(inputs.labels) },
    };
  });

  // Docker creates a volume or finds it by name: two resources naming one object would share it
  // without either knowing (and a destroy of one would delete the other's data).
  for (const [kind, names] of [
    ["network", networks.map((n) => n.name)],
    ["volume", volumes.map((v) => v.name)],
    ["container", of(TYPES.container).map((r) => (r.inputs as ContainerInputs).name)],
  ] as const) {
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0)
      throw new Error(`two resources declare the same Docker ${kind}: ${twice.join(", ")}`);
  }

  // Seeds (never started) first: their fingerprints stand in for the ids their services carry.
  const containers = of(TYPES.container).sort(
    (a, b) =>
      Number((a.inputs as ContainerInputs).start !== false) -
      Number((b.inputs as ContainerInputs).start !== false),
  );
  const idToFingerprint = new Map<string, string>();
  const resolve = (value: string, where: string): string => {
    if (value.startsWith("sha256:mock-")) {
      const ref = imageByMock.get(value);
      if (ref === undefined) throw new Error(`${where}: no image resource behind ${value}`);
      return ref;
    }
    const revision = idToFingerprint.get(value);
    if (revision !== undefined) return `rev-${revision}`;
    if (/-id$/.test(value) && resources.some((r) => `${r.name}-id` === value)) {
      throw new Error(`${where}: refers to ${value}, which the rehearsal has not created yet`);
    }
    return value;
  };

  const plans: ContainerPlan[] = [];
  const leftOut: Plan["leftOut"] = [];
  for (const r of containers) {
    const c = r.inputs as ContainerInputs;
    const image = resolve(c.image, `${c.name} image`);
    const why = options.leaveOut?.[image];
    if (why !== undefined) {
      leftOut.push({ name: c.name, why });
      continue;
    }
    const plan = containerPlan(r.name, c, image, (v) => resolve(v, c.name));
    idToFingerprint.set(`${r.name}-id`, plan.fingerprint);
    plans.push(plan);
  }
  return { images, networks, volumes, containers: plans, leftOut };
}

function containerPlan(
  resource: string,
  c: ContainerInputs,
  image: string,
  resolve: (value: string) => string,
): ContainerPlan {
  const [first, ...others] = c.networksAdvanced ?? [];
  const portKey = (p: { internal: number; protocol?: string }) => `${p.internal}/${p.protocol ?? "tcp"}`;
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of c.ports ?? []) {
    (portBindings[portKey(p)] ??= []).push({ HostIp: p.ip ?? "", HostPort: String(p.external) });
  }
  const health = c.healthcheck;
  const create: Record<string, unknown> = {
    Image: image,
    ...(c.user !== undefined ? { User: c.user } : {}),
    ...(c.command ? { Cmd: c.command } : {}),
    Env: c.envs ?? [],
    Labels: Object.fromEntries((c.labels ?? []).map((l) => [l.label, resolve(l.value)])),
    ...(health?.tests
      ? {
          Healthcheck: {
            Test: health.tests,
            ...(health.interval ? { Interval: durationNs(health.interval) } : {}),
            ...(health.timeout ? { Timeout: durationNs(health.timeout) } : {}),
            ...(health.retries !== undefined ? { Retries: health.retries } : {}),
            ...(health.startPeriod ? { StartPeriod: durationNs(health.startPeriod) } : {}),
          },
        }
      : {}),
    ExposedPorts: Object.fromEntries(Object.keys(portBindings).map((k) => [k, {}])),
    HostConfig: {
      ReadonlyRootfs: c.readOnly ?? false,
      Tmpfs: c.tmpfs ?? {},
      Privileged: c.privileged ?? false,
      SecurityOpt: c.securityOpts ?? [],
      CapDrop: c.capabilities?.drops ?? [],
      CapAdd: c.capabilities?.adds ?? [],
      Init: c.init ?? false,
      Ulimits: (c.ulimits ?? []).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
      ...(c.memory !== undefined ? { Memory: c.memory * MIB } : {}),
      ...(c.memorySwap !== undefined ? { MemorySwap: c.memorySwap * MIB } : {}),
      ...(c.cpus !== undefined ? { NanoCpus: Math.round(Number(c.cpus) * 1e9) } : {}),
      RestartPolicy: { Name: c.restart ?? "no" },
      LogConfig: { Type: c.logDriver ?? "json-file", Config: c.logOpts ?? {} },
      Binds: (c.volumes ?? []).map(
        (v) => `${resolve(v.volumeName)}:${v.containerPath}${v.readOnly ? ":ro" : ""}`,
      ),
      PortBindings: portBindings,
      NetworkMode: c.networkMode ?? (first ? resolve(first.name) : "none"),
    },
    ...(first
      ? { NetworkingConfig: { EndpointsConfig: { [resolve(first.name)]: { Aliases: first.aliases ?? [] } } } }
      : {}),
  };
  const connect = others.map((n) => ({ network: resolve(n.name), aliases: n.aliases ?? [] }));
  const uploads = (c.uploads ?? []).map((u) => ({ ...u }));
  const start = c.start !== false;
  return {
    resource,
    name: c.name,
    image,
    start,
    create,
    connect,
    uploads,
    waitSeconds: start && c.wait ? (c.waitTimeout ?? 300) : undefined,
    fingerprint: hash({ create, connect, uploads, start }),
  };
}

export interface PlanDiff {
  /** In both, with a different fingerprint: removed and created again (the provider replaces). */
  replace: string[];
  create: string[];
  remove: string[];
  keep: string[];
}

/** Which containers an update touches (pure). */
export function diffContainers(before: Plan, after: Plan): PlanDiff {
  const old = new Map(before.containers.map((c) => [c.name, c.fingerprint]));
  const now = new Map(after.containers.map((c) => [c.name, c.fingerprint]));
  const diff: PlanDiff = { replace: [], create: [], remove: [], keep: [] };
  for (const [name, fingerprint] of now) {
    const was = old.get(name);
    if (was === undefined) diff.create.push(name);
    else if (was === fingerprint) diff.keep.push(name);
    else diff.replace.push(name);
  }
  for (const name of old.keys()) if (!now.has(name)) diff.remove.push(name);
  return diff;
}
