// The stack the rehearsal replays: the dev stack file (every service on the local engine, published
// on loopback, Caddy's internal CA) with data protection on, so a teardown shows which volumes a
// `pulumi destroy` would keep. One named variant changes one thing, to watch what it replaces.
import { imageFor, type StackSettings } from "../infra/settings.js";

export const REHEARSAL_STACK_FILE = "Pulumi.dev.yaml";

export const VARIANTS = ["base", "alerting-changed"] as const;
export type Variant = (typeof VARIANTS)[number];

/** A webhook receiver that only the variant adds: Alertmanager's config changes, nothing else does. */
export const CHANGED_WEBHOOK = "http://noc-bridge.invalid/kapasitas";

/** The settings of one variant, from the stack file's (pure). */
export function rehearsalSettings(fromFile: StackSettings, variant: Variant): StackSettings {
  const base: StackSettings = { ...fromFile, protect_data: true };
  if (variant === "base") return base;
  const [first, ...rest] = base.alerting.receivers;
  return {
    ...base,
    alerting: {
      ...base.alerting,
      receivers: [{ ...first!, webhook_urls: [...first!.webhook_urls, CHANGED_WEBHOOK] }, ...rest],
    },
  };
}

/** Images no Debian or npm build exists for: their containers are left out, and the summary says so. */
export function leftOutImages(settings: StackSettings): Record<string, string> {
  return {
    [imageFor(settings, "grafana")]:
      "Grafana: no Debian or npm build to make its image from (it is left out, with its config seed)",
  };
}
