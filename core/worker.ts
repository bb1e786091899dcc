// A worker thread for one of our modules, from the built JavaScript or from the TypeScript source.
// Shared by the parts that move heavy work off the event loop (the collector's inventory reload,
// the report's builder); it is here because core/ is the one part below both.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

interface TsxPackage {
  exports: { "./esm/api": { import: { default: string } } };
}

/**
 * Start `<name>.js` beside `caller` (the calling module's import.meta.url). Built, it is plain
 * JavaScript. From source (tsx, or vitest, which does not pass its loader on to workers), a small
 * bootstrap registers tsx's loader in the worker first, then imports `<name>.ts`.
 */
export function startModuleWorker(caller: string, name: string, options: WorkerOptions): Worker {
  if (!caller.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, caller), options);
  // tsx's ESM API, found through its own exports map (a require() resolve would pick the CJS build).
  const tsxPackage = createRequire(caller).resolve("tsx/package.json");
  const exports = (JSON.parse(readFileSync(tsxPackage, "utf8")) as TsxPackage).exports["./esm/api"].import
    .default;
  const api = pathToFileURL(join(dirname(tsxPackage), exports)).href;
  const script = new URL(`./${name}.ts`, caller).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
