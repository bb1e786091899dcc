// Deliberate breaks of the captured graph, each the kind of mistake that passes every other test:
// a wrong service name in a scrape target, a network the proxy is not attached to, a config file
// owned by the wrong uid. The rehearsal applies each one and expects the named check to fail (pure).
import { CONTAINER_TYPE, unwrapSecrets } from "../infra/policy.js";
import type { GraphResource } from "./translate.js";

export interface Break {
  name: string;
  /** The check that must fail while the break is in... */
  check: string;
  /** ...with a message that names the cause... */
  expect: RegExp;
  /** ...within this long (a scrape interval, a health check, a request). */
  deadlineMs: number;
  what: string;
  apply(resources: readonly GraphResource[]): GraphResource[];
}

interface Container {
  name: string;
  networksAdvanced?: { name: string; aliases?: string[] }[];
  uploads?: { file: string; content: string; owner?: string; group?: string }[];
}

/** A copy of the graph with one container's (unwrapped) inputs changed; throws if it is not there. */
function editContainer(
  resources: readonly GraphResource[],
  matches: (c: Container) => boolean,
  edit: (c: Container) => void,
): GraphResource[] {
  let found = false;
  const out = resources.map((r) => {
    if (r.type !== CONTAINER_TYPE) return r;
    const inputs = structuredClone(unwrapSecrets(r.inputs)) as Container;
    if (!matches(inputs)) return r;
    found = true;
    edit(inputs);
    return { ...r, inputs: inputs as unknown as Record<string, unknown> };
  });
  if (!found)
    throw new Error("the break found no container to change: the program changed, update rehearse/breaks.ts");
  return out;
}

const named = (suffix: string) => (c: Container) => c.name.endsWith(suffix);

export const BREAKS: readonly Break[] = [
  {
    name: "wrong scrape target name",
    check: "prometheus-scrapes-collector",
    expect: /collectr-0:9105/,
    deadlineMs: 150_000,
    what: "prometheus.yml scrapes collectr-0:9105 instead of collector-0:9105",
    apply: (resources) =>
      editContainer(resources, named("-prometheus-config-seed"), (c) => {
        for (const u of c.uploads ?? []) u.content = u.content.replaceAll("collector-0:", "collectr-0:");
      }),
  },
  {
    name: "missing network attachment",
    check: "proxy-routes-apps",
    // Caddy: 502 while it tries the unresolvable name, 503 once its health check has failed it.
    expect: /status 50[23]/,
    deadlineMs: 25_000,
    what: "the proxy is not attached to the apps network",
    apply: (resources) =>
      editContainer(resources, named("-proxy"), (c) => {
        c.networksAdvanced = (c.networksAdvanced ?? []).filter((n) => !n.name.endsWith("-apps"));
      }),
  },
  {
    name: "wrong volume owner",
    check: "containers-healthy",
    expect: /alertmanager/,
    deadlineMs: 120_000,
    what: "Alertmanager's config (mode 0400) is owned by uid 1000 instead of 65534",
    apply: (resources) =>
      editContainer(resources, named("-alertmanager-config-seed"), (c) => {
        for (const u of c.uploads ?? []) {
          u.owner = "1000";
          u.group = "1000";
        }
      }),
  },
];
