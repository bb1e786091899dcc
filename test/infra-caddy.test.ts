// The rendered Caddyfile served by a real Caddy (Debian's 2.6) on free loopback ports, in front of a
// stand-in upstream that echoes what reaches it: TLS from the internal CA, HTTP redirected to HTTPS,
// security headers, the report host forwarding /reports only and only with the password (basic
// auth against a bcrypt hash made by `caddy hash-password`), and the loopback health endpoint.
import { createServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBinary } from "../lab/binaries.js";
import { freePort } from "../lab/ports.js";
import { runOrThrow, startDaemon, waitFor, type Daemon } from "../lab/process.js";
import { renderCaddyfile } from "../infra/render/caddy.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let dir: string;
let caddy: Daemon | undefined;
let upstream: Server;
let ports: { http: number; https: number; admin: number; health: number; upstream: number };

const REPORT_PASSWORD = "a-planner's password";

function get(url: string, host: string, credentials?: string): Promise<Reply> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: "127.0.0.1",
        port: target.port,
        path: target.pathname,
        headers: {
          Host: `${host}:${target.port}`,
          ...(credentials ? { Authorization: `Basic ${Buffer.from(credentials).toString("base64")}` } : {}),
        },
        servername: host,
        // Caddy's internal CA is made on the fly for this test: trust is not what is tested here.
        rejectUnauthorized: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  const binary = findBinary("caddy");
  if (!binary) throw new Error("missing caddy: apt-get install -y caddy");
  ports = {
    http: await freePort(),
    https: await freePort(),
    admin: await freePort(),
    health: await freePort(),
    upstream: await freePort(),
  };
  upstream = createServer((req, res) => res.end(`upstream saw ${req.url}`));
  await new Promise<void>((resolve) => upstream.listen(ports.upstream, "127.0.0.1", resolve));

  dir = mkdtempSync(join(tmpdir(), "kp-caddy-"));
  const bcryptHash = (
    await runOrThrow(binary, ["hash-password", "--plaintext", REPORT_PASSWORD])
  ).stdout.trim();
  const caddyfile = join(dir, "Caddyfile");
  writeFileSync(
    caddyfile,
    renderCaddyfile({
      tls: { mode: "internal" },
      listen: { ...ports, bindAddress: "127.0.0.1" },
      routes: [
        { host: "noc.test", upstream: `127.0.0.1:${ports.upstream}`, healthPath: "/" },
        {
          host: "laporan.test",
          upstream: `127.0.0.1:${ports.upstream}`,
          onlyPaths: ["/reports"],
          healthPath: "/healthz",
          basicAuth: { user: "perencana", bcryptHash, realm: "kapasitas laporan" },
        },
      ],
    }),
  );
  caddy = startDaemon(binary, ["run", "--adapter", "caddyfile", "--config", caddyfile], {
    env: {
      ...process.env,
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
      HOME: dir,
    },
  });
  const daemon = caddy;
  await waitFor(
    "Caddy to serve TLS",
    async () => (await get(`https://noc.test:${ports.https}/`, "noc.test")).status === 200,
    { daemon, timeoutMs: 30_000, intervalMs: 200 },
  );
});

afterAll(async () => {
  await caddy?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the rendered Caddyfile in a real Caddy", () => {
  it("proxies the Grafana host over TLS with the security headers and no Server header", async () => {
    const reply = await get(`https://noc.test:${ports.https}/d/kapasitas-noc`, "noc.test");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("upstream saw /d/kapasitas-noc");
    expect(reply.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(reply.headers["x-content-type-options"]).toBe("nosniff");
    expect(reply.headers.server).toBeUndefined();
  });

  it("redirects plain HTTP to HTTPS", async () => {
    const reply = await get(`http://noc.test:${ports.http}/`, "noc.test");
    expect(reply.status).toBe(308);
    // Caddy 2.6 leaves a non-standard HTTPS port out of the redirect; in the container it is 443.
    expect(reply.headers.location).toMatch(/^https:\/\/noc\.test(:\d+)?\/$/);
  });

  it("validates with caddy validate", async () => {
    const result = await runOrThrow(findBinary("caddy")!, [
      "validate",
      "--adapter",
      "caddyfile",
      "--config",
      join(dir, "Caddyfile"),
    ]);
    expect(`${result.stdout}${result.stderr}`).toMatch(/Valid configuration/);
  });

  it("asks for the password on the report host: 401 without it or with a wrong one, 200 with it", async () => {
    const reports = `https://laporan.test:${ports.https}/reports`;
    for (const credentials of [undefined, "perencana:wrong", `someone:${REPORT_PASSWORD}`]) {
      const reply = await get(reports, "laporan.test", credentials);
      expect(reply.status, credentials).toBe(401);
      expect(reply.headers["www-authenticate"]).toBe('Basic realm="kapasitas laporan"');
      expect(reply.body).not.toContain("upstream saw");
      // The refusal carries the security headers too.
      expect(reply.headers["x-content-type-options"]).toBe("nosniff");
    }
    const reply = await get(reports, "laporan.test", `perencana:${REPORT_PASSWORD}`);
    expect(reply).toMatchObject({ status: 200, body: "upstream saw /reports" });
    expect(reply.headers["x-frame-options"]).toBe("DENY");
    expect(reply.headers["content-security-policy"]).toBe("frame-ancestors 'none'");
    // Grafana's host has no password of its own at the proxy (Grafana asks for its login).
    expect((await get(`https://noc.test:${ports.https}/`, "noc.test")).status).toBe(200);
  });

  it("forwards only /reports on the report host: the collector's /metrics and /snmp stay inside", async () => {
    const login = `perencana:${REPORT_PASSWORD}`;
    expect((await get(`https://laporan.test:${ports.https}/reports`, "laporan.test", login)).body).toBe(
      "upstream saw /reports",
    );
    expect(
      (await get(`https://laporan.test:${ports.https}/reports/2026.xlsx`, "laporan.test", login)).body,
    ).toBe("upstream saw /reports/2026.xlsx");
    for (const path of ["/metrics", "/snmp", "/", "/reportsx"]) {
      const reply = await get(`https://laporan.test:${ports.https}${path}`, "laporan.test", login);
      expect(reply.status, path).toBe(302);
      expect(reply.headers.location, path).toBe("/reports");
      expect(reply.body, path).not.toContain("upstream saw");
    }
  });

  it("answers the container health check on loopback", async () => {
    const reply = await get(`http://127.0.0.1:${ports.health}/healthz`, "127.0.0.1");
    expect(reply).toMatchObject({ status: 200, body: "ok" });
    expect((await get(`http://127.0.0.1:${ports.health}/other`, "127.0.0.1")).status).toBe(404);
  });
});

describe("paths from the inventory", () => {
  it("refuses a health path that could break out of the Caddyfile or the shell health check", () => {
    const route = (healthPath: string) => ({ host: "app.test", upstream: "app:8080", healthPath });
    expect(() =>
      renderCaddyfile({ tls: { mode: "internal" }, routes: [route("/health?full=1")] }),
    ).not.toThrow();
    for (const bad of ["/health'; rm -rf /", "/a b", "/x}", "health"]) {
      expect(() => renderCaddyfile({ tls: { mode: "internal" }, routes: [route(bad)] }), bad).toThrow(
        "is not a plain URL path",
      );
    }
  });
});
