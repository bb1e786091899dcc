/**
 * How long each helper takes to become ready on this machine (not a test: no thresholds).
 * Run: npx tsx lab/startup-times.ts [rounds]
 */
import { startAlertmanager } from "./alertmanager.js";
import { createRoutedNetwork } from "./netns.js";
import { openMetrics, startPrometheus } from "./prometheus.js";
import { startSnmpd } from "./snmpd.js";
import { startSnmpsim } from "./snmpsim.js";

const rounds = Number(process.argv[2] ?? 3);

async function measure(name: string, body: () => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await body();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? NaN;
  console.log(
    `${name.padEnd(48)} median ${median.toFixed(0).padStart(6)} ms  (min ${times[0]?.toFixed(0)}, max ${times.at(-1)?.toFixed(0)})`,
  );
}

const yearOfSamples = openMetrics([
  {
    name: "opd_link_bytes_total",
    type: "counter",
    labels: { opd: "dinkes", direction: "download" },
    samples: Array.from({ length: 365 * 288 }, (_, i) => ({
      t: Date.UTC(2025, 0, 1) / 1000 + i * 300,
      v: i * 1e6,
    })),
  },
]);

await measure("snmpd on loopback: start", async () => {
  const agent = await startSnmpd();
  await agent.stop();
});
const agent = await startSnmpd();
await measure("snmpd: restart (reboot)", () => agent.restart());
await agent.stop();
await measure("snmpsim, all 5 recordings: start", async () => (await startSnmpsim()).stop());
await measure("prometheus, empty: start", async () => (await startPrometheus()).stop());
await measure("prometheus + backfilled year (105,120 samples)", async () =>
  (await startPrometheus({ backfill: [yearOfSamples] })).stop(),
);
await measure("alertmanager: start", async () =>
  (await startAlertmanager({ route: { receiver: "x" }, receivers: [{ name: "x" }] })).stop(),
);
await measure("routed netns network + snmpd inside: create", async () => {
  const net = await createRoutedNetwork({ shapeBitsPerSecond: 10_000_000 });
  await net.lab.snmpd(net.ns.router, { host: net.management.address });
  await net.cleanup();
});
