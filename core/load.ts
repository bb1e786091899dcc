// Load an inventory file: YAML, schema, then cross-checks. Every problem is reported at once, each
// with file:line:column, the path and a hint. A valid file is read once, without source positions
// (core/plain-yaml.ts: a tenth of the memory and time); positions are read only when there is a
// problem to place.
import { readFileSync } from "node:fs";
import { isAlias, isMap, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { z } from "zod";
import * as schemas from "./schema.js";
import { inventory as inventorySchema, type Inventory } from "./schema.js";
import { closest } from "./hint.js";
import { readPlainYaml } from "./plain-yaml.js";
import { crossCheck, type CheckInput, type PathProblem } from "./validate.js";

export type PathSegment = string | number;

export interface Problem {
  file: string;
  line: number;
  column: number;
  /** `opds[3].links[0].device`, or "" for the whole file. */
  path: string;
  message: string;
}

export type LoadResult = { ok: true; inventory: Inventory } | { ok: false; problems: Problem[] };

export class InventoryError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`${problems.length} problem(s) in the inventory:\n${problems.map(formatProblem).join("\n")}`);
    this.name = "InventoryError";
  }
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (out, seg) => (typeof seg === "number" ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg),
    "",
  );
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ""}${p.message}`;
}

/** Find the closest source position for a path: the node itself, or its nearest existing parent. */
export function positionOf(
  doc: Document,
  lines: LineCounter,
  path: readonly PathSegment[],
  atKey: boolean,
): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const node = prefix.length === 0 ? doc.contents : doc.getIn(prefix, true);
    // An unknown key is best shown at the key itself, which lives in the parent map.
    if (atKey && depth === path.length && depth > 0) {
      const parent = depth === 1 ? doc.contents : doc.getIn(prefix.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find(
          (it) => (it.key as { value?: unknown } | null)?.value === prefix.at(-1),
        );
        const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
        if (range) return toPos(lines, range[0]);
      }
    }
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range && (node !== null || depth === 0)) return toPos(lines, range[0]);
  }
  return { line: 1, column: 1 };
}

export function toPos(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** Pick the most relevant branch of a failed union: the one that got furthest into the input. */
export function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  base: PathSegment[] = [],
): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...(issue.path as PathSegment[])];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const branches = issue.errors.map((b) => flattenIssues(b, path));
      const score = (b: z.core.$ZodIssue[]) => Math.min(...b.map((i) => i.path.length)) * 100 - b.length;
      const best = branches.reduce((a, b) => (score(b) > score(a) ? b : a));
      return best;
    }
    return [{ ...issue, path }];
  });
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return `is required (${issue.expected})`;
  return issue.message;
}

export function parseInventory(text: string, file: string): LoadResult {
  const plain = readPlainYaml(text);
  if (plain !== undefined) {
    const parsed = inventorySchema.safeParse(plain);
    if (parsed.success && crossCheck(parsed.data).length === 0) return { ok: true, inventory: parsed.data };
  }
  // A problem, or YAML the fast reader leaves alone: read again with positions, to place each one.
  return parseWithPositions(text, file);
}

/** Every problem of the file, at file:line:column (the YAML document with source positions). */
function parseWithPositions(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];

  for (const err of doc.errors) {
    const { line, column } = toPos(lines, err.pos[0]);
    problems.push({ file, line, column, path: "", message: `YAML: ${err.message.split("\n")[0]}` });
  }
  if (problems.length === 0) problems.push(...aliasProblems(doc, lines, file));
  if (problems.length > 0) return { ok: false, problems };
  if (!isMap(doc.contents)) {
    return {
      ok: false,
      problems: [{ file, line: 1, column: 1, path: "", message: "the inventory must be a YAML mapping" }],
    };
  }

  const at = (path: PathSegment[], message: string, atKey = false): Problem => ({
    file,
    ...positionOf(doc, lines, path, atKey),
    path: formatPath(path),
    message,
  });

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // aliasProblems() found nothing, yet the YAML library refused: still a problem, never a throw.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [{ file, line: 1, column: 1, path: "", message: `YAML: ${message}` }] };
  }
  const parsed = inventorySchema.safeParse(raw);
  if (!parsed.success) {
    const issues = flattenIssues(parsed.error.issues);
    // A missing field whose misspelling sits beside it is reported once, as the misspelling.
    const misspelt = new Set<string>();
    for (const issue of issues) {
      if (issue.code !== "unrecognized_keys") continue;
      const parent = issue.path as PathSegment[];
      for (const key of issue.keys) {
        const hint = knownKeyHint(key, parent);
        if (hint) misspelt.add(formatPath([...parent, hint]));
        problems.push(
          at([...parent, key], `unknown field "${key}"${hint ? `; did you mean "${hint}"?` : ""}`, true),
        );
      }
    }
    for (const issue of issues) {
      if (issue.code === "unrecognized_keys") continue;
      const missing = issue.code === "invalid_type" && issue.input === undefined;
      if (missing && misspelt.has(formatPath(issue.path as PathSegment[]))) continue;
      problems.push(at(issue.path as PathSegment[], describeIssue(issue)));
    }
    // Cross-check whatever parts did parse, so one run lists every problem.
    const cross = crossCheck(salvage(raw));
    problems.push(...cross.map((p) => at(p.path, p.message, p.atKey ?? false)));
    return { ok: false, problems: sortProblems(problems) };
  }

  const cross: PathProblem[] = crossCheck(parsed.data);
  if (cross.length > 0) {
    return { ok: false, problems: sortProblems(cross.map((p) => at(p.path, p.message, p.atKey ?? false))) };
  }
  return { ok: true, inventory: parsed.data };
}

/**
 * Expansions of aliases the YAML library allows before it calls the file an attack ("billion
 * laughs"): an expansion counts the aliases inside what it expands, so one anchor (`&creds`) used by
 * every device of a large city stays well inside it, while nested aliases that multiply do not.
 */
export const MAX_ALIAS_COUNT = 10_000;

/**
 * Aliases the YAML library would throw on when the document is turned into data, as located
 * problems: an alias to an anchor not defined before it (a typo such as `*cred` for `&creds`), and
 * expansions past MAX_ALIAS_COUNT (reported once, at the alias that crosses the limit).
 */
function aliasProblems(doc: Document, lines: LineCounter, file: string): Problem[] {
  const problems: Problem[] = [];
  const anchors = new Map<string, number>(); // name → aliases (direct and nested) its node expands to
  let expansions = 0;
  let excessive = false;
  visit(doc, (_key, node) => {
    const position = () => toPos(lines, (node as { range?: [number, number, number] }).range?.[0] ?? 0);
    if (isAlias(node)) {
      const size = anchors.get(node.source);
      if (size === undefined) {
        const hint = closest(node.source, [...anchors.keys()]);
        problems.push({
          file,
          ...position(),
          path: "",
          message: `YAML: alias *${node.source} has no anchor &${node.source} before it${hint ? `; did you mean *${hint}?` : ""}`,
        });
        return;
      }
      expansions += 1 + size;
      if (expansions > MAX_ALIAS_COUNT && !excessive) {
        excessive = true;
        problems.push({
          file,
          ...position(),
          path: "",
          message: `YAML: aliases expand to more than ${MAX_ALIAS_COUNT} nodes (a resource-exhaustion guard); write the repeated part out, or split the file`,
        });
      }
      return;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) {
      let nested = 0;
      visit(node as Parameters<typeof visit>[0], {
        Alias: (_k, a) => void (nested += 1 + (anchors.get(a.source) ?? 0)),
      });
      anchors.set(anchor, nested);
    }
  });
  return problems;
}

/** The sections that parse on their own, with failed list items left as holes (keeping indexes). */
function salvage(raw: unknown): CheckInput {
  const r = (raw ?? {}) as Record<string, unknown>;
  const list = <S extends z.ZodType>(schema: S, xs: unknown): (z.output<S> | undefined)[] =>
    Array.isArray(xs) ? xs.map((x) => schema.safeParse(x).data) : [];
  const tiers = Array.isArray((r.pricing as { tiers?: unknown } | undefined)?.tiers)
    ? list(schemas.pricingTier, (r.pricing as { tiers: unknown[] }).tiers)
    : [];
  const ids = (xs: unknown): string[] =>
    Array.isArray(xs) ? xs.flatMap((x) => (typeof x?.id === "string" ? [x.id as string] : [])) : [];
  return {
    writtenIds: { devices: ids(r.devices), opds: ids(r.opds) },
    devices: list(schemas.device, r.devices),
    opds: list(schemas.opd, r.opds),
    uplinks: list(schemas.uplink, r.uplinks),
    apps: list(schemas.app, r.apps),
    pricing: { tiers },
  };
}

/** The fields each section allows (keyed by the section's field name), read off the schema itself. */
const KNOWN_KEYS: Record<string, readonly string[]> = fieldsBySection(inventorySchema);

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
}

function fieldsBySection(schema: z.ZodType): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  const walk = (node: z.ZodType, section: string): void => {
    const def = (node as unknown as { _zod: { def: SchemaDef } })._zod.def;
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (inner) return walk(inner, section); // default, optional, transform
    if (def.type === "object" && def.shape) {
      sections[section] = [...new Set([...(sections[section] ?? []), ...Object.keys(def.shape)])];
      for (const [key, child] of Object.entries(def.shape)) walk(child, key);
    } else if (def.type === "array" && def.element) walk(def.element, section);
    else if (def.type === "union") for (const option of def.options ?? []) walk(option, section);
  };
  walk(schema, "");
  return sections;
}

/** The field a misspelt one was probably meant to be, from the fields that section allows. */
function knownKeyHint(key: string, parentPath: PathSegment[]): string | undefined {
  const section = [...parentPath].reverse().find((s): s is string => typeof s === "string") ?? "";
  return closest(key, KNOWN_KEYS[section] ?? []);
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

export function loadInventory(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    return {
      ok: false,
      problems: [{ file, line: 0, column: 0, path: "", message: `cannot read the inventory: ${reason}` }],
    };
  }
  try {
    return parseInventory(text, file);
  } catch (error) {
    // Loading never throws past its list of problems: a reload must not take the collector down.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [{ file, line: 1, column: 1, path: "", message }] };
  }
}

/** Load or throw an InventoryError listing every problem. */
export function loadInventoryOrThrow(file: string): Inventory {
  const result = loadInventory(file);
  if (!result.ok) throw new InventoryError(result.problems);
  return result.inventory;
}
