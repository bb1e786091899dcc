// The one place infra/ touches the monitoring mixin (dashboards/): the rules Prometheus loads and
// the dashboards and provisioning Grafana loads all come from buildMixin(), configured for this
// deployment from the inventory (saturation threshold) and the stack (URLs, paths).
import { buildMixin, configFromInventory, publicUrls, RULES_FILE } from "../dashboards/index.js";
import type { Mixin, MixinConfigOverrides } from "../dashboards/index.js";
import type { Inventory } from "../core/schema.js";

export type { Mixin };
export { publicUrls, RULES_FILE };

export function mixinFor(inv: Inventory, overrides: MixinConfigOverrides): Mixin {
  return buildMixin(configFromInventory(inv, overrides));
}
