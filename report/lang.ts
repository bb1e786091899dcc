// The report's languages: the ones kapasitas speaks (core/terms.ts, shared with the dashboards).
// A module of its own, below everything else in the report: the refusals (problems.ts) name a
// language, and the words (i18n.ts) need the periods that refuse bad input.
export { LANGS, isLang } from "../core/terms.js";
export type { Lang } from "../core/terms.js";
