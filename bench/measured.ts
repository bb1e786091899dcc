/**
 * What every collector benchmark needs: the build it measures (dist/, as the container runs it) and
 * what it records about the run (the commit, the load on the shared machine).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../lab/kapasitas.js";
import { run } from "../lab/process.js";

/** The folders the measured process runs: the kapasitas command and what it imports. */
const COLLECTOR_SOURCES = ["core", "collector", "report", "cli"];

/** The commit measured, marked "+ local changes" when the collector's sources differ from it. */
export function gitCommit(): string {
  const git = (...a: string[]) => spawnSync("git", a, { cwd: REPO_ROOT, encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD").stdout.trim() || "?";
  const dirty = git("status", "--porcelain", "--", ...COLLECTOR_SOURCES).stdout.trim() !== "";
  return dirty ? `${head} + local changes in ${COLLECTOR_SOURCES.join("/, ")}/` : head;
}

/** The 1-minute load average: the machine is shared, so every figure says how busy it was. */
export function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ")[0] ?? "?";
}

/** Compile to dist/ the way CI and the container do; the collector is measured as it ships. */
export async function build(): Promise<void> {
  const started = performance.now();
  const result = await run(
    process.execPath,
    [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: REPO_ROOT,
      timeoutMs: 300_000,
    },
  );
  // Type errors elsewhere in the tree still emit JavaScript; what matters is that the entry exists.
  if (result.code !== 0)
    console.error(`tsc reported problems (continuing):\n${result.stdout.slice(0, 2000)}`);
  if (!existsSync(join(REPO_ROOT, "dist/cli/kapasitas.js")))
    throw new Error("build produced no dist/cli/kapasitas.js");
  console.error(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
