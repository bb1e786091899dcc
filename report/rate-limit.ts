// A per-client rate limit for the report API: a token bucket per client address, holding at most
// `maxClients` buckets (the oldest idle one is forgotten first), so a flood of addresses cannot
// grow it without bound. Here rather than in the proxy because Debian's Caddy has no rate-limit
// module (`caddy list-modules`); the proxy authenticates, this bounds what an authenticated (or
// internal) client can make the collector build. Pure: the clock is a parameter.

export interface RateLimitOptions {
  /** Requests a client may make in a burst. */
  burst: number;
  /** Tokens added per minute (the sustained rate). */
  perMinute: number;
  /** Clients remembered at once. */
  maxClients?: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxClients: number;

  constructor(private readonly options: RateLimitOptions) {
    if (!(options.burst >= 1) || !(options.perMinute > 0)) {
      throw new Error(
        `a rate limit needs burst >= 1 and perMinute > 0 (got ${options.burst}, ${options.perMinute})`,
      );
    }
    this.maxClients = options.maxClients ?? 10_000;
  }

  /** Clients currently remembered (for tests and /metrics). */
  get size(): number {
    return this.buckets.size;
  }

  admit(client: string, nowMs: number): Admission {
    const { burst, perMinute } = this.options;
    const perMs = perMinute / 60_000;
    const previous = this.buckets.get(client);
    const tokens = previous ? Math.min(burst, previous.tokens + (nowMs - previous.atMs) * perMs) : burst;
    // Re-insert: Map order is then least recently seen first.
    this.buckets.delete(client);
    if (tokens < 1) {
      this.buckets.set(client, { tokens, atMs: nowMs });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    this.buckets.set(client, { tokens: tokens - 1, atMs: nowMs });
    while (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    return { ok: true };
  }
}

/**
 * The client a request counts against: the address the proxy saw (the last X-Forwarded-For entry,
 * which the proxy appends itself) when the request came through one, else the socket's address.
 */
export function clientOf(forwardedFor: string | undefined, remoteAddress: string | undefined): string {
  const last = forwardedFor?.split(",").at(-1)?.trim();
  return last || remoteAddress || "unknown";
}
