/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) on 127.0.0.1:<free tcp port>, clustering
 * off, on a temp storage dir; plus a webhook receiver on loopback that records what Alertmanager
 * posts, so a test can follow an alert from a Prometheus rule to a notification.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { requireBinary } from "./binaries.js";
import { removeDirOnExit } from "./cleanup.js";
import { freePort } from "./ports.js";
import { startDaemon, waitFor } from "./process.js";

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
}

export interface Alertmanager {
  port: number;
  /** http://127.0.0.1:PORT — put `127.0.0.1:PORT` in Prometheus's alerting.alertmanagers targets. */
  url: string;
  /** GET /api/v2/alerts: the alerts Alertmanager currently holds. */
  alerts(): Promise<AlertmanagerAlert[]>;
  output(): string;
  stop(): Promise<void>;
}

/** Start Alertmanager with `config` (alertmanager.yml as an object or YAML text). */
export async function startAlertmanager(config: Record<string, unknown> | string): Promise<Alertmanager> {
  const binary = requireBinary("prometheus-alertmanager");
  const root = mkdtempSync(join(tmpdir(), "kp-alertmanager-"));
  const unregisterDir = removeDirOnExit(root);
  const configPath = join(root, "alertmanager.yml");
  writeFileSync(configPath, typeof config === "string" ? config : stringify(config));
  const port = await freePort("tcp");
  const url = `http://127.0.0.1:${port}`;
  const daemon = startDaemon(binary, [
    `--config.file=${configPath}`,
    `--storage.path=${join(root, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--cluster.listen-address=", // no gossip port, no peers
    "--log.level=warn",
  ]);
  const stop = async () => {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
    unregisterDir();
  };
  try {
    await waitFor("alertmanager /-/ready", async () => (await fetch(`${url}/-/ready`)).ok, { daemon });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    url,
    async alerts() {
      const response = await fetch(`${url}/api/v2/alerts`);
      if (!response.ok) throw new Error(`alertmanager alerts: ${response.status}`);
      return (await response.json()) as AlertmanagerAlert[];
    },
    output: () => daemon.output(),
    stop,
  };
}

/** One webhook notification as Alertmanager posts it (version 4 payload). */
export interface WebhookNotification {
  receiver: string;
  status: "firing" | "resolved";
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:PORT/hook — use as a webhook_configs url. */
  url: string;
  received: WebhookNotification[];
  /** Poll until a notification matches, or throw after timeoutMs. */
  waitFor(match: (n: WebhookNotification) => boolean, timeoutMs?: number): Promise<WebhookNotification>;
  stop(): Promise<void>;
}

/** An HTTP server on loopback that records every JSON body posted to it. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: WebhookNotification[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      try {
        received.push(JSON.parse(body) as WebhookNotification);
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  const port = await freePort("tcp");
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor: (match, timeoutMs = 30_000) =>
      waitFor("a matching webhook notification", () => received.find(match), { timeoutMs }),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
