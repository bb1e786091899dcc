// RRD files (MRTG in RRD mode, Cacti, LibreNMS, Smokeping-style) read through Debian's `rrdtool
// dump`: every AVERAGE archive at its own resolution; toSlots (rows.ts) then keeps the finest for
// each stretch of time. Parsing the dump is pure; running rrdtool is the thin I/O around it.
import { execFile } from "node:child_process";
import { ImportInputError, type Row } from "./rows.js";

export interface RrdDataSource {
  name: string;
  /** The DS's max (per second, in the DS's unit), NaN when unset ("U"). */
  max: number;
}

export interface RrdArchive {
  cf: string;
  pdpPerRow: number;
  /** values[ds][row], oldest row first, as rrdtool dump writes them. */
  values: Float64Array[];
}

export interface RrdDump {
  stepS: number;
  lastUpdateS: number;
  dataSources: RrdDataSource[];
  archives: RrdArchive[];
}

/** The data-source names each tool writes, in and out (docs/import.md). */
export const KNOWN_DS_PAIRS: readonly { tool: string; in: string; out: string }[] = [
  { tool: "MRTG", in: "ds0", out: "ds1" },
  { tool: "Cacti", in: "traffic_in", out: "traffic_out" },
  { tool: "LibreNMS", in: "INOCTETS", out: "OUTOCTETS" },
];

const tag = (xml: string, name: string, from = 0): string | undefined => {
  const open = xml.indexOf(`<${name}>`, from);
  if (open < 0) return undefined;
  const close = xml.indexOf(`</${name}>`, open);
  return close < 0 ? undefined : xml.slice(open + name.length + 2, close).trim();
};

const num = (text: string | undefined): number => {
  if (text === undefined) return NaN;
  const t = text.trim();
  return t === "NaN" || t === "U" ? NaN : Number(t);
};

/** Read `rrdtool dump` output (pure). Throws with what is missing when the XML is not a whole dump. */
export function parseRrdDump(xml: string, origin: string): RrdDump {
  if (!xml.includes("<rrd>") || !xml.trimEnd().endsWith("</rrd>")) {
    throw new ImportInputError(origin, "not a whole rrdtool dump (truncated?)");
  }
  const stepS = num(tag(xml, "step"));
  const lastUpdateS = num(tag(xml, "lastupdate"));
  if (!(stepS > 0) || !(lastUpdateS > 0))
    throw new ImportInputError(origin, "the RRD has no step or lastupdate");
  const firstRra = xml.indexOf("<rra>");
  const header = firstRra < 0 ? xml : xml.slice(0, firstRra);
  const dataSources: RrdDataSource[] = [];
  for (const m of header.matchAll(/<ds>([\s\S]*?)<\/ds>/g)) {
    const body = m[1]!;
    const name = tag(body, "name");
    if (name !== undefined) dataSources.push({ name, max: num(tag(body, "max")) });
  }
  const archives: RrdArchive[] = [];
  for (const m of xml.matchAll(/<rra>([\s\S]*?)<\/rra>/g)) {
    const body = m[1]!;
    const cf = tag(body, "cf") ?? "";
    const pdpPerRow = num(tag(body, "pdp_per_row"));
    const database = tag(body, "database") ?? "";
    archives.push({ cf, pdpPerRow, values: readRows(database, dataSources.length, origin) });
  }
  if (archives.length === 0) throw new ImportInputError(origin, "the RRD has no round-robin archive");
  return { stepS, lastUpdateS, dataSources, archives };
}

/**
 * The `<row><v>…</v>…</row>` lines of one archive (a year is 105,120 rows), in one pass from `<` to
 * `<`: `<row>` starts a row, `<v>` holds a value, comments and closing tags are skipped.
 */
function readRows(database: string, width: number, origin: string): Float64Array[] {
  let count = 0;
  for (let i = database.indexOf("<row>"); i >= 0; i = database.indexOf("<row>", i + 5)) count++;
  const values = Array.from({ length: width }, () => new Float64Array(count));
  const short = (): ImportInputError =>
    new ImportInputError(
      origin,
      `an archive row does not hold one value for each of its ${width} data sources`,
    );
  let row = -1;
  let d = width;
  for (let i = database.indexOf("<"); i >= 0;) {
    const c = database.charCodeAt(i + 1);
    if (c === 118 /* v */ && database.charCodeAt(i + 2) === 62 /* > */) {
      const close = database.indexOf("<", i + 3);
      if (close < 0 || row < 0 || d >= width) throw short();
      values[d++]![row] = parseNumber(database, i + 3, close);
      i = database.indexOf("<", close + 1);
      continue;
    }
    if (c === 114 /* r */ && database.startsWith("<row>", i)) {
      if (row >= 0 && d < width) throw short();
      row++;
      d = 0;
    }
    i = database.indexOf("<", i + 1);
  }
  if (row >= 0 && d < width) throw short();
  return values;
}

const POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The number in text[from, to), exactly as Number() reads it: rrdtool's `%0.10e` values (and NaN) are
 * read from the characters without a substring; a decimal of at most 15 digits and a power of ten up
 * to 10^22 are both exact doubles, so one multiplication or division rounds exactly as Number() does
 * (Clinger's fast path). Anything else goes to Number().
 */
export function parseNumber(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && text.charCodeAt(i) <= 32) i++;
  let end = to;
  while (end > i && text.charCodeAt(end - 1) <= 32) end--;
  let negative = false;
  const first = text.charCodeAt(i);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  let seenDot = false;
  let any = false;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      any = true;
      if (mantissa === 0 && c === 48) {
        if (seenDot) exponent--;
        continue;
      }
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (seenDot) exponent--;
    } else if (c === 46 && !seenDot) seenDot = true;
    else break;
  }
  if (i < end && (text.charCodeAt(i) | 32) === 101 && any) {
    i++;
    let sign = 1;
    const s = text.charCodeAt(i);
    if (s === 45 || s === 43) {
      sign = s === 45 ? -1 : 1;
      i++;
    }
    let e = 0;
    const start = i;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      e = e * 10 + (c - 48);
    }
    if (i === start) return Number(text.slice(from, to));
    exponent += sign * e;
  }
  if (i !== end || !any || digits > 15) return Number(text.slice(from, to));
  let value: number;
  if (mantissa === 0) value = 0;
  else if (exponent >= 0 && exponent <= 22) value = mantissa * POWERS[exponent]!;
  else if (exponent < 0 && exponent >= -22) value = mantissa / POWERS[-exponent]!;
  else return Number(text.slice(from, to));
  return negative ? -value : value;
}

export interface RrdMapping {
  /** DS names for in and out; default: the first known pair the file has. */
  ds?: { in: string; out: string };
  /** "bytes" (the default: MRTG, Cacti and LibreNMS store octets per second) or "bits". */
  unit?: "bytes" | "bits";
}

/** Which data sources are in and out, or an error naming what the file has. */
export function pickDataSources(
  dump: RrdDump,
  origin: string,
  mapping: RrdMapping = {},
): { in: number; out: number } {
  const names = dump.dataSources.map((d) => d.name);
  const candidates = mapping.ds ? [mapping.ds] : KNOWN_DS_PAIRS;
  for (const pair of candidates) {
    const i = names.indexOf(pair.in);
    const o = names.indexOf(pair.out);
    if (i >= 0 && o >= 0) return { in: i, out: o };
  }
  const wanted = mapping.ds
    ? `"${mapping.ds.in}"/"${mapping.ds.out}" (ds: in the mapping)`
    : KNOWN_DS_PAIRS.map((p) => `${p.in}/${p.out} (${p.tool})`).join(", ");
  throw new ImportInputError(
    origin,
    `cannot tell in from out: the RRD's data sources are ${names.map((n) => `"${n}"`).join(", ")}, not ${wanted}; ` +
      "name them in the mapping with ds: { in: ..., out: ... }",
  );
}

/** Every AVERAGE archive's rows, each at its own resolution, as bits/s (pure). */
export function rrdRows(dump: RrdDump, origin: string, mapping: RrdMapping = {}): Row[] {
  const pick = pickDataSources(dump, origin, mapping);
  const factor = (mapping.unit ?? "bytes") === "bytes" ? 8 : 1;
  const rows: Row[] = [];
  for (const rra of dump.archives) {
    if (rra.cf !== "AVERAGE") continue;
    const stepS = dump.stepS * rra.pdpPerRow;
    const n = rra.values[0]?.length ?? 0;
    const lastEnd = Math.floor(dump.lastUpdateS / stepS) * stepS;
    for (let r = 0; r < n; r++) {
      const inV = rra.values[pick.in]![r]!;
      const outV = rra.values[pick.out]![r]!;
      if (Number.isNaN(inV) && Number.isNaN(outV)) continue;
      rows.push({ endS: lastEnd - (n - 1 - r) * stepS, stepS, inBps: inV * factor, outBps: outV * factor });
    }
  }
  return rows;
}

/** The interface speed the RRD states (the in DS's max), bits/s, or NaN. */
export function rrdMaxBps(dump: RrdDump, origin: string, mapping: RrdMapping = {}): number {
  const pick = pickDataSources(dump, origin, mapping);
  return dump.dataSources[pick.in]!.max * ((mapping.unit ?? "bytes") === "bytes" ? 8 : 1);
}

/** Run `rrdtool dump FILE` (Debian package rrdtool); its own message when the file is not a whole RRD. */
export function dumpRrd(file: string, rrdtool = "rrdtool"): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(rrdtool, ["dump", file], { maxBuffer: 1 << 30, encoding: "utf8" }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(new ImportInputError(file, "rrdtool is not installed: apt-get install -y rrdtool"));
      }
      const said = stderr.trim().split("\n").at(-1) || error.message;
      reject(new ImportInputError(file, `rrdtool cannot read it: ${said}`));
    });
  });
}
