// Capture the program's resource graph for one rehearsal variant, under Pulumi's mocks, and print it
// as JSON. A process of its own per capture: the mocks are process-wide and a second stack in the same
// process would race the first one's outputs.
//   tsx rehearse/capture.ts base|alerting-changed
import { mockedStack, stackFileSettings } from "../infra/testing.js";
import { REHEARSAL_STACK_FILE, rehearsalSettings, VARIANTS, type Variant } from "./stack.js";

const variant = process.argv[2] as Variant;
if (!VARIANTS.includes(variant)) {
  console.error(`usage: tsx rehearse/capture.ts ${VARIANTS.join("|")}`);
  process.exit(2);
}
const { resources } = await mockedStack(rehearsalSettings(stackFileSettings(REHEARSAL_STACK_FILE), variant));
// The graph is complete (mockedStack waited for every container); the runtime's leak check on exit
// would count the outputs nobody reads and fail the process.
process.on("exit", () => {
  process.exitCode = 0;
});
process.stdout.write(JSON.stringify(resources), () => process.exit(0));
