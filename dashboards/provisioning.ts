// Grafana file provisioning: the Prometheus datasource under a fixed uid (every panel names it), and
// a file dashboard provider that loads the built JSON from a directory in the Grafana container.
import { stringify } from "yaml";
import type { MixinConfig } from "./config.js";

export function datasourcesProvisioning(c: MixinConfig): object {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: c.datasource.name,
        uid: c.datasource.uid,
        type: "prometheus",
        access: "proxy",
        url: c.datasource.url,
        isDefault: true,
        editable: false,
        jsonData: {
          httpMethod: "POST",
          timeInterval: c.datasource.scrapeInterval,
          prometheusType: "Prometheus",
        },
      },
    ],
  };
}

export function dashboardsProvider(c: MixinConfig): object {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "kapasitas",
        orgId: 1,
        folder: c.grafana.folder,
        folderUid: "kapasitas",
        type: "file",
        // Dashboards are code: edits in the UI would be overwritten, so refuse them.
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: c.grafana.dashboardsPath, foldersFromFilesStructure: false },
      },
    ],
  };
}

export function provisioningYaml(c: MixinConfig): {
  datasourcesYaml: string;
  dashboardsProviderYaml: string;
} {
  return {
    datasourcesYaml: stringify(datasourcesProvisioning(c)),
    dashboardsProviderYaml: stringify(dashboardsProvider(c)),
  };
}
