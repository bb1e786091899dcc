// A counting semaphore (FIFO) whose every slot is given back exactly once: a slot is held through a
// `Release` that is idempotent, and a waiter whose poll has failed (its AbortSignal fired) leaves
// the queue at once instead of being handed a slot later. The limit can change while it runs.

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  queuedAt: number;
}

export class Limiter {
  private active = 0;
  private waiting: Waiter[] = [];
  private max: number;

  constructor(
    limit: number,
    /** Monotonic clock in milliseconds (injectable for tests). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.max = checkLimit(limit);
  }

  get limit(): number {
    return this.max;
  }

  /** Raise or lower the limit; a lower limit takes effect as slots come back. */
  setLimit(limit: number): void {
    this.max = checkLimit(limit);
    this.pump();
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** When the longest-waiting request joined the queue (monotonic ms), if any waits. */
  oldestQueuedAt(): number | undefined {
    return this.waiting[0]?.queuedAt;
  }

  /**
   * Wait for a slot. Rejects with the signal's reason if it fires first (or has already fired);
   * the waiter then leaves the queue and never holds a slot.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.max && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        queuedAt: this.now(),
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(abortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.active--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.active < this.max && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.active++;
      next.grant(this.releaser());
    }
  }
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`limit must be a positive integer, got ${limit}`);
  return limit;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}
