/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), the way Prometheus's own
 * parser reads a scrape: `# HELP` / `# TYPE` lines, samples `name{label="value",...} value [timestamp]`
 * with `\\`, `\"` and `\n` escapes in label values. Used by the black-box collector tests and the
 * benchmark to read what the collector and snmp_exporter expose, without trusting either.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` declarations by metric family name. */
  types: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value))
    throw new Error(`bad sample value ${JSON.stringify(text)} in: ${line}`);
  return value;
}

function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after "{"
  for (;;) {
    while (text[i] === " ") i++;
    if (text[i] === "}") return { labels, rest: text.slice(i + 1) };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!name || text[i + name.length] !== "=" || text[i + name.length + 1] !== '"') {
      throw new Error(`bad label at column ${i} in: ${line}`);
    }
    i += name.length + 2;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === "\\") {
        const next = text[i + 1];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new Error(`bad escape \\${next ?? ""} in: ${line}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`);
    labels[name] = value;
    i++; // closing quote
    while (text[i] === " ") i++;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`expected , or } at column ${i} in: ${line}`);
  }
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`bad sample line: ${line}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest, line));
    const fields = rest.trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2) throw new Error(`bad sample line: ${line}`);
    samples.push({ name, labels, value: parseValue(fields[0] ?? "", line) });
  }
  return { samples, types };
}

/** Samples of one metric whose labels include every pair in `match`. */
export function select(exposition: Exposition, name: string, match: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
}

/** The one sample matching, or an error that lists what was there instead. */
export function only(exposition: Exposition, name: string, match: Record<string, string> = {}): Sample {
  const found = select(exposition, name, match);
  if (found.length !== 1) {
    const present = select(exposition, name)
      .map((s) => JSON.stringify(s.labels))
      .join("\n  ");
    throw new Error(
      `expected exactly one ${name}${JSON.stringify(match)}, found ${found.length}; present:\n  ${present || "(none)"}`,
    );
  }
  return found[0]!;
}
