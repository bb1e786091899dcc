// What each device is polled for (pure): its links, its hotspot servers and its poll settings,
// plus the shard a device belongs to, computed exactly like Prometheus's `hashmod` relabel action.
import { createHash } from "node:crypto";
import { measuredLinks, pollSettings, type MeasuredLink, type PollSettings } from "../../core/model.js";
import type { Device, Inventory } from "../../core/schema.js";

export interface HotspotPlan {
  opd: string;
  /** The label: the server's name as the inventory writes it. */
  server: string;
  /** What the MIB matches on: `server_id`, else `server` when it is itself an id (`*1`). */
  serverId: string;
  /** Where in the inventory it is written, e.g. `opds[0].hotspots[0]`. */
  path: string;
}

export interface PlannedLink extends MeasuredLink {
  /** The uplink's provider (label `provider` of uplink_bytes_total); "" for OPD links. */
  provider: string;
}

export interface DevicePlan {
  device: Device;
  settings: PollSettings;
  links: PlannedLink[];
  hotspots: HotspotPlan[];
}

/** What each device of the shard (every device without one) is polled for; others are never planned. */
export function devicePlans(inv: Inventory, shard?: Shard): Map<string, DevicePlan> {
  const providers = new Map(inv.uplinks.map((u) => [u.id, u.provider]));
  const plans = new Map<string, DevicePlan>(
    inv.devices
      .filter((d) => inShard(d.id, shard))
      .map((d) => [d.id, { device: d, settings: pollSettings(inv, d), links: [], hotspots: [] }]),
  );
  for (const link of measuredLinks(inv)) {
    const provider = link.owner === "uplink" ? (providers.get(link.ownerId) ?? "") : "";
    plans.get(link.device)?.links.push({ ...link, provider });
  }
  inv.opds.forEach((opd, i) =>
    opd.hotspots.forEach((h, j) =>
      plans.get(h.device)?.hotspots.push({
        opd: opd.id,
        server: h.server,
        serverId: h.server_id ?? h.server,
        path: `opds[${i}].hotspots[${j}]`,
      }),
    ),
  );
  return plans;
}

/**
 * What a device's poller depends on, as a string: its plan without the inventory paths, which only
 * say where a link is written (for log lines). Inserting an OPD above others moves their paths but
 * changes nothing on the wire, so it must not make a reload re-walk their devices.
 */
export function planIdentity(plan: DevicePlan): string {
  return withoutPaths(plan);
}

/** Digests of a device's plan: its identity (paths left out) and its whole text. */
export interface PlanDigest {
  identity: string;
  full: string;
}

export function planDigest(plan: DevicePlan): PlanDigest {
  const sha1 = (text: string) => createHash("sha1").update(text).digest("base64");
  return { identity: sha1(planIdentity(plan)), full: sha1(JSON.stringify(plan)) };
}

/**
 * What a reload must do for one device, against the digests of the plans running now: nothing
 * (`same`), point its log lines at new inventory paths (`paths`: link id → path), or take a new
 * plan (`plan`). Only these cross from the reload worker, so an unchanged fleet costs the main
 * thread almost nothing.
 */
export type PlanUpdate =
  | { kind: "same"; digest: PlanDigest }
  | { kind: "paths"; digest: PlanDigest; paths: [string, string][] }
  | { kind: "plan"; digest: PlanDigest; plan: DevicePlan };

export function planUpdates(
  inventory: Inventory,
  running: ReadonlyMap<string, PlanDigest>,
  shard?: Shard,
): Map<string, PlanUpdate> {
  const updates = new Map<string, PlanUpdate>();
  for (const [id, plan] of devicePlans(inventory, shard)) {
    const digest = planDigest(plan);
    const now = running.get(id);
    if (now?.full === digest.full) updates.set(id, { kind: "same", digest });
    else if (now?.identity === digest.identity)
      updates.set(id, { kind: "paths", digest, paths: pathsOf(plan) });
    else updates.set(id, { kind: "plan", digest, plan });
  }
  return updates;
}

/** Where each of a device's links and hotspot servers is written in the inventory, by link id. */
export function pathsOf(plan: DevicePlan): [string, string][] {
  return [
    ...plan.links.map((l): [string, string] => [l.linkId, l.path]),
    ...plan.hotspots.map((h): [string, string] => [hotspotLinkId(plan.device.id, h.server), h.path]),
  ];
}

/** The link id a hotspot server is reported under when it cannot be resolved. */
export function hotspotLinkId(deviceId: string, server: string): string {
  return `${deviceId}/hotspot/${server}`;
}

/** The same plan with its links and hotspots written at other paths (pure). */
export function withPaths(plan: DevicePlan, paths: ReadonlyMap<string, string>): DevicePlan {
  return {
    ...plan,
    links: plan.links.map((l) => ({ ...l, path: paths.get(l.linkId) ?? l.path })),
    hotspots: plan.hotspots.map((h) => ({
      ...h,
      path: paths.get(hotspotLinkId(plan.device.id, h.server)) ?? h.path,
    })),
  };
}

/** What a device's tables are walked for: its links and hotspot servers, paths left out. */
export function targetsIdentity(plan: DevicePlan): string {
  return withoutPaths([plan.links, plan.hotspots]);
}

function withoutPaths(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === "path" ? undefined : v));
}

/**
 * Prometheus `hashmod`: md5 of the label value, its last 8 bytes as a big-endian uint64, modulo n.
 * A collector started with `--shard k/n` serves the devices for which this is k, so one relabel
 * rule (`source_labels: [__param_target]`, `action: hashmod`, `modulus: n`) routes each target to
 * the collector that owns it.
 */
export function hashmod(value: string, modulus: number): number {
  const digest = createHash("md5").update(value).digest();
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus));
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new Error(`--shard must look like k/n (e.g. 0/3), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count)
    throw new Error(`--shard ${text}: k counts from 0 like hashmod, so it must be below n (0..${count - 1})`);
  return { index, count };
}

export function inShard(deviceId: string, shard: Shard | undefined): boolean {
  return !shard || shard.count === 1 || hashmod(deviceId, shard.count) === shard.index;
}

/** Backoff after consecutive failures: none after the first, then doubling from one interval, capped. */
export function backoffSeconds(
  consecutiveFailures: number,
  intervalSeconds: number,
  capSeconds = 300,
): number {
  if (consecutiveFailures <= 1) return 0;
  return Math.min(intervalSeconds * 2 ** (consecutiveFailures - 2), capSeconds);
}
