// The inventory schema: the one source of truth every part of kapasitas reads.
// Shapes only; cross-references (ids, devices, claims) are checked in validate.ts.
import { z } from "zod";

/** A reference to a secret, resolved only at run time: `env:NAME` or `file:/path`. */
export const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;
export const secretRef = z
  .string()
  .regex(SECRET_REF, "must be a reference to a secret (env:NAME or file:/path), never the secret itself");

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
/** Durations are written the Prometheus way (`30s`, `1m`) and held as seconds. */
export const duration = z
  .string()
  .regex(DURATION, 'must be a duration such as "500ms", "30s" or "5m"')
  .transform((text) => parseDurationSeconds(text));

export function parseDurationSeconds(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a slug: lower-case letters, digits and '-' (e.g. dinas-kominfo)");

const positiveMbps = z.number().positive("must be a positive number of Mbps");
export const bandwidth = z.strictObject({
  download_mbps: positiveMbps,
  upload_mbps: positiveMbps,
});

export const authProtocols = ["sha", "sha224", "sha256", "sha384", "sha512"] as const;
export const privProtocols = ["aes128", "aes192", "aes256", "aes256c"] as const;

const snmpV2c = z.strictObject({
  version: z.literal("v2c"),
  community: secretRef,
});

const snmpV3 = z.strictObject({
  version: z.literal("v3"),
  username: z.string().min(1),
  security_level: z.enum(["noAuthNoPriv", "authNoPriv", "authPriv"]),
  auth_protocol: z.enum(authProtocols).optional(),
  auth_key: secretRef.optional(),
  priv_protocol: z.enum(privProtocols).optional(),
  priv_key: secretRef.optional(),
  context: z.string().optional(),
});

export const snmpSettings = z.discriminatedUnion("version", [snmpV2c, snmpV3]);

export const vendors = ["generic", "mikrotik", "cisco", "huawei", "linux"] as const;

const pollSettings = {
  poll_interval: duration.optional(),
  timeout: duration.optional(),
  retries: z.number().int().min(0).max(10).optional(),
  max_repetitions: z.number().int().min(1).max(200).optional(),
  walk_max_rows: z.number().int().min(1).optional(),
  walk_max_requests: z.number().int().min(1).optional(),
};

export const device = z.strictObject({
  id: slug,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(161),
  snmp: snmpSettings,
  vendor: z.enum(vendors).default("generic"),
  site: z.string().optional(),
  ...pollSettings,
});

/** Exactly one way to find an interface on a device. */
export const interfaceSelector = z
  .strictObject({
    name: z.string().min(1).optional(),
    alias: z.string().min(1).optional(),
    descr: z.string().min(1).optional(),
    index: z.number().int().positive().optional(),
  })
  .superRefine((selector, ctx) => {
    const given = Object.keys(selector).filter((k) => selector[k as keyof typeof selector] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `name the interface exactly one way: name, alias, descr or index (got ${given.length === 0 ? "none" : given.join(" and ")})`,
      });
    }
  });

/**
 * Which way the interface faces, seen from the router that carries it:
 * `downstream` faces the OPD (or the city network), so its out-octets are the download;
 * `upstream` faces the core or the ISP, so its in-octets are the download.
 */
export const facing = z.enum(["downstream", "upstream"]);

export const link = z
  .strictObject({
    id: slug.optional(),
    device: z.string().min(1),
    interface: interfaceSelector.optional(),
    faces: facing.optional(),
    queue: z.string().min(1).optional(),
  })
  .superRefine((l, ctx) => {
    if ((l.interface === undefined) === (l.queue === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "a link measures either an interface or a MikroTik simple queue: give exactly one of interface or queue",
      });
    }
    if (l.queue !== undefined && l.faces !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["faces"],
        message:
          "faces applies to interfaces only; a simple queue always counts the target's upload as bytes in",
      });
    }
  });

export const hotspot = z.strictObject({
  device: z.string().min(1),
  server: z.string().min(1),
  /**
   * The server's RouterOS id (`*1`, from `/ip hotspot print` or `get [find name=...] .id`): the
   * MIKROTIK-MIB active-users table identifies servers only by this number, not by name.
   */
  server_id: z
    .string()
    .regex(/^\*[0-9A-Fa-f]+$/, 'must be the RouterOS id as printed, e.g. "*1" or "*1A"')
    .optional(),
});

/**
 * How an OPD's connection is paid for when it is not a share of the city's uplinks: its own
 * line (e.g. a Mal Pelayanan Publik bought separately). Its `allocated` is the contracted size.
 */
export const ownContract = z.strictObject({
  provider: z.string().min(1),
  monthly_price_idr: z.number().nonnegative(),
});

export const opd = z.strictObject({
  id: slug,
  name: z.string().min(1),
  short_name: z.string().optional(),
  category: z.enum(["public_service", "internal"]),
  /** Shared allocation (a simple queue or port on the city network), or the contracted size of its own line. */
  allocated: bandwidth,
  /** Absent: a share of the city's uplinks, with no price of its own (the city pays the uplinks). */
  contract: ownContract.optional(),
  links: z.array(link).default([]),
  hotspots: z.array(hotspot).default([]),
});

export const uplink = z.strictObject({
  id: slug,
  provider: z.string().min(1),
  contracted: bandwidth,
  monthly_price_idr: z.number().nonnegative(),
  links: z.array(link).min(1, "an uplink needs at least one link to measure"),
});

export const app = z.strictObject({
  id: slug,
  name: z.string().min(1),
  opd: z.string().min(1),
  image: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  domain: z.string().regex(/^[a-z0-9.-]+$/, "must be a DNS name"),
  health_path: z.string().startsWith("/").default("/"),
  resources: z.strictObject({
    cpus: z.number().positive(),
    memory_mb: z.number().int().positive(),
  }),
  env: z.record(z.string(), z.string()).default({}),
  secrets: z.record(z.string(), secretRef).default({}),
});

export const pricingTier = z.strictObject({
  mbps: positiveMbps,
  idr_per_mbps_month: z.number().positive(),
});

export const pricing = z.strictObject({
  currency: z.literal("IDR").default("IDR"),
  /** Allocation sizes a provider sells, each with its price; a recommendation rounds up to one. */
  tiers: z.array(pricingTier).min(1),
});

export const planning = z.strictObject({
  /** Extra capacity on top of the projected 95th percentile, as a ratio (0.3 = 30%). */
  headroom: z.number().min(0).max(5).default(0.3),
  /** Utilisation ratio above which a link counts as saturated (alerts, hours above threshold). */
  saturation_threshold: z.number().gt(0).max(1).default(0.9),
  /** First month of the fiscal year (Indonesian APBD: January). */
  fiscal_year_start_month: z.number().int().min(1).max(12).default(1),
  /**
   * How far the shared OPD allocations may exceed the uplinks they share (sum of allocations ÷
   * contracted), a planning decision: peaks do not coincide. `inventory check` warns above it and
   * the report's allocation plan fits within recommended uplinks × this ratio.
   */
  max_overbooking: z
    .number()
    .min(1, "must be at least 1 (1.5: shared allocations may add up to 1.5× the uplinks)")
    .max(20)
    .default(1.5),
  /** Below this share of the period measured, a row gets "not enough evidence", never a recommendation. */
  min_coverage: z.number().min(0).max(1, "must be a share between 0 and 1 (0.8 = 80%)").default(0.8),
});

/** Who signs the report (the PDF's signature block). NIP: the 18-digit civil-servant number. */
export const signatory = z.strictObject({
  role: z.string().min(1),
  name: z.string().min(1),
  nip: z
    .union([z.string(), z.number()])
    .refine((v) => typeof v === "string", {
      message: 'write the NIP in quotes ("196910031994032004"): as a bare number YAML loses digits',
    })
    .transform((v) => String(v))
    .pipe(z.string().regex(/^\d{18}$/, "must be an 18-digit NIP"))
    .optional(),
});

export const reportSettings = z.strictObject({
  signatories: z.array(signatory).max(4, "the signature block has room for 4 signatories").default([]),
});

export const defaults = z.strictObject({
  poll_interval: duration.default(60),
  timeout: duration.default(2),
  retries: z.number().int().min(0).max(10).default(1),
  max_repetitions: z.number().int().min(1).max(200).default(25),
  /** A walk (one table's columns) is abandoned past this many rows: an agent that never stops. */
  walk_max_rows: z.number().int().min(1).default(100_000),
  /** ... or past this many GetBulk requests. */
  walk_max_requests: z.number().int().min(1).default(10_000),
});

export const inventory = z.strictObject({
  version: z.literal(1),
  organisation: z.string().min(1),
  timezone: z.string().default("Asia/Jakarta"),
  defaults: defaults.default({
    poll_interval: 60,
    timeout: 2,
    retries: 1,
    max_repetitions: 25,
    walk_max_rows: 100_000,
    walk_max_requests: 10_000,
  }),
  devices: z.array(device).min(1, "list at least one device"),
  opds: z.array(opd).default([]),
  uplinks: z.array(uplink).default([]),
  apps: z.array(app).default([]),
  pricing,
  planning: planning.default({
    headroom: 0.3,
    saturation_threshold: 0.9,
    fiscal_year_start_month: 1,
    max_overbooking: 1.5,
    min_coverage: 0.8,
  }),
  report: reportSettings.default({ signatories: [] }),
});

export type Inventory = z.output<typeof inventory>;
export type Device = z.output<typeof device>;
export type SnmpSettings = z.output<typeof snmpSettings>;
export type InterfaceSelector = z.output<typeof interfaceSelector>;
export type Link = z.output<typeof link>;
export type Opd = z.output<typeof opd>;
export type Uplink = z.output<typeof uplink>;
export type App = z.output<typeof app>;
export type PricingTier = z.output<typeof pricingTier>;
export type Planning = z.output<typeof planning>;
export type OwnContract = z.output<typeof ownContract>;
export type Signatory = z.output<typeof signatory>;
export type Facing = z.output<typeof facing>;
export type AuthProtocol = (typeof authProtocols)[number];
export type PrivProtocol = (typeof privProtocols)[number];
