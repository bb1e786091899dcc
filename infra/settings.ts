// Stack configuration (Pulumi.<stack>.yaml, namespace `kapasitas`): one zod schema with defaults, so
// a typo fails `pulumi preview` with the key's path instead of deploying something half-configured.
// Secrets are NOT part of this object: they are read as Pulumi secret outputs in index.ts.
import { z } from "zod";
import { IMAGES, type ImageKey } from "./versions.js";
import { LANGS } from "../core/terms.js";

const hostname = z.string().regex(/^[a-z0-9.-]+$/, "must be a DNS name");
const promDuration = z.string().regex(/^\d+[smhdwy]$/, 'must be a Prometheus duration such as "800d"');

const resources = z.strictObject({
  cpus: z.number().positive(),
  memory_mb: z.number().int().positive(),
});
export type Resources = z.output<typeof resources>;

/** Defaults sized for the sample city (3 devices, 55 OPDs, ~2k series) on a 4-core, 8 GiB host. */
export const DEFAULT_RESOURCES = {
  prometheus: { cpus: 1, memory_mb: 2048 },
  alertmanager: { cpus: 0.25, memory_mb: 128 },
  grafana: { cpus: 0.5, memory_mb: 512 },
  collector: { cpus: 0.5, memory_mb: 256 },
  proxy: { cpus: 0.5, memory_mb: 256 },
} as const satisfies Record<string, Resources>;
export type Service = keyof typeof DEFAULT_RESOURCES;

const receiver = z.strictObject({
  name: z.string().min(1),
  /** E-mail addresses; needs `alerting.smtp` (and the `smtp_password` secret if the relay wants auth). */
  email_to: z.array(z.string().email()).default([]),
  /** Telegram chat ids (the NOC group); needs the `telegram_bot_token` secret. */
  telegram_chat_ids: z.array(z.number().int()).default([]),
  /** Generic webhooks (e.g. a chat bridge). URLs can hold tokens: they are treated as secret. */
  webhook_urls: z.array(z.string().url()).default([]),
});
export type Receiver = z.output<typeof receiver>;

const alerting = z.strictObject({
  default_receiver: z.string().min(1).default("noc"),
  /** Receiver for severity=critical (link saturated, device down); defaults to the default receiver. */
  critical_receiver: z.string().min(1).optional(),
  receivers: z
    .array(receiver)
    .default([{ name: "noc", email_to: [], telegram_chat_ids: [], webhook_urls: [] }]),
  smtp: z
    .strictObject({
      smarthost: z.string().regex(/^[^:\s]+:\d+$/, "must be host:port"),
      from: z.string().email(),
      username: z.string().optional(),
      require_tls: z.boolean().default(true),
    })
    .optional(),
});
export type AlertingSettings = z.output<typeof alerting>;

export const stackSettings = z
  .strictObject({
    /** `unix:///var/run/docker.sock` or `ssh://deploy@dc-host` (the Docker host that runs everything). */
    docker_host: z.string().regex(/^(unix|ssh|tcp):\/\//, "must be unix://, ssh:// or tcp://"),
    /** Inventory file, relative to the project root (where Pulumi.yaml is). */
    inventory: z.string().default("inventory/tanjungpinang.yaml"),
    /** Prefix of every container, volume and network name, so two stacks can share a host. */
    name_prefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .default("kapasitas"),
    hosts: z.strictObject({
      /** Grafana, for the NOC. */
      grafana: hostname,
      /** The capacity report download page (/reports on the collector), for planners. */
      reports: hostname,
    }),
    tls: z
      .discriminatedUnion("mode", [
        /** Public names: certificates from Let's Encrypt (port 80 and 443 must be reachable). */
        z.strictObject({ mode: z.literal("acme"), email: z.string().email() }),
        /** Intranet or dev: Caddy's own CA (trust its root on NOC PCs). */
        z.strictObject({ mode: z.literal("internal") }),
      ])
      .default({ mode: "internal" }),
    ports: z
      .strictObject({
        http: z.number().int().min(1).max(65535).default(80),
        https: z.number().int().min(1).max(65535).default(443),
        /** Host address the proxy publishes on; 127.0.0.1 keeps a dev stack off the LAN. */
        bind_address: z.string().default("0.0.0.0"),
      })
      .default({ http: 80, https: 443, bind_address: "0.0.0.0" }),
    prometheus: z
      .strictObject({
        /** A fiscal year plus the year it is compared against, with margin. */
        retention_time: promDuration.default("800d"),
        /** Optional cap on disk use, e.g. "40GB"; the oldest blocks go first. */
        retention_size: z
          .string()
          .regex(/^\d+(B|KB|MB|GB|TB)$/)
          .optional(),
        external_labels: z.record(z.string(), z.string()).default({}),
        /** Long-term store (Mimir, Thanos Receive, VictoriaMetrics); password in secret `remote_write_password`. */
        remote_write: z
          .strictObject({
            url: z.string().url(),
            username: z.string().optional(),
          })
          .optional(),
      })
      .default({ retention_time: "800d", external_labels: {} }),
    /** Language of the NOC dashboards: Bahasa Indonesia (`id`) or English (`en`). */
    dashboard_language: z.enum(LANGS).default("id"),
    /** Collectors to spread the devices over (Prometheus hashmod on the device id). */
    collector_shards: z.number().int().min(1).max(16).default(1),
    alerting: alerting.default({
      default_receiver: "noc",
      receivers: [{ name: "noc", email_to: [], telegram_chat_ids: [], webhook_urls: [] }],
    }),
    /**
     * Private registries the apps' images come from (e.g. the city's); passwords in the secret
     * `registry_passwords` (address -> password). Pulls happen on the Docker host.
     */
    registries: z
      .array(
        z.strictObject({ address: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/), username: z.string().min(1) }),
      )
      .default([]),
    /** Protect data volumes from `pulumi destroy` (Prometheus, Grafana, Alertmanager, Caddy, apps). */
    protect_data: z.boolean().default(true),
    /** Give hosted apps a route out (their network is internal by default). */
    apps_egress: z.boolean().default(false),
    /** Image overrides, e.g. to add a digest: { prometheus: "prom/prometheus:v3.5.0@sha256:…" }. */
    images: z.partialRecord(z.enum(Object.keys(IMAGES) as [ImageKey, ...ImageKey[]]), z.string()).default({}),
    resources: z
      .partialRecord(z.enum(Object.keys(DEFAULT_RESOURCES) as [Service, ...Service[]]), resources)
      .default({}),
    log: z
      .strictObject({ max_size: z.string().default("10m"), max_file: z.number().int().min(1).default(5) })
      .default({ max_size: "10m", max_file: 5 }),
  })
  .superRefine((s, ctx) => {
    const names = new Set(s.alerting.receivers.map((r) => r.name));
    for (const [key, name] of [
      ["default_receiver", s.alerting.default_receiver],
      ["critical_receiver", s.alerting.critical_receiver],
    ] as const) {
      if (name !== undefined && !names.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["alerting", key],
          message: `no receiver named "${name}" (have: ${[...names].join(", ")})`,
        });
      }
    }
    if (s.alerting.receivers.some((r) => r.email_to.length > 0) && !s.alerting.smtp) {
      ctx.addIssue({
        code: "custom",
        path: ["alerting", "smtp"],
        message: "a receiver sends e-mail: set alerting.smtp",
      });
    }
  });

export type StackSettings = z.output<typeof stackSettings>;

/** Validate the raw `kapasitas:*` keys; the message names every bad key by its path. */
export function parseStackSettings(raw: unknown): StackSettings {
  const result = stackSettings.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  kapasitas:${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(`invalid stack configuration:\n${lines.join("\n")}`);
}

/**
 * The stack's plain `kapasitas:*` keys (as `pulumi.runtime.allConfig()` gives them: structured and
 * numeric values as JSON text, strings as themselves) as one object for parseStackSettings. Secret
 * keys are left out: they are read as secret outputs, never as plain values.
 */
export function settingsFromConfigMap(
  all: Readonly<Record<string, string>>,
  namespace = "kapasitas",
): unknown {
  const secret = new Set<string>(Object.values(SECRET_KEYS));
  const out: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    const colon = fullKey.indexOf(":");
    if (fullKey.slice(0, colon) !== namespace) continue;
    const key = fullKey.slice(colon + 1);
    if (secret.has(key)) continue;
    try {
      out[key] = JSON.parse(text);
    } catch {
      out[key] = text;
    }
  }
  return out;
}

export function imageFor(settings: StackSettings, key: ImageKey): string {
  return settings.images[key] ?? IMAGES[key];
}

export function resourcesFor(settings: StackSettings, service: Service): Resources {
  return settings.resources[service] ?? DEFAULT_RESOURCES[service];
}

/** The secret config keys a stack may set (`pulumi config set --secret KEY`). */
export const SECRET_KEYS = {
  snmp: "snmp_secrets",
  apps: "app_secrets",
  smtpPassword: "smtp_password",
  telegramBotToken: "telegram_bot_token",
  remoteWritePassword: "remote_write_password",
  registryPasswords: "registry_passwords",
} as const;
