// The pure readers: MRTG logs (a generated year in MRTG's own layout), CSV with units and zones,
// rrdtool dump XML, the slots and the refusals.
import { describe, expect, it } from "vitest";
import { csvRows, parseCsvTime } from "./csv.js";
import { mrtgLogRows } from "./mrtg-log.js";
import { parseNumber, parseRrdDump, rrdRows } from "./rrd.js";
import { implausible, resolutionLabel, toSlots, type Row } from "./rows.js";

/** MRTG's log layout: 600 × 5 min, 600 × 30 min, 600 × 2 h, 732 × 1 day, newest first (bytes/s). */
function mrtgLog(nowS: number, bytes: (endS: number, stepS: number) => [number, number]): string {
  const lines = [`${nowS} 123456789 987654321`];
  let t = Math.floor(nowS / 300) * 300;
  for (const [step, count] of [
    [300, 600],
    [1800, 600],
    [7200, 600],
    [86_400, 732],
  ] as const) {
    t = Math.floor(t / step) * step;
    for (let i = 0; i < count; i++) {
      const [a, b] = bytes(t, step);
      lines.push(`${t} ${a} ${b} ${a * 2} ${b * 2}`);
      t -= step;
    }
  }
  return lines.join("\n") + "\n";
}

describe("MRTG log", () => {
  const now = Date.UTC(2025, 11, 31, 17) / 1000;
  // A level per tier, so each resolution's slots are known: 5 min 1000 B/s, 30 min 2000, 2 h 3000, day 4000.
  const level = { 300: 1000, 1800: 2000, 7200: 3000, 86_400: 4000 } as Record<number, number>;
  const text = mrtgLog(now, (_t, step) => [level[step]!, level[step]! * 2]);

  it("reads a year of every tier, in bits per second, each row at its tier's resolution", () => {
    const rows = mrtgLogRows(text, "dinkes.log");
    expect(rows).toHaveLength(600 + 600 + 600 + 732);
    const byStep = new Map<number, Row[]>();
    for (const r of rows) byStep.set(r.stepS, [...(byStep.get(r.stepS) ?? []), r]);
    expect(byStep.get(300)!.every((r) => r.inBps === 8000 && r.outBps === 16_000)).toBe(true);
    expect(byStep.get(86_400)!.every((r) => r.inBps === 32_000)).toBe(true);
    const slots = toSlots(rows);
    const count = (step: number) => slots.stepS.filter((s) => s === step).length;
    expect(count(300)).toBe(600);
    // MRTG's tiers follow one another (the log keeps no overlap): each covers its rows' span, less
    // at most one row where it meets the finer tier.
    expect(count(1800)).toBeGreaterThan(600 * 6 - 6 - 1);
    expect(count(1800)).toBeLessThanOrEqual(600 * 6);
    expect(count(7200)).toBeGreaterThan(600 * 24 - 24 - 1);
    expect(count(86_400)).toBeGreaterThan(732 * 288 - 288 - 1);
  });

  it("drops MRTG's zero padding at the old end, keeps zeros between measurements", () => {
    const padded = mrtgLog(now, (t) =>
      t < now - 3 * 86_400 ? [0, 0] : t === now - 3600 ? [0, 0] : [10, 20],
    );
    const rows = mrtgLogRows(padded, "x.log");
    expect(rows.at(-1)!.endS).toBeGreaterThanOrEqual(now - 3 * 86_400);
    expect(rows.some((r) => r.inBps === 0)).toBe(true);
  });

  it("says where a truncated or foreign file goes wrong", () => {
    const lines = text.split("\n");
    const cut = [...lines.slice(0, 10), lines[10]!.slice(0, 14)].join("\n");
    expect(() => mrtgLogRows(cut, "dinkes.log")).toThrow(/^dinkes\.log:11: expected .*truncated\?/);
    expect(() => mrtgLogRows("<html>\n</html>\n", "x.log")).toThrow(/^x\.log:1: not an MRTG log/);
    const reordered = [lines[0], lines[2], lines[1]].join("\n");
    expect(() => mrtgLogRows(reordered, "x.log")).toThrow(/^x\.log:3: rows must go back in time/);
  });
});

describe("CSV", () => {
  it("reads times in their own offset, or in the stated zone, and converts the unit", () => {
    expect(parseCsvTime("2025-03-01T07:05:00+07:00", "UTC")).toBe(Date.UTC(2025, 2, 1, 0, 5) / 1000);
    expect(parseCsvTime("2025-03-01 07:05", "Asia/Jakarta")).toBe(Date.UTC(2025, 2, 1, 0, 5) / 1000);
    expect(parseCsvTime("2025-03-01 07:05", "+08:00")).toBe(Date.UTC(2025, 2, 0, 23, 5) / 1000);
    expect(parseCsvTime("1740787500", "Asia/Jakarta")).toBe(1740787500);
    const rows = csvRows(
      "time;rx;tx\n2025-03-01 07:05;1,5;2\n2025-03-01 07:10;3;4\n".replace("1,5", "1.5"),
      "router.csv",
      "Mbps",
      "Asia/Jakarta",
    );
    expect(rows).toEqual([
      { endS: Date.UTC(2025, 2, 1, 0, 5) / 1000, stepS: 300, inBps: 1.5e6, outBps: 2e6 },
      { endS: Date.UTC(2025, 2, 1, 0, 10) / 1000, stepS: 300, inBps: 3e6, outBps: 4e6 },
    ]);
    expect(csvRows("t,i,o\n1740787500,1,1\n1740791100,1,1\n", "x.csv", "KBps", "UTC")[1]).toMatchObject({
      stepS: 3600,
      inBps: 8000,
    });
  });

  it("refuses an unknown unit or zone, a bad line, a truncated row", () => {
    expect(() => csvRows("", "x.csv", "mbit", "UTC")).toThrow(
      /x\.csv: unknown unit "mbit"; one of bps, kbps, Mbps/,
    );
    expect(() => csvRows("", "x.csv", "Mbps", "Asia/Jakrta")).toThrow(/unknown time zone "Asia\/Jakrta"/);
    expect(() =>
      csvRows("time,in,out\n2025-03-01 07:05,1,2\n2025-03-01 07:10,1\n", "x.csv", "Mbps", "UTC"),
    ).toThrow(/^x\.csv:3: expected 3 columns .*truncated\?/);
    expect(() =>
      csvRows("time,in,out\nyesterday,1,2\n2025-03-01 07:10,1,1\n", "x.csv", "Mbps", "UTC"),
    ).toThrow(/^x\.csv:2: "yesterday" is not a time/);
  });
});

const DUMP = `<?xml version="1.0" encoding="utf-8"?>
<rrd>
	<version>0003</version>
	<step>300</step> <!-- Seconds -->
	<lastupdate>1704068100</lastupdate> <!-- 2024-01-01 00:15:00 UTC -->
	<ds><name> INOCTETS </name><type> COUNTER </type><minimal_heartbeat>600</minimal_heartbeat><min>0</min><max>1.2500000000e+07</max></ds>
	<ds><name> OUTOCTETS </name><type> COUNTER </type><minimal_heartbeat>600</minimal_heartbeat><min>0</min><max>NaN</max></ds>
	<rra><cf>AVERAGE</cf><pdp_per_row>1</pdp_per_row><cdp_prep><ds><value>NaN</value></ds></cdp_prep>
		<database>
			<!-- 2024-01-01 00:10:00 UTC / 1704067800 --> <row><v>1.0000000000e+03</v><v>2.0000000000e+03</v></row>
			<!-- 2024-01-01 00:15:00 UTC / 1704068100 --> <row><v>3.0000000000e+03</v><v>NaN</v></row>
		</database>
	</rra>
	<rra><cf>MAX</cf><pdp_per_row>1</pdp_per_row><database><row><v>9</v><v>9</v></row><row><v>9</v><v>9</v></row></database></rra>
</rrd>
`;

describe("rrdtool dump", () => {
  it("reads LibreNMS's INOCTETS/OUTOCTETS from AVERAGE archives only, bytes to bits", () => {
    const rows = rrdRows(parseRrdDump(DUMP, "port.rrd"), "port.rrd");
    expect(rows).toEqual([
      { endS: 1704067800, stepS: 300, inBps: 8000, outBps: 16_000 },
      { endS: 1704068100, stepS: 300, inBps: 24_000, outBps: NaN },
    ]);
    // A slot with one direction unknown is no data.
    expect(toSlots(rows).endS).toEqual(Float64Array.from([1704067800]));
  });

  it("says which data sources it found when it cannot tell in from out", () => {
    const other = DUMP.replace(" INOCTETS ", " rx ").replace(" OUTOCTETS ", " tx ");
    expect(() => rrdRows(parseRrdDump(other, "x.rrd"), "x.rrd")).toThrow(
      /x\.rrd: cannot tell in from out: the RRD's data sources are "rx", "tx", not ds0\/ds1 \(MRTG\), traffic_in\/traffic_out \(Cacti\), INOCTETS\/OUTOCTETS \(LibreNMS\)/,
    );
    expect(
      rrdRows(parseRrdDump(other, "x.rrd"), "x.rrd", { ds: { in: "rx", out: "tx" }, unit: "bits" })[0],
    ).toMatchObject({
      inBps: 1000,
    });
    expect(() => parseRrdDump(DUMP.slice(0, 400), "x.rrd")).toThrow(
      /not a whole rrdtool dump \(truncated\?\)/,
    );
  });
});

describe("rows", () => {
  it("names resolutions as the label says them", () => {
    expect([300, 1800, 7200, 86_400, 900, 3600, 120].map(resolutionLabel)).toEqual([
      "5m",
      "30m",
      "2h",
      "1d",
      "15m",
      "1h",
      "5m",
    ]);
  });

  it("refuses negative, absurd and future rates", () => {
    const row = (inBps: number, endS = 1000 * 300): Row => ({ endS, stepS: 300, inBps, outBps: 0 });
    const limits = { nowS: 2000 * 300, maxBps: 1e9 };
    expect(implausible([row(5)], limits)).toBeNull();
    expect(implausible([row(-1)], limits)).toMatch(/negative in rate/);
    expect(implausible([row(2e9)], limits)).toMatch(
      /in rate 2\.00 Gbit\/s .* above the interface's 1\.00 Gbit\/s/,
    );
    expect(implausible([row(1, 3000 * 300)], limits)).toMatch(/in the future/);
  });
});

describe("parseNumber (rrdtool dump values)", () => {
  it("reads every value exactly as Number() does", () => {
    const cases = [
      " 1.2345678900e+05 ",
      "0.0000000000e+00",
      "-3.5000000000e-01",
      "NaN",
      " U ",
      "1.7976931348e+308",
      "4.9406564584e-324",
      "9.9999999999e+22",
      "1.0000000000e-23",
      "12345678901234567890",
      "0.1",
      "+7",
      "1e5",
      "2.5E3",
      "-0.0000000000e+00",
      "1.5e",
      ".",
      "",
    ];
    for (const c of cases)
      expect(Object.is(parseNumber(`<v>${c}</v>`, 3, c.length + 3), Number(c))).toBe(true);
    // A generated sweep over rrdtool's own format.
    for (let k = 0; k < 20000; k++) {
      const v = (Math.sin(k) * 10 ** ((k % 40) - 20)).toExponential(10);
      expect(parseNumber(v, 0, v.length)).toBe(Number(v));
    }
  });
});
