// The fleet (the collector runtime): one DevicePoller per device of this shard, the collector's own metrics
// (prom-client) and inventory reloads that keep every link's counters continuous.
import type { Logger } from "pino";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { METRICS } from "../../core/contract.js";
import { DIRECTIONS, mbpsFor, mbpsToBps } from "../../core/model.js";
import type { Inventory } from "../../core/schema.js";
import { Limiter } from "../snmp/limiter.js";
import { DevicePoller } from "./device.js";
import { devicePlans, inShard, type DevicePlan, type Shard } from "./plan.js";

export interface FleetOptions {
  inventoryFile: string;
  logger: Logger;
  shard?: Shard;
  /** SNMP requests in flight across all devices. */
  globalConcurrency?: number;
  /** SNMP requests in flight to one device (small routers have small CPUs). */
  perDeviceConcurrency?: number;
  getBatchSize?: number;
  rediscoverSeconds?: number;
  unresolvedRetrySeconds?: number;
}

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
  private readonly globalLimiter: Limiter;
  private readonly reloads: Counter<"result">;

  constructor(
    inventory: Inventory,
    private readonly options: FleetOptions,
  ) {
    this.inventory = inventory;
    this.globalLimiter = new Limiter(options.globalConcurrency ?? 64);
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
    this.pollers = this.buildPollers(inventory, new Map());
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

  /** Swap in a new, already validated inventory; unchanged devices keep their state. */
  reload(inventory: Inventory): void {
    const previous = this.pollers;
    this.pollers = this.buildPollers(inventory, previous);
    for (const [id, poller] of previous) if (this.pollers.get(id) !== poller) poller.close();
    this.inventory = inventory;
    this.reloads.inc({ result: "success" });
    this.options.logger.info({ devices: this.pollers.size }, "inventory reloaded");
  }

  reloadFailed(): void {
    this.reloads.inc({ result: "failure" });
  }

  close(): void {
    for (const poller of this.pollers.values()) poller.close();
    this.pollers.clear();
  }

  private buildPollers(inventory: Inventory, previous: Map<string, DevicePoller>): Map<string, DevicePoller> {
    const pollers = new Map<string, DevicePoller>();
    for (const [id, plan] of devicePlans(inventory)) {
      if (!inShard(id, this.options.shard)) continue;
      const poller = new DevicePoller(plan, {
        globalLimiter: this.globalLimiter,
        perDeviceConcurrency: this.options.perDeviceConcurrency ?? 4,
        getBatchSize: this.options.getBatchSize ?? 40,
        rediscoverSeconds: this.options.rediscoverSeconds ?? 1800,
        unresolvedRetrySeconds: this.options.unresolvedRetrySeconds ?? 300,
        logger: this.options.logger,
        inventoryFile: this.options.inventoryFile,
      });
      const old = previous.get(id);
      if (old && sameEndpoint(old.plan, plan)) poller.adoptStateFrom(old);
      pollers.set(id, poller);
    }
    return pollers;
  }

  /**
   * Inventory gauges come from the inventory, not from devices. With sharding only shard 0 exports
   * them, so each series exists once and `sum()` or a division never double counts.
   */
  private registerGauges(): void {
    const exportInventory = !this.options.shard || this.options.shard.index === 0;
    // collect() runs with `this` bound to the metric; these read the collector's current state.
    const devices = () => this.pollers.size;
    const inFlight = () => this.globalLimiter.inFlight;
    const inventory = () => this.inventory;
    new Gauge({
      name: "kapasitas_collector_devices",
      help: "Devices this collector (shard) polls.",
      registers: [this.registry],
      collect() {
        this.set(devices());
      },
    });
    new Gauge({
      name: "kapasitas_snmp_requests_in_flight",
      help: "SNMP requests waiting for a response, across all devices.",
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
    if (!exportInventory) return;
    new Gauge({
      name: METRICS.opdAllocatedBps,
      help: "Bandwidth allocated to an OPD in the inventory, bits per second.",
      labelNames: ["opd", "direction"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const o of inventory().opds) {
          for (const direction of DIRECTIONS) {
            this.set({ opd: o.id, direction }, mbpsToBps(mbpsFor(o.allocated, direction)));
          }
        }
      },
    });
    new Gauge({
      name: METRICS.uplinkContractedBps,
      help: "Bandwidth contracted from an ISP in the inventory, bits per second.",
      labelNames: ["uplink", "provider", "direction"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const u of inventory().uplinks) {
          for (const direction of DIRECTIONS) {
            this.set(
              { uplink: u.id, provider: u.provider, direction },
              mbpsToBps(mbpsFor(u.contracted, direction)),
            );
          }
        }
      },
    });
    new Gauge({
      name: METRICS.opdInfo,
      help: "One series per OPD in the inventory (value 1), carrying its full name and category.",
      labelNames: ["opd", "name", "category"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const o of inventory().opds) this.set({ opd: o.id, name: o.name, category: o.category }, 1);
      },
    });
  }
}
