// Apply a translated plan to a Docker engine through its API, as the Docker provider does: networks
// and volumes, then each container (created, attached to its other networks, given its uploads,
// started, waited on until healthy). An update replaces exactly the containers whose fingerprint
// changed, deleting the old one first (the program's deleteBeforeReplace); a teardown honours protect.
import { putArchive, uploadTar, type Dockerd } from "../lab/docker.js";
import { waitFor } from "../lab/process.js";
import { diffContainers, type ContainerPlan, type Plan, type PlanDiff } from "./translate.js";

export interface ContainerState {
  Id: string;
  State: {
    Status: string;
    Running: boolean;
    RestartCount?: number;
    Health?: { Status: string; Log?: { Output: string }[] };
  };
  RestartCount: number;
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

export class Applier {
  constructor(
    private readonly engine: Dockerd,
    private readonly dir: string,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const result = await this.engine.api(method, path, body);
    if (result.status >= 300 && !(result.status === 304)) {
      throw new Error(`${method} ${path}: ${result.status} ${result.text.trim()}`);
    }
    return result.body;
  }

  /** Which of the plan's images the engine lacks (the rehearsal made every one it could). */
  async missingImages(plan: Plan): Promise<string[]> {
    const needed = new Set(plan.containers.map((c) => c.image));
    const missing: string[] = [];
    for (const ref of needed) {
      const result = await this.engine.api("GET", `/images/${encodeURIComponent(ref)}/json`);
      if (result.status !== 200) missing.push(ref);
    }
    return missing;
  }

  /** Create everything in the plan; containers that must run are waited on until healthy. */
  async create(plan: Plan): Promise<void> {
    for (const n of plan.networks)
      await this.call("POST", "/networks/create", { ...n.body, CheckDuplicate: true });
    for (const v of plan.volumes) await this.call("POST", "/volumes/create", v.body);
    await this.createContainers(plan.containers);
  }

  private async createContainers(containers: readonly ContainerPlan[], wait = true): Promise<void> {
    // Seeds first: a service mounts what its seed filled.
    const ordered = [...containers].sort((a, b) => Number(a.start) - Number(b.start));
    for (const c of ordered) {
      const created = (await this.call(
        "POST",
        `/containers/create?name=${encodeURIComponent(c.name)}`,
        c.create,
      )) as {
        Id: string;
      };
      for (const n of c.connect) {
        await this.call("POST", `/networks/${encodeURIComponent(n.network)}/connect`, {
          Container: created.Id,
          EndpointConfig: { Aliases: n.aliases },
        });
      }
      if (c.uploads.length > 0) {
        const put = await putArchive(this.engine.socket, created.Id, await uploadTar(this.dir, c.uploads));
        if (put.status !== 200) throw new Error(`upload into ${c.name}: ${put.status} ${put.message}`);
      }
      if (c.start) await this.call("POST", `/containers/${created.Id}/start`);
    }
    if (wait)
      await Promise.all(ordered.filter((c) => c.waitSeconds !== undefined).map((c) => this.waitHealthy(c)));
  }

  /** As `wait: true` does: healthy within waitTimeout, or fail with the last probe's output. */
  async waitHealthy(c: ContainerPlan): Promise<void> {
    await waitFor(
      `${c.name} to be healthy`,
      async () => {
        const state = await this.inspect(c.name);
        const health = state.State.Health;
        if (state.RestartCount > 0 || (!state.State.Running && state.State.Status !== "created")) {
          const logs = await this.engine.cli(["logs", "--tail=20", c.name]);
          throw new FatalError(
            `${c.name} is ${state.State.Status} (restarts: ${state.RestartCount}):\n${`${logs.stdout}${logs.stderr}`.trim()}`,
          );
        }
        if (health?.Status === "unhealthy") {
          throw new FatalError(`${c.name} is unhealthy: ${health.Log?.at(-1)?.Output.trim() ?? ""}`);
        }
        return health?.Status === "healthy";
      },
      { timeoutMs: (c.waitSeconds ?? 120) * 1000, intervalMs: 500, failFast: (e) => e instanceof FatalError },
    );
  }

  async inspect(name: string): Promise<ContainerState> {
    return (await this.call("GET", `/containers/${encodeURIComponent(name)}/json`)) as ContainerState;
  }

  /** Container name → id, for every container the plan creates. */
  async ids(plan: Plan): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const c of plan.containers) ids.set(c.name, (await this.inspect(c.name)).Id);
    return ids;
  }

  /** Move from one plan to the next: replace what changed, create what is new, remove what went. */
  async update(from: Plan, to: Plan, { wait = true }: { wait?: boolean } = {}): Promise<PlanDiff> {
    const diff = diffContainers(from, to);
    for (const name of [...diff.replace, ...diff.remove]) await this.removeContainer(name);
    const changed = new Set([...diff.replace, ...diff.create]);
    await this.createContainers(
      to.containers.filter((c) => changed.has(c.name)),
      wait,
    );
    return diff;
  }

  async removeContainer(name: string): Promise<void> {
    await this.call("DELETE", `/containers/${encodeURIComponent(name)}?force=true`);
  }

  /**
   * `pulumi destroy`: every container and network goes, and every volume that is not protected.
   * Returns the volumes kept.
   */
  async teardown(plan: Plan): Promise<string[]> {
    for (const c of plan.containers) await this.removeContainer(c.name);
    for (const n of plan.networks) await this.call("DELETE", `/networks/${encodeURIComponent(n.name)}`);
    for (const v of plan.volumes.filter((v) => !v.protect)) {
      await this.call("DELETE", `/volumes/${encodeURIComponent(v.name)}`);
    }
    return plan.volumes.filter((v) => v.protect).map((v) => v.name);
  }
}

/** An error that no amount of waiting will fix. */
export class FatalError extends Error {}
