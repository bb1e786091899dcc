// Cross-checks that a schema cannot express: references, uniqueness, claims, SNMPv3 completeness.
// Pure: takes a parsed inventory, returns every problem with the path it belongs to.
import { closest } from "./hint.js";
import { claimKey } from "./model.js";
import {
  weakProtocols,
  type App,
  type Device,
  type Inventory,
  type Link,
  type Opd,
  type PricingTier,
  type Uplink,
} from "./schema.js";

/**
 * What the cross-checks read: a whole inventory, or (when the schema failed somewhere) the parts
 * that parsed, with failed list items left as holes so paths keep their indexes.
 */
export interface CheckInput {
  devices: readonly (Device | undefined)[];
  opds: readonly (Opd | undefined)[];
  uplinks: readonly (Uplink | undefined)[];
  apps: readonly (App | undefined)[];
  pricing: { tiers: readonly (PricingTier | undefined)[] };
  /** Every id written in the file, parsed or not, so a broken device is not also "missing". */
  writtenIds?: { devices: readonly string[]; opds: readonly string[] };
}

export interface PathProblem {
  path: (string | number)[];
  message: string;
  /** Point at the key rather than the value (e.g. a duplicate id). */
  atKey?: boolean;
}

function duplicates<T>(
  items: readonly (T | undefined)[],
  key: (item: T) => string,
  section: string,
  field: string,
  what: string,
  /** How a key is shown in the message (default: as it is). */
  show: (item: T) => string = key,
): PathProblem[] {
  const first = new Map<string, number>();
  const problems: PathProblem[] = [];
  items.forEach((item, i) => {
    if (item === undefined) return;
    const k = key(item);
    const seen = first.get(k);
    if (seen === undefined) first.set(k, i);
    else
      problems.push({
        path: [section, i, field],
        message: `duplicate ${what} "${show(item)}" (first used at ${section}[${seen}])`,
      });
  });
  return problems;
}

function describeClaim(link: Link): string {
  if (link.queue !== undefined) return `queue "${link.queue}" on ${link.device}`;
  const [[by, value]] = Object.entries(link.interface!).filter(([, v]) => v !== undefined) as [
    [string, unknown],
  ];
  return `interface ${by} ${JSON.stringify(value)} on ${link.device}`;
}

export function crossCheck(inv: CheckInput | Inventory): PathProblem[] {
  const problems: PathProblem[] = [];
  const present = <T>(xs: readonly (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);
  const written = "writtenIds" in inv ? inv.writtenIds : undefined;
  const deviceIds = written?.devices ?? present(inv.devices).map((d) => d.id);
  const devices = new Map(present(inv.devices).map((d) => [d.id, d]));
  const opdIds = new Set(written?.opds ?? present(inv.opds).map((o) => o.id));

  problems.push(
    ...duplicates(inv.devices, (d) => d.id, "devices", "id", "device id"),
    // One agent may answer as several devices (an SNMP proxy, or SNMPv3 contexts): a device is its
    // address and the credentials (and context) it is asked with.
    ...duplicates(
      inv.devices,
      (d) => `${d.host}:${d.port}\0${JSON.stringify(d.snmp)}`,
      "devices",
      "host",
      "device address and credentials",
      (d) => `${d.host}:${d.port}`,
    ),
    ...duplicates(inv.opds, (o) => o.id, "opds", "id", "OPD id"),
    ...duplicates(inv.uplinks, (u) => u.id, "uplinks", "id", "uplink id"),
    ...duplicates(inv.apps, (a) => a.id, "apps", "id", "app id"),
    ...duplicates(inv.apps, (a) => a.domain, "apps", "domain", "app domain"),
  );

  inv.devices.forEach((d, i) => {
    if (d?.snmp.version !== "v3") return;
    const s = d.snmp;
    const base = ["devices", i, "snmp"];
    const envName = `${d.id.toUpperCase().replace(/-/g, "_")}`;
    const needsAuth = s.security_level !== "noAuthNoPriv";
    const needsPriv = s.security_level === "authPriv";
    if (needsAuth && !s.auth_protocol)
      problems.push({
        path: [...base, "auth_protocol"],
        message: `${s.security_level} needs auth_protocol (sha, sha224, sha256, sha384 or sha512)`,
      });
    if (needsAuth && !s.auth_key)
      problems.push({
        path: [...base, "auth_key"],
        message: `${s.security_level} needs auth_key (a reference such as env:${envName}_AUTH_KEY)`,
      });
    if (needsPriv && !s.priv_protocol)
      problems.push({
        path: [...base, "priv_protocol"],
        message: "authPriv needs priv_protocol (aes128, aes192, aes256 or aes256c)",
      });
    if (needsPriv && !s.priv_key)
      problems.push({
        path: [...base, "priv_key"],
        message: `authPriv needs priv_key (a reference such as env:${envName}_PRIV_KEY)`,
      });
    const weak = [s.auth_protocol, s.priv_protocol].filter(
      (p): p is NonNullable<typeof p> => p !== undefined && weakProtocols.includes(p),
    );
    if (weak.length > 0 && !s.allow_weak_crypto)
      problems.push({
        path: [...base, weak[0] === s.auth_protocol ? "auth_protocol" : "priv_protocol"],
        message: `${weak.join(" and ")} ${weak.length > 1 ? "are" : "is"} broken: prefer sha/aes128; for a device that speaks nothing else, opt in with allow_weak_crypto: true (docs/inventory.md)`,
      });
    if (weak.length === 0 && s.allow_weak_crypto)
      problems.push({
        path: [...base, "allow_weak_crypto"],
        message: "allow_weak_crypto is only for md5 or des: remove it",
      });
    if (!needsAuth && (s.auth_protocol || s.auth_key))
      problems.push({
        path: [...base, "security_level"],
        message:
          "noAuthNoPriv ignores auth_protocol/auth_key: raise the level to authNoPriv or authPriv, or remove them",
      });
    if (!needsPriv && (s.priv_protocol || s.priv_key))
      problems.push({
        path: [...base, "security_level"],
        message: `${s.security_level} ignores priv_protocol/priv_key: raise the level to authPriv, or remove them`,
      });
  });

  // Each interface, queue or hotspot server is measured for one owner only, or totals double-count.
  const claimedBy = new Map<string, string>();
  const linkIds = new Map<string, string>();
  const checkLinks = (section: "opds" | "uplinks", ownerIndex: number, links: readonly Link[]) => {
    links.forEach((link, j) => {
      const path = [section, ownerIndex, "links", j];
      const here = `${section}[${ownerIndex}].links[${j}]`;
      const device = devices.get(link.device);
      if (!deviceIds.includes(link.device)) {
        const hint = closest(link.device, deviceIds);
        problems.push({
          path: [...path, "device"],
          message: `no device "${link.device}"${hint ? `; did you mean "${hint}"?` : ` (devices: ${deviceIds.join(", ")})`}`,
        });
      } else if (device && link.queue !== undefined && device.vendor !== "mikrotik") {
        problems.push({
          path: [...path, "queue"],
          message: `simple queues exist only on MikroTik devices; device "${device.id}" has vendor "${device.vendor}"`,
        });
      }
      const key = claimKey(link);
      const owner = claimedBy.get(key);
      if (owner) problems.push({ path, message: `${describeClaim(link)} is already measured by ${owner}` });
      else claimedBy.set(key, here);
      if (link.id !== undefined) {
        const prior = linkIds.get(link.id);
        if (prior)
          problems.push({
            path: [...path, "id"],
            message: `duplicate link id "${link.id}" (first used at ${prior})`,
          });
        else linkIds.set(link.id, here);
      }
    });
  };
  inv.opds.forEach((o, i) => o && checkLinks("opds", i, o.links));
  inv.uplinks.forEach((u, i) => u && checkLinks("uplinks", i, u.links));

  const hotspotOwner = new Map<string, string>();
  inv.opds.forEach((o, i) =>
    o?.hotspots.forEach((h, j) => {
      const path = ["opds", i, "hotspots", j];
      const device = devices.get(h.device);
      if (!deviceIds.includes(h.device)) {
        const hint = closest(h.device, deviceIds);
        problems.push({
          path: [...path, "device"],
          message: `no device "${h.device}"${hint ? `; did you mean "${hint}"?` : ""}`,
        });
      } else if (device && device.vendor !== "mikrotik") {
        problems.push({
          path: [...path, "device"],
          message: `hotspot servers are read from MikroTik devices; device "${device.id}" has vendor "${device.vendor}"`,
        });
      }
      const key = `${h.device}\0${h.server}`;
      const owner = hotspotOwner.get(key);
      if (owner)
        problems.push({
          path,
          message: `hotspot server "${h.server}" on ${h.device} is already mapped to ${owner}`,
        });
      else hotspotOwner.set(key, `opds[${i}].hotspots[${j}]`);
    }),
  );

  inv.apps.forEach((a, i) => {
    if (a && !opdIds.has(a.opd)) {
      const hint = closest(a.opd, [...opdIds]);
      problems.push({
        path: ["apps", i, "opd"],
        message: `no OPD "${a.opd}"${hint ? `; did you mean "${hint}"?` : ""}`,
      });
    }
  });

  inv.pricing.tiers.forEach((t, i) => {
    const prev = inv.pricing.tiers[i - 1];
    if (t && prev && t.mbps <= prev.mbps) {
      problems.push({
        path: ["pricing", "tiers", i, "mbps"],
        message: `tiers must be in increasing order of mbps (${t.mbps} follows ${prev.mbps})`,
      });
    }
  });

  return problems;
}
