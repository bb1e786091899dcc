/**
 * `snmpsimd` serving the real-device recordings in lab/snmprec/ (LibreNMS test data, kept unmodified) on
 * 127.0.0.1:<free udp port>. The SNMPv2c community is the recording's base name (`routeros`, `ios`,
 * `vrp_ar169sfp`, `linux_ntc`, `ios_stp-vlans`).
 *
 * snmpsimd refuses to run as root, so it drops to nobody:nogroup; the recordings are COPIED into a
 * temp dir that nobody can read (the originals are never touched), with a cache dir nobody can write.
 *
 * Quirks of the recordings (see SOURCES.md): values are static unless `growCounters` is used; there
 * are no 32-bit ifIn/OutOctets, no ifIndex column and no ifSpeed (use ifHC*, ifName/ifDescr,
 * ifHighSpeed); walking ios's whole ifTable ends early at ifPhysAddress.500 (column walks and the
 * ifXTable are fine); sysName is usually "<private>".
 *
 * `growCounters: { routeros: 125_000 }` rewrites the COPY of routeros.snmprec so every ifHCInOctets /
 * ifHCOutOctets row uses snmpsim's `numeric` variation: value = recorded value + rate × seconds since
 * snmpsimd started (so two polls give a rate of ~rate bytes/s per interface).
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireBinary } from "./binaries.js";
import { removeDirOnExit } from "./cleanup.js";
import { freePort } from "./ports.js";
import { run, startDaemon, waitFor } from "./process.js";
import { readinessProbe, type SnmpTarget } from "./snmpclient.js";

/** The repository root (one level above this file). */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The real-device recordings, in the repository (see lab/snmprec/SOURCES.md and NOTICE.md). */
export const RECORDINGS_DIR = join(REPO_ROOT, "lab", "snmprec");

const IF_HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6.";
const IF_HC_OUT_OCTETS = "1.3.6.1.2.1.31.1.1.1.10.";

export interface SnmpsimOptions {
  /** Recording base names to serve (default: every *.snmprec in the fixtures dir). */
  recordings?: string[];
  /** Extra recordings written by the test: community → .snmprec text (`OID|tag|value` lines). */
  extraRecordings?: Record<string, string>;
  /** community → bytes per second added to every ifHCInOctets/ifHCOutOctets (snmpsim `numeric` variation). */
  growCounters?: Record<string, number>;
  /** Fixtures dir (default RECORDINGS_DIR). */
  sourceDir?: string;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  host?: string;
  port?: number;
  readyTimeoutMs?: number;
}

export interface Snmpsim {
  host: string;
  port: number;
  /** The communities served (recording base names). */
  communities: string[];
  /** A v2c target for `community` (e.g. "routeros"). */
  target(community: string): SnmpTarget;
  dataDir: string;
  /** What snmpsimd logged (last 64 KiB): requests, responses and errors. */
  output(): string;
  stop(): Promise<void>;
}

/** Rewrite HC octet counter rows to grow at `bytesPerSecond` (pure; the input is a recording's text). */
export function withGrowingCounters(snmprec: string, bytesPerSecond: number): string {
  return snmprec
    .split("\n")
    .map((line) => {
      const [oid, tag, ...rest] = line.split("|");
      if (tag !== "70" || !oid || !(oid.startsWith(IF_HC_IN_OCTETS) || oid.startsWith(IF_HC_OUT_OCTETS)))
        return line;
      return `${oid}|70:numeric|initial=${rest.join("|")},rate=${bytesPerSecond}`;
    })
    .join("\n");
}

export async function startSnmpsim(options: SnmpsimOptions = {}): Promise<Snmpsim> {
  const snmpsimd = requireBinary("snmpsimd");
  requireBinary("snmpget");
  const sourceDir = options.sourceDir ?? RECORDINGS_DIR;
  const available = readdirSync(sourceDir)
    .filter((f) => f.endsWith(".snmprec"))
    .map((f) => basename(f, ".snmprec"));
  const wanted = options.recordings ?? available;
  for (const name of wanted) {
    if (!available.includes(name)) throw new Error(`no recording ${name}.snmprec in ${sourceDir}`);
  }

  const root = mkdtempSync(join(tmpdir(), "kp-snmpsim-"));
  const unregisterDir = removeDirOnExit(root);
  chmodSync(root, 0o755);
  const dataDir = join(root, "data");
  const cacheDir = join(root, "cache");
  mkdirSync(dataDir, { mode: 0o755 });
  mkdirSync(cacheDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  for (const name of wanted) {
    const target = join(dataDir, `${name}.snmprec`);
    const rate = options.growCounters?.[name];
    if (rate === undefined) copyFileSync(join(sourceDir, `${name}.snmprec`), target);
    else
      writeFileSync(
        target,
        withGrowingCounters(readFileSync(join(sourceDir, `${name}.snmprec`), "utf8"), rate),
      );
    chmodSync(target, 0o644);
  }
  for (const [name, text] of Object.entries(options.extraRecordings ?? {})) {
    writeFileSync(join(dataDir, `${name}.snmprec`), text.endsWith("\n") ? text : `${text}\n`, {
      mode: 0o644,
    });
  }
  const communities = [...wanted, ...Object.keys(options.extraRecordings ?? {})];
  const first = communities[0];
  if (first === undefined) throw new Error("startSnmpsim: no recordings to serve");

  const { uid, gid } = await nobodyIds();
  chownSync(cacheDir, uid, gid);

  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort("udp"));
  const simArgs = [
    `--data-dir=${dataDir}`,
    `--cache-dir=${cacheDir}`,
    `--agent-udpv4-endpoint=${host}:${port}`,
    "--process-user=nobody",
    "--process-group=nogroup",
    "--logging-method=stderr",
  ];
  const [command, args] = options.netns
    ? [requireBinary("ip"), ["netns", "exec", options.netns, snmpsimd, ...simArgs]]
    : [snmpsimd, simArgs];
  const daemon = startDaemon(command, args);
  const target = (community: string): SnmpTarget => ({ host, port, community, netns: options.netns });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await daemon.stop();
      rmSync(root, { recursive: true, force: true });
      unregisterDir();
    })());
  try {
    const probe = readinessProbe(target(first), "1.3.6.1.2.1.1.1.0");
    // snmpsimd says "Listening at" once it has indexed the recordings and bound its port.
    const listening = () => daemon.output().includes("Listening at");
    await waitFor("snmpsimd to answer a GET of sysDescr", () => listening() && probe(), {
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      intervalMs: 20,
      daemon,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, port, communities, target, dataDir, output: () => daemon.output(), stop };
}

async function nobodyIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run("id", ["-u", "nobody"])).stdout.trim());
  const gid = Number((await run("getent", ["group", "nogroup"])).stdout.split(":")[2]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error("user nobody / group nogroup not found");
  return { uid, gid };
}
