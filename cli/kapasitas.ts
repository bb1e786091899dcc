#!/usr/bin/env node
// kapasitas command line: one entry point, one subcommand per job.
import { Command } from "commander";
import { registerInventoryCommands } from "./inventory.js";
import { registerCollectCommands } from "./collect.js";
import { registerReportCommands } from "./report.js";
import { registerImportCommands } from "./import.js";

export function buildCli(): Command {
  const program = new Command()
    .name("kapasitas")
    .description(
      "Measure every OPD's and ISP uplink's bandwidth over SNMP, for Prometheus, Grafana and the APBD capacity report.",
    )
    .version("0.1.0")
    .showHelpAfterError();
  registerInventoryCommands(program);
  registerCollectCommands(program);
  registerReportCommands(program);
  registerImportCommands(program);
  return program;
}

try {
  await buildCli().parseAsync(process.argv);
} catch (error) {
  // A bad option or file is the user's to fix: say what is wrong, not where in our code it was seen.
  console.error(`kapasitas: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.KAPASITAS_DEBUG && error instanceof Error) console.error(error.stack);
  process.exitCode = 1;
}
