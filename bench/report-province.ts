// One province report in a process of its own, so its peak RSS is the report's alone: the sample
// city's inventory topped up to N OPDs, fiscal year 2025, the request as the web API builds it
// (validated, then generate(): query, figures and the files). Prints one JSON line.
// Run by bench/report.ts: node --import tsx bench/report-province.ts <prometheus-url> <opds> <formats> [auto|query-api]
import { loadInventoryOrThrow } from "../core/load.js";
import type { Inventory } from "../core/schema.js";
import { generate, validateRequest } from "../report/service.js";

export function provinceInventory(opdCount: number): Inventory {
  const inventory = loadInventoryOrThrow(
    new URL("../inventory/tanjungpinang.yaml", import.meta.url).pathname,
  );
  const opds = [...inventory.opds];
  for (let i = 0; opds.length < opdCount; i++) {
    const source = inventory.opds[i % inventory.opds.length]!;
    opds.push({
      ...source,
      id: `${source.id}-${opds.length + 1}`,
      name: `${source.name} (${opds.length + 1})`,
    });
  }
  return { ...inventory, opds: opds.slice(0, opdCount) };
}

if (process.argv[1]?.endsWith("report-province.ts")) {
  const [url, count, formats, read] = process.argv.slice(2);
  const inventory = provinceInventory(Number(count));
  const started = performance.now();
  const request = validateRequest({ period: "2025", formats: formats ?? "xlsx", lang: "id" }, inventory);
  const { report, files } = await generate(request, {
    inventory,
    prometheusUrl: url!,
    remoteRead: read !== "query-api",
  });
  const cpu = process.cpuUsage();
  console.log(
    JSON.stringify({
      opds: report.opds.length,
      uplinks: report.uplinks.length,
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      samples: [...report.opds, ...report.uplinks].reduce(
        (n, e) => n + e.download.samples + e.upload.samples,
        0,
      ),
      files: files.map((f) => `${f.format} ${(f.body.length / 1024).toFixed(0)} KiB`),
    }),
  );
}
