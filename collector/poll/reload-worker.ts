// The reload worker (see reload.ts): load, validate and plan an inventory, then send it one slice
// at a time, each when the main thread asks for the next (it asks from a later turn of its event
// loop: a port delivers every message already queued in one go, so sending them all at once
// would hand the main thread the whole inventory in a single turn).
import { parentPort, workerData } from "node:worker_threads";
import { loadInventory } from "../../core/load.js";
import { inventoryExposition } from "./inventory-gauges.js";
import { planUpdates, type PlanDigest, type Shard } from "./plan.js";
import { LIST_SECTIONS, SLICE, type ReloadMessage } from "./reload.js";

const port = parentPort!;
const { file, running, shard } = workerData as {
  file: string;
  running: Map<string, PlanDigest>;
  shard: Shard | undefined;
};

function* messages(): Generator<ReloadMessage> {
  const result = loadInventory(file);
  if (!result.ok) {
    yield { kind: "problems", problems: result.problems };
    return;
  }
  const inventory = result.inventory;
  for (const section of LIST_SECTIONS) {
    const list = inventory[section] as unknown[];
    for (let i = 0; i < list.length; i += SLICE)
      yield { kind: "items", section, items: list.slice(i, i + SLICE) };
  }
  const plans = [...planUpdates(inventory, running, shard)];
  for (let i = 0; i < plans.length; i += SLICE) yield { kind: "plans", plans: plans.slice(i, i + SLICE) };
  const gauges = !shard || shard.index === 0 ? inventoryExposition(inventory) : undefined;
  const { devices: _d, opds: _o, uplinks: _u, apps: _a, ...rest } = inventory;
  yield { kind: "done", rest, gauges };
}

const queue = messages();
const sendNext = () => {
  const next = queue.next();
  if (!next.done) port.postMessage(next.value);
};
port.on("message", sendNext);
sendNext();
