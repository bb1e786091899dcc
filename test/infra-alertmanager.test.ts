// The rendered alertmanager.yml in a real Alertmanager: a silent device is paged once, and its
// links' symptoms are held back, while the same symptom on a device that answers still notifies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertmanager, startWebhookReceiver, type Alertmanager } from "../lab/alertmanager.js";
import { waitFor } from "../lab/process.js";
import { renderAlertmanagerConfig } from "../infra/render/alertmanager.js";

describe("alertmanager inhibition", () => {
  let am: Alertmanager;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const config = renderAlertmanagerConfig(
      {
        default_receiver: "noc",
        receivers: [{ name: "noc", email_to: [], telegram_chat_ids: [], webhook_urls: [receiver.url] }],
      },
      {},
    );
    am = await startAlertmanager(config);
  });
  afterAll(async () => {
    await am?.stop();
    await receiver?.stop();
  });

  it("mutes a silent device's link symptoms, not another device's", async () => {
    const alert = (alertname: string, labels: Record<string, string>) => ({
      labels: { alertname, ...labels },
      annotations: { summary: alertname },
    });
    const posted = await fetch(`${am.url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        alert("KapasitasDeviceDown", { device: "dist-2", severity: "critical" }),
        alert("KapasitasOpdLinkInterfaceDown", { device: "dist-2", opd: "rsud", severity: "warning" }),
        alert("KapasitasPollFailuresRising", { device: "dist-2", reason: "timeout", severity: "warning" }),
        alert("KapasitasOpdLinkInterfaceDown", { device: "dist-1", opd: "disdukcapil", severity: "warning" }),
      ]),
    });
    expect(posted.ok).toBe(true);

    const states = await waitFor("inhibition computed", async () => {
      const alerts = await am.alerts();
      const byKey = Object.fromEntries(
        alerts.map((a) => [`${a.labels.alertname}/${a.labels.device}`, a.status.state]),
      );
      return Object.keys(byKey).length === 4 && Object.values(byKey).includes("suppressed")
        ? byKey
        : undefined;
    });
    expect(states).toEqual({
      "KapasitasDeviceDown/dist-2": "active",
      "KapasitasOpdLinkInterfaceDown/dist-2": "suppressed",
      "KapasitasPollFailuresRising/dist-2": "suppressed",
      "KapasitasOpdLinkInterfaceDown/dist-1": "active",
    });
  });
});
