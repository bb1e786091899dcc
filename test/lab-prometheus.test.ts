import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  amtool,
  openMetrics,
  promtool,
  startPrometheus,
  withDefaultFlags,
  type Prometheus,
} from "../lab/prometheus.js";

const START = 1_700_000_000; // 2023-11-14T22:13:20Z
const STEP = 300;
const counterSamples = Array.from({ length: 13 }, (_, i) => ({ t: START + i * STEP, v: i * 3_000_000_000 }));

describe("prometheus with backfilled history", () => {
  let prom: Prometheus;
  beforeAll(async () => {
    prom = await startPrometheus({
      backfill: [
        openMetrics([
          {
            name: "opd_link_bytes_total",
            type: "counter",
            labels: { opd: "diskominfo", direction: "download" },
            samples: counterSamples,
          },
          {
            name: "opd_allocated_bps",
            type: "gauge",
            labels: { opd: "diskominfo", direction: "download" },
            samples: [
              { t: new Date(START * 1000), v: 50e6 },
              { t: START + 1800, v: 100e6 },
            ],
          },
        ]),
      ],
      rules: {
        "rules.yml": {
          groups: [{ name: "t", rules: [{ record: "opd:allocated:x2", expr: "opd_allocated_bps * 2" }] }],
        },
      },
    });
  });
  afterAll(() => prom?.stop());

  it("returns exactly the backfilled values from query()", async () => {
    const [at600] = await prom.query('opd_link_bytes_total{opd="diskominfo"}', START + 600);
    expect(at600?.value).toEqual({ t: START + 600, v: 6_000_000_000 });
    expect(at600?.metric).toEqual({
      __name__: "opd_link_bytes_total",
      opd: "diskominfo",
      direction: "download",
    });
    const [rate] = await prom.query("rate(opd_link_bytes_total[10m])", START + 3600);
    expect(rate?.value.v).toBe(10_000_000); // 3e9 bytes per 300 s
  });

  it("returns exactly the backfilled values from queryRange()", async () => {
    const [series] = await prom.queryRange("opd_link_bytes_total", START, START + 3600, STEP);
    expect(series?.values).toEqual(counterSamples);
    const [gauge] = await prom.queryRange("opd_allocated_bps", START, START + 3600, 1800);
    // The sample at START+1800 is the last one: at START+3600 it is older than the 5 m lookback.
    expect(gauge?.values).toEqual([
      { t: START, v: 50e6 },
      { t: START + 1800, v: 100e6 },
    ]);
  });

  it("loads the rule files it was given", async () => {
    const rules = await prom.api<{ groups: { rules: { name: string }[] }[] }>("rules");
    expect(rules.groups[0]?.rules[0]?.name).toBe("opd:allocated:x2");
  });

  it("backfill() on a running instance restarts it with the new history", async () => {
    await prom.backfill(
      openMetrics([
        {
          name: "uplink_contracted_bps",
          type: "gauge",
          labels: { uplink: "isp-a" },
          samples: [{ t: START, v: 1e9 }],
        },
      ]),
    );
    const [contracted] = await prom.query("uplink_contracted_bps", START + 60);
    expect(contracted?.value.v).toBe(1e9);
  });
});

describe("openMetrics()", () => {
  it("writes families with # TYPE, _total counters, second timestamps, escaped labels and # EOF", () => {
    expect(
      openMetrics([
        {
          name: "x_bytes",
          type: "counter",
          labels: { l: 'a"b\\c' },
          samples: [
            { t: 20, v: 2 },
            { t: 10, v: 1 },
          ],
        },
        { name: "g", type: "gauge", samples: [{ t: new Date(5_500), v: NaN }] },
      ]),
    ).toBe(
      '# TYPE x_bytes counter\nx_bytes_total{l="a\\"b\\\\c"} 1 10\nx_bytes_total{l="a\\"b\\\\c"} 2 20\n# TYPE g gauge\ng NaN 5.5\n# EOF\n',
    );
  });
});

describe("promtool and amtool runners", () => {
  it("returns exit codes and output", async () => {
    const good = await promtool(["check", "metrics"], { input: "# HELP up x\n# TYPE up gauge\nup 1\n" });
    expect(good.code).toBe(0);
    const bad = await promtool(["check", "rules", "/nonexistent/rules.yml"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toMatch(/nonexistent/);
    const version = await amtool(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout + version.stderr).toMatch(/amtool/);
  });
});

describe("a backfilled year", () => {
  const YEAR_START = Date.UTC(2025, 0, 1) / 1000;
  const SAMPLES = 365 * 288; // one every 5 minutes
  let prom: Prometheus;
  beforeAll(async () => {
    const samples = Array.from({ length: SAMPLES }, (_, i) => ({ t: YEAR_START + i * 300, v: i % 100 }));
    prom = await startPrometheus({
      backfill: [openMetrics([{ name: "opd_utilisation", type: "gauge", samples }])],
    });
  });
  afterAll(() => prom?.stop());

  it("keeps every sample of 2025 (long retention, large blocks)", async () => {
    const end = YEAR_START + (SAMPLES - 1) * 300;
    const [count] = await prom.query("count_over_time(opd_utilisation[365d])", end);
    expect(count?.value.v).toBe(SAMPLES);
    const [p95] = await prom.query("quantile_over_time(0.95, opd_utilisation[365d])", end);
    // PromQL's quantile: linear interpolation at rank φ·(n−1) of the sorted values.
    const sorted = Array.from({ length: SAMPLES }, (_, i) => i % 100).sort((a, b) => a - b);
    const rank = 0.95 * (SAMPLES - 1);
    const lower = sorted[Math.floor(rank)] ?? NaN;
    const upper = sorted[Math.ceil(rank)] ?? NaN;
    expect(p95?.value.v).toBeCloseTo(lower + (upper - lower) * (rank - Math.floor(rank)), 9);
  });
});

describe("withDefaultFlags()", () => {
  it("adds a 1 s alert resend delay unless the test sets its own", () => {
    expect(withDefaultFlags([])).toEqual(["--rules.alert.resend-delay=1s"]);
    expect(withDefaultFlags(["--rules.alert.resend-delay=30s"])).toEqual(["--rules.alert.resend-delay=30s"]);
  });
});
