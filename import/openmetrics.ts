// The fallback block writer (`kapasitas import --promtool`): the samples as OpenMetrics, one file
// per UTC month, and `promtool tsdb create-blocks-from openmetrics` on each. Slower than writing the
// blocks directly (blocks.ts), kept to cross-check them against Prometheus's own writer.
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { once } from "node:events";
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { ResolutionSeries } from "./series.js";

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** One series' OpenMetrics sample lines, split by UTC month. Pure. */
export function monthLines(series: ResolutionSeries): { month: string; text: string; samples: number }[] {
  const labels = Object.entries(series.labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
  const head = `${series.metric}{${labels}} `;
  const out: { month: string; text: string; samples: number }[] = [];
  let month = "";
  // The next month's first second: the month's name is worked out once per month, not per sample.
  let nextMonthS = -Infinity;
  let lines: string[] = [];
  series.timesS.forEach((t, i) => {
    if (t >= nextMonthS) {
      if (lines.length > 0) out.push({ month, text: lines.join(""), samples: lines.length });
      lines = [];
      const d = new Date(t * 1000);
      month = d.toISOString().slice(0, 7);
      nextMonthS = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
    }
    lines.push(`${head}${series.values[i]!} ${t}\n`);
  });
  if (lines.length > 0) out.push({ month, text: lines.join(""), samples: lines.length });
  return out;
}

/** Month files in `dir`, then promtool on each. */
export class PromtoolBlocks {
  private readonly files = new Map<string, { stream: WriteStream; family: string }>();
  samples = 0;

  constructor(
    private readonly dir: string,
    private readonly promtool: string,
    private readonly parallel: number,
  ) {}

  async add(series: ResolutionSeries): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const { month, text, samples } of monthLines(series)) {
      let file = this.files.get(month);
      if (!file) {
        file = { stream: createWriteStream(join(this.dir, `${month}.om`)), family: "" };
        this.files.set(month, file);
      }
      if (file.family !== series.metric) {
        // promtool takes a family's samples in several runs, each after its # TYPE line.
        file.stream.write(`# TYPE ${series.metric} gauge\n`);
        file.family = series.metric;
      }
      if (!file.stream.write(text)) await once(file.stream, "drain");
      this.samples += samples;
    }
  }

  /** Close the month files and run promtool on each, `parallel` at a time, into `blocksDir`. */
  async finish(blocksDir: string, onProgress: (done: number, total: number) => void): Promise<void> {
    const months = [...this.files.keys()].sort();
    for (const m of months) {
      const { stream } = this.files.get(m)!;
      stream.end("# EOF\n");
      await once(stream, "finish");
    }
    const files = months.map((m) => join(this.dir, `${m}.om`));
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        await runPromtool(this.promtool, files[next++]!, blocksDir);
        onProgress(++done, files.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallel, files.length) }, worker));
  }

  destroy(): void {
    for (const { stream } of this.files.values()) stream.destroy();
  }
}

/**
 * `promtool tsdb create-blocks-from openmetrics` for one month. promtool re-reads its input once per
 * block it writes: 1458 h blocks (the largest Prometheus 2.x accepts for 10% of a 10-year
 * retention) make a month one or two blocks.
 */
function runPromtool(promtool: string, input: string, outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      promtool,
      ["tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=1458h", input, outDir],
      { maxBuffer: 16 << 20 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(new Error("promtool is not installed: apt-get install -y prometheus"));
        }
        reject(
          new Error(`promtool could not write blocks: ${stderr.trim().split("\n").slice(-3).join(" ")}`),
        );
      },
    );
  });
}
