// Request lanes: the shared budget of SNMP requests in flight, split so that devices known to be
// dead (probed once per backoff period) never take the slots that live devices' polls need.
// Each lane sizes itself from what it measures (the last minute, recomputed every second), by Little's law: the slots a lane needs are the
// rate at which requests arrive times the time each holds a slot. A 400 ms satellite link then
// gets the concurrency it needs without anyone tuning --concurrency by hand.
import { Limiter, type Cancel, type Release } from "./limiter.js";

export type LaneName = "poll" | "probe";
export const LANES: readonly LaneName[] = ["poll", "probe"];

export interface LaneBounds {
  /** The starting and smallest limit (`--concurrency` for the poll lane). */
  floor: number;
  /** The largest limit (`--max-concurrency` for the poll lane): a bound on memory and bursts. */
  ceiling: number;
}

export interface LaneLoad {
  arrivalsPerSecond: number;
  /** Mean seconds a request held its slot (answered, timed out or failed). */
  meanHoldSeconds: number;
}

/** Slots needed for a measured load: twice Little's law (room for bursts), within the bounds. */
export function concurrencyFor(load: LaneLoad, bounds: LaneBounds): number {
  const needed = Math.ceil(2 * load.arrivalsPerSecond * load.meanHoldSeconds);
  return Math.min(bounds.ceiling, Math.max(bounds.floor, needed));
}

/** A lane measures the last minute in buckets of this many seconds. */
export const BUCKET_SECONDS = 5;
/** A lane recomputes its limit at most this often, so a burst is met within a second. */
export const RESIZE_SECONDS = 1;
const BUCKETS = 12;

interface Bucket {
  start: number;
  arrivals: number;
  completions: number;
  holdSeconds: number;
}

/**
 * Arrivals and slot-hold times over the last minute, in 5-second buckets (pure apart from the
 * clock it is handed).
 */
export class LoadMeter {
  private buckets: Bucket[] = [];

  constructor(now: number) {
    this.buckets.push({ start: now, arrivals: 0, completions: 0, holdSeconds: 0 });
  }

  arrival(now: number): void {
    this.roll(now);
    this.current().arrivals++;
  }

  completion(now: number, holdSeconds: number): void {
    this.roll(now);
    const b = this.current();
    b.completions++;
    b.holdSeconds += holdSeconds;
  }

  load(now: number): LaneLoad {
    this.roll(now);
    let arrivals = 0;
    let completions = 0;
    let hold = 0;
    for (const b of this.buckets) {
      arrivals += b.arrivals;
      completions += b.completions;
      hold += b.holdSeconds;
    }
    // Divide by the time the buckets actually cover (at least a second).
    const windowSeconds = Math.max(1, (now - this.buckets[0]!.start) / 1000);
    return {
      arrivalsPerSecond: arrivals / windowSeconds,
      meanHoldSeconds: completions > 0 ? hold / completions : 0,
    };
  }

  private current(): Bucket {
    return this.buckets[this.buckets.length - 1]!;
  }

  private roll(now: number): void {
    while (now - this.current().start >= BUCKET_SECONDS * 1000) {
      this.buckets.push({
        start: this.current().start + BUCKET_SECONDS * 1000,
        arrivals: 0,
        completions: 0,
        holdSeconds: 0,
      });
      if (this.buckets.length > BUCKETS) this.buckets.shift();
      // A long idle gap: start afresh rather than stepping through every empty bucket.
      if (now - this.current().start > BUCKETS * BUCKET_SECONDS * 1000) {
        this.buckets = [{ start: now, arrivals: 0, completions: 0, holdSeconds: 0 }];
      }
    }
  }
}

export interface LaneOptions extends LaneBounds {
  now?: () => number;
  /** Called with the seconds each request waited in the queue (a histogram observes it). */
  observeWait?: (seconds: number) => void;
}

/** A slot taken in a lane: give it back with `done()` once the request has ended, however it ended. */
export interface LaneTicket {
  done(): void;
}

export class Lane {
  private readonly limiter: Limiter;
  private readonly meter: LoadMeter;
  private readonly now: () => number;
  /** Start times of the requests holding a slot, for the oldest-request-age gauge. */
  private readonly holding = new Set<{ since: number }>();
  private resizedAt: number;

  constructor(
    readonly name: LaneName,
    private readonly options: LaneOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.limiter = new Limiter(options.floor, this.now);
    this.meter = new LoadMeter(this.now());
    this.resizedAt = this.now();
  }

  get limit(): number {
    return this.limiter.limit;
  }
  get inFlight(): number {
    return this.limiter.inFlight;
  }
  get queued(): number {
    return this.limiter.queued;
  }

  /** Seconds the oldest request has held a slot, 0 when none does. */
  oldestInFlightSeconds(): number {
    let oldest: number | undefined;
    for (const h of this.holding) if (oldest === undefined || h.since < oldest) oldest = h.since;
    return oldest === undefined ? 0 : (this.now() - oldest) / 1000;
  }

  /** Seconds the oldest queued request has waited, 0 when none waits. */
  oldestQueuedSeconds(): number {
    const at = this.limiter.oldestQueuedAt();
    return at === undefined ? 0 : (this.now() - at) / 1000;
  }

  /** Take a slot (or leave the queue when `cancel` is called off). */
  async enter(cancel?: Cancel): Promise<LaneTicket> {
    const queuedAt = this.now();
    this.meter.arrival(queuedAt);
    this.maybeResize(queuedAt);
    const release: Release = await this.limiter.acquire(cancel);
    const since = this.now();
    this.options.observeWait?.((since - queuedAt) / 1000);
    const holding = { since };
    this.holding.add(holding);
    let open = true;
    return {
      done: () => {
        if (!open) return;
        open = false;
        this.holding.delete(holding);
        release();
        const now = this.now();
        this.meter.completion(now, (now - since) / 1000);
        this.maybeResize(now);
      },
    };
  }

  private maybeResize(now: number): void {
    if (now - this.resizedAt < RESIZE_SECONDS * 1000) return;
    this.resizedAt = now;
    this.limiter.setLimit(concurrencyFor(this.meter.load(now), this.options));
  }
}

/** The poll lane and the smaller probe lane, from the collector's two concurrency settings. */
export function createLanes(
  bounds: LaneBounds,
  options: { now?: () => number; observeWait?: (lane: LaneName, seconds: number) => void } = {},
): Record<LaneName, Lane> {
  const common = (name: LaneName) => ({
    now: options.now,
    observeWait: options.observeWait && ((s: number) => options.observeWait!(name, s)),
  });
  return {
    poll: new Lane("poll", { ...bounds, ...common("poll") }),
    // Probes are one PDU each; an eighth of the poll lane's room is plenty and still adapts.
    probe: new Lane("probe", {
      floor: Math.max(4, Math.ceil(bounds.floor / 8)),
      ceiling: Math.max(4, Math.ceil(bounds.ceiling / 4)),
      ...common("probe"),
    }),
  };
}
