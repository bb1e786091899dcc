// The import rules between kapasitas's parts (docs/architecture.md draws them), checked by
// `npm run deps` (part of `npm run lint`). A rule that fails names the file and the import.
//
//   product parts: core  collector  report  import  cli  dashboards  infra
//   tooling:       lab (real agents, Prometheus, ...)  demo  bench  rehearse  test
//
// Type-only imports count (tsPreCompilationDeps): a cycle through a type is still a cycle.

/** A part's own folder, as a path pattern. */
const part = (...names) => `^(${names.join("|")})/`;
const PRODUCT = ["core", "collector", "report", "import", "cli", "dashboards", "infra"];
const TOOLING = ["lab", "demo", "bench", "rehearse", "test"];
const UNIT_TEST = `${part(...PRODUCT)}.+\\.test\\.ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "No import cycles, type-only imports included: move the shared piece below both.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "product-imports-no-tooling",
      comment:
        "Product code (core, collector, report, cli, dashboards, infra) never imports lab/, demo/, " +
        "bench/ or test/: what ships must not depend on what tests it.",
      severity: "error",
      from: { path: part(...PRODUCT), pathNot: "\\.test\\.ts$" },
      to: { path: part(...TOOLING) },
    },
    {
      name: "core-imports-no-part",
      comment: "core/ (the inventory and the metric contract) is the bottom: it imports no other part.",
      severity: "error",
      from: { path: part("core") },
      to: { path: part(...PRODUCT.filter((p) => p !== "core"), ...TOOLING) },
    },
    {
      name: "collector-imports-only-core",
      comment: "collector/ is SNMP polling only: it builds on core/ and nothing else of ours.",
      severity: "error",
      from: { path: part("collector") },
      to: { path: part("report", "import", "cli", "dashboards", "infra") },
    },
    {
      name: "report-imports-only-core",
      comment: "report/ reads Prometheus, not the collector: it builds on core/ only.",
      severity: "error",
      from: { path: part("report") },
      to: { path: part("collector", "import", "cli", "dashboards", "infra") },
    },
    {
      name: "import-imports-core-and-report",
      comment:
        "import/ (kapasitas import) writes history as the recorded series: the inventory and the " +
        "contract from core/, the Prometheus client, periods and progress from report/; never the " +
        "collector (counterFor, in core/, is the one in/out decision both share).",
      severity: "error",
      from: { path: part("import") },
      to: { path: part("collector", "cli", "dashboards", "infra") },
    },
    {
      name: "dashboards-import-only-core",
      comment: "The mixin is generated from the metric contract and the inventory: core/ only.",
      severity: "error",
      from: { path: part("dashboards") },
      to: { path: part("collector", "report", "import", "cli", "infra") },
    },
    {
      name: "cli-imports-no-infra-or-mixin",
      comment:
        "cli/ wires core/, collector/, report/ and import/ into the kapasitas command; the collector " +
        "image (collector/Dockerfile) builds exactly those five folders.",
      severity: "error",
      from: { path: part("cli") },
      to: { path: part("dashboards", "infra") },
    },
    {
      name: "infra-imports-core-and-mixin",
      comment:
        "The Pulumi program renders configs from core/ and the mixin (dashboards/); it runs the " +
        "collector as an image, never as code.",
      severity: "error",
      from: { path: part("infra") },
      to: { path: part("collector", "report", "import", "cli") },
    },
    {
      name: "lab-imports-no-demo-bench-test",
      comment: "lab/ is what the demo, the benchmarks and the tests build on, not the other way.",
      severity: "error",
      from: { path: part("lab") },
      to: { path: part("demo", "bench", "rehearse", "test") },
    },
    {
      name: "demo-imports-no-tests",
      comment: "The demo builds on lab/ and the product, never on test/ or bench/.",
      severity: "error",
      from: { path: part("demo") },
      to: { path: part("test", "bench", "rehearse") },
    },
    {
      name: "bench-imports-no-tests",
      comment: "The benchmarks build on lab/ and the product, never on test/ or demo/.",
      severity: "error",
      from: { path: part("bench") },
      to: { path: part("test", "demo", "rehearse") },
    },
    {
      name: "unit-tests-stay-in-process",
      comment:
        "A test beside the code is a unit test: it runs in the test process only. A test that starts " +
        "or runs another program (through lab/ or child_process) lives in test/ (CONTRIBUTING.md).",
      severity: "error",
      from: { path: UNIT_TEST },
      to: { path: [part(...TOOLING), "^(node:)?child_process$"] },
    },
    {
      name: "rehearse-imports-no-tests",
      comment: "The stack rehearsal builds on lab/ and the product, never on test/, demo/ or bench/.",
      severity: "error",
      from: { path: part("rehearse") },
      to: { path: part("test", "demo", "bench") },
    },
    {
      name: "test-support-only-in-tests",
      comment:
        "infra/testing.ts (Pulumi mocks) is for tests and the stack rehearsal (which replays the graph " +
        "the mocks capture): it is not built into dist/.",
      severity: "error",
      from: { pathNot: ["\\.test\\.ts$", "^test/", "^rehearse/"] },
      to: { path: "^infra/testing\\.ts$" },
    },
    {
      name: "image-needs-no-dev-dependency",
      comment:
        "The collector image (core, collector, report, cli) runs with production dependencies only " +
        "(its Dockerfile prunes the rest): a devDependency it needs belongs in dependencies. The " +
        "Pulumi program (infra/) and the mixin build (dashboards/) run from a full checkout, so " +
        "Pulumi and the Grafana SDK are devDependencies and stay out of the image.",
      severity: "error",
      from: {
        path: part("core", "collector", "report", "cli"),
        pathNot: ["\\.test\\.ts$"],
      },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-unresolvable",
      comment: "Every import resolves to a file or an installed package.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|coverage|out|dashboards/build)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
