// RRD files made with the real rrdtool (Debian package rrdtool), laid out as MRTG and Cacti create
// them, filled with generated traffic whose figures the tests know by construction. For the import
// tests, the import benchmark and the demo.
import { spawn } from "node:child_process";
import { requireBinary } from "./binaries.js";

/** The archives each tool creates by default (5-minute step). */
export const RRA_LAYOUTS = {
  /** mrtg's RRD mode: 800 rows at 5 min, 30 min, 2 h and 1 day (mrtg, sub `rrd`), AVERAGE and MAX. */
  mrtg: [1, 6, 24, 288].flatMap((pdp) => [`RRA:AVERAGE:0.5:${pdp}:800`, `RRA:MAX:0.5:${pdp}:800`]),
  /** Cacti's default data-source profile: 600 × 5 min, 700 × 30 min, 775 × 2 h, 797 × 1 day. */
  cacti: [
    [1, 600],
    [6, 700],
    [24, 775],
    [288, 797],
  ].flatMap(([pdp, rows]) => [`RRA:AVERAGE:0.5:${pdp}:${rows}`, `RRA:MAX:0.5:${pdp}:${rows}`]),
  /** A year and a bit at 5 minutes (a long-keeping LibreNMS or a tuned Cacti): the benchmark's. */
  fiveMinuteYear: ["RRA:AVERAGE:0.5:1:106000"],
} as const;

export type RraLayout = keyof typeof RRA_LAYOUTS;

export interface RrdSpec {
  layout: RraLayout;
  /** Data-source names for in and out: ds0/ds1 (MRTG), traffic_in/traffic_out (Cacti), INOCTETS/OUTOCTETS (LibreNMS). */
  ds: [string, string];
  /** The first update (the counters' base), unix seconds, a multiple of 300. */
  startS: number;
  /** Updates after the first: slot k ends at startS + (k + 1) * 300. */
  slots: number;
  /** DS max, bytes/s (the interface speed MRTG's MaxBytes and Cacti state). */
  maxBytes?: number;
  /** Whole bytes per second, in and out, for slot k. */
  rate: (k: number) => [number, number];
}

/**
 * Create the RRD with COUNTER data sources (as the tools do for octet counters) and feed it the
 * counters that make exactly `rate(k)` bytes/s in each 5-minute slot, through one `rrdtool -` process.
 */
export async function writeRrd(file: string, spec: RrdSpec): Promise<void> {
  const max = spec.maxBytes ?? "U";
  const lines: string[] = [
    [
      "create",
      file,
      "--start",
      String(spec.startS - 10),
      "--step",
      "300",
      `DS:${spec.ds[0]}:COUNTER:600:0:${max}`,
      `DS:${spec.ds[1]}:COUNTER:600:0:${max}`,
      ...RRA_LAYOUTS[spec.layout],
    ].join(" "),
  ];
  let inC = 0;
  let outC = 0;
  let batch: string[] = [`${spec.startS}:0:0`];
  for (let k = 0; k < spec.slots; k++) {
    const [i, o] = spec.rate(k);
    inC += i * 300;
    outC += o * 300;
    batch.push(`${spec.startS + (k + 1) * 300}:${inC}:${outC}`);
    if (batch.length === 500) {
      lines.push(`update ${file} ${batch.join(" ")}`);
      batch = [];
    }
  }
  if (batch.length > 0) lines.push(`update ${file} ${batch.join(" ")}`);
  await rrdtoolPipe(lines);
}

/** Run commands through `rrdtool -` (one process); throws on the first ERROR it answers. */
export function rrdtoolPipe(commands: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireBinary("rrdtool"), ["-"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const error = out.split("\n").find((l) => l.startsWith("ERROR"));
      if (error || code !== 0) reject(new Error(`rrdtool: ${error ?? `exit ${code}`}`));
      else resolve();
    });
    child.stdin.end(commands.join("\n") + "\n");
  });
}
