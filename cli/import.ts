// `kapasitas import`: the traffic history a city already has (MRTG, Cacti, LibreNMS, CSV exports,
// another Prometheus) into Prometheus's storage as the recorded series (docs/import.md).
import type { Command } from "commander";
import { InventoryError, loadInventoryOrThrow } from "../core/load.js";
import { loadMappingOrThrow } from "../import/mapping.js";
import { ImportInputError } from "../import/rows.js";
import { runImport, type ImportResult } from "../import/run.js";
import { PrometheusClient } from "../report/prometheus.js";
import { stderrProgress } from "../report/progress.js";

interface ImportCliOptions {
  inventory: string;
  mapping?: string;
  fromPrometheus?: string;
  from?: string;
  to?: string;
  storage: string;
  promtool?: string;
  parallel: string;
}

function parseInstant(text: string | undefined, flag: string): number {
  const ms = text === undefined ? NaN : Date.parse(text);
  if (Number.isNaN(ms))
    throw new ImportInputError(
      flag,
      `"${text ?? ""}" is not a date (2025-01-01 or 2025-01-01T00:00:00+07:00)`,
    );
  return Math.floor(ms / 1000);
}

function summary(result: ImportResult): string[] {
  const iso = (s: number) => new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ");
  const lines = result.imported.map((i) => {
    const slots = Object.entries(i.slots)
      .map(([res, n]) => `${res}: ${n}`)
      .join(", ");
    return `imported ${i.origin} → ${i.link} (${i.source}), ${iso(i.fromS)} to ${iso(i.toS)} UTC${slots ? `; 5-minute slots by resolution: ${slots}` : ""}`;
  });
  if (result.rawSeries > 0) {
    lines.push(
      `raw counters: ${result.rawSeries} series (opd_link_bytes_total, uplink_bytes_total), labelled as the collector labelled them, plus source="prometheus"`,
    );
  }
  for (const s of result.skipped) lines.push(`already imported, left alone: ${s}`);
  if (result.unknown.length > 0)
    lines.push(`not in the inventory, not imported: ${result.unknown.join(", ")}`);
  lines.push(
    result.blocks.length === 0
      ? "nothing written: the store is as it was"
      : `${result.samples} samples in ${result.blocks.length} block(s); Prometheus loads them within a minute`,
  );
  return lines;
}

export function registerImportCommands(program: Command): void {
  program
    .command("import")
    .description(
      "import traffic history (RRD, MRTG log, CSV, another Prometheus) into Prometheus's storage as the recorded 5-minute series",
    )
    .requiredOption("-i, --inventory <file>", "inventory YAML file")
    .option("-m, --mapping <file>", "import mapping: which file measures which link (docs/import.md)")
    .option(
      "--from-prometheus <url>",
      "another Prometheus holding opd_link_bytes_total (with --from and --to)",
    )
    .option("--from <date>", "start of the range read from --from-prometheus")
    .option("--to <date>", "end of the range read from --from-prometheus")
    .requiredOption("-s, --storage <dir>", "Prometheus's data folder (its --storage.tsdb.path)")
    .option(
      "--promtool <path>",
      "write the blocks with promtool tsdb create-blocks-from openmetrics instead of directly (slower; a cross-check)",
    )
    .option("--parallel <n>", "promtool processes at once (with --promtool)", "2")
    .action(async (options: ImportCliOptions) => {
      try {
        if (!options.mapping === !options.fromPrometheus) {
          throw new ImportInputError(
            "kapasitas import",
            "give either --mapping FILE or --from-prometheus URL",
          );
        }
        const inventory = loadInventoryOrThrow(options.inventory);
        const sources = options.mapping ? loadMappingOrThrow(options.mapping, inventory) : undefined;
        const prometheus = options.fromPrometheus
          ? {
              client: new PrometheusClient({ url: options.fromPrometheus }),
              fromS: parseInstant(options.from, "--from"),
              toS: parseInstant(options.to, "--to"),
            }
          : undefined;
        const result = await runImport({
          inventory,
          tsdb: options.storage,
          ...(sources ? { sources } : {}),
          ...(prometheus ? { prometheus } : {}),
          ...(options.promtool !== undefined ? { promtool: options.promtool } : {}),
          parallel: Math.max(1, Number.parseInt(options.parallel, 10) || 2),
          progress: stderrProgress("import"),
        });
        for (const line of summary(result)) console.log(line);
      } catch (error) {
        // Every refusal leaves the store as it was: say what is wrong, no stack.
        const message = error instanceof Error ? error.message : String(error);
        console.error(
          error instanceof InventoryError || error instanceof ImportInputError
            ? message
            : `import: ${message}`,
        );
        console.error("nothing imported: the store is as it was");
        process.exitCode = error instanceof InventoryError || error instanceof ImportInputError ? 2 : 1;
      }
    });
}
