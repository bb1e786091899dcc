// Alertmanager configuration from the stack's `alerting` settings. The file can hold an SMTP
// password, a Telegram bot token and webhook URLs (which often carry tokens), so the program always
// delivers it as a secret (mode 0400).
// Written for Alertmanager 0.25+ (validated with Debian's amtool 0.25; the image runs 0.28).
import type { AlertingSettings } from "../settings.js";

export const ALERTMANAGER_FILES = { config: "alertmanager.yml" } as const;

export interface AlertmanagerSecrets {
  smtpPassword?: string | undefined;
  telegramBotToken?: string | undefined;
}

/** Labels an alert is grouped by: one notification per saturated OPD, uplink or silent device. */
export const GROUP_BY = ["alertname", "opd", "uplink", "device"] as const;

export function renderAlertmanagerConfig(
  alerting: AlertingSettings,
  secrets: AlertmanagerSecrets,
): Record<string, unknown> {
  const global: Record<string, unknown> = { resolve_timeout: "5m" };
  if (alerting.smtp) {
    global.smtp_smarthost = alerting.smtp.smarthost;
    global.smtp_from = alerting.smtp.from;
    global.smtp_require_tls = alerting.smtp.require_tls;
    if (alerting.smtp.username !== undefined) {
      if (secrets.smtpPassword === undefined) {
        throw new Error("alerting.smtp.username is set: set the secret kapasitas:smtp_password too");
      }
      global.smtp_auth_username = alerting.smtp.username;
      global.smtp_auth_password = secrets.smtpPassword;
    }
  }

  const receivers = alerting.receivers.map((r) => {
    const receiver: Record<string, unknown> = { name: r.name };
    if (r.email_to.length > 0) {
      receiver.email_configs = [{ to: r.email_to.join(", "), send_resolved: true }];
    }
    if (r.telegram_chat_ids.length > 0) {
      if (secrets.telegramBotToken === undefined) {
        throw new Error(
          `receiver "${r.name}" sends to Telegram: set the secret kapasitas:telegram_bot_token`,
        );
      }
      receiver.telegram_configs = r.telegram_chat_ids.map((chatId) => ({
        bot_token: secrets.telegramBotToken,
        chat_id: chatId,
        send_resolved: true,
      }));
    }
    if (r.webhook_urls.length > 0) {
      receiver.webhook_configs = r.webhook_urls.map((url) => ({ url, send_resolved: true }));
    }
    return receiver;
  });

  const critical = alerting.critical_receiver ?? alerting.default_receiver;
  return {
    global,
    route: {
      receiver: alerting.default_receiver,
      group_by: [...GROUP_BY],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        // A saturated uplink or a silent core router: tell the NOC sooner and remind more often.
        { receiver: critical, matchers: ['severity="critical"'], group_wait: "10s", repeat_interval: "1h" },
      ],
    },
    inhibit_rules: [
      // A device that stops answering also stops its links' status, selectors and polls from
      // making sense: page about the device once, not about each of its symptoms.
      {
        source_matchers: ['alertname="KapasitasDeviceDown"'],
        target_matchers: [
          'alertname=~"KapasitasPollFailuresRising|KapasitasOpdLinkInterfaceDown|KapasitasLinkSelectorUnresolved"',
        ],
        equal: ["device"],
      },
    ],
    receivers,
  };
}
