// The state of a MikroTik simple queue (pure). MIKROTIK-MIB's simple-queue table has no status
// column: a queue that is removed leaves the table (discovery then cannot resolve it), and a
// disabled one, or one whose target no longer passes traffic, keeps its row with counters that
// stand still. So a queue is down when it is gone, or when neither byte counter moved over the
// last STALL_SECONDS of polls that the device answered (docs/metrics.md, Queue state).

/** How long both byte counters may stand still, on a device that answers, before the queue is down. */
export const STALL_SECONDS = 600;

/** Polls that span STALL_SECONDS at the device's poll interval (at least two). */
export function stallPolls(intervalSeconds: number): number {
  return Math.max(2, Math.ceil(STALL_SECONDS / intervalSeconds));
}

export interface QueueWatch {
  /** The raw counters at the last poll (bytes in, bytes out), as the agent sent them. */
  raw: readonly [bigint, bigint];
  /** Consecutive answered polls in which neither counter moved. */
  still: number;
}

/** Advance the watch with one answered poll's raw counters (undefined: the agent sent none). */
export function watchQueue(
  previous: QueueWatch | undefined,
  raw: readonly [bigint | undefined, bigint | undefined],
): QueueWatch | undefined {
  const [bytesIn, bytesOut] = raw;
  if (bytesIn === undefined || bytesOut === undefined) return previous;
  const moved = previous === undefined || previous.raw[0] !== bytesIn || previous.raw[1] !== bytesOut;
  return { raw: [bytesIn, bytesOut], still: moved ? 0 : previous.still + 1 };
}

/** 1 while the queue counts, 0 once it has stood still for `polls` polls. */
export function queueUp(watch: QueueWatch | undefined, polls: number): 0 | 1 {
  return watch !== undefined && watch.still >= polls ? 0 : 1;
}
