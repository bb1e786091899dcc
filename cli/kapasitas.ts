#!/usr/bin/env node
// kapasitas command line: one entry point, one subcommand per job.
import { Command } from "commander";
import { registerInventoryCommands } from "./inventory.js";
import { registerCollectCommands } from "./collect.js";
import { registerReportCommands } from "./report.js";

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
  return program;
}

await buildCli().parseAsync(process.argv);
