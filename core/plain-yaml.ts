// The inventory's fast reader: YAML to plain data, without source positions. The `yaml` library
// (core/load.ts) keeps a node with its source range for every scalar, which is what lets a problem be
// reported at file:line:column, but it costs about 100 times the file in memory and reads about
// 1 MB/s; js-yaml builds only the data, ten times faster in a tenth of the memory. A valid file is
// read once, with this; a file with a problem is read again with positions (see parseInventory).
//
// Scalars resolve exactly as the `yaml` library's default (YAML 1.2 core schema) resolves them, so
// both readers give the same data: js-yaml's own CORE_SCHEMA also takes `1_000` and `0b1`, which
// YAML 1.2 (and the `yaml` library) read as strings.
import jsyaml from "js-yaml";

const scalar = (
  tag: string,
  test: RegExp,
  construct: (text: string) => unknown,
  is: (value: unknown) => boolean,
): jsyaml.Type =>
  new jsyaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: "scalar",
    resolve: (text: string | null) => test.test(text ?? ""),
    construct: (text: string | null) => construct(text ?? ""),
    predicate: is,
  });

const FLOAT_SPECIAL: Record<string, number> = { inf: Infinity, nan: NaN };

/** The `yaml` library's core schema tests (yaml/dist/schema/core and common), one to one. */
const CORE = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar(
      "null",
      /^(?:~|[Nn]ull|NULL)?$/,
      () => null,
      (v) => v === null,
    ),
    scalar(
      "bool",
      /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
      (t) => t[0] === "t" || t[0] === "T",
      (v) => typeof v === "boolean",
    ),
    scalar(
      "int",
      /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/,
      (t) =>
        t.startsWith("0o") ? parseInt(t.slice(2), 8) : t.startsWith("0x") ? parseInt(t, 16) : Number(t),
      (v) => typeof v === "number" && Number.isInteger(v),
    ),
    scalar(
      "float",
      /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/,
      (t) => {
        const special = /^([-+]?)\.(inf|nan)$/i.exec(t);
        if (!special) return Number(t);
        const value = FLOAT_SPECIAL[special[2]!.toLowerCase()]!;
        return special[1] === "-" ? -value : value;
      },
      (v) => typeof v === "number",
    ),
  ],
});

/** An anchor (`&name`) where a YAML token starts: aliases are left to the reader with positions. */
const ANCHOR = /(?:^|[\s[{,])&[^\s]/;

/**
 * The document as plain data, or undefined when this reader leaves it to the one with positions:
 * anything it refuses (a syntax error, a duplicate key, several documents), and any file with
 * anchors, whose aliases the positioned reader checks against expansion attacks.
 */
export function readPlainYaml(text: string): unknown {
  if (ANCHOR.test(text)) return undefined;
  try {
    return jsyaml.load(text, { schema: CORE });
  } catch {
    return undefined;
  }
}
