// The fleet (the collector runtime): one DevicePoller per device of this shard, the collector's own metrics
// (prom-client) and inventory reloads that keep every link's counters continuous.
import type { Logger } from "pino";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { METRICS } from "../../core/contract.js";
import type { Inventory } from "../../core/schema.js";
import { createLanes, LANES, type Lane, type LaneName } from "../snmp/lanes.js";
import type { ClientContext } from "../snmp/session.js";
import { FixedBlock } from "../compress.js";
import { DevicePoller } from "./device.js";
import { inventoryExposition } from "./inventory-gauges.js";
import {
  devicePlans,
  inShard,
  planUpdates,
  type DevicePlan,
  type PlanDigest,
  type PlanUpdate,
  type Shard,
} from "./plan.js";

export interface FleetOptions {
  inventoryFile: string;
  logger: Logger;
  shard?: Shard;
  /** SNMP requests in flight across all devices to start with, and never fewer (the poll lane's floor). */
  globalConcurrency?: number;
  /** The most SNMP requests in flight across all devices, however the lanes size themselves. */
  maxConcurrency?: number;
  /** SNMP requests in flight to one device (small routers have small CPUs). */
  perDeviceConcurrency?: number;
  getBatchSize?: number;
  rediscoverSeconds?: number;
  unresolvedRetrySeconds?: number;
}

export interface ReloadSummary {
  unchanged: number;
  changed: number;
  added: number;
  removed: number;
}

/** How long a reload works before letting scrapes in (it yields to the event loop in between). */
const RELOAD_SLICE_MS = 10;

export type ScrapeResult = { ok: true; text: string } | { ok: false; status: 404; message: string };

/** Same device, same way to reach it: its counters and sessions may carry over a reload. */
function sameEndpoint(a: DevicePlan, b: DevicePlan): boolean {
  return (
    JSON.stringify([a.device.host, a.device.port, a.device.snmp]) ===
    JSON.stringify([b.device.host, b.device.port, b.device.snmp])
  );
}

export class Fleet {
  readonly registry = new Registry();
  private pollers = new Map<string, DevicePoller>();
  private inventory: Inventory;
  private readonly lanes: Record<LaneName, Lane>;
  private readonly client: ClientContext;
  private readonly reloads: Counter<"result">;
  private fdExhaustedLogged = false;
  private readonly onDiscovery: () => void;
  private gaugesOf: { inventory: Inventory; block: FixedBlock } | undefined;

  constructor(
    inventory: Inventory,
    private readonly options: FleetOptions,
  ) {
    this.inventory = inventory;
    const queueWait = new Histogram({
      name: METRICS.snmpQueueWait,
      help: "Seconds an SNMP request waited for a slot in its lane (after its device's own limit).",
      labelNames: ["lane"],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    const lost = new Counter({
      name: METRICS.snmpRequestsLost,
      help: "SNMP requests the SNMP library never called back, failed by the collector's own deadline (should stay 0).",
      registers: [this.registry],
    });
    lost.inc(0);
    const discoveries = new Counter({
      name: METRICS.snmpDiscoveries,
      help: "Walks of a device's tables to resolve its selectors: at start, after a restart or renumbering, every rediscovery period, and after a reload that changed the device.",
      registers: [this.registry],
    });
    discoveries.inc(0);
    this.onDiscovery = () => discoveries.inc();
    const waitByLane = {
      poll: queueWait.labels({ lane: "poll" }),
      probe: queueWait.labels({ lane: "probe" }),
    };
    this.lanes = createLanes(
      { floor: options.globalConcurrency ?? 64, ceiling: options.maxConcurrency ?? 1024 },
      // One labelled child per lane, looked up once: observe() runs for every request.
      { observeWait: (lane, seconds) => waitByLane[lane].observe(seconds) },
    );
    this.client = {
      lanes: this.lanes,
      onLost: () => lost.inc(),
      onFdExhausted: (error) => {
        // Once per process: every device's socket fails the same way, and the fix is the same.
        if (this.fdExhaustedLogged) return;
        this.fdExhaustedLogged = true;
        options.logger.error(
          { code: (error as NodeJS.ErrnoException).code },
          "out of file descriptors: the collector opens one UDP socket per device; raise the limit (ulimit -n, or the container's nofile ulimit) or split the fleet with --shard",
        );
      },
    };
    this.reloads = new Counter({
      name: METRICS.inventoryReloads,
      help: "Inventory reloads (SIGHUP) by result; a failed reload keeps the previous inventory.",
      labelNames: ["result"],
      registers: [this.registry],
    });
    this.reloads.inc({ result: "success" }, 0);
    this.reloads.inc({ result: "failure" }, 0);
    this.registerGauges();
    collectDefaultMetrics({ register: this.registry });
    this.pollers = this.buildPollers(inventory);
    this.prepareInventoryGauges();
  }

  /** Render (and compress) the inventory gauges now, not in the first scrape of /metrics. */
  private prepareInventoryGauges(): void {
    this.inventoryGauges();
  }

  currentInventory(): Inventory {
    return this.inventory;
  }

  /** The device ids this collector (shard) serves. */
  targets(): string[] {
    return [...this.pollers.keys()];
  }

  /** Poll one device; `budgetMs` bounds the answer time (see DevicePoller.scrape). */
  scrape(target: string, budgetMs?: number): Promise<ScrapeResult> | ScrapeResult {
    const poller = this.pollers.get(target);
    if (poller) return poller.scrape(budgetMs).then((text) => ({ ok: true as const, text }));
    const known = this.inventory.devices.some((d) => d.id === target);
    return {
      ok: false,
      status: 404,
      message: known
        ? `device "${target}" belongs to another shard (this is shard ${this.options.shard?.index}/${this.options.shard?.count})`
        : `no device "${target}" in the inventory`,
    };
  }

  /**
   * Swap in a new, already validated inventory, device by device, yielding to the event loop
   * between slices so scrapes keep being answered. A device whose plan is unchanged keeps its
   * poller as it is (session, discovery, counters, backoff); a changed one takes over what still
   * applies (see DevicePoller.adoptStateFrom). `gauges`: the new inventory's gauges, already
   * rendered (inventoryExposition) off the event loop. Returns what changed (the caller logs it).
   */
  async reload(
    inventory: Inventory,
    updates?: Map<string, PlanUpdate>,
    gauges?: string,
  ): Promise<ReloadSummary> {
    const summary: ReloadSummary = { unchanged: 0, changed: 0, added: 0, removed: 0 };
    const previous = this.pollers;
    const next = new Map<string, DevicePoller>();
    // What changed: from the reload worker, or worked out here (tests, `kapasitas poll`).
    const planned = updates ?? planUpdates(inventory, this.planDigests(), this.options.shard);
    let sliceStart = performance.now();
    for (const [id, update] of planned) {
      if (!inShard(id, this.options.shard)) continue;
      const old = previous.get(id);
      if (old && update.kind !== "plan") {
        // Same device, same links: at most where they are written has moved.
        if (update.kind === "paths") old.retarget(update.paths, update.digest);
        next.set(id, old);
        summary.unchanged++;
      } else if (update.kind === "plan") {
        const poller = this.newPoller(update.plan);
        if (old && sameEndpoint(old.plan, update.plan)) poller.adoptStateFrom(old);
        next.set(id, poller);
        if (old) summary.changed++;
        else summary.added++;
      }
      if (performance.now() - sliceStart > RELOAD_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    this.pollers = next;
    for (const [id, poller] of previous) {
      if (next.get(id) === poller) continue;
      poller.close();
      if (!next.has(id)) summary.removed++;
    }
    this.inventory = inventory;
    // Rendered by the reload worker: 50,000 OPDs' gauges take a second and more to write.
    if (gauges !== undefined) this.gaugesOf = { inventory, block: new FixedBlock(gauges) };
    this.prepareInventoryGauges();
    this.reloads.inc({ result: "success" });
    return summary;
  }

  reloadFailed(): void {
    this.reloads.inc({ result: "failure" });
  }

  /** Stop polling: running polls end now (their scrapes are answered), sessions close. */
  close(): void {
    for (const poller of this.pollers.values()) {
      poller.abort();
      poller.close();
    }
    this.pollers.clear();
  }

  private buildPollers(inventory: Inventory): Map<string, DevicePoller> {
    const pollers = new Map<string, DevicePoller>();
    for (const [id, plan] of devicePlans(inventory, this.options.shard))
      pollers.set(id, this.newPoller(plan));
    return pollers;
  }

  private newPoller(plan: DevicePlan): DevicePoller {
    return new DevicePoller(plan, {
      client: this.client,
      perDeviceConcurrency: this.options.perDeviceConcurrency ?? 4,
      getBatchSize: this.options.getBatchSize ?? 40,
      rediscoverSeconds: this.options.rediscoverSeconds ?? 1800,
      unresolvedRetrySeconds: this.options.unresolvedRetrySeconds ?? 300,
      logger: this.options.logger,
      inventoryFile: this.options.inventoryFile,
      onDiscovery: this.onDiscovery,
    });
  }

  /** The running plans' digests by device: what a reload compares the new inventory against. */
  planDigests(): Map<string, PlanDigest> {
    return new Map([...this.pollers].map(([id, p]) => [id, p.digest]));
  }

  /** SNMP requests holding or waiting for a slot, over every device (0 when all is quiet). */
  outstandingRequests(): number {
    let n = 0;
    for (const p of this.pollers.values()) n += p.outstandingRequests;
    return n;
  }

  /** The lanes' state, for tests and the collector's own metrics. */
  laneState(): Record<LaneName, { limit: number; inFlight: number; queued: number }> {
    const state = (l: Lane) => ({ limit: l.limit, inFlight: l.inFlight, queued: l.queued });
    return { poll: state(this.lanes.poll), probe: state(this.lanes.probe) };
  }

  /** The collector's own state, read at each scrape of /metrics. */
  private registerGauges(): void {
    // collect() runs with `this` bound to the metric; these read the collector's current state.
    const devices = () => this.pollers.size;
    const lanes = () => this.lanes;
    const deadline = () => Math.max(0, ...[...this.pollers.values()].map((p) => p.requestDeadlineSeconds));
    new Gauge({
      name: "kapasitas_collector_devices",
      help: "Devices this collector (shard) polls.",
      registers: [this.registry],
      collect() {
        this.set(devices());
      },
    });
    const perLane = (name: string, help: string, read: (lane: Lane) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["lane"],
        registers: [this.registry],
        collect() {
          for (const lane of LANES) this.set({ lane }, read(lanes()[lane]));
        },
      });
    perLane(
      METRICS.snmpRequestsInFlight,
      "SNMP requests holding a slot (sent, waiting for the response), by lane: poll for live devices, probe for devices that failed.",
      (l) => l.inFlight,
    );
    perLane(METRICS.snmpRequestsQueued, "SNMP requests waiting for a slot in their lane.", (l) => l.queued);
    perLane(
      METRICS.snmpConcurrencyLimit,
      "Slots of a lane now: sized from the measured arrival rate and round trip, between the configured floor and ceiling.",
      (l) => l.limit,
    );
    new Gauge({
      name: METRICS.snmpOldestRequestAge,
      help: "Age of the oldest SNMP request by lane and state: in_flight since it took its slot, queued since it asked for one.",
      labelNames: ["lane", "state"],
      registers: [this.registry],
      collect() {
        for (const lane of LANES) {
          this.set({ lane, state: "in_flight" }, lanes()[lane].oldestInFlightSeconds());
          this.set({ lane, state: "queued" }, lanes()[lane].oldestQueuedSeconds());
        }
      },
    });
    new Gauge({
      name: METRICS.snmpRequestDeadline,
      help: "The longest any one SNMP request may take (timeout × tries, the slowest device); a request older than this is stuck.",
      registers: [this.registry],
      collect() {
        this.set(deadline());
      },
    });
  }

  /**
   * The inventory gauges, rendered once per inventory (they change only with it) and sent after
   * the collector's own metrics. They come from the inventory, not from devices: with sharding only
   * shard 0 exports them, so each series exists once and `sum()` or a division never double
   * counts. A province's
   * inventory makes hundreds of thousands of these lines: prom-client would rebuild them, and
   * their label keys, on every scrape of /metrics.
   */
  inventoryGauges(): FixedBlock[] {
    if (this.options.shard && this.options.shard.index !== 0) return [];
    if (this.gaugesOf?.inventory !== this.inventory)
      this.gaugesOf = {
        inventory: this.inventory,
        block: new FixedBlock(inventoryExposition(this.inventory)),
      };
    return [this.gaugesOf.block];
  }

  /** What /metrics serves, as plain text: the registry, then the inventory gauges. */
  async metrics(): Promise<string> {
    return (
      (await this.registry.metrics()) +
      (await Promise.all(this.inventoryGauges().map((b) => b.text()))).join("")
    );
  }
}
