// Structure of the built dashboards and provisioning, and the checked-in snapshot in dashboards/build/.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BUILD_DIR, buildFiles } from "./build.js";
import { TERMS } from "../core/terms.js";
import { DEV_HOSTS } from "./config.js";
import type { PublicHosts } from "./config.js";
import { DATASOURCE_UID, buildMixin } from "./index.js";
import type { DashboardJson } from "./index.js";
import type { Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";

const mixin = buildMixin();
const dashboards = Object.entries(mixin.dashboards);
const english = buildMixin({ language: "en" });

function panelsOf(d: DashboardJson): (Panel | RowPanel)[] {
  return (d.panels ?? []).flatMap((p) => (p.type === "row" ? [p, ...((p as RowPanel).panels ?? [])] : [p]));
}
function queryPanels(d: DashboardJson): Panel[] {
  return panelsOf(d).filter((p): p is Panel => p.type !== "row");
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe("dashboards", () => {
  it("are the four the NOC and the planner use, each with a unique uid", () => {
    const uids = dashboards.map(([, d]) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(Object.keys(mixin.dashboards).sort()).toEqual([
      "kapasitas-capacity-planning.json",
      "kapasitas-collector-health.json",
      "kapasitas-noc-overview.json",
      "kapasitas-opd-detail.json",
    ]);
    for (const [file, d] of dashboards) expect(file).toBe(`${d.uid}.json`);
  });

  it.each(dashboards)("%s: unique panel ids, every panel and query on the fixed datasource", (_file, d) => {
    const ids = panelsOf(d).map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id! > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of queryPanels(d)) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      const targets = (p.targets ?? []) as { refId?: string; datasource?: unknown; expr?: unknown }[];
      const refIds = targets.map((t) => t.refId);
      expect(new Set(refIds).size, p.title).toBe(refIds.length);
      for (const t of targets) {
        expect(t.refId, p.title).toMatch(/^[A-Z]$/);
        expect(t.datasource, p.title).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
        expect(typeof t.expr, p.title).toBe("string");
      }
      expect(p.title?.length, "every panel has a title").toBeGreaterThan(0);
    }
  });

  it.each(dashboards)("%s: pinned schema, kapasitas tag, a link to the report download page", (_file, d) => {
    expect(d.schemaVersion).toBe(mixin.config.grafana.schemaVersion);
    const requires = (d as DashboardJson & { __requires: { id: string; version: string }[] }).__requires;
    expect(requires).toContainEqual(
      expect.objectContaining({ id: "grafana", version: mixin.config.grafana.version }),
    );
    expect(d.tags).toContain("kapasitas");
    expect(d.links?.map((l) => l.url)).toContain(mixin.config.reportUrl);
    // No panel may overlap another: Grafana would silently re-flow them.
    const cells = new Set<string>();
    for (const p of panelsOf(d)) {
      const g = p.gridPos!;
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps`).toBe(false);
          cells.add(`${x},${y}`);
        }
      expect(g.x + g.w).toBeLessThanOrEqual(24);
    }
  });

  it.each(dashboards)("%s: table columns renamed from the queries that exist", (_file, d) => {
    for (const p of queryPanels(d)) {
      const refIds = ((p.targets ?? []) as { refId?: string }[]).map((t) => t.refId);
      for (const tr of p.transformations ?? []) {
        const renamed = Object.keys(
          (tr.options as { renameByName?: Record<string, string> }).renameByName ?? {},
        );
        for (const key of renamed.filter((k) => k.startsWith("Value #")))
          expect(refIds, `${p.title}: ${key}`).toContain(key.replace(/^Value #/, ""));
      }
    }
  });

  it("links every alert to a dashboard that exists", () => {
    const uids = new Set(dashboards.map(([, d]) => d.uid));
    for (const a of mixin.rules.groups[2].rules) {
      const uid = /\/d\/([\w-]+)/.exec(a.annotations.dashboard ?? "")?.[1];
      expect(uids, a.alert).toContain(uid);
    }
  });

  it("takes the report URL and the datasource URL from the config", () => {
    const m = buildMixin({
      reportUrl: "https://kapasitas.tanjungpinangkota.go.id/reports",
      datasource: { url: "http://prometheus.monitoring:9090" },
    });
    for (const d of Object.values(m.dashboards)) {
      expect(d.links?.map((l) => l.url)).toContain("https://kapasitas.tanjungpinangkota.go.id/reports");
    }
    const ds = parse(m.provisioning.datasourcesYaml) as { datasources: { uid: string; url: string }[] };
    expect(ds.datasources[0]).toMatchObject({
      uid: DATASOURCE_UID,
      url: "http://prometheus.monitoring:9090",
    });
  });

  it("links to the stack's public hosts by default (Pulumi.dev.yaml), never to a container name", () => {
    const stack = parse(
      readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "Pulumi.dev.yaml"), "utf8"),
    ) as { config: { "kapasitas:hosts": PublicHosts } };
    expect(DEV_HOSTS).toEqual(stack.config["kapasitas:hosts"]);
    expect(mixin.config.reportUrl).toBe(`https://${DEV_HOSTS.reports}/reports`);
    const built = Object.values(buildFiles(mixin)).join("\n");
    for (const host of ["collector:9105", "grafana:3000", "http://collector", "http://grafana"])
      expect(built, host).not.toContain(host);
  });

  it("speaks Bahasa Indonesia by default and English by the language setting, with the same panels", () => {
    expect(mixin.config.language).toBe("id");
    for (const [file, d] of dashboards) {
      const en = english.dashboards[file]!;
      const idPanels = panelsOf(d);
      const enPanels = panelsOf(en);
      expect(enPanels.map((p) => p.type)).toEqual(idPanels.map((p) => p.type));
      expect(enPanels.map((p) => p.gridPos)).toEqual(idPanels.map((p) => p.gridPos));
      expect(en.title).not.toBe(d.title);
      for (const [i, p] of idPanels.entries()) {
        const q = enPanels[i]!;
        // "OPD" is the one title both languages say alike.
        if (p.type !== "row" && p.title !== TERMS.id.opd) expect(q.title, `${p.title}`).not.toBe(p.title);
        // The same queries (the city map's node subtitles aside): titles, descriptions and legends change.
        const exprs = (x: Panel | RowPanel) =>
          ((x as Panel).targets ?? []).map((t) =>
            (t as { expr?: string }).expr?.replace(/"(inti|core|distribusi|distribution)"/g, ""),
          );
        expect(exprs(q)).toEqual(exprs(p));
      }
    }
  });

  it("needs no plugin: every panel is one Grafana ships (the city map is the built-in Node graph)", () => {
    const builtIn = ["bargauge", "heatmap", "nodeGraph", "stat", "state-timeline", "table", "timeseries"];
    for (const [file, d] of dashboards) {
      for (const p of queryPanels(d)) expect(builtIn, `${file}: ${p.title}`).toContain(p.type);
    }
    const overview = queryPanels(mixin.dashboards["kapasitas-noc-overview.json"]!);
    expect(overview.filter((p) => p.type === "nodeGraph")).toHaveLength(1);
  });

  it("links OPD rows and series to the OPD detail, keeping the time range", () => {
    const overview = mixin.dashboards["kapasitas-noc-overview.json"]!;
    const links = queryPanels(overview).flatMap((p) => p.fieldConfig?.defaults?.links ?? []);
    expect(links.length).toBeGreaterThanOrEqual(5);
    for (const l of links)
      expect(l.url).toMatch(
        /^\/d\/kapasitas-opd-detail\?var-opd=\$\{__(field\.labels|data\.fields)\.opd\}&\$\{__url_time_range\}$/,
      );
  });

  it("provisions the datasource under the fixed uid and a file provider for the dashboards", () => {
    const ds = parse(mixin.provisioning.datasourcesYaml) as {
      apiVersion: number;
      datasources: { uid: string; type: string; jsonData: { timeInterval: string } }[];
    };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]).toMatchObject({ uid: DATASOURCE_UID, type: "prometheus" });
    expect(ds.datasources[0]!.jsonData.timeInterval).toBe(mixin.config.datasource.scrapeInterval);
    const dp = parse(mixin.provisioning.dashboardsProviderYaml) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(dp.providers[0]).toMatchObject({
      type: "file",
      options: { path: mixin.config.grafana.dashboardsPath },
    });
  });
});

describe("snapshot in dashboards/build/ (run `npm run mixin` after changing the mixin)", () => {
  const expected = buildFiles(mixin);

  it("has exactly the files the build writes", () => {
    const onDisk = listFiles(BUILD_DIR).map((f) => relative(BUILD_DIR, f));
    expect(onDisk.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))("%s equals a fresh build", (rel) => {
    expect(readFileSync(join(BUILD_DIR, rel), "utf8")).toBe(expected[rel]);
  });
});

describe("docs/dashboards.md", () => {
  const docs = readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "dashboards.md"),
    "utf8",
  );
  const headings = new Set(
    [...docs.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .replace(/ /g, "-"),
    ),
  );

  it("has a runbook section for every alert (the anchor in runbook_url)", () => {
    for (const a of mixin.rules.groups[2].rules) {
      expect(headings, a.alert).toContain(a.alert.toLowerCase());
    }
  });

  it("explains every panel by its title, in both languages", () => {
    for (const [, d] of [...dashboards, ...Object.entries(english.dashboards)]) {
      for (const p of queryPanels(d))
        expect(docs, `${d.title} / ${p.title}`).toContain(p.title!.replace(/ \(\$\w+\)$/, ""));
    }
  });
});
