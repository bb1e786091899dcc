import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startAlertmanager,
  startWebhookReceiver,
  type Alertmanager,
  type WebhookReceiver,
} from "../lab/alertmanager.js";
import { startPrometheus, type Prometheus } from "../lab/prometheus.js";

describe("an alert from a Prometheus rule through Alertmanager to a webhook", () => {
  let hook: WebhookReceiver;
  let alertmanager: Alertmanager;
  let prom: Prometheus;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    alertmanager = await startAlertmanager({
      route: {
        receiver: "noc",
        group_by: ["alertname"],
        group_wait: "0s",
        group_interval: "1s",
        repeat_interval: "1h",
      },
      receivers: [{ name: "noc", webhook_configs: [{ url: hook.url, send_resolved: false }] }],
    });
    prom = await startPrometheus({
      config: {
        global: { evaluation_interval: "1s" },
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanager.port}`] }] }] },
      },
      rules: {
        "alerts.yml": {
          groups: [
            {
              name: "test",
              rules: [
                {
                  alert: "OpdLinkSaturated",
                  expr: "vector(0.97) > 0.9",
                  labels: { severity: "warning", opd: "disdukcapil" },
                  annotations: { summary: "Disdukcapil link above 90%" },
                },
              ],
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await prom?.stop();
    await alertmanager?.stop();
    await hook?.stop();
  });

  it("delivers the firing alert with its labels and annotations", async () => {
    const notification = await hook.waitFor((n) => n.status === "firing");
    expect(notification.receiver).toBe("noc");
    expect(notification.alerts[0]?.labels).toMatchObject({
      alertname: "OpdLinkSaturated",
      opd: "disdukcapil",
      severity: "warning",
    });
    expect(notification.alerts[0]?.annotations.summary).toBe("Disdukcapil link above 90%");
    const held = await alertmanager.alerts();
    expect(held.map((a) => a.labels.alertname)).toContain("OpdLinkSaturated");
  });
});
