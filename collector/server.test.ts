import type { AddressInfo } from "node:net";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { Fleet } from "./poll/fleet.js";
import { createApp, scrapeBudgetMs } from "./server.js";

describe("scrapeBudgetMs", () => {
  it("answers half a second before Prometheus's deadline, never less than half of it", () => {
    expect(scrapeBudgetMs("10")).toBe(9_500);
    expect(scrapeBudgetMs("0.5")).toBe(250);
    expect(scrapeBudgetMs(undefined)).toBeUndefined();
    expect(scrapeBudgetMs("soon")).toBeUndefined();
    expect(scrapeBudgetMs("-1")).toBeUndefined();
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
