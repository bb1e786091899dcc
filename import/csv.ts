// CSV exports (RouterOS graphs, The Dude, any NMS): `time,in,out` per line, an optional header,
// a stated unit and time zone. A row's time is the END of the interval since the row before it
// (as in RRD and MRTG files); the first row's interval is the second's. Pure: text in, rows out.
import { zoneOffsetMinutes } from "../report/period.js";
import { ImportInputError, type Row } from "./rows.js";

/** Units a CSV may state, as bits/s per unit. Case matters: b is bits, B is bytes. */
export const CSV_UNITS: Record<string, number> = {
  bps: 1,
  kbps: 1e3,
  Mbps: 1e6,
  Gbps: 1e9,
  Bps: 8,
  KBps: 8e3,
  kBps: 8e3,
  MBps: 8e6,
  GBps: 8e9,
};

const OFFSET = /^([+-])(\d\d):?(\d\d)$/;

/** Whether a time zone is usable: an IANA name (Asia/Jakarta) or a fixed offset (+07:00). */
export function isTimeZone(zone: string): boolean {
  if (OFFSET.test(zone) || zone === "UTC" || zone === "Z") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const LOCAL = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(Z|[+-]\d\d:?\d\d)?$/;

/** A CSV time as unix seconds: epoch seconds, or an ISO date-time in its own offset or else in `zone`. */
export function parseCsvTime(text: string, zone: string): number | null {
  if (/^\d{9,11}$/.test(text)) return Number(text);
  const m = LOCAL.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, own] = m;
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const offset = own ?? zone;
  if (offset === "Z" || offset === "UTC") return naive / 1000;
  const fixed = OFFSET.exec(offset);
  if (fixed) {
    const minutes = (Number(fixed[2]) * 60 + Number(fixed[3])) * (fixed[1] === "-" ? -1 : 1);
    return naive / 1000 - minutes * 60;
  }
  // An IANA zone: the offset in force at that local time (twice, for a DST edge).
  let guess = naive - zoneOffsetMinutes(new Date(naive), offset) * 60_000;
  guess = naive - zoneOffsetMinutes(new Date(guess), offset) * 60_000;
  return guess / 1000;
}

/** Rows of a CSV export as bits/s (pure); every bad line is reported as file:line. */
export function csvRows(text: string, origin: string, unit: string, zone: string): Row[] {
  const factor = CSV_UNITS[unit];
  if (factor === undefined) {
    throw new ImportInputError(origin, `unknown unit "${unit}"; one of ${Object.keys(CSV_UNITS).join(", ")}`);
  }
  if (!isTimeZone(zone)) {
    throw new ImportInputError(
      origin,
      `unknown time zone "${zone}"; an IANA name (Asia/Jakarta) or an offset (+07:00)`,
    );
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  const points: { t: number; inBps: number; outBps: number }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const fields = line.split(/[,;\t]/).map((f) => f.trim().replace(/^"(.*)"$/, "$1"));
    const t = fields.length > 0 ? parseCsvTime(fields[0]!, zone) : null;
    if (t === null && points.length === 0 && i === 0) return; // the header
    if (fields.length !== 3) {
      throw new ImportInputError(
        origin,
        `expected 3 columns (time, in, out), got ${fields.length}` +
          (i === lines.length - 1 ? " (truncated?)" : ""),
        i + 1,
      );
    }
    if (t === null)
      throw new ImportInputError(
        origin,
        `"${fields[0]}" is not a time (2025-01-31T14:05:00, or unix seconds)`,
        i + 1,
      );
    const [inV, outV] = [fields[1]!, fields[2]!].map((f) => (f === "" ? NaN : Number(f)));
    if ([fields[1]!, fields[2]!].some((f) => f !== "" && !Number.isFinite(Number(f)))) {
      throw new ImportInputError(origin, `"${fields[1]}" / "${fields[2]}" are not numbers`, i + 1);
    }
    const prev = points.at(-1);
    if (prev && t <= prev.t)
      throw new ImportInputError(origin, "times must increase from line to line", i + 1);
    points.push({ t, inBps: inV! * factor, outBps: outV! * factor });
  });
  if (points.length === 0) throw new ImportInputError(origin, "no rows");
  return points.map((p, i) => {
    const step = i > 0 ? p.t - points[i - 1]!.t : points.length > 1 ? points[1]!.t - p.t : 300;
    return { endS: p.t, stepS: Math.max(300, Math.ceil(step / 300) * 300), inBps: p.inBps, outBps: p.outBps };
  });
}
