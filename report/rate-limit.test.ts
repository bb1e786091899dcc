import { describe, expect, it } from "vitest";
import { clientOf, RateLimiter } from "./rate-limit.js";

describe("the report API's rate limit", () => {
  it("admits a burst, then refuses with the wait until the next token", () => {
    const limiter = new RateLimiter({ burst: 3, perMinute: 6 });
    expect([0, 1, 2].map(() => limiter.admit("a", 0).ok)).toEqual([true, true, true]);
    expect(limiter.admit("a", 0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.admit("b", 0).ok).toBe(true); // another client has its own bucket
    expect(limiter.admit("a", 9_999).ok).toBe(false);
    expect(limiter.admit("a", 10_000).ok).toBe(true);
  });

  it("remembers a bounded number of clients, forgetting the least recently seen", () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 1, maxClients: 100 });
    for (let i = 0; i < 10_000; i++) limiter.admit(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(limiter.size).toBe(100);
    expect(limiter.admit("10.0.39.15", 0).ok).toBe(false); // the 10,000th, still remembered
    expect(limiter.admit("10.0.0.0", 0).ok).toBe(true); // the first, forgotten
  });

  it("refuses a limit that admits nothing", () => {
    expect(() => new RateLimiter({ burst: 0, perMinute: 1 })).toThrow(/burst >= 1/);
  });

  it("counts a proxied request against the address the proxy appended", () => {
    expect(clientOf("203.0.113.9, 10.1.2.3", "172.18.0.5")).toBe("10.1.2.3");
    expect(clientOf(undefined, "172.18.0.5")).toBe("172.18.0.5");
  });
});
