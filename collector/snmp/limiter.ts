// A counting semaphore (FIFO) whose every slot is given back exactly once: a slot is held through a
// `Release` that is idempotent, and a waiter whose poll has failed (its Cancel fired) leaves the
// queue at once instead of being handed a slot later. The limit can change while it runs.

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

/**
 * A wait that can be called off: a poll that failed. Like AbortSignal, without an EventTarget on
 * the hot path (every queued SNMP request would add and remove a listener).
 */
export interface Cancel {
  /** Why it was called off; undefined while it stands. */
  readonly reason: unknown;
  /** Call `listener` when it is called off; returns a function that forgets the listener. */
  subscribe(listener: (reason: unknown) => void): () => void;
}

export class Canceller implements Cancel {
  private why: { reason: unknown } | undefined;
  private readonly listeners = new Set<(reason: unknown) => void>();

  get cancelled(): boolean {
    return this.why !== undefined;
  }

  get reason(): unknown {
    return this.why?.reason;
  }

  subscribe(listener: (reason: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Call it off (the first reason stands); every listener is told once. */
  cancel(reason: unknown): void {
    if (this.why) return;
    this.why = { reason: reason ?? new Error("cancelled") };
    for (const listener of [...this.listeners]) listener(this.why.reason);
    this.listeners.clear();
  }
}

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
   * Wait for a slot. Rejects with the cancel's reason if it is called off first (or already was);
   * the waiter then leaves the queue and never holds a slot.
   */
  acquire(cancel?: Cancel): Promise<Release> {
    if (cancel?.reason !== undefined) return Promise.reject(cancel.reason);
    if (this.active < this.max && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        queuedAt: this.now(),
        grant: (release) => {
          forget?.();
          resolve(release);
        },
      };
      const forget = cancel?.subscribe((reason) => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(reason);
      });
      this.waiting.push(waiter);
    });
  }

  async run<T>(task: () => Promise<T>, cancel?: Cancel): Promise<T> {
    const release = await this.acquire(cancel);
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
