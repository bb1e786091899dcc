// The reverse proxy's Caddyfile: the only door into the stack. TLS everywhere (Let's Encrypt for
// public names, Caddy's internal CA on the intranet), security headers, active health checks on the
// apps, and nothing of the collector but its report pages, behind basic auth (docs/security.md).

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
  /** Every request must carry these credentials (HTTP basic auth, checked against a bcrypt hash). */
  basicAuth?: BasicAuth;
}

export interface BasicAuth {
  user: string;
  /** bcrypt, as `caddy hash-password` or Pulumi random's RandomPassword.bcryptHash give it. */
  bcryptHash: string;
  /** Shown by the browser's login prompt. */
  realm: string;
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
];

/**
 * Applied to the upstream's answer: defaults that an upstream sending its own keeps (the report
 * page's CSP by hash), and the upstream's Server header removed. A block of their own: `?` and `-`
 * defer a header block to the upstream's answer, and a deferred block is not applied to the proxy's
 * own refusals (a 401), which must carry the headers above all the same.
 */
const UPSTREAM_HEADERS = [
  "?X-Frame-Options DENY",
  `?Content-Security-Policy "frame-ancestors 'none'"`,
  "-Server",
];

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const USER = /^[a-z][a-z0-9_-]{0,31}$/;

/** The site's basic-auth block; refuses anything that is not a plain user name and a bcrypt hash. */
export function basicAuthBlock(auth: BasicAuth): string[] {
  if (!USER.test(auth.user))
    throw new Error(`basic auth user "${auth.user}" must be a plain lower-case name`);
  // The hash is never echoed: it is a secret too.
  if (!BCRYPT.test(auth.bcryptHash))
    throw new Error(`basic auth for ${auth.user}: the hash is not a bcrypt hash`);
  if (!/^[A-Za-z0-9 ._-]+$/.test(auth.realm))
    throw new Error(`basic auth realm "${auth.realm}" must be plain text`);
  return [`basicauth * bcrypt "${auth.realm}" {`, ...indent([`${auth.user} ${auth.bcryptHash}`]), "}"];
}

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
  body.push("encode zstd gzip", "header {", ...indent(HEADERS), "}");
  body.push("header {", ...indent(UPSTREAM_HEADERS), "}", "log");
  if (route.basicAuth) body.push(...basicAuthBlock(route.basicAuth));
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
