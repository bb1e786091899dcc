// MRTG's classic log files (`<target>.log`): a first line `time in-counter out-counter`, then rows
// `time avg-in avg-out max-in max-out`, newest first, in bytes per second: 5-minute rows for the
// last ~2 days, then 30-minute, 2-hour and daily ones. A row averages the time since the next
// (older) row. Pure: text in, rows out.
import { ImportInputError, type Row } from "./rows.js";

const INTEGER = /^\d+$/;

/** Rows of an MRTG log as bits/s (pure); a line that is not MRTG's says file:line what is wrong. */
export function mrtgLogRows(text: string, origin: string): Row[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length < 2) throw new ImportInputError(origin, "not an MRTG log: fewer than two lines", 1);
  const head = lines[0]!.trim().split(/\s+/);
  if (head.length !== 3 || !head.every((f) => INTEGER.test(f))) {
    throw new ImportInputError(
      origin,
      "not an MRTG log: the first line must be `time in-counter out-counter`",
      1,
    );
  }
  const parsed: { t: number; inB: number; outB: number; zero: boolean }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => INTEGER.test(f))) {
      const last = i === lines.length - 1;
      throw new ImportInputError(
        origin,
        `expected \`time avg-in avg-out max-in max-out\` (5 whole numbers), got "${lines[i]!.slice(0, 60)}"` +
          (last ? " (the file ends here: truncated?)" : ""),
        i + 1,
      );
    }
    const t = Number(fields[0]);
    const prev = parsed.at(-1);
    if (prev && t >= prev.t) {
      throw new ImportInputError(origin, `rows must go back in time; ${t} is not before ${prev.t}`, i + 1);
    }
    parsed.push({
      t,
      inB: Number(fields[1]),
      outB: Number(fields[2]),
      zero: fields.slice(1).every((f) => Number(f) === 0),
    });
  }
  // MRTG fills its tiers back two years with "0 0 0 0" rows before its first measurement: that
  // run of zeros at the old end is no data, not silence. Zeros between measurements stay.
  while (parsed.length > 0 && parsed.at(-1)!.zero) parsed.pop();
  const rows: Row[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i]!;
    const older = parsed[i + 1];
    // The oldest row averages as long as the one before it (MRTG's daily tier).
    const stepS = older ? p.t - older.t : (rows.at(-1)?.stepS ?? 300);
    // MRTG writes zeros for time it has no data for only as 0 0 0 0; keep them (MRTG's own graphs do).
    rows.push({ endS: p.t, stepS: nominalStep(stepS), inBps: p.inB * 8, outBps: p.outB * 8 });
  }
  return rows;
}

/**
 * MRTG's tiers are 300, 1800, 7200 and 86400 s; the rows where one tier meets the next span an
 * odd interval. Such a row keeps its length, rounded up to a whole slot.
 */
function nominalStep(stepS: number): number {
  return Math.max(300, Math.ceil(stepS / 300) * 300);
}
