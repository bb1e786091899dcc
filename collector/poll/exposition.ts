// Prometheus text exposition (format 0.0.4), written directly: label sets are escaped once, when a
// series is first known, and each scrape only appends values. This is the hot path of /snmp.

/** Escape a label value the way the text format requires: backslash, double quote, newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : "\\n"));
}

/**
 * The same text as one flat string, for strings a poller keeps for its lifetime (label sets,
 * series prefixes). V8 keeps a concatenation as a tree of its parts (a "cons string": 32 bytes a
 * node) and, once it is hashed or written out, a flat copy beside the tree: about twice the memory
 * of the text, for every one of the ~15 strings each polled interface holds (measured: 1,000
 * devices × 50 links' read plans take 210 MiB of heap as trees).
 */
export function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** `a="x",b="y"`: a label set, escaped, as one flat string. Label names are trusted constants. */
export function labelSet(labels: Readonly<Record<string, string>>): string {
  return flat(
    Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
      .join(","),
  );
}

/** `name{a="x",b="y"}` with a trailing space, ready for a value. Label names are trusted constants. */
export function seriesPrefix(name: string, labels: Readonly<Record<string, string>>): string {
  const set = labelSet(labels);
  return flat(set === "" ? `${name} ` : `${name}{${set}} `);
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

export type MetricType = "counter" | "gauge";

/** Collects samples per family so each family's HELP/TYPE appears once, with its samples together. */
export class ExpositionWriter {
  private readonly families = new Map<string, { help: string; type: MetricType; lines: string[] }>();

  family(name: string, type: MetricType, help: string): string[] {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, lines: [] };
      this.families.set(name, f);
    }
    return f.lines;
  }

  /** Append one sample: `prefix` from seriesPrefix(), value formatted here. */
  sample(name: string, type: MetricType, help: string, prefix: string, value: number): void {
    this.family(name, type, help).push(prefix + formatValue(value));
  }

  toString(): string {
    let out = "";
    for (const [name, f] of this.families) {
      if (f.lines.length === 0) continue;
      out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.lines.join("\n")}\n`;
    }
    return out;
  }
}
