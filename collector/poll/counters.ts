// Counter state (pure): turns raw SNMP counters into clean, monotonic byte totals.
//
// The exported total starts at 0 when the collector first sees a link and only ever grows by
// deltas we trust: 32-bit wraps are corrected, a device reboot (sysUpTime going backwards, or less
// uptime than time since our last poll) counts the bytes since boot if they are plausible (or the
// plain increase, when only the agent restarted and the counter ran on), an index move
// re-baselines without a jump, and a delta larger than the link could carry is discarded.

const TWO_POW_32 = 1n << 32n;
const TIMETICKS_PER_SECOND = 100;

/**
 * Agents serve cached counters (Net-SNMP's ifTable cache, RouterOS's queue statistics), so the
 * counters of two polls may lie up to a cache period further apart than the polls themselves.
 */
export const AGENT_CACHE_SLACK_SECONDS = 5;
/** Clock jitter allowance on top of the elapsed time. */
export const ELAPSED_TOLERANCE = 1.1;
/** Upper bound when the link speed is unknown (simple queues, virtual interfaces): 400 Gbit/s. */
export const CEILING_BYTES_PER_SECOND = 400e9 / 8;

export type CounterWidth = 32 | 64;

export interface CounterSample {
  raw: bigint;
  width: CounterWidth;
  /** What the raw value belongs to (an interface or queue row, see read-plan.ts's instanceOf); a change means the row moved. */
  instance: number;
}

export interface CounterState {
  instance: number;
  width: CounterWidth;
  raw: bigint;
  /** The clean total exported to Prometheus, in the counter's unit (bytes, packets). */
  total: number;
}

export interface StepContext {
  /** Wall-clock seconds since the previous successful poll of this device. */
  elapsedSeconds: number;
  /** Whether the device restarted since that poll (see `detectReboot`). */
  rebooted: boolean;
  /** Device uptime now, in seconds. */
  uptimeSeconds: number;
  /** What the link can carry, in units per second; undefined when unknown. */
  maxPerSecond: number | undefined;
}

export type StepOutcome =
  | "baseline" // first sight: total starts at 0
  | "counted" // normal increase
  | "wrapped" // 32-bit wrap corrected
  | "reboot" // device restarted: bytes since boot counted
  | "moved" // the row changed index without a reboot: re-baselined, total kept
  | "reset" // counter went backwards with no reboot and no possible wrap: re-baselined
  | "implausible"; // delta above what the link can carry: discarded, re-baselined

export interface StepResult {
  state: CounterState;
  delta: number;
  outcome: StepOutcome;
}

function limitFor(seconds: number, maxPerSecond: number | undefined): number {
  const perSecond = maxPerSecond && maxPerSecond > 0 ? maxPerSecond : CEILING_BYTES_PER_SECOND;
  return perSecond * (seconds * ELAPSED_TOLERANCE + AGENT_CACHE_SLACK_SECONDS);
}

export function step(prev: CounterState | undefined, sample: CounterSample, ctx: StepContext): StepResult {
  const rebase = (total: number, delta: number, outcome: StepOutcome): StepResult => ({
    state: { instance: sample.instance, width: sample.width, raw: sample.raw, total: total + delta },
    delta,
    outcome,
  });
  if (!prev) return rebase(0, 0, "baseline");

  if (ctx.rebooted) {
    // Only the agent restarted (snmpd on a server): the kernel's counters ran on. A counter that
    // still moved forward by a plausible amount did not restart with it.
    if (prev.instance === sample.instance && prev.width === sample.width && sample.raw >= prev.raw) {
      const delta = Number(sample.raw - prev.raw);
      if (delta <= limitFor(ctx.elapsedSeconds, ctx.maxPerSecond))
        return rebase(prev.total, delta, "counted");
    }
    // Counters restart from zero at boot: what they hold now was counted since then.
    const sinceBoot = Number(sample.raw);
    if (sinceBoot <= limitFor(Math.min(ctx.uptimeSeconds, ctx.elapsedSeconds), ctx.maxPerSecond))
      return rebase(prev.total, sinceBoot, "reboot");
    return rebase(prev.total, 0, "implausible");
  }
  if (prev.instance !== sample.instance || prev.width !== sample.width) return rebase(prev.total, 0, "moved");

  const limit = limitFor(ctx.elapsedSeconds, ctx.maxPerSecond);
  if (sample.raw >= prev.raw) {
    const delta = Number(sample.raw - prev.raw);
    return delta <= limit ? rebase(prev.total, delta, "counted") : rebase(prev.total, 0, "implausible");
  }
  if (sample.width === 32) {
    const delta = Number(sample.raw + TWO_POW_32 - prev.raw);
    return delta <= limit ? rebase(prev.total, delta, "wrapped") : rebase(prev.total, 0, "implausible");
  }
  // A 64-bit counter does not wrap in a device's lifetime: it was cleared. Count nothing we cannot know.
  return rebase(prev.total, 0, "reset");
}

const UPTIME_WRAP_TICKS = 2 ** 32;
/** Uptime may lag wall time a little (agent clocks, request latency). */
const UPTIME_TOLERANCE_SECONDS = 2;

/**
 * Did the device restart between two polls? sysUpTime (TimeTicks, 1/100 s) going backwards means
 * yes, unless it is the 497-day TimeTicks wrap; so does an uptime shorter than the time since our
 * last poll (the device booted, then ran past the old value). An uptime that does not move (a
 * recording served by snmpsim) is not a restart.
 */
export function detectReboot(prevTicks: number, ticks: number, elapsedSeconds: number): boolean {
  const uptimeSeconds = ticks / TIMETICKS_PER_SECOND;
  if (ticks < prevTicks) {
    const wrapped =
      prevTicks + (elapsedSeconds + UPTIME_TOLERANCE_SECONDS) * TIMETICKS_PER_SECOND >= UPTIME_WRAP_TICKS;
    return !(wrapped && uptimeSeconds <= elapsedSeconds + UPTIME_TOLERANCE_SECONDS);
  }
  return uptimeSeconds + UPTIME_TOLERANCE_SECONDS < elapsedSeconds;
}

export const ticksToSeconds = (ticks: number): number => ticks / TIMETICKS_PER_SECOND;
