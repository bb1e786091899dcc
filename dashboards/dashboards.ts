import type { MixinConfig } from "./config.js";
export type DashboardJson = Record<string, unknown>;
export function buildDashboards(_c: MixinConfig): Record<string, DashboardJson> {
  return {};
}
