import type { AddressInfo } from "node:net";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { Fleet } from "./poll/fleet.js";
import { createApp, scrapeBudgetMs, targetOf } from "./server.js";

describe("scrapeBudgetMs", () => {
  it("answers half a second before Prometheus's deadline, never less than half of it", () => {
    expect(scrapeBudgetMs("10")).toBe(9_500);
    expect(scrapeBudgetMs("2")).toBe(1_500);
    expect(scrapeBudgetMs(undefined)).toBeUndefined();
    expect(scrapeBudgetMs("soon")).toBeUndefined();
    expect(scrapeBudgetMs("-1")).toBeUndefined();
  });
  it("clamps what a careless scraper sends to between 1 s and an hour", () => {
    expect(scrapeBudgetMs("0.001")).toBe(500);
    expect(scrapeBudgetMs("1e308")).toBe(3_599_500);
  });
});

describe("targetOf", () => {
  it("takes exactly one target and says so when there are several", () => {
    expect(targetOf("core")).toEqual({ ok: true, target: "core" });
    expect(targetOf(undefined)).toEqual({ ok: false, message: "missing ?target=<device id>" });
    expect(targetOf(["a", "b"])).toEqual({
      ok: false,
      message: "target given 2 times; give exactly one ?target=<device id>",
    });
  });
});

describe("createApp", () => {
  it("mounts extra routers, and answers an unexpected error with a plain 500 (no stack)", async () => {
    const app = createApp({
      collector: () => ({ targets: () => [] }) as unknown as Fleet,
      isReady: () => false,
      logger: pino({ level: "silent" }),
      routers: [
        { path: "/hello", router: (_req, res) => void res.send("hi") },
        {
          path: "/boom",
          router: () => {
            throw new Error("internal detail that must not leak");
          },
        },
      ],
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/hello`)).text()).toBe("hi");
      const boom = await fetch(`${base}/boom`);
      expect(boom.status).toBe(500);
      expect(await boom.text()).toBe("internal error\n");
      expect((await fetch(`${base}/ready`)).status).toBe(503);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("security headers", () => {
  it("are on every answer: pages, errors and 404s alike", async () => {
    const app = createApp({
      collector: () => ({ targets: () => ["r1"] }) as unknown as Fleet,
      isReady: () => true,
      logger: pino({ level: "silent" }),
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ["/", "/healthz", "/ready", "/snmp", "/no/such/page"]) {
        const response = await fetch(`${base}${path}`);
        expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(response.headers.get("x-frame-options"), path).toBe("DENY");
        expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
        expect(response.headers.get("content-security-policy"), path).toBe(
          "default-src 'none'; frame-ancestors 'none'",
        );
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
