// The reload worker (see reload.ts): load, validate and plan an inventory, send it in slices.
import { parentPort, workerData } from "node:worker_threads";
import { loadInventory } from "../../core/load.js";
import { planUpdates, type PlanDigest } from "./plan.js";
import { LIST_SECTIONS, SLICE, type ReloadMessage } from "./reload.js";

const port = parentPort!;
const send = (m: ReloadMessage) => port.postMessage(m);
const { file, running } = workerData as { file: string; running: Map<string, PlanDigest> };
const result = loadInventory(file);
if (!result.ok) send({ kind: "problems", problems: result.problems });
else {
  const inventory = result.inventory;
  for (const section of LIST_SECTIONS) {
    const list = inventory[section] as unknown[];
    for (let i = 0; i < list.length; i += SLICE)
      send({ kind: "items", section, items: list.slice(i, i + SLICE) });
  }
  const plans = [...planUpdates(inventory, running)];
  for (let i = 0; i < plans.length; i += SLICE) send({ kind: "plans", plans: plans.slice(i, i + SLICE) });
  const { devices: _d, opds: _o, uplinks: _u, apps: _a, ...rest } = inventory;
  send({ kind: "done", rest });
}
