// The range-query reader against JSON.parse on the shapes Prometheus writes.
import { describe, expect, it } from "vitest";
import { promFloat, readMatrix } from "./matrix.js";

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
  it("reads every series and sample, numbers exactly as Number() reads them, Prometheus's ±Inf too", () => {
    const values = [
      "7001711.675506123",
      "12345678.123456789",
      "0",
      "5000000",
      "1e+06",
      "-2.5",
      "NaN",
      "+Inf",
      "-Inf",
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
    expect(series[0]!.samples.map(([, v]) => v)).toEqual(values.map(promFloat));
    expect(series[0]!.samples.slice(7, 9).map(([, v]) => v)).toEqual([Infinity, -Infinity]);
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

  it("agrees bit for bit with Number() on 16-17 significant digits and near-halfway cases", () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join("");
    const values = [
      ...Array.from(
        { length: 20_000 },
        () =>
          `${1 + Math.floor(rnd() * 9)}${digits(Math.floor(rnd() * 9))}.${digits(1 + Math.floor(rnd() * 15))}`,
      ),
      // Rates as Prometheus prints them (shortest round trip), and halfway cases around them.
      ...Array.from({ length: 20_000 }, () => String(rnd() * 10 ** (3 + Math.floor(rnd() * 7)))),
      ...Array.from({ length: 2_000 }, () => `${String(rnd() * 1e7).slice(0, 16)}5`),
      "9007199254740993.5",
      "4503599627370497.5",
      "123456789012345.678",
      "0.30000000000000004",
    ];
    const [series] = read({
      status: "success",
      data: { resultType: "matrix", result: [{ metric: {}, values: values.map((v, i) => [i, v]) }] },
    });
    const got = series!.samples.map(([, v]) => v);
    const wrong = values.filter((v, i) => !Object.is(got[i], Number(v)));
    expect(wrong).toEqual([]);
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
