// The report worker (see background.ts): build one report off the collector's event loop and
// send back the files, or the reason it failed as plain data.
import { parentPort, workerData } from "node:worker_threads";
import { encodeFailure, type WorkerInput, type WorkerResult } from "./background.js";
import { generate } from "./service.js";

const input = workerData as WorkerInput;
let result: WorkerResult;
try {
  const { files } = await generate(input.request, {
    inventory: input.inventory,
    prometheusUrl: input.prometheusUrl,
    ...(input.now ? { now: input.now } : {}),
    ...(input.concurrency ? { concurrency: input.concurrency } : {}),
    ...(input.batchEntities ? { batchEntities: input.batchEntities } : {}),
  });
  result = { ok: true, files };
} catch (error) {
  result = { ok: false, failure: encodeFailure(error) };
}
parentPort!.postMessage(result);
