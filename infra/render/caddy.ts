// The reverse proxy's Caddyfile: the only door into the stack. TLS everywhere (Let's Encrypt for
// public names, Caddy's internal CA on the intranet), security headers, active health checks on the
// apps, and nothing of the collector but its report pages.

export const CADDY_FILES = { config: "Caddyfile" } as const;

/** Port of the proxy's own health endpoint, bound to loopback inside the container. */
export const CADDY_HEALTH_PORT = 8090;

export interface ProxyRoute {
  /** Public DNS name of the site. */
  host: string;
  /** host:port on a Docker network the proxy shares with the upstream. */
  upstream: string;
  /** Active health check path; an unhealthy upstream gets no traffic. */
  healthPath?: string;
  /** Only these path prefixes are forwarded; everything else is redirected to the first one. */
  onlyPaths?: readonly string[];
  /** Shown as a comment above the site block (owning OPD, app name). */
  comment?: string;
}

export interface CaddyOptions {
  tls: { mode: "acme"; email: string } | { mode: "internal" };
  routes: readonly ProxyRoute[];
  /**
   * Where Caddy listens. The container uses the defaults (80, 443, admin 2019, health 8090, all
   * addresses); tests move them to free loopback ports.
   */
  listen?: { http?: number; https?: number; admin?: number; health?: number; bindAddress?: string };
}

const HEADERS = [
  'Strict-Transport-Security "max-age=31536000"',
  "X-Content-Type-Options nosniff",
  'Referrer-Policy "strict-origin-when-cross-origin"',
  "-Server",
];

function indent(lines: readonly string[], depth = 1): string[] {
  return lines.map((line) => (line ? `${"\t".repeat(depth)}${line}` : line));
}

const SAFE_PATH = /^\/[A-Za-z0-9._~/?&=%+-]*$/;

/**
 * A URL path that can go into a Caddyfile and a shell health check as it is (the inventory's
 * `health_path` ends up in both): no spaces, quotes, braces or shell metacharacters.
 */
export function assertSafePath(path: string, what: string): string {
  if (!SAFE_PATH.test(path)) throw new Error(`${what}: "${path}" is not a plain URL path`);
  return path;
}

function proxyBlock(route: ProxyRoute): string[] {
  if (route.healthPath === undefined) return [`reverse_proxy ${route.upstream}`];
  assertSafePath(route.healthPath, `health path of ${route.host}`);
  return [
    `reverse_proxy ${route.upstream} {`,
    ...indent([`health_uri ${route.healthPath}`, "health_interval 30s", "health_timeout 5s"]),
    "}",
  ];
}

function siteBlock(route: ProxyRoute, tls: CaddyOptions["tls"]): string[] {
  const body: string[] = [];
  if (tls.mode === "internal") body.push("tls internal");
  body.push("encode zstd gzip", "header {", ...indent(HEADERS), "}", "log");
  if (route.onlyPaths && route.onlyPaths.length > 0) {
    const paths = route.onlyPaths.flatMap((p) => [p, `${p}/*`]).join(" ");
    body.push(
      `@allowed path ${paths}`,
      "handle @allowed {",
      ...indent(proxyBlock(route)),
      "}",
      "handle {",
      ...indent([`redir * ${route.onlyPaths[0]} 302`]),
      "}",
    );
  } else {
    body.push(...proxyBlock(route));
  }
  return [...(route.comment ? [`# ${route.comment}`] : []), `${route.host} {`, ...indent(body), "}"];
}

export function renderCaddyfile(options: CaddyOptions): string {
  const hosts = options.routes.map((r) => r.host);
  const duplicate = hosts.find((h, i) => hosts.indexOf(h) !== i);
  if (duplicate !== undefined) throw new Error(`two sites claim the host name ${duplicate}`);

  const listen = options.listen ?? {};
  const global = [
    "{",
    ...indent([
      ...(options.tls.mode === "acme" ? [`email ${options.tls.email}`] : []),
      // In a container there is no system trust store to install Caddy's root into.
      "skip_install_trust",
      `admin localhost:${listen.admin ?? 2019}`,
      ...(listen.http !== undefined ? [`http_port ${listen.http}`] : []),
      ...(listen.https !== undefined ? [`https_port ${listen.https}`] : []),
      ...(listen.bindAddress !== undefined ? [`default_bind ${listen.bindAddress}`] : []),
    ]),
    "}",
  ];
  const health = [
    "# Container health check only: bound to loopback, never published.",
    `http://:${listen.health ?? CADDY_HEALTH_PORT} {`,
    ...indent(["bind 127.0.0.1", 'respond /healthz "ok" 200', "respond 404"]),
    "}",
  ];
  const sites = options.routes.map((r) => siteBlock(r, options.tls).join("\n"));
  return `${[global.join("\n"), ...sites, health.join("\n")].join("\n\n")}\n`;
}
