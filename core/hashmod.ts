// Prometheus's `hashmod` relabel action, computed the same way here: the collector's `--shard k/n`
// (collector/poll/plan.ts) and the Pulumi program's sizing (infra/sizing.ts) both route devices by it.
import { createHash } from "node:crypto";

/**
 * Prometheus `hashmod`: md5 of the label value, its last 8 bytes as a big-endian uint64, modulo n.
 * A collector started with `--shard k/n` serves the devices for which this is k, so one relabel
 * rule (`source_labels: [__param_target]`, `action: hashmod`, `modulus: n`) routes each target to
 * the collector that owns it.
 */
export function hashmod(value: string, modulus: number): number {
  const digest = createHash("md5").update(value).digest();
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus));
}
