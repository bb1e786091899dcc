// The inventory as the collector container sees it: the operator's file, byte for byte, except that
// every SNMP secret reference points at a file Pulumi delivers into the container. The secrets' values
// come from the stack's `snmp_secrets` (a Pulumi secret), keyed by the reference's name.
import { parseDocument } from "yaml";
import type { Inventory } from "../../core/schema.js";

/** Where the collector container finds its SNMP secrets (one file per secret, mode 0400). */
export const COLLECTOR_SECRETS_DIR = "/etc/kapasitas/secrets";

const SNMP_SECRET_FIELDS = ["community", "auth_key", "priv_key"] as const;
const SAFE_KEY = /^[A-Za-z0-9_.-]+$/;

/**
 * The config key a secret reference is looked up under: `env:KAPASITAS_DIST2_COMMUNITY` →
 * `KAPASITAS_DIST2_COMMUNITY`, `file:/run/secrets/kapasitas/dist-1-community` → `dist-1-community`.
 */
export function secretKeyOf(ref: string): string {
  const key = ref.startsWith("env:") ? ref.slice(4) : ref.startsWith("file:") ? ref.split("/").at(-1)! : "";
  if (!SAFE_KEY.test(key)) {
    throw new Error(`secret reference "${ref}" must end in a plain name (letters, digits, "_", ".", "-")`);
  }
  return key;
}

export interface SecretUse {
  /** Key in the stack's secret map, and the file name in the container. */
  key: string;
  /** Inventory paths that reference it, e.g. `devices[0].snmp.auth_key`. */
  usedAt: string[];
}

/** Every SNMP secret the collector needs, once per key, in inventory order. */
export function snmpSecretUses(inv: Inventory): SecretUse[] {
  const byKey = new Map<string, SecretUse>();
  inv.devices.forEach((device, i) => {
    const snmp = device.snmp as Partial<Record<(typeof SNMP_SECRET_FIELDS)[number], string>>;
    for (const field of SNMP_SECRET_FIELDS) {
      const ref = snmp[field];
      if (ref === undefined) continue;
      const key = secretKeyOf(ref);
      const use = byKey.get(key) ?? { key, usedAt: [] };
      use.usedAt.push(`devices[${i}].snmp.${field}`);
      byKey.set(key, use);
    }
  });
  return [...byKey.values()];
}

/** The operator's inventory text with each SNMP secret reference rewritten to its delivered file. */
export function renderCollectorInventory(sourceText: string, inv: Inventory): string {
  const doc = parseDocument(sourceText);
  inv.devices.forEach((device, i) => {
    const snmp = device.snmp as Partial<Record<(typeof SNMP_SECRET_FIELDS)[number], string>>;
    for (const field of SNMP_SECRET_FIELDS) {
      const ref = snmp[field];
      if (ref === undefined) continue;
      doc.setIn(["devices", i, "snmp", field], `file:${COLLECTOR_SECRETS_DIR}/${secretKeyOf(ref)}`);
    }
  });
  doc.commentBefore =
    ` Rendered by infra/ (Pulumi) for the collector container: SNMP secret references point at files\n` +
    ` under ${COLLECTOR_SECRETS_DIR}/ that Pulumi delivers. Edit the source inventory, not this copy.` +
    (doc.commentBefore ? `\n\n${doc.commentBefore}` : "");
  return doc.toString({ lineWidth: 0 });
}

/** Which required secret keys the stack does not provide (names only: values are never printed). */
export function missingSecretKeys(
  required: readonly SecretUse[],
  provided: Readonly<Record<string, string>>,
) {
  return required
    .filter((use) => !(use.key in provided))
    .map((use) => `${use.key} (${use.usedAt.join(", ")})`);
}
