// A counting semaphore (FIFO): bounds requests in flight globally and per device.

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next waiter: `active` stays the same.
    if (next) next();
    else this.active--;
  }
}

/**
 * Run a task holding one slot of each limiter, taken in the order given. Pass the device's limiter
 * first: a request queued behind its own busy device then never holds a global slot while it waits.
 */
export function withLimits<T>(limiters: readonly Limiter[], task: () => Promise<T>): Promise<T> {
  return limiters.reduceRight<() => Promise<T>>((inner, limiter) => () => limiter.run(inner), task)();
}
