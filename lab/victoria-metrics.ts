/**
 * Debian's VictoriaMetrics (single-node) on 127.0.0.1, the long-term store the scale tests write
 * into: it takes Prometheus remote_write at /api/v1/write and answers Prometheus's query API at
 * /api/v1/query and /api/v1/query_range (what the capacity report reads).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBinary } from "./binaries.js";
import { removeDirOnExit } from "./cleanup.js";
import { freePort } from "./ports.js";
import { startDaemon, waitFor, type Daemon } from "./process.js";

export interface VictoriaMetrics {
  url: string;
  /** Where Prometheus remote_writes. */
  writeUrl: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/**
 * Flags that make its answers Prometheus's for the same samples: a fixed 5-minute lookback (its
 * default is worked out from the sample interval), the newest samples visible at once (its default
 * hides the last 30 s), no response cache (a test writes and reads at once), a year of 5-minute
 * points in one range query, and history back to any year.
 */
export const PROMETHEUS_LIKE_FLAGS = [
  "-search.maxStalenessInterval=5m",
  "-search.latencyOffset=0s",
  "-search.disableCache",
  "-search.maxPointsPerTimeseries=200000",
  "-retentionPeriod=100y",
] as const;

export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const binary = requireBinary("victoria-metrics");
  const dir = mkdtempSync(join(tmpdir(), "kp-victoria-metrics-"));
  const unregisterDir = removeDirOnExit(dir);
  const port = await freePort("tcp");
  const url = `http://127.0.0.1:${port}`;
  const daemon = startDaemon(binary, [
    `-storageDataPath=${join(dir, "data")}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    "-loggerLevel=ERROR",
    ...PROMETHEUS_LIKE_FLAGS,
  ]);
  const vm: VictoriaMetrics = {
    url,
    writeUrl: `${url}/api/v1/write`,
    daemon,
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
      unregisterDir();
    },
  };
  try {
    await waitFor("victoria-metrics /health", async () => (await fetch(`${url}/health`)).ok, {
      timeoutMs: 30_000,
      daemon,
    });
  } catch (error) {
    await vm.stop();
    throw error;
  }
  return vm;
}
