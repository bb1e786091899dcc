// The report's languages. A module of its own, below everything else in the report: the refusals
// (problems.ts) name a language, and the words (i18n.ts) need the periods that refuse bad input.
export const LANGS = ["id", "en"] as const;
export type Lang = (typeof LANGS)[number];

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}
