// The import mapping (docs/import.md): which inventory link each history file measures, and how to
// read it. Validated like the inventory: every problem at once, each with file:line:column.
import { existsSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { isMap, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import {
  describeIssue,
  flattenIssues,
  formatPath,
  InventoryError,
  positionOf,
  sortProblems,
  toPos,
  type PathSegment,
  type Problem,
} from "../core/load.js";
import { closest } from "../core/hint.js";
import { measuredLinks, type MeasuredLink } from "../core/model.js";
import type { Inventory } from "../core/schema.js";
import { CSV_UNITS, isTimeZone } from "./csv.js";

export const FORMATS = ["rrd", "mrtg-log", "csv"] as const;
export type Format = (typeof FORMATS)[number];

const entry = z.strictObject({
  file: z.string().min(1),
  link: z.string().min(1),
  format: z.enum(FORMATS).optional(),
  /** RRD: the data sources that hold in and out. */
  ds: z.strictObject({ in: z.string().min(1), out: z.string().min(1) }).optional(),
  /** RRD: bytes (default) or bits; CSV: bps, kbps, Mbps, Gbps, Bps, KBps, MBps, GBps. */
  unit: z.string().optional(),
  /** CSV: the zone of times written without an offset. */
  timezone: z.string().optional(),
  /** The interface's speed: a rate above it is refused. */
  max_mbps: z.number().positive().optional(),
});

const mappingSchema = z.strictObject({ sources: z.array(entry).min(1) });

export interface MappedSource {
  /** Absolute path of the history file. */
  file: string;
  format: Format;
  link: MeasuredLink;
  ds?: { in: string; out: string };
  unit?: string;
  timezone?: string;
  maxMbps?: number;
  /** Where in the mapping file it is written, for later messages: `import.yaml:4:5`. */
  at: string;
}

export type MappingResult = { ok: true; sources: MappedSource[] } | { ok: false; problems: Problem[] };

export function formatOf(file: string, stated: Format | undefined): Format | undefined {
  if (stated) return stated;
  return ({ ".rrd": "rrd", ".log": "mrtg-log", ".csv": "csv" } as Record<string, Format>)[
    extname(file).toLowerCase()
  ];
}

/** Parse and check a mapping against the inventory (pure but for checking that each file exists). */
export function parseMapping(text: string, file: string, inventory: Inventory): MappingResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = doc.errors.map((err) => ({
    file,
    ...toPos(lines, err.pos[0]),
    path: "",
    message: `YAML: ${err.message.split("\n")[0]}`,
  }));
  if (problems.length > 0) return { ok: false, problems };
  if (!isMap(doc.contents)) {
    return {
      ok: false,
      problems: [
        { file, line: 1, column: 1, path: "", message: "the mapping must be a YAML mapping with sources:" },
      ],
    };
  }
  const at = (path: PathSegment[], message: string, atKey = false): Problem => ({
    file,
    ...positionOf(doc, lines, path, atKey),
    path: formatPath(path),
    message,
  });
  const parsed = mappingSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of flattenIssues(parsed.error.issues)) {
      const path = issue.path as PathSegment[];
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const hint = closest(key, Object.keys(entry.shape));
          problems.push(
            at([...path, key], `unknown field "${key}"${hint ? `; did you mean "${hint}"?` : ""}`, true),
          );
        }
      } else problems.push(at(path, describeIssue(issue)));
    }
    return { ok: false, problems: sortProblems(problems) };
  }
  const links = measuredLinks(inventory);
  const base = dirname(resolve(file));
  const sources: MappedSource[] = [];
  parsed.data.sources.forEach((s, i) => {
    const p = (field: string, message: string) => problems.push(at(["sources", i, field], message));
    const link = links.find((l) => l.linkId === s.link);
    if (!link) {
      const hint = closest(
        s.link,
        links.map((l) => l.linkId),
      );
      p("link", `no link "${s.link}" in the inventory${hint ? `; did you mean "${hint}"?` : ""}`);
    }
    const path = resolve(base, s.file);
    if (!existsSync(path)) p("file", `no such file: ${path}`);
    const format = formatOf(s.file, s.format);
    if (!format)
      p("file", `cannot tell the format from "${extname(s.file)}"; state format: rrd, mrtg-log or csv`);
    if (format === "csv") {
      if (s.unit === undefined) p("file", `a CSV needs unit: (${Object.keys(CSV_UNITS).join(", ")})`);
      else if (CSV_UNITS[s.unit] === undefined) {
        p("unit", `unknown unit "${s.unit}"; one of ${Object.keys(CSV_UNITS).join(", ")}`);
      }
      if (s.timezone === undefined) p("file", "a CSV needs timezone: (Asia/Jakarta, +07:00, UTC)");
      else if (!isTimeZone(s.timezone)) {
        p("timezone", `unknown time zone "${s.timezone}"; an IANA name (Asia/Jakarta) or an offset (+07:00)`);
      }
    }
    if (format === "rrd" && s.unit !== undefined && s.unit !== "bytes" && s.unit !== "bits") {
      p("unit", `an RRD's unit is bytes (the default) or bits, not "${s.unit}"`);
    }
    if (format !== "rrd" && s.ds !== undefined)
      p("ds", "ds: names an RRD's data sources; this is not an RRD");
    if (format === "mrtg-log" && s.unit !== undefined)
      p("unit", "an MRTG log is always bytes per second: drop unit:");
    if (link && format) {
      const pos = positionOf(doc, lines, ["sources", i], false);
      sources.push({
        file: path,
        format,
        link,
        ...(s.ds ? { ds: s.ds } : {}),
        ...(s.unit !== undefined ? { unit: s.unit } : {}),
        ...(s.timezone !== undefined ? { timezone: s.timezone } : {}),
        ...(s.max_mbps !== undefined ? { maxMbps: s.max_mbps } : {}),
        at: `${file}:${pos.line}:${pos.column}`,
      });
    }
  });
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, sources };
}

/** Load a mapping file or throw an InventoryError-shaped list of problems. */
export function loadMappingOrThrow(file: string, inventory: Inventory): MappedSource[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new MappingError([
      { file, line: 0, column: 0, path: "", message: `cannot read the mapping: ${reason}` },
    ]);
  }
  const result = parseMapping(text, file, inventory);
  if (!result.ok) throw new MappingError(result.problems);
  return result.sources;
}

export class MappingError extends InventoryError {
  constructor(problems: Problem[]) {
    super(problems);
    this.name = "MappingError";
    this.message = this.message.replace("in the inventory", "in the import mapping");
  }
}
