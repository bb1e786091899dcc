// `npm run mixin`: write the mixin to dashboards/build/ (checked in: diffs show every change).
//   build/kapasitas-rules.yaml            Prometheus rule file (rule_files:)
//   build/dashboards/<uid>.json           Grafana dashboards (file provider path)
//   build/provisioning/datasources/kapasitas.yaml, build/provisioning/dashboards/kapasitas.yaml
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES_FILE, buildMixin } from "./index.js";
import type { Mixin } from "./index.js";

export const BUILD_DIR = join(dirname(fileURLToPath(import.meta.url)), "build");

/** Relative path → file content: the exact bytes the build writes (and the snapshot test compares). */
export function buildFiles(mixin: Mixin): Record<string, string> {
  const files: Record<string, string> = {
    [RULES_FILE]: mixin.rulesYaml,
    "provisioning/datasources/kapasitas.yaml": mixin.provisioning.datasourcesYaml,
    "provisioning/dashboards/kapasitas.yaml": mixin.provisioning.dashboardsProviderYaml,
  };
  for (const [name, json] of Object.entries(mixin.dashboards)) {
    files[`dashboards/${name}`] = JSON.stringify(json, null, 2) + "\n";
  }
  return files;
}

export async function writeBuild(dir: string, mixin: Mixin): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  const files = buildFiles(mixin);
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return Object.keys(files).sort();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = await writeBuild(BUILD_DIR, buildMixin());
  for (const f of written) console.log(`dashboards/build/${f}`);
}
