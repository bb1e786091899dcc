// `kapasitas inventory ...` subcommands.
import type { Command } from "commander";
import { formatProblem, loadInventory } from "../core/load.js";
import { summarise } from "../core/summary.js";

export function registerInventoryCommands(program: Command): void {
  const inventory = program.command("inventory").description("work with the inventory file");
  inventory
    .command("check")
    .description("validate an inventory and summarise it; lists every problem with file:line:column")
    .argument("<file>", "inventory YAML file")
    .action((file: string) => {
      const result = loadInventory(file);
      if (!result.ok) {
        for (const p of result.problems) console.error(formatProblem(p));
        console.error(`\n${result.problems.length} problem(s); nothing will start on this inventory.`);
        process.exitCode = 1;
        return;
      }
      console.log(summarise(result.inventory));
      console.log("\ninventory OK");
    });
}
