// Shared bits of the collector's integration tests: inventories written as YAML text (so they pass
// through the real loader), an in-process Fleet with a silent logger, and exposition reading.
import pino from "pino";
import { parseInventory } from "../core/load.js";
import type { Inventory } from "../core/schema.js";
import { Fleet, type FleetOptions } from "../collector/poll/fleet.js";
import { parseExposition, select, type Exposition, type Sample } from "../lab/exposition.js";

export function inventoryFrom(yamlText: string): Inventory {
  const result = parseInventory(yamlText, "test-inventory.yaml");
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  return result.inventory;
}

export const PRICING = `pricing:
  tiers:
    - { mbps: 10, idr_per_mbps_month: 600000 }
    - { mbps: 100, idr_per_mbps_month: 400000 }
`;

export function startCollector(inventory: Inventory, options: Partial<FleetOptions> = {}): Fleet {
  return new Fleet(inventory, {
    inventoryFile: "test-inventory.yaml",
    logger: pino({ level: "silent" }),
    ...options,
  });
}

export async function scrape(collector: Fleet, target: string): Promise<Exposition> {
  const result = await collector.scrape(target);
  if (!result.ok) throw new Error(result.message);
  return parseExposition(result.text);
}

export function value(exposition: Exposition, name: string, match: Record<string, string> = {}): number {
  const samples: Sample[] = select(exposition, name, match);
  if (samples.length !== 1)
    throw new Error(`expected one ${name}${JSON.stringify(match)}, found ${samples.length}`);
  return samples[0]!.value;
}

/** Secrets go through the environment, as in production (env:NAME references). */
export function setSecret(name: string, secret: string): string {
  process.env[name] = secret;
  return `env:${name}`;
}
