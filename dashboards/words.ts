// The dashboards' words: the shared terms of core/terms.ts (the report says them too) and, for the
// sentences only a dashboard says, both languages side by side where the panel is built.
import { TERMS } from "../core/terms.js";
import type { Terms } from "../core/terms.js";
import type { Direction } from "../core/model.js";
import { MappingType } from "@grafana/grafana-foundation-sdk/dashboard";
import type { ValueMapping } from "@grafana/grafana-foundation-sdk/dashboard";
import type { MixinConfig } from "./config.js";

export interface Words {
  /** The shared terms in the mixin's language. */
  t: Terms;
  /** A dashboard-only phrase: Bahasa Indonesia first, English second. */
  say: (id: string, en: string) => string;
  /** `Unduh`/`Download` for a direction label value. */
  direction: (d: Direction) => string;
}

export function words(c: MixinConfig): Words {
  const t = TERMS[c.language];
  return {
    t,
    say: (id, en) => (c.language === "id" ? id : en),
    direction: (d) => t[d],
  };
}

/**
 * Grafana value mappings that show a label value (`download`, `upload`) in the mixin's language,
 * e.g. in a table's direction column.
 */
export function directionMapping(w: Words): ValueMapping {
  return {
    type: MappingType.ValueToText,
    options: {
      download: { text: w.t.download, index: 0 },
      upload: { text: w.t.upload, index: 1 },
    },
  };
}
