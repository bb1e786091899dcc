// One device's poller: discovery, reads, counter state and its exposition text.
// Decisions live in the pure modules (discovery, counters, plan); this class does the I/O and
// keeps the state that must survive between scrapes (counters, resolved indexes, failures).
import type { Logger } from "pino";
import { counterFor, DIRECTIONS, type Direction } from "../inventory/model.js";
import { METRICS } from "../contract.js";
import type { Limiter } from "../snmp/limiter.js";
import { SnmpClient, SnmpError, type FailureReason, type Row, type SnmpValue } from "../snmp/session.js";
import {
  detectReboot,
  step,
  ticksToSeconds,
  type CounterState,
  type CounterWidth,
  type StepOutcome,
} from "./counters.js";
import {
  countHotspotSessions,
  hotspotServerId,
  interfaceLabel,
  interfaceRows,
  queueRows,
  resolveInterface,
  resolveQueue,
  type InterfaceRow,
  type Resolution,
} from "./discovery.js";
import { ExpositionWriter, seriesPrefix } from "./exposition.js";
import { IF, MTXR_HOTSPOT_SERVER_ID, MTXR_QUEUE, SYS_UPTIME } from "./oids.js";
import { backoffSeconds, type DevicePlan, type PlannedLink } from "./plan.js";

export const FAILURE_REASONS: readonly FailureReason[] = [
  "timeout",
  "auth",
  "malformed",
  "credentials",
  "error",
];

export interface PollerOptions {
  globalLimiter: Limiter;
  perDeviceConcurrency: number;
  getBatchSize: number;
  /** Re-walk the tables this often even when nothing looks moved. */
  rediscoverSeconds: number;
  /** Retry unresolved selectors this often. */
  unresolvedRetrySeconds: number;
  logger: Logger;
  /** Where the inventory came from, for log lines that point at a link (`file opds[3].links[0]`). */
  inventoryFile: string;
  /** Monotonic clock in milliseconds (injectable for tests). */
  now?: () => number;
}

/** An interface some link uses, with what was learnt about it at discovery. */
interface PolledInterface {
  index: number;
  hc: boolean;
  label: string;
  /** The identity we expect at this index on every poll; a change means the table was renumbered. */
  identity: { column: string; value: string } | undefined;
  /** `device="..",interface=".."`, escaped once. */
  labels: string;
}

interface ResolvedLink {
  link: PlannedLink;
  kind: "interface" | "queue";
  index: number;
  /** The series prefix of each direction, escaped once. */
  series: Record<Direction, string>;
}

interface Unresolved {
  linkId: string;
  owner: string;
  path: string;
  problem: "none" | "several" | "unsupported";
  candidates: number[];
}

interface Discovery {
  atMs: number;
  interfaces: Map<number, PolledInterface>;
  queues: Map<number, string>;
  links: ResolvedLink[];
  unresolved: Unresolved[];
  hotspots: { opd: string; server: string; serverId: number | undefined; prefix: string }[];
}

const HELP: Record<string, string> = {
  [METRICS.opdLinkBytes]: "Bytes carried by an OPD link, clean and monotonic (wraps and reboots corrected).",
  [METRICS.uplinkBytes]: "Bytes carried by an ISP uplink, clean and monotonic (wraps and reboots corrected).",
  [METRICS.hotspotActiveUsers]: "Active MikroTik hotspot sessions on an OPD's hotspot server.",
  [METRICS.interfaceOperUp]: "1 when ifOperStatus is up(1), else 0.",
  [METRICS.interfaceSpeedBps]: "Interface speed in bits per second (ifHighSpeed, else ifSpeed).",
  [METRICS.interfaceErrors]: "Interface errors (ifInErrors/ifOutErrors), clean and monotonic.",
  [METRICS.interfaceDiscards]: "Interface discards (ifInDiscards/ifOutDiscards), clean and monotonic.",
  [METRICS.deviceUp]: "1 when the last poll of the device succeeded, else 0.",
  [METRICS.devicePollDuration]: "Seconds the last poll of the device took.",
  [METRICS.devicePollFailures]: "Failed polls of the device by reason.",
  [METRICS.deviceRestarts]: "Device restarts seen (sysUpTime went backwards).",
  [METRICS.counterWraps]: "32-bit counter wraps corrected.",
  kapasitas_link_unresolved: "1 when an inventory selector matches no row or several rows on the device.",
  kapasitas_counter_discontinuities_total:
    "Counter samples not counted: implausible delta, counter reset, row moved (reason).",
};

const DISCONTINUITIES: readonly StepOutcome[] = ["implausible", "reset", "moved"];

function int(v: SnmpValue | undefined): number | undefined {
  return v?.kind === "int" ? v.value : undefined;
}
function str(v: SnmpValue | undefined): string | undefined {
  return v?.kind === "string" ? v.value : undefined;
}
function counterValue(v: SnmpValue | undefined): { raw: bigint; width: CounterWidth } | undefined {
  if (v?.kind === "counter64") return { raw: v.value, width: 64 };
  if (v?.kind === "int") return { raw: BigInt(v.value), width: 32 };
  return undefined;
}

export class DevicePoller {
  readonly id: string;
  private readonly client: SnmpClient;
  private readonly now: () => number;
  private readonly log: Logger;
  private discovery: Discovery | undefined;
  private readonly counters = new Map<string, CounterState>();
  private last: { atMs: number; uptimeTicks: number | undefined } | undefined;
  private restarts = 0;
  private wraps = 0;
  private readonly failures = new Map<FailureReason, number>(FAILURE_REASONS.map((r) => [r, 0]));
  private readonly discontinuities = new Map<StepOutcome, number>(DISCONTINUITIES.map((r) => [r, 0]));
  private consecutiveFailures = 0;
  private backoffUntilMs = 0;
  private inflight: Promise<string> | undefined;
  private lastUnresolvedKey = "";

  constructor(
    readonly plan: DevicePlan,
    private readonly options: PollerOptions,
  ) {
    this.id = plan.device.id;
    this.now = options.now ?? (() => performance.now());
    this.log = options.logger.child({ device: this.id });
    this.client = new SnmpClient(
      plan.device,
      {
        timeoutSeconds: plan.settings.timeoutSeconds,
        retries: plan.settings.retries,
        maxRepetitions: plan.settings.maxRepetitions,
        getBatchSize: options.getBatchSize,
      },
      options.globalLimiter,
      options.perDeviceConcurrency,
    );
  }

  /** Poll now (or join a poll already running for another scraper) and return the exposition. */
  scrape(): Promise<string> {
    this.inflight ??= this.pollAndExpose().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Counter state and learnt indexes move over to a successor after an inventory reload. */
  adoptStateFrom(previous: DevicePoller): void {
    for (const [key, state] of previous.counters) this.counters.set(key, state);
    this.last = previous.last;
    this.restarts = previous.restarts;
    this.wraps = previous.wraps;
    for (const [r, n] of previous.failures) this.failures.set(r, n);
    for (const [r, n] of previous.discontinuities) this.discontinuities.set(r, n);
  }

  close(): void {
    this.client.close();
  }

  private async pollAndExpose(): Promise<string> {
    const started = this.now();
    const out = new ExpositionWriter();
    let up = 0;
    if (started >= this.backoffUntilMs) {
      try {
        await this.poll(out);
        up = 1;
        this.consecutiveFailures = 0;
      } catch (error) {
        this.recordFailure(error);
      }
    }
    this.writeDeviceMetrics(out, up, (this.now() - started) / 1000);
    return out.toString();
  }

  private recordFailure(error: unknown): void {
    const failure = error instanceof SnmpError ? error : new SnmpError("error", String(error));
    this.failures.set(failure.reason, (this.failures.get(failure.reason) ?? 0) + 1);
    this.consecutiveFailures++;
    const wait = backoffSeconds(this.consecutiveFailures, this.plan.settings.intervalSeconds);
    this.backoffUntilMs = this.now() + wait * 1000;
    // A fresh session next time: new v3 engine discovery, new socket, re-read secrets.
    this.client.reset();
    this.log.warn(
      { reason: failure.reason, consecutive: this.consecutiveFailures, backoff_seconds: wait },
      `poll failed: ${failure.message}`,
    );
  }

  private async poll(out: ExpositionWriter): Promise<void> {
    const nowMs = this.now();
    if (this.discoveryDue(nowMs)) await this.discover(nowMs);
    let values = await this.read();
    // sysUpTime tells a reboot from a wrap. An agent without it (rare; one recording here) is still
    // polled: counters going backwards are then handled as resets, never as negative deltas.
    let uptimeTicks = int(values.get(SYS_UPTIME));
    const elapsed = this.last ? (nowMs - this.last.atMs) / 1000 : 0;
    const prevTicks = this.last?.uptimeTicks;
    const rebooted =
      prevTicks !== undefined && uptimeTicks !== undefined && detectReboot(prevTicks, uptimeTicks, elapsed);
    if (rebooted || this.identityChanged(values)) {
      // Indexes may have moved: re-resolve, then read again from the new rows.
      if (rebooted) {
        this.restarts++;
        this.log.info(
          { uptime_seconds: ticksToSeconds(uptimeTicks ?? 0) },
          "device restarted; re-resolving indexes",
        );
      } else this.log.info("interface or queue table renumbered; re-resolving indexes");
      await this.discover(this.now());
      values = await this.read();
      uptimeTicks = int(values.get(SYS_UPTIME)) ?? uptimeTicks;
    }
    const hotspotCounts =
      this.plan.hotspots.length > 0
        ? countHotspotSessions(
            (await this.client.walk([MTXR_HOTSPOT_SERVER_ID])).get(MTXR_HOTSPOT_SERVER_ID) ?? [],
          )
        : undefined;

    const uptimeSeconds = uptimeTicks === undefined ? Infinity : ticksToSeconds(uptimeTicks);
    this.account(out, values, { elapsed, rebooted, uptimeSeconds });
    if (hotspotCounts) this.writeHotspots(out, hotspotCounts);
    this.last = { atMs: nowMs, uptimeTicks };
  }

  private discoveryDue(nowMs: number): boolean {
    const d = this.discovery;
    if (!d) return true;
    const age = (nowMs - d.atMs) / 1000;
    if (age >= this.options.rediscoverSeconds) return true;
    return d.unresolved.length > 0 && age >= this.options.unresolvedRetrySeconds;
  }

  private async discover(nowMs: number): Promise<void> {
    const links = this.plan.links;
    const needsInterfaces = links.some((l) => l.target.kind === "interface");
    const needsQueues = links.some((l) => l.target.kind === "queue");
    const [ifColumns, queueColumns] = await Promise.all([
      needsInterfaces
        ? this.client.walk([IF.descr, IF.name, IF.alias])
        : Promise.resolve(new Map<string, Row[]>()),
      needsQueues ? this.client.walk([MTXR_QUEUE.name]) : Promise.resolve(new Map<string, Row[]>()),
    ]);
    const ifRows = new Map(interfaceRows(ifColumns).map((r) => [r.index, r]));
    const qRows = queueRows(queueColumns.get(MTXR_QUEUE.name) ?? []);

    const resolved: ResolvedLink[] = [];
    const unresolved: Unresolved[] = [];
    const interfaces = new Map<number, PolledInterface>();
    const queues = new Map<number, string>();
    for (const link of links) {
      const target = link.target;
      const resolution: Resolution =
        target.kind === "interface"
          ? resolveInterface([...ifRows.values()], target)
          : resolveQueue(qRows, target.queue);
      if (!resolution.ok) {
        unresolved.push({
          linkId: link.linkId,
          owner: link.ownerId,
          path: link.path,
          problem: resolution.problem,
          candidates: resolution.candidates,
        });
        continue;
      }
      const index = resolution.index;
      let label: string;
      if (target.kind === "interface") {
        const row = ifRows.get(index);
        label = interfaceLabel(row, index);
        if (!interfaces.has(index)) interfaces.set(index, this.polledInterface(index, row, target.by));
      } else {
        label = `queue/${target.queue}`;
        queues.set(index, target.queue);
      }
      resolved.push({ link, kind: target.kind, index, series: this.linkSeries(link, label) });
    }
    await this.detectHighCapacity(interfaces);

    const hotspots = this.plan.hotspots.map((h) => ({
      ...h,
      serverId: hotspotServerId(h.server),
      prefix: seriesPrefix(METRICS.hotspotActiveUsers, { opd: h.opd, device: this.id, server: h.server }),
    }));
    for (const h of hotspots) {
      if (h.serverId === undefined) {
        const linkId = `${this.id}/hotspot/${h.server}`;
        unresolved.push({ linkId, owner: h.opd, path: h.path, problem: "unsupported", candidates: [] });
      }
    }
    this.discovery = { atMs: nowMs, interfaces, queues, links: resolved, unresolved, hotspots };
    this.reportUnresolved(unresolved);
  }

  private polledInterface(index: number, row: InterfaceRow | undefined, by: string): PolledInterface {
    // Identity: the column the selector matched on (a by-index selector has no identity to lose).
    const identity =
      by === "index"
        ? undefined
        : by === "name"
          ? { column: IF.name, value: row?.name ?? "" }
          : by === "alias"
            ? { column: IF.alias, value: row?.alias ?? "" }
            : { column: IF.descr, value: row?.descr ?? "" };
    const label = interfaceLabel(row, index);
    const labels = seriesPrefix("", { device: this.id, interface: label }).slice(1, -2);
    return { index, hc: true, label, identity, labels };
  }

  /** HC counters where the agent has them (SNMPv2c/v3 agents usually do), 32-bit otherwise. */
  private async detectHighCapacity(interfaces: Map<number, PolledInterface>): Promise<void> {
    if (interfaces.size === 0) return;
    const indexes = [...interfaces.keys()];
    const rows = await this.client.get(indexes.map((i) => `${IF.hcInOctets}.${i}`));
    rows.forEach((row, n) => {
      const polled = interfaces.get(indexes[n]!);
      if (polled) polled.hc = row.value.kind === "counter64";
    });
  }

  private linkSeries(link: PlannedLink, interfaceName: string): Record<Direction, string> {
    const series = {} as Record<Direction, string>;
    for (const direction of DIRECTIONS) {
      series[direction] =
        link.owner === "opd"
          ? seriesPrefix(METRICS.opdLinkBytes, {
              opd: link.ownerId,
              link: link.linkId,
              device: this.id,
              interface: interfaceName,
              direction,
            })
          : seriesPrefix(METRICS.uplinkBytes, {
              uplink: link.ownerId,
              provider: link.provider,
              device: this.id,
              interface: interfaceName,
              direction,
            });
    }
    return series;
  }

  private reportUnresolved(unresolved: Unresolved[]): void {
    const key = unresolved.map((u) => `${u.path}:${u.problem}`).join("|");
    if (key === this.lastUnresolvedKey) return;
    this.lastUnresolvedKey = key;
    for (const u of unresolved) {
      const what =
        u.problem === "unsupported"
          ? 'hotspot server must be MikroTik\'s id (e.g. "*1"): the MIB carries no server names'
          : u.problem === "none"
            ? "selector matches nothing on the device"
            : `selector matches several rows (indexes ${u.candidates.join(", ")})`;
      this.log.warn(
        {
          link: u.linkId,
          owner: u.owner,
          inventory: `${this.options.inventoryFile} ${u.path}`,
        },
        `unresolved link: ${what}`,
      );
    }
  }

  /** The OIDs of one regular poll: sysUpTime, each used interface's row, each used queue's row. */
  private readOids(): string[] {
    const oids = [SYS_UPTIME];
    const d = this.discovery;
    if (!d) return oids;
    for (const i of d.interfaces.values()) {
      const idx = i.index;
      oids.push(
        `${i.hc ? IF.hcInOctets : IF.inOctets}.${idx}`,
        `${i.hc ? IF.hcOutOctets : IF.outOctets}.${idx}`,
        `${IF.highSpeed}.${idx}`,
        `${IF.speed}.${idx}`,
        `${IF.operStatus}.${idx}`,
        `${IF.inErrors}.${idx}`,
        `${IF.outErrors}.${idx}`,
        `${IF.inDiscards}.${idx}`,
        `${IF.outDiscards}.${idx}`,
      );
      if (i.identity) oids.push(`${i.identity.column}.${idx}`);
    }
    for (const idx of d.queues.keys()) {
      oids.push(`${MTXR_QUEUE.name}.${idx}`, `${MTXR_QUEUE.bytesIn}.${idx}`, `${MTXR_QUEUE.bytesOut}.${idx}`);
    }
    return oids;
  }

  private async read(): Promise<Map<string, SnmpValue>> {
    const rows = await this.client.get(this.readOids());
    return new Map(rows.map((r) => [r.oid, r.value]));
  }

  private identityChanged(values: Map<string, SnmpValue>): boolean {
    const d = this.discovery;
    if (!d) return false;
    for (const i of d.interfaces.values()) {
      if (i.identity && str(values.get(`${i.identity.column}.${i.index}`)) !== i.identity.value) return true;
    }
    for (const [idx, name] of d.queues) {
      if (str(values.get(`${MTXR_QUEUE.name}.${idx}`)) !== name) return true;
    }
    return false;
  }

  private speedBps(values: Map<string, SnmpValue>, index: number): number | undefined {
    const high = int(values.get(`${IF.highSpeed}.${index}`));
    if (high !== undefined && high > 0) return high * 1e6;
    const speed = int(values.get(`${IF.speed}.${index}`));
    // 4294967295 means "faster than ifSpeed can say": only ifHighSpeed knows.
    if (speed !== undefined && speed > 0 && speed < 4294967295) return speed;
    return undefined;
  }

  /** Advance one counter; `key` names the thing measured (link + direction), not its index. */
  private advance(
    key: string,
    raw: SnmpValue | undefined,
    instance: string,
    ctx: { elapsed: number; rebooted: boolean; uptimeSeconds: number },
    maxPerSecond: number | undefined,
  ): number | undefined {
    const value = counterValue(raw);
    if (!value) return undefined;
    const result = step(
      this.counters.get(key),
      { ...value, instance },
      { elapsedSeconds: ctx.elapsed, rebooted: ctx.rebooted, uptimeSeconds: ctx.uptimeSeconds, maxPerSecond },
    );
    this.counters.set(key, result.state);
    if (result.outcome === "wrapped") this.wraps++;
    if (DISCONTINUITIES.includes(result.outcome)) {
      this.discontinuities.set(result.outcome, (this.discontinuities.get(result.outcome) ?? 0) + 1);
      if (result.outcome !== "moved")
        this.log.info({ counter: key, outcome: result.outcome }, "counter sample not counted");
    }
    return result.state.total;
  }

  private account(
    out: ExpositionWriter,
    values: Map<string, SnmpValue>,
    ctx: { elapsed: number; rebooted: boolean; uptimeSeconds: number },
  ): void {
    const d = this.discovery!;
    const speeds = new Map<number, number | undefined>();
    for (const i of d.interfaces.values()) {
      const idx = i.index;
      const speed = this.speedBps(values, idx);
      speeds.set(idx, speed);
      const bytesPerSecond = speed === undefined ? undefined : speed / 8;
      const labels = `{${i.labels}}`;
      const oper = int(values.get(`${IF.operStatus}.${idx}`));
      if (oper !== undefined)
        out.sample(
          METRICS.interfaceOperUp,
          "gauge",
          HELP[METRICS.interfaceOperUp]!,
          `${METRICS.interfaceOperUp}${labels} `,
          oper === 1 ? 1 : 0,
        );
      if (speed !== undefined)
        out.sample(
          METRICS.interfaceSpeedBps,
          "gauge",
          HELP[METRICS.interfaceSpeedBps]!,
          `${METRICS.interfaceSpeedBps}${labels} `,
          speed,
        );
      const inner = i.labels;
      for (const dir of ["in", "out"] as const) {
        const errors = this.advance(
          `if:${i.label}:errors:${dir}`,
          values.get(`${dir === "in" ? IF.inErrors : IF.outErrors}.${idx}`),
          `if:${idx}`,
          ctx,
          bytesPerSecond, // packets/s can never exceed bytes/s
        );
        if (errors !== undefined)
          out.sample(
            METRICS.interfaceErrors,
            "counter",
            HELP[METRICS.interfaceErrors]!,
            `${METRICS.interfaceErrors}{${inner},direction="${dir}"} `,
            errors,
          );
        const discards = this.advance(
          `if:${i.label}:discards:${dir}`,
          values.get(`${dir === "in" ? IF.inDiscards : IF.outDiscards}.${idx}`),
          `if:${idx}`,
          ctx,
          bytesPerSecond,
        );
        if (discards !== undefined)
          out.sample(
            METRICS.interfaceDiscards,
            "counter",
            HELP[METRICS.interfaceDiscards]!,
            `${METRICS.interfaceDiscards}{${inner},direction="${dir}"} `,
            discards,
          );
      }
    }
    for (const r of d.links) {
      const name = r.link.owner === "opd" ? METRICS.opdLinkBytes : METRICS.uplinkBytes;
      const interfaceState = r.kind === "interface" ? d.interfaces.get(r.index) : undefined;
      const maxPerSecond = r.kind === "interface" ? mapSpeed(speeds.get(r.index)) : undefined;
      for (const direction of DIRECTIONS) {
        const which = counterFor(r.link.target, direction);
        const oid =
          r.kind === "queue"
            ? `${which === "in" ? MTXR_QUEUE.bytesIn : MTXR_QUEUE.bytesOut}.${r.index}`
            : `${interfaceState?.hc ? (which === "in" ? IF.hcInOctets : IF.hcOutOctets) : which === "in" ? IF.inOctets : IF.outOctets}.${r.index}`;
        const total = this.advance(
          `link:${r.link.owner}:${r.link.ownerId}:${r.link.linkId}:${direction}`,
          values.get(oid),
          `${r.kind}:${r.index}`,
          ctx,
          maxPerSecond,
        );
        if (total !== undefined) out.sample(name, "counter", HELP[name]!, r.series[direction], total);
      }
    }
  }

  private writeHotspots(out: ExpositionWriter, counts: Map<number, number>): void {
    for (const h of this.discovery?.hotspots ?? []) {
      if (h.serverId === undefined) continue;
      out.sample(
        METRICS.hotspotActiveUsers,
        "gauge",
        HELP[METRICS.hotspotActiveUsers]!,
        h.prefix,
        counts.get(h.serverId) ?? 0,
      );
    }
  }

  private writeDeviceMetrics(out: ExpositionWriter, up: number, seconds: number): void {
    const device = `{device="${this.id}"}`; // device ids are slugs: nothing to escape
    const g = (name: string, value: number) =>
      out.sample(name, "gauge", HELP[name]!, `${name}${device} `, value);
    const c = (name: string, value: number) =>
      out.sample(name, "counter", HELP[name]!, `${name}${device} `, value);
    g(METRICS.deviceUp, up);
    g(METRICS.devicePollDuration, seconds);
    for (const [reason, n] of this.failures) {
      out.sample(
        METRICS.devicePollFailures,
        "counter",
        HELP[METRICS.devicePollFailures]!,
        `${METRICS.devicePollFailures}{device="${this.id}",reason="${reason}"} `,
        n,
      );
    }
    c(METRICS.deviceRestarts, this.restarts);
    c(METRICS.counterWraps, this.wraps);
    for (const [reason, n] of this.discontinuities) {
      out.sample(
        "kapasitas_counter_discontinuities_total",
        "counter",
        HELP.kapasitas_counter_discontinuities_total!,
        `kapasitas_counter_discontinuities_total{device="${this.id}",reason="${reason}"} `,
        n,
      );
    }
    for (const u of this.discovery?.unresolved ?? []) {
      out.sample(
        "kapasitas_link_unresolved",
        "gauge",
        HELP.kapasitas_link_unresolved!,
        seriesPrefix("kapasitas_link_unresolved", {
          device: this.id,
          link: u.linkId,
          owner: u.owner,
        }),
        1,
      );
    }
  }
}

function mapSpeed(bitsPerSecond: number | undefined): number | undefined {
  return bitsPerSecond === undefined ? undefined : bitsPerSecond / 8;
}
