// One device's poller: discovery, reads, counter state and its exposition text.
// Decisions live in the pure modules (discovery, read-plan, counters, plan); this class does the
// I/O and keeps the state that must survive between scrapes (counters, resolved indexes, failures).
import type { Logger } from "pino";
import { METRICS } from "../../core/contract.js";
import { DIRECTIONS } from "../../core/model.js";
import {
  PollScope,
  SnmpClient,
  SnmpError,
  type ClientContext,
  type FailureReason,
  type Row,
  type SnmpValue,
} from "../snmp/session.js";
import { CounterBank } from "./counter-bank.js";
import { detectReboot, step, ticksToSeconds, type StepOutcome } from "./counters.js";
import {
  countHotspotSessions,
  hotspotServerId,
  interfaceLabel,
  interfaceRows,
  queueRows,
  resolveInterface,
  resolveQueue,
  selectorNames,
  suggestions,
  type InterfaceRow,
  type Resolution,
} from "./discovery.js";
import { ExpositionWriter, seriesPrefix } from "./exposition.js";
import { IF, MTXR_HOTSPOT_SERVER_ID, MTXR_QUEUE, SYS_UPTIME } from "./oids.js";
import {
  backoffSeconds,
  hotspotLinkId,
  planDigest,
  targetsIdentity,
  withPaths,
  type DevicePlan,
  type PlanDigest,
} from "./plan.js";
import {
  compileReadPlan,
  counterKeys,
  directedPrefix,
  oidsOf,
  queueStatePrefix,
  type LinkSlots,
  type PlannedInterface,
  type ReadPlan,
  type ResolvedLink,
  typeProblem,
} from "./read-plan.js";
import { queueUp, stallPolls, watchQueue, type QueueWatch } from "./queue-state.js";

export const FAILURE_REASONS: readonly FailureReason[] = [
  "timeout",
  "auth",
  "malformed",
  "credentials",
  "fd_exhausted",
  "refused",
  "loop",
  "too_many_rows",
  "error",
];

export interface PollerOptions {
  /** The lanes every device shares, and the collector's counters of lost requests. */
  client: ClientContext;
  perDeviceConcurrency: number;
  getBatchSize: number;
  /** Re-walk the tables this often even when nothing looks moved. */
  rediscoverSeconds: number;
  /** Retry unresolved selectors this often. */
  unresolvedRetrySeconds: number;
  logger: Logger;
  /** Where the inventory came from, for log lines that point at a link (`file opds[3].links[0]`). */
  inventoryFile: string;
  /** Called each time the device's tables are walked to resolve its selectors. */
  onDiscovery?: () => void;
  /** Monotonic clock in milliseconds (injectable for tests). */
  now?: () => number;
}

interface Unresolved {
  linkId: string;
  owner: string;
  path: string;
  problem: "none" | "several" | "unsupported" | "no_counters";
  candidates: number[];
  /** For a selector that matched nothing: the device's names it probably meant. */
  suggestions?: string[];
  /** An OPD's queue that discovery could not find: its kapasitas_queue_up series, exported as 0. */
  queueState?: string;
}

interface Discovery {
  atMs: number;
  plan: ReadPlan;
  unresolved: Unresolved[];
  hotspots: { serverId: number | undefined; prefix: string }[];
}

interface PollContext {
  elapsedSeconds: number;
  rebooted: boolean;
  uptimeSeconds: number;
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
  [METRICS.deviceSecurityInfo]:
    'How the device is asked (value 1): SNMP version, security level, and weak_crypto="true" for MD5/DES (allow_weak_crypto).',
  [METRICS.devicePollDuration]: "Seconds the last poll of the device took.",
  [METRICS.devicePollFailures]: "Failed polls of the device by reason.",
  [METRICS.deviceRestarts]: "Device restarts seen (sysUpTime went backwards).",
  [METRICS.counterWraps]: "32-bit counter wraps corrected.",
  [METRICS.linkUnresolved]:
    "1 when an inventory selector matches no row or several rows on the device, or its interface has no octet counters.",
  [METRICS.queueUp]:
    "1 while an OPD's simple queue is in the table and counting; 0 when it is gone or its counters stood still.",
  [METRICS.counterDiscontinuities]:
    "Counter samples not counted: implausible delta, counter reset, row moved (reason).",
};

const DISCONTINUITIES: readonly StepOutcome[] = ["implausible", "reset", "moved"];
/** The directions of an interface's error and discard counters, in bank slot order. */
const IN_OUT = ["in", "out"] as const;

function int(v: SnmpValue | undefined): number | undefined {
  return v?.kind === "int" ? v.value : undefined;
}
function str(v: SnmpValue | undefined): string | undefined {
  return v?.kind === "string" ? v.value : undefined;
}

/** The fastest ifHighSpeed (Mbit/s) taken as a speed: 10 Tbit/s. */
export const MAX_HIGH_SPEED_MBPS = 10_000_000;

/** Bits per second from ifHighSpeed (Mbit/s), else ifSpeed; undefined when the agent does not know. */
export function speedBps(highSpeed: number | undefined, speed: number | undefined): number | undefined {
  // Above 10 Tbit/s is no port's speed but a sentinel (FortiGate reports 4294901759 on down ports).
  if (highSpeed !== undefined && highSpeed > 0 && highSpeed <= MAX_HIGH_SPEED_MBPS) return highSpeed * 1e6;
  // 4294967295 means "faster than ifSpeed can say": only ifHighSpeed knows.
  if (speed !== undefined && speed > 0 && speed < 4294967295) return speed;
  return undefined;
}

export class DevicePoller {
  readonly id: string;
  private client: SnmpClient;
  /** The client passed on to a successor after a reload: closing this poller must not close it. */
  private clientHandedOn = false;
  private readonly now: () => number;
  private readonly log: Logger;
  private discovery: Discovery | undefined;
  /** The counters' states, in the slots of `plan` (the discovery's plan once there is one). */
  private counted: { plan: ReadPlan; bank: CounterBank } | undefined;
  /** Each OPD queue's raw counters and how long they stood still (queue-state.ts). */
  private readonly queues = new Map<string, QueueWatch>();
  private last: { atMs: number; uptimeTicks: number | undefined } | undefined;
  private restarts = 0;
  private wraps = 0;
  private readonly failures = new Map<FailureReason, number>(FAILURE_REASONS.map((r) => [r, 0]));
  private readonly discontinuities = new Map<StepOutcome, number>(DISCONTINUITIES.map((r) => [r, 0]));
  private consecutiveFailures = 0;
  private backoffUntilMs = 0;
  private inflight: Promise<string> | undefined;
  private lastUnresolvedKey = "";
  private readonly devicePrefix: string;
  /** The snmp_device_security_info series: no secret, only how the device is asked. */
  private readonly securityPrefix: string;
  /** The running poll was already answered (and counted) as a timeout. */
  private pollCountedLate = false;
  /** The running poll's scope: failing it ends the poll at its next request. */
  private scope: PollScope | undefined;

  /** Digests of the plan: a reload keeps this poller when the device's new plan has the same identity. */
  digest: PlanDigest;

  constructor(
    private currentPlan: DevicePlan,
    private readonly options: PollerOptions,
  ) {
    this.id = currentPlan.device.id;
    this.digest = planDigest(currentPlan);
    this.devicePrefix = `{device="${this.id}"}`; // device ids are slugs: nothing to escape
    const s = currentPlan.device.snmp;
    this.securityPrefix = seriesPrefix(METRICS.deviceSecurityInfo, {
      device: this.id,
      version: s.version,
      security_level: s.version === "v3" ? s.security_level : "community",
      weak_crypto: s.version === "v3" && s.allow_weak_crypto ? "true" : "false",
    });
    this.now = options.now ?? (() => performance.now());
    this.log = options.logger.child({ device: this.id });
    this.client = new SnmpClient(
      currentPlan.device,
      {
        timeoutSeconds: currentPlan.settings.timeoutSeconds,
        retries: currentPlan.settings.retries,
        maxRepetitions: currentPlan.settings.maxRepetitions,
        getBatchSize: options.getBatchSize,
        walkMaxRows: currentPlan.settings.walkMaxRows,
        walkMaxRequests: currentPlan.settings.walkMaxRequests,
      },
      options.client,
      options.perDeviceConcurrency,
    );
  }

  /**
   * Poll now (or join a poll already running for another scraper) and return the exposition.
   * With a budget (Prometheus's scrape timeout, less a margin), a poll that runs late is answered
   * with `snmp_device_up 0` and reason timeout before Prometheus gives up on the scrape; the poll
   * itself finishes in the background and keeps the counters right. Without a budget (a scraper
   * that sends no header, `kapasitas poll`) the device's poll interval is the budget: no scrape
   * waits on a poll longer than that.
   */
  async scrape(budgetMs = this.plan.settings.intervalSeconds * 1000): Promise<string> {
    const poll = (this.inflight ??= this.pollAndExpose().finally(() => {
      this.inflight = undefined;
    }));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(this.lateAnswer(budgetMs)), budgetMs);
    });
    try {
      return await Promise.race([poll, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private lateAnswer(budgetMs: number): string {
    // One poll is one failure, however many scrapers waited for it and however it ends.
    if (!this.pollCountedLate) this.failures.set("timeout", (this.failures.get("timeout") ?? 0) + 1);
    this.pollCountedLate = true;
    this.log.warn(
      { reason: "timeout", budget_seconds: budgetMs / 1000 },
      "poll still running at the scrape deadline",
    );
    const out = new ExpositionWriter();
    this.writeDeviceMetrics(out, 0, budgetMs / 1000);
    return out.toString();
  }

  get plan(): DevicePlan {
    return this.currentPlan;
  }

  /** Same identity, links written elsewhere in the file: point log lines at their new paths. */
  retarget(paths: [string, string][], digest: PlanDigest): void {
    if (digest.identity !== this.digest.identity) throw new Error(`retarget: ${this.id}'s plan changed`);
    const byLink = new Map(paths);
    this.currentPlan = withPaths(this.currentPlan, byLink);
    this.digest = digest;
    for (const u of this.discovery?.unresolved ?? []) u.path = byLink.get(u.linkId) ?? u.path;
  }

  /**
   * Take over a predecessor's state after an inventory reload (same device, same address):
   * counters, health and backoff always; the session (and v3 engine discovery) when the poll
   * settings are the same and no poll is running on it; what the device's tables resolved to
   * when the links and hotspots are the same, so an unchanged device is not walked again.
   */
  adoptStateFrom(previous: DevicePoller): void {
    this.counted = previous.counted;
    for (const [key, watch] of previous.queues) this.queues.set(key, watch);
    this.last = previous.last;
    this.restarts = previous.restarts;
    this.wraps = previous.wraps;
    for (const [r, n] of previous.failures) this.failures.set(r, n);
    for (const [r, n] of previous.discontinuities) this.discontinuities.set(r, n);
    this.consecutiveFailures = previous.consecutiveFailures;
    this.backoffUntilMs = previous.backoffUntilMs;
    const sameSettings = JSON.stringify(previous.plan.settings) === JSON.stringify(this.plan.settings);
    if (sameSettings && !previous.inflight && !previous.clientHandedOn) {
      this.client.close();
      this.client = previous.client;
      previous.clientHandedOn = true;
    }
    const sameTargets = targetsIdentity(previous.plan) === targetsIdentity(this.plan);
    if (sameTargets && previous.discovery) {
      this.discovery = previous.discovery;
      this.lastUnresolvedKey = previous.lastUnresolvedKey;
    }
  }

  /** SNMP requests of this device holding or waiting for a slot. */
  get outstandingRequests(): number {
    return this.client.outstanding;
  }

  /** The longest one request may take (timeout × tries), for the stuck-request alert. */
  get requestDeadlineSeconds(): number {
    return this.client.requestDeadlineMs / 1000;
  }

  /**
   * End the running poll now (shutdown): its queued requests leave, those on the wire fail, and
   * every scrape waiting for it is answered at once.
   */
  abort(): void {
    this.scope?.fail(new SnmpError("error", "collector shutting down"));
    if (!this.clientHandedOn) this.client.reset();
  }

  /** Close the session once any poll in flight has finished (a reload must not cut a scrape short). */
  close(): void {
    if (this.clientHandedOn) return;
    const running = this.inflight;
    if (running) void running.finally(() => this.client.close());
    else this.client.close();
  }

  private async pollAndExpose(): Promise<string> {
    const started = this.now();
    this.pollCountedLate = false;
    const out = new ExpositionWriter();
    let up = 0;
    if (started >= this.backoffUntilMs) {
      const scope = (this.scope = new PollScope());
      try {
        // A device that failed last time is asked one cheap question in the probe lane first:
        // while it stays silent it never takes a slot that a live device's poll needs.
        if (this.consecutiveFailures > 0) await this.client.probe(SYS_UPTIME, scope);
        await this.poll(out, scope);
        up = 1;
        if (this.consecutiveFailures > 0)
          this.log.info({ after_failures: this.consecutiveFailures }, "device answers again");
        this.consecutiveFailures = 0;
      } catch (error) {
        // Fail the scope first: requests of this poll still queued leave without being sent.
        scope.fail(error);
        this.recordFailure(error);
      } finally {
        this.scope = undefined;
      }
    }
    this.writeDeviceMetrics(out, up, (this.now() - started) / 1000);
    return out.toString();
  }

  private recordFailure(error: unknown): void {
    const failure = error instanceof SnmpError ? error : new SnmpError("error", String(error));
    if (!this.pollCountedLate)
      this.failures.set(failure.reason, (this.failures.get(failure.reason) ?? 0) + 1);
    this.consecutiveFailures++;
    const wait = backoffSeconds(this.consecutiveFailures, this.plan.settings.intervalSeconds);
    this.backoffUntilMs = this.now() + wait * 1000;
    // A fresh session next time: new v3 engine discovery, new socket, secrets read again. Requests
    // of this poll still on the old session fail now and give their slots back.
    this.client.reset();
    this.log.warn(
      { reason: failure.reason, consecutive: this.consecutiveFailures, backoff_seconds: wait },
      `poll failed: ${failure.message}`,
    );
  }

  private async poll(out: ExpositionWriter, scope: PollScope): Promise<void> {
    const nowMs = this.now();
    if (this.discoveryDue(nowMs)) await this.discover(nowMs, scope);
    let plan = this.discovery!.plan;
    let values = await this.client.get(oidsOf(plan), scope);
    // sysUpTime tells a reboot from a wrap. An agent without it (rare; one recording here) is still
    // polled: counters going backwards are then handled as resets, never as negative deltas.
    let uptimeTicks = int(values[plan.uptime]?.value);
    const elapsedSeconds = this.last ? (nowMs - this.last.atMs) / 1000 : 0;
    const prevTicks = this.last?.uptimeTicks;
    const rebooted =
      prevTicks !== undefined &&
      uptimeTicks !== undefined &&
      detectReboot(prevTicks, uptimeTicks, elapsedSeconds);
    if (rebooted || this.renumbered(plan, values)) {
      // Indexes may have moved: re-resolve, then read again from the new rows.
      if (rebooted) {
        this.restarts++;
        this.log.info(
          { uptime_seconds: ticksToSeconds(uptimeTicks ?? 0) },
          "device restarted; re-resolving indexes",
        );
      } else this.log.info("interface or queue table renumbered; re-resolving indexes");
      await this.discover(this.now(), scope);
      plan = this.discovery!.plan;
      values = await this.client.get(oidsOf(plan), scope);
      uptimeTicks = int(values[plan.uptime]?.value) ?? uptimeTicks;
    }
    // Garbage with a valid envelope (a counter sent as a string) is a failed poll, not a quiet gap.
    const problem = typeProblem(plan, values);
    if (problem) throw new SnmpError("malformed", `wrong value type: ${problem}`);
    const hotspotCounts =
      this.plan.hotspots.length > 0
        ? countHotspotSessions(
            (await this.client.walk([MTXR_HOTSPOT_SERVER_ID], scope)).get(MTXR_HOTSPOT_SERVER_ID) ?? [],
          )
        : undefined;

    const uptimeSeconds = uptimeTicks === undefined ? Infinity : ticksToSeconds(uptimeTicks);
    this.account(out, plan, values, { elapsedSeconds, rebooted, uptimeSeconds });
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

  private async discover(nowMs: number, scope: PollScope): Promise<void> {
    this.options.onDiscovery?.();
    const links = this.plan.links;
    const needsInterfaces = links.some((l) => l.target.kind === "interface");
    const needsQueues = links.some((l) => l.target.kind === "queue");
    const none = Promise.resolve(new Map<string, Row[]>());
    const [ifColumns, queueColumns] = await Promise.all([
      needsInterfaces ? this.client.walk([IF.descr, IF.name, IF.alias], scope) : none,
      needsQueues ? this.client.walk([MTXR_QUEUE.name], scope) : none,
    ]);
    const ifRowList = interfaceRows(ifColumns);
    const ifRows = new Map(ifRowList.map((r) => [r.index, r]));
    const qRows = queueRows(queueColumns.get(MTXR_QUEUE.name) ?? []);

    const resolved: ResolvedLink[] = [];
    const unresolved: Unresolved[] = [];
    const interfaces = new Map<number, PlannedInterface>();
    for (const link of links) {
      const target = link.target;
      const resolution: Resolution =
        target.kind === "interface" ? resolveInterface(ifRowList, target) : resolveQueue(qRows, target.queue);
      if (!resolution.ok) {
        const { problem, candidates } = resolution;
        const names =
          target.kind === "interface" ? selectorNames(ifRowList, target) : qRows.map((q) => q.name);
        const wanted = String(target.kind === "interface" ? target.value : target.queue);
        const queueState = queueStatePrefix(this.id, link);
        unresolved.push({
          linkId: link.linkId,
          owner: link.ownerId,
          path: link.path,
          problem,
          candidates,
          ...(problem === "none" && { suggestions: suggestions(wanted, names) }),
          queueState,
        });
        continue;
      }
      const index = resolution.index;
      if (target.kind === "interface") {
        const row = ifRows.get(index);
        if (!interfaces.has(index)) interfaces.set(index, plannedInterface(index, row, target.by));
        resolved.push({ link, kind: "interface", index, label: interfaceLabel(row, index) });
      } else {
        resolved.push({ link, kind: "queue", index, label: `queue/${target.queue}` });
      }
    }
    // An interface with neither 64- nor 32-bit octet counters cannot be measured: its links are
    // reported, not resolved into series that would never appear.
    const uncounted = await this.detectHighCapacity(interfaces, scope);
    for (let i = resolved.length - 1; i >= 0; i--) {
      const r = resolved[i]!;
      if (r.kind !== "interface" || !uncounted.has(r.index)) continue;
      resolved.splice(i, 1);
      const l = r.link;
      unresolved.push({
        linkId: l.linkId,
        owner: l.ownerId,
        path: l.path,
        problem: "no_counters",
        candidates: [r.index],
      });
    }
    for (const index of uncounted) interfaces.delete(index);

    const hotspots = this.plan.hotspots.map((h) => {
      const serverId = hotspotServerId(h.serverId);
      if (serverId === undefined) {
        const linkId = hotspotLinkId(this.id, h.server);
        unresolved.push({ linkId, owner: h.opd, path: h.path, problem: "unsupported", candidates: [] });
      }
      const prefix = seriesPrefix(METRICS.hotspotActiveUsers, {
        opd: h.opd,
        device: this.id,
        server: h.server,
      });
      return { serverId, prefix };
    });
    const plan = compileReadPlan(this.id, [...interfaces.values()], resolved);
    this.discovery = { atMs: nowMs, plan, unresolved, hotspots };
    this.forgetCountersOutside(plan);
    this.reportUnresolved(unresolved);
  }

  /**
   * Counters carry over to the new plan by key; state of links gone from the inventory or the
   * device is dropped, and a returning one starts at 0.
   */
  private forgetCountersOutside(plan: ReadPlan): void {
    const previous = this.counted && { bank: this.counted.bank, keys: counterKeys(this.counted.plan) };
    this.counted = { plan, bank: CounterBank.carried(counterKeys(plan), previous) };
    const queues = new Set(plan.links.flatMap((l) => (l.queueState ? [l.queueState.key] : [])));
    for (const key of this.queues.keys()) if (!queues.has(key)) this.queues.delete(key);
  }

  /**
   * HC counters where the agent has them (SNMPv2c/v3 agents usually do), 32-bit otherwise. Returns
   * the interfaces that have neither (a tunnel or a virtual port on some agents).
   */
  private async detectHighCapacity(
    interfaces: Map<number, PlannedInterface>,
    scope: PollScope,
  ): Promise<Set<number>> {
    const uncounted = new Set<number>();
    if (interfaces.size === 0) return uncounted;
    const indexes = [...interfaces.keys()];
    const rows = await this.client.get(
      [...indexes.map((i) => `${IF.hcInOctets}.${i}`), ...indexes.map((i) => `${IF.inOctets}.${i}`)],
      scope,
    );
    indexes.forEach((index, n) => {
      const planned = interfaces.get(index)!;
      planned.hc = rows[n]?.value.kind === "counter64";
      if (!planned.hc && rows[indexes.length + n]?.value.kind !== "int") uncounted.add(index);
    });
    return uncounted;
  }

  private reportUnresolved(unresolved: Unresolved[]): void {
    const key = unresolved.map((u) => `${u.path}:${u.problem}`).join("|");
    if (key === this.lastUnresolvedKey) return;
    this.lastUnresolvedKey = key;
    for (const u of unresolved) {
      const what =
        u.problem === "unsupported"
          ? 'give the hotspot server\'s RouterOS id (server_id: "*1"): the MIB identifies servers only by id'
          : u.problem === "none"
            ? `selector matches nothing on the device${u.suggestions?.length ? `; did you mean ${u.suggestions.map((n) => JSON.stringify(n)).join(" or ")}?` : ""}`
            : u.problem === "no_counters"
              ? `interface (ifIndex ${u.candidates[0]}) has neither 64-bit (ifHCInOctets) nor 32-bit (ifInOctets) octet counters: its traffic cannot be measured here; measure the port it runs over`
              : `selector matches several rows (indexes ${u.candidates.join(", ")})`;
      this.log.warn(
        { link: u.linkId, owner: u.owner, inventory: `${this.options.inventoryFile} ${u.path}` },
        `unresolved link: ${what}`,
      );
    }
  }

  /** A matched name no longer at its index: the table was renumbered. */
  private renumbered(plan: ReadPlan, values: Row[]): boolean {
    for (const i of plan.interfaces) {
      if (i.identity && str(values[i.identity.pos]?.value) !== i.identity.value) return true;
    }
    for (const q of plan.queueNames) {
      if (str(values[q.pos]?.value) !== q.name) return true;
    }
    return false;
  }

  /**
   * Advance the counter in bank slot `slot` and write its clean total as the series
   * `name{labels,direction="…"}` (nothing when the agent had no value).
   */
  private count(
    out: ExpositionWriter,
    counter: { slot: number; instance: number; name: string; labels: string; direction: string },
    raw: SnmpValue | undefined,
    ctx: PollContext,
    maxPerSecond: number | undefined,
  ): void {
    let sample: { raw: bigint; width: 32 | 64 };
    if (raw?.kind === "counter64") sample = { raw: raw.value, width: 64 };
    else if (raw?.kind === "int") sample = { raw: BigInt(raw.value), width: 32 };
    else return;
    const bank = this.counted!.bank;
    const result = step(
      bank.get(counter.slot),
      { raw: sample.raw, width: sample.width, instance: counter.instance },
      {
        elapsedSeconds: ctx.elapsedSeconds,
        rebooted: ctx.rebooted,
        uptimeSeconds: ctx.uptimeSeconds,
        maxPerSecond,
      },
    );
    bank.set(counter.slot, result.state);
    const prefix = directedPrefix(counter.name, counter.labels, counter.direction);
    if (result.outcome === "wrapped") this.wraps++;
    else if (result.outcome === "implausible" || result.outcome === "reset" || result.outcome === "moved") {
      this.discontinuities.set(result.outcome, (this.discontinuities.get(result.outcome) ?? 0) + 1);
      if (result.outcome !== "moved")
        this.log.info({ counter: prefix.trimEnd(), outcome: result.outcome }, "counter sample not counted");
    }
    out.sample(counter.name, "counter", HELP[counter.name]!, prefix, result.state.total);
  }

  private account(out: ExpositionWriter, plan: ReadPlan, values: Row[], ctx: PollContext): void {
    const bytesPerSecond = new Map<number, number | undefined>();
    for (const i of plan.interfaces) {
      const speed = speedBps(int(values[i.highSpeed]?.value), int(values[i.speed]?.value));
      bytesPerSecond.set(i.index, speed === undefined ? undefined : speed / 8);
      const oper = int(values[i.oper]?.value);
      if (oper !== undefined)
        out.sample(
          METRICS.interfaceOperUp,
          "gauge",
          HELP[METRICS.interfaceOperUp]!,
          `${METRICS.interfaceOperUp}{${i.labels}} `,
          oper === 1 ? 1 : 0,
        );
      if (speed !== undefined)
        out.sample(
          METRICS.interfaceSpeedBps,
          "gauge",
          HELP[METRICS.interfaceSpeedBps]!,
          `${METRICS.interfaceSpeedBps}{${i.labels}} `,
          speed,
        );
      // Packets per second can never exceed bytes per second: the same bound serves errors and discards.
      const max = bytesPerSecond.get(i.index);
      const counters = [
        { name: METRICS.interfaceErrors, pos: i.errors, slot: i.counter },
        { name: METRICS.interfaceDiscards, pos: i.discards, slot: i.counter + 2 },
      ];
      for (const { name, pos, slot } of counters)
        IN_OUT.forEach((direction, n) =>
          this.count(
            out,
            { slot: slot + n, instance: i.index, name, labels: i.labels, direction },
            values[pos + n]?.value,
            ctx,
            max,
          ),
        );
    }
    for (const link of plan.links) {
      const max = link.speedOf ? bytesPerSecond.get(link.speedOf.index) : undefined;
      const { instance, name, labels } = link;
      DIRECTIONS.forEach((direction, n) =>
        this.count(
          out,
          { slot: link.counter + n, instance, name, labels, direction },
          values[n === 0 ? link.download : link.upload]?.value,
          ctx,
          max,
        ),
      );
      if (link.queueState) this.writeQueueState(out, link, values);
    }
    // A queue gone from the table is down while the device answers.
    for (const u of this.discovery?.unresolved ?? []) {
      if (u.queueState !== undefined)
        out.sample(METRICS.queueUp, "gauge", HELP[METRICS.queueUp]!, u.queueState, 0);
    }
  }

  private writeQueueState(out: ExpositionWriter, link: LinkSlots, values: Row[]): void {
    const state = link.queueState!;
    const raw = (pos: number): bigint | undefined => {
      const v = values[pos]?.value;
      return v?.kind === "counter64" ? v.value : v?.kind === "int" ? BigInt(v.value) : undefined;
    };
    const watch = watchQueue(this.queues.get(state.key), [raw(link.download), raw(link.upload)]);
    if (watch === undefined) return;
    this.queues.set(state.key, watch);
    const up = queueUp(watch, stallPolls(this.plan.settings.intervalSeconds));
    out.sample(METRICS.queueUp, "gauge", HELP[METRICS.queueUp]!, state.prefix, up);
  }

  private writeHotspots(out: ExpositionWriter, counts: Map<number, number>): void {
    const help = HELP[METRICS.hotspotActiveUsers]!;
    for (const h of this.discovery?.hotspots ?? []) {
      if (h.serverId !== undefined)
        out.sample(METRICS.hotspotActiveUsers, "gauge", help, h.prefix, counts.get(h.serverId) ?? 0);
    }
  }

  private writeDeviceMetrics(out: ExpositionWriter, up: number, seconds: number): void {
    const g = (name: string, value: number) =>
      out.sample(name, "gauge", HELP[name]!, `${name}${this.devicePrefix} `, value);
    const c = (name: string, value: number) =>
      out.sample(name, "counter", HELP[name]!, `${name}${this.devicePrefix} `, value);
    g(METRICS.deviceUp, up);
    out.sample(
      METRICS.deviceSecurityInfo,
      "gauge",
      HELP[METRICS.deviceSecurityInfo]!,
      this.securityPrefix,
      1,
    );
    g(METRICS.devicePollDuration, seconds);
    for (const [reason, n] of this.failures) {
      const name = METRICS.devicePollFailures;
      out.sample(name, "counter", HELP[name]!, `${name}{device="${this.id}",reason="${reason}"} `, n);
    }
    c(METRICS.deviceRestarts, this.restarts);
    c(METRICS.counterWraps, this.wraps);
    for (const [reason, n] of this.discontinuities) {
      const name = METRICS.counterDiscontinuities;
      out.sample(name, "counter", HELP[name]!, `${name}{device="${this.id}",reason="${reason}"} `, n);
    }
    for (const u of this.discovery?.unresolved ?? []) {
      const name = METRICS.linkUnresolved;
      out.sample(
        name,
        "gauge",
        HELP[name]!,
        seriesPrefix(name, { device: this.id, link: u.linkId, owner: u.owner }),
        1,
      );
    }
  }
}

/** Identity: the column the selector matched on (a by-index selector has no identity to lose). */
function plannedInterface(index: number, row: InterfaceRow | undefined, by: string): PlannedInterface {
  const identity =
    by === "index"
      ? undefined
      : by === "name"
        ? { column: IF.name, value: row?.name ?? "" }
        : by === "alias"
          ? { column: IF.alias, value: row?.alias ?? "" }
          : { column: IF.descr, value: row?.descr ?? "" };
  return { index, hc: true, label: interfaceLabel(row, index), identity };
}
