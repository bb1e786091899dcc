// The range-query reader against JSON.parse on the shapes Prometheus writes.
import { describe, expect, it } from "vitest";
import { readMatrix } from "./matrix.js";

function read(body: unknown): { labels: Record<string, string>; samples: [number, number][] }[] {
  const out: { labels: Record<string, string>; samples: [number, number][] }[] = [];
  readMatrix(Buffer.from(JSON.stringify(body)), (labels) => {
    const series = { labels, samples: [] as [number, number][] };
    out.push(series);
    return (t, v) => series.samples.push([t, v]);
  });
  return out;
}

describe("readMatrix", () => {
  it("reads every series and sample, numbers exactly as Number() reads them", () => {
    const values = [
      "7001711.675506123",
      "12345678.123456789",
      "0",
      "5000000",
      "1e+06",
      "-2.5",
      "NaN",
      "+Inf",
      "0.1",
    ];
    const body = {
      status: "success",
      data: {
        resultType: "matrix",
        result: [
          {
            metric: { opd: "dinkes", direction: "download" },
            values: values.map((v, i) => [1735664700 + i * 300, v]),
          },
          { metric: { opd: 'we"ird}{,[', direction: "upload" }, values: [[1735664700.5, "3"]] },
          { metric: {}, values: [] },
        ],
      },
    };
    const series = read(body);
    expect(series.map((s) => s.labels)).toEqual([
      { opd: "dinkes", direction: "download" },
      { opd: 'we"ird}{,[', direction: "upload" },
      {},
    ]);
    expect(series[0]!.samples.map(([, v]) => v)).toEqual(values.map(Number));
    expect(series[0]!.samples[1]![0]).toBe(1735665000);
    expect(series[1]!.samples).toEqual([[1735664700.5, 3]]);
    expect(series[2]!.samples).toEqual([]);
  });

  it("agrees bit for bit with Number() on random rates", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = Array.from({ length: 5000 }, () => String(rnd() * 10 ** Math.floor(rnd() * 12)));
    const [series] = read({
      status: "success",
      data: { resultType: "matrix", result: [{ metric: { a: "b" }, values: values.map((v, i) => [i, v]) }] },
    });
    expect(series!.samples.map(([, v]) => v)).toEqual(values.map(Number));
  });

  it("skips series the caller does not want", () => {
    let calls = 0;
    const n = readMatrix(
      Buffer.from(
        JSON.stringify({ status: "success", data: { result: [{ metric: { x: "1" }, values: [[1, "1"]] }] } }),
      ),
      () => {
        calls++;
        return null;
      },
    );
    expect([n, calls]).toEqual([1, 1]);
  });
});
