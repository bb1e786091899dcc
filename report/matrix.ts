// A fast reader for Prometheus's range-query JSON. A year of 124 series is 13 M samples and
// ~450 MB of JSON; JSON.parse builds 13 M little arrays and strings and spends seconds on them.
// This reads the bytes once and hands each sample straight to the caller. Label sets (small)
// still go through JSON.parse, so escapes in label values are handled exactly.
/** A series' labels, as Prometheus returns them. */
export type Labels = Record<string, string>;

/** Receives one series' samples; return null to skip a series the caller does not want. */
export type SampleSink = ((timestampS: number, value: number) => void) | null;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

class MatrixFormatError extends Error {
  constructor(message: string, at: number) {
    super(`unexpected range-query JSON at byte ${at}: ${message}`);
    this.name = "MatrixFormatError";
  }
}

function indexOfAscii(buf: Buffer, text: string, from: number): number {
  return buf.indexOf(text, from, "latin1");
}

/** End (exclusive) of the JSON string starting at the quote at `start`. */
function skipString(buf: Buffer, start: number): number {
  let i = start + 1;
  while (i < buf.length) {
    const c = buf[i]!;
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  throw new MatrixFormatError("unterminated string", start);
}

/** End (exclusive) of the JSON object starting at the brace at `start`. */
function skipObject(buf: Buffer, start: number): number {
  let depth = 0;
  let i = start;
  while (i < buf.length) {
    const c = buf[i]!;
    if (c === QUOTE) {
      i = skipString(buf, i);
      continue;
    }
    if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE && --depth === 0) return i + 1;
    i++;
  }
  throw new MatrixFormatError("unterminated object", start);
}

const DOT = 0x2e;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Prometheus's spelling of a float (Go's strconv 'f', -1): Number() alone reads "+Inf" as NaN. */
export function promFloat(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/**
 * A number written bare (timestamps) or in quotes (values: "1.5", "NaN", "+Inf", "1e+06").
 * Fast path (Clinger): digits with an optional point, mantissa below 2^53 and at most 22 decimals:
 * mantissa / 10^k is then one correctly rounded IEEE division, the same double Number() gives.
 * Prometheus writes most rates with 16-17 significant digits (mantissa above 2^53); for those see
 * splitSum. Anything else goes through promFloat().
 */
function readNumber(buf: Buffer, start: number, end: number): number {
  let mantissa = 0;
  let decimals = -1;
  let point = -1;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      if (decimals >= 0) decimals++;
    } else if (c === DOT && decimals < 0) {
      decimals = 0;
      point = i;
    } else {
      return promFloat(buf.toString("latin1", start, end));
    }
  }
  if (end === start) return promFloat(buf.toString("latin1", start, end));
  if (mantissa <= Number.MAX_SAFE_INTEGER && decimals <= 22) {
    return decimals <= 0 ? mantissa : mantissa / POW10[decimals]!;
  }
  return (point > start && splitSum(buf, start, point, end)) || promFloat(buf.toString("latin1", start, end));
}

const TWO_POW_53 = 2 ** -53;
const TWO_POW_54 = 2 ** -54;

/**
 * "4523456.7891234567" as integer part + fraction, exactly when that is provably the correctly
 * rounded value: the integer part (below 2^53) is exact, the fraction digits / 10^k (below 2^53,
 * k ≤ 22) is one correctly rounded division (error ≤ half an ulp of it, < f × 2^-53), and TwoSum
 * gives the sum's rounding error exactly. When the total error stays below a lower bound of half an
 * ulp of the sum (s × 2^-54), the sum is what Number() returns; otherwise 0 (the caller uses
 * Number()). Values are rates ≥ 0, so 0 is never a fast-path answer here.
 */
function splitSum(buf: Buffer, start: number, point: number, end: number): number {
  if (end - point - 1 > 15 || point - start > 15) return 0;
  let whole = 0;
  for (let i = start; i < point; i++) whole = whole * 10 + (buf[i]! - ZERO);
  let digits = 0;
  for (let i = point + 1; i < end; i++) digits = digits * 10 + (buf[i]! - ZERO);
  const fraction = digits / POW10[end - point - 1]!;
  const sum = whole + fraction;
  const back = sum - whole;
  const error = whole - (sum - back) + (fraction - back);
  return fraction * TWO_POW_53 + Math.abs(error) < sum * TWO_POW_54 ? sum : 0;
}

/**
 * Walk `data.result` of a successful query_range answer: for each series, ask `onSeries` for a
 * sink and feed it every [timestamp, value]. Returns the number of series seen.
 */
export function readMatrix(buf: Buffer, onSeries: (labels: Labels) => SampleSink): number {
  const resultAt = indexOfAscii(buf, '"result":[', 0);
  if (resultAt < 0) throw new MatrixFormatError('no "result" array', 0);
  let i = resultAt + '"result":['.length;
  let series = 0;
  for (;;) {
    const metricAt = indexOfAscii(buf, '"metric":', i);
    if (metricAt < 0) return series;
    const objectStart = buf.indexOf(OPEN_BRACE, metricAt + 9);
    const objectEnd = skipObject(buf, objectStart);
    const labels = JSON.parse(buf.toString("utf8", objectStart, objectEnd)) as Labels;
    const sink = onSeries(labels);
    series++;
    const valuesAt = indexOfAscii(buf, '"values":[', objectEnd);
    if (valuesAt < 0) throw new MatrixFormatError('a series without "values"', objectEnd);
    i = valuesAt + '"values":['.length;
    // [[t,"v"],[t,"v"],...], scanned inline: two Buffer.indexOf calls per sample cost more than the parse.
    const length = buf.length;
    while (buf[i] === OPEN_BRACKET) {
      const tStart = i + 1;
      let j = tStart;
      while (j < length && buf[j] !== COMMA) j++;
      const vStart = j + 2; // skip ,"
      let k = vStart;
      while (k < length && buf[k] !== QUOTE) k++;
      if (k >= length) throw new MatrixFormatError("truncated sample", tStart);
      if (sink) sink(readNumber(buf, tStart, j), readNumber(buf, vStart, k));
      i = k + 2; // skip "]
      if (buf[i] === COMMA) i++;
    }
    if (buf[i] !== CLOSE_BRACKET) throw new MatrixFormatError("malformed values array", i);
    i++;
  }
}
