// The SNMP engine: one long-lived net-snmp session per device (v2c or v3), batched Gets, GetBulk
// column walks with a tunable max-repetitions, per-request timeout and retries, and limits on
// requests in flight per device and per shared lane (lanes.ts). Failures are classified into a few stable reasons.
import type { Socket } from "node:dgram";
import snmp, { type Session, type Varbind } from "net-snmp";
import type { Device } from "../../core/schema.js";
import type { Lane, LaneName } from "./lanes.js";
import { Canceller, Limiter, type Cancel } from "./limiter.js";
import { netSnmpAuthProtocol, netSnmpPrivProtocol } from "./privacy.js";
import { resolveSecret, scrubSecrets, SecretError } from "./secrets.js";

/** Why a request failed: the `reason` label of snmp_device_poll_failures_total. */
export type FailureReason =
  | "timeout"
  | "auth"
  | "malformed"
  | "credentials"
  | "fd_exhausted"
  | "refused"
  | "loop"
  | "too_many_rows"
  | "error";

export class SnmpError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    /** The agent answered tooBig: the response would not fit its maximum message size. */
    readonly tooBig = false,
  ) {
    super(message);
    this.name = "SnmpError";
  }
}

/** SNMP error-status tooBig(1). */
const TOO_BIG = 1;

export interface EngineOptions {
  timeoutSeconds: number;
  retries: number;
  maxRepetitions: number;
  /** Varbinds per Get PDU; keeps responses under typical agent and path MTU limits. */
  getBatchSize: number;
  /** The most rows one walk may return before it is abandoned as `too_many_rows`. */
  walkMaxRows: number;
  /** The most GetBulk requests one walk may send before it is abandoned as `too_many_rows`. */
  walkMaxRequests: number;
}

/** Compare two numeric OIDs arc by arc (pure): negative, 0 or positive, like a sort comparator. */
export function compareOids(a: string, b: string): number {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A walk's progress over every column, checked after each GetBulk response (pure decisions). */
export class WalkGuard {
  private rows = 0;
  private requests = 0;

  constructor(private readonly limits: { walkMaxRows: number; walkMaxRequests: number }) {}

  /** Before each request: a walk that has sent its share of requests stops. */
  request(columns: readonly string[]): void {
    if (++this.requests > this.limits.walkMaxRequests)
      throw new SnmpError(
        "too_many_rows",
        `walk of ${columns.join(", ")} still going after ${this.limits.walkMaxRequests} GetBulk requests (walk_max_requests)`,
      );
  }

  /**
   * One row of `column` returned after `previous` (the cursor or the row before it): an OID that
   * does not increase means the agent loops (the walk would never end, as Net-SNMP's and
   * snmp_exporter's walkers also refuse), and too many rows mean it never stops.
   */
  row(column: string, previous: string, oid: string): void {
    if (compareOids(oid, previous) <= 0)
      throw new SnmpError(
        "loop",
        `agent returned ${oid} after ${previous} walking ${column}: OIDs must increase (a looping agent)`,
      );
    if (++this.rows > this.limits.walkMaxRows)
      throw new SnmpError(
        "too_many_rows",
        `walk of ${column} returned more than ${this.limits.walkMaxRows} rows (walk_max_rows)`,
      );
  }
}

/** A value as read off the wire, decoded once. */
export type SnmpValue =
  | { kind: "int"; value: number }
  | { kind: "counter64"; value: bigint }
  | { kind: "string"; value: string }
  | { kind: "missing" };

export interface Row {
  oid: string;
  value: SnmpValue;
}

function counter64(buffer: Buffer): bigint {
  if (buffer.length === 8) return buffer.readBigUInt64BE(0);
  let value = 0n;
  for (const byte of buffer) value = (value << 8n) | BigInt(byte);
  return value;
}

const T = snmp.ObjectType;

/** Decode net-snmp's varbind into a small tagged value (pure). */
export function decode(varbind: Varbind): SnmpValue {
  switch (varbind.type) {
    case T.Counter64:
      return Buffer.isBuffer(varbind.value)
        ? { kind: "counter64", value: counter64(varbind.value) }
        : { kind: "counter64", value: BigInt(varbind.value as number) };
    case T.Integer:
    case T.Counter:
    case T.Gauge:
    case T.TimeTicks:
      return { kind: "int", value: varbind.value as number };
    case T.OctetString:
      return { kind: "string", value: Buffer.isBuffer(varbind.value) ? varbind.value.toString("utf8") : "" };
    default:
      return { kind: "missing" };
  }
}

/**
 * Map a net-snmp error onto a failure reason. The message never carries a secret: net-snmp's texts
 * may quote a community ("Community 'X' in request does not match community 'Y' in response"), so
 * every `secrets` value and every quoted community are blanked out.
 */
export function classify(
  error: unknown,
  sawMalformedPacket: boolean,
  secrets: readonly string[] = [],
): SnmpError {
  const failure = classifyUnscrubbed(error, sawMalformedPacket);
  const message = scrubSecrets(failure.message, secrets);
  return message === failure.message ? failure : new SnmpError(failure.reason, message, failure.tooBig);
}

function classifyUnscrubbed(error: unknown, sawMalformedPacket: boolean): SnmpError {
  if (error instanceof SnmpError) return error;
  if (error instanceof SecretError) return new SnmpError("credentials", error.message);
  if (error instanceof snmp.RequestTimedOutError) {
    // The agent answered only with packets we could not decode: that is garbage, not silence.
    return sawMalformedPacket
      ? new SnmpError("malformed", "only undecodable responses before the timeout")
      : new SnmpError("timeout", "no response before the timeout");
  }
  if (error instanceof snmp.ResponseInvalidError) {
    const codes = snmp.ResponseInvalidCode;
    const code = error.code;
    if (code === codes.EAuthFailure || code === codes.ECouldNotDecrypt || code === codes.ENotInTimeWindow)
      return new SnmpError("auth", `SNMPv3 security: ${error.message}`);
    return new SnmpError("malformed", `invalid response: ${error.message}`);
  }
  if (error instanceof snmp.RequestFailedError && (error as Error & { status?: number }).status === TOO_BIG)
    return new SnmpError("error", "agent answered tooBig", true);
  return new SnmpError("error", error instanceof Error ? error.message : String(error));
}

/** The device's session, and the secret values it was opened with (to scrub from error texts). */
function openSession(device: Device, options: EngineOptions): { session: Session; secrets: string[] } {
  const common = {
    port: device.port,
    retries: options.retries,
    timeout: Math.round(options.timeoutSeconds * 1000),
    backoff: 1,
    transport: device.host.includes(":") ? ("udp6" as const) : ("udp4" as const),
    idBitsSize: 32 as const,
  };
  const s = device.snmp;
  if (s.version === "v2c") {
    const community = resolveSecret(s.community);
    const session = snmp.createSession(device.host, community, { ...common, version: snmp.Version2c });
    return { session, secrets: [community] };
  }
  const level = snmp.SecurityLevel[s.security_level];
  const user = {
    name: s.username,
    level,
    ...(s.security_level !== "noAuthNoPriv" && {
      authProtocol: netSnmpAuthProtocol(s.auth_protocol ?? "sha"),
      authKey: resolveSecret(s.auth_key ?? ""),
    }),
    ...(s.security_level === "authPriv" && {
      privProtocol: netSnmpPrivProtocol(s.priv_protocol ?? "aes128"),
      privKey: resolveSecret(s.priv_key ?? ""),
    }),
  };
  const session = snmp.createV3Session(device.host, user, {
    ...common,
    ...(s.context && { context: s.context }),
  });
  return { session, secrets: [user.authKey, user.privKey].filter((k): k is string => !!k) };
}

type SendCallback = (error: Error | null, bytes?: number) => void;

/**
 * Connect the session's UDP socket to the agent, as gosnmp (snmp_exporter) does: the kernel then
 * hands back an ICMP port unreachable as ECONNREFUSED (a refused port is told at once instead of
 * after every try's timeout) and delivers only datagrams from the agent's address. net-snmp sends
 * with an address, which a connected socket refuses, so its sends are passed on without one, after
 * the connect has completed.
 */
function connectToAgent(socket: Socket, device: Device): void {
  // A failed connect (no descriptor left for the bind, a name that does not resolve) is handed to
  // the callback, not emitted: emit it, so the socket's error handler fails the requests.
  const connected = new Promise<void>((resolve) =>
    socket.connect(device.port, device.host, ((error?: Error) =>
      error ? socket.emit("error", error) : resolve()) as () => void),
  );
  const send = socket.send.bind(socket) as (b: Buffer, o: number, l: number, cb?: SendCallback) => void;
  (socket as unknown as { send: unknown }).send = (
    buffer: Buffer,
    offset: number,
    length: number,
    _port: number,
    _address: string,
    callback?: SendCallback,
  ) => void connected.then(() => send(buffer, offset, length, callback));
}

/** A socket error that means the process has run out of file descriptors. */
function fdExhausted(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/** Grace past net-snmp's own deadline before the watchdog fails a request it never called back. */
const WATCHDOG_GRACE_MS = 1000;
/** How often the watchdog looks (so it fires within a quarter second of its deadline). */
const WATCHDOG_SWEEP_MS = 250;

/**
 * One poll's requests to one device. The first request goes out alone; the others follow only once
 * the device has answered in this poll, so a device that has just died costs one slot, not a
 * batch. The first failure fails the scope at once: requests still queued leave their queues
 * without being sent, and nothing new is sent for this poll.
 */
export class PollScope {
  private readonly canceller = new Canceller();
  private answered = false;
  private first: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;

  /** Called off when the poll fails: its queued requests leave their queues. */
  get cancel(): Cancel {
    return this.canceller;
  }

  /** Resolves when this request may be sent: at once for the first, else after the first answer. */
  turn(): Promise<void> {
    if (this.canceller.cancelled) return Promise.reject(this.canceller.reason);
    if (this.answered) return Promise.resolve();
    if (!this.first) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => undefined); // nobody may be waiting on it when it fails
      this.first = { promise, resolve, reject };
      return Promise.resolve();
    }
    return this.first.promise;
  }

  answer(): void {
    this.answered = true;
    this.first?.resolve();
  }

  fail(error: unknown): void {
    if (this.canceller.cancelled) return;
    this.canceller.cancel(error);
    this.first?.reject(error);
  }
}

interface Pending extends Watched {
  fail(error: SnmpError): void;
}

interface Watched {
  /** performance.now() past which the request is failed as lost. */
  deadline: number;
  expire(): void;
}

/**
 * One sweep for every request of every session, instead of a timer per request (a timer set and
 * cleared on every PDU costs more than the rest of the bookkeeping together).
 */
class Watchdog {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;

  watch(entry: Watched): void {
    this.watched.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), WATCHDOG_SWEEP_MS);
      this.timer.unref();
    }
  }

  forget(entry: Watched): void {
    this.watched.delete(entry);
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of [...this.watched]) if (now >= entry.deadline) entry.expire();
  }
}

const watchdog = new Watchdog();

/** Shared by every client: the lanes, and what the collector counts about lost requests. */
export interface ClientContext {
  lanes: Record<LaneName, Lane>;
  /** A request net-snmp never called back, failed by the watchdog (should never happen). */
  onLost?: () => void;
  /** The process ran out of file descriptors opening this device's socket. */
  onFdExhausted?: (error: Error) => void;
}

/**
 * One device's SNMP client. The session (and, for v3, its discovered engine id, boots and time) is
 * kept between polls; `reset()` drops it after a failure so the next poll starts clean. Every
 * request ends exactly once: answered, timed out by net-snmp, failed by `reset()`, or failed by a
 * watchdog just past net-snmp's own deadline; each gives back its device and lane slots.
 */
export class SnmpClient {
  private session: Session | undefined;
  /** The secret values of the session, blanked out of every error text. */
  private secrets: string[] = [];
  /** Undecodable datagrams received so far; compared before and after each request. */
  private malformedCount = 0;
  private readonly deviceLimiter: Limiter;
  private readonly pending = new Set<Pending>();
  /** Set when the socket failed; requests on that session fail with it. */
  private socketFailure: SnmpError | undefined;

  constructor(
    private readonly device: Device,
    private readonly options: EngineOptions,
    private readonly context: ClientContext,
    perDeviceConcurrency: number,
  ) {
    this.deviceLimiter = new Limiter(perDeviceConcurrency);
  }

  /** The longest a request can take before net-snmp gives up on it: every try's timeout. */
  get requestDeadlineMs(): number {
    return Math.round(this.options.timeoutSeconds * 1000) * (this.options.retries + 1);
  }

  /** Requests of this device holding or waiting for a slot (0 once every request has ended). */
  get outstanding(): number {
    return this.deviceLimiter.inFlight + this.deviceLimiter.queued;
  }

  /** One cheap GET of `oid` in the probe lane: is a device that failed answering again? */
  async probe(oid: string, scope: PollScope): Promise<void> {
    await this.request<Varbind>("probe", scope, (s, cb) => s.get([oid], cb));
  }

  /** GET many OIDs, split into PDUs of `getBatchSize`, sent concurrently within the limits. */
  async get(oids: readonly string[], scope: PollScope): Promise<Row[]> {
    const batches: string[][] = [];
    for (let i = 0; i < oids.length; i += this.options.getBatchSize) {
      batches.push(oids.slice(i, i + this.options.getBatchSize));
    }
    const results = await Promise.all(batches.map((batch) => this.getBatch(batch, scope)));
    // noSuchObject / noSuchInstance decode to "missing", keeping positions.
    return results.flat().map(toRow);
  }

  /** One GET PDU; halved and retried while the agent says the response is too big for it. */
  private async getBatch(oids: string[], scope: PollScope): Promise<Varbind[]> {
    try {
      return await this.request<Varbind>("poll", scope, (s, cb) => s.get(oids, cb), true);
    } catch (error) {
      if (!(error instanceof SnmpError && error.tooBig && oids.length > 1)) throw error;
      const half = Math.ceil(oids.length / 2);
      const [a, b] = await Promise.all([
        this.getBatch(oids.slice(0, half), scope),
        this.getBatch(oids.slice(half), scope),
      ]);
      return [...a, ...b];
    }
  }

  /**
   * Walk one or more table columns with GetBulk until every column has left its subtree.
   * Columns are walked side by side (one PDU carries all of them), like snmpbulkwalk does per table.
   */
  async walk(columns: readonly string[], scope: PollScope): Promise<Map<string, Row[]>> {
    const out = new Map<string, Row[]>(columns.map((c) => [c, []]));
    const guard = new WalkGuard(this.options);
    let cursors = columns.map((c) => ({ column: c, next: c }));
    while (cursors.length > 0) {
      guard.request(columns);
      const oids = cursors.map((c) => c.next);
      const maxRep = Math.max(1, Math.floor(this.options.maxRepetitions / cursors.length));
      // net-snmp hands back one array of varbinds per requested (repeating) OID.
      const perColumn = await this.request<Varbind[]>("poll", scope, (s, cb) =>
        s.getBulk(oids, 0, maxRep, cb),
      );
      const still: typeof cursors = [];
      cursors.forEach((cursor, c) => {
        const prefix = `${cursor.column}.`;
        let last: string | undefined;
        let done = false;
        for (const vb of perColumn[c] ?? []) {
          if (snmp.isVarbindError(vb) || !vb.oid.startsWith(prefix)) {
            done = true;
            break;
          }
          guard.row(cursor.column, last ?? cursor.next, vb.oid);
          out.get(cursor.column)!.push(toRow(vb));
          last = vb.oid;
        }
        if (!done && last !== undefined) still.push({ column: cursor.column, next: last });
      });
      cursors = still;
    }
    return out;
  }

  close(): void {
    this.reset();
  }

  /** Drop the session; every request still on it fails now and gives its slots back. */
  reset(): void {
    const s = this.session;
    this.session = undefined;
    this.socketFailure = undefined;
    this.failPending(new SnmpError("error", "session closed before the response"));
    if (s) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  private failPending(error: SnmpError): void {
    for (const p of [...this.pending]) p.fail(error);
  }

  private ensureSession(): Session {
    if (this.session) return this.session;
    const { session, secrets } = openSession(this.device, this.options);
    this.secrets = secrets;
    // net-snmp emits "error" for datagrams it cannot decode; remember it to tell garbage from silence.
    session.on("error", () => {
      this.malformedCount++;
    });
    // Socket errors (EMFILE on the implicit bind, say) reach net-snmp's socket listener and stop
    // there: its queued sends are never called back. Fail them here, named for what happened.
    const socket = (session as Session & { dgram?: Socket }).dgram;
    socket?.on("error", (error: Error) => {
      if (this.session !== session) return;
      const code = (error as NodeJS.ErrnoException).code;
      const failure = fdExhausted(error)
        ? new SnmpError("fd_exhausted", `out of file descriptors opening the device's socket (${code})`)
        : code === "ECONNREFUSED"
          ? new SnmpError(
              "refused",
              `port ${this.device.port} refused the request (ICMP port unreachable): no SNMP agent listening there`,
            )
          : new SnmpError("error", `socket error: ${scrubSecrets(error.message, this.secrets)}`);
      if (failure.reason === "fd_exhausted") this.context.onFdExhausted?.(error);
      this.socketFailure = failure;
      this.failPending(failure);
    });
    if (socket) connectToAgent(socket, this.device);
    this.session = session;
    return session;
  }

  /**
   * Send one request holding a device slot and a lane slot, taken in that order: a request queued
   * behind its own busy device never holds a lane slot while it waits. `gated` requests wait for
   * the scope's first answer (see PollScope); a failure fails the scope before the slots are
   * given back, so no sibling request is handed a slot and sent after it.
   */
  private async request<T>(
    laneName: LaneName,
    scope: PollScope,
    send: (session: Session, cb: (error: Error | null, varbinds?: unknown[]) => void) => void,
    gated = laneName === "poll",
  ): Promise<T[]> {
    try {
      if (gated) await scope.turn();
      const releaseDevice = await this.deviceLimiter.acquire(scope.cancel);
      try {
        const ticket = await this.context.lanes[laneName].enter(scope.cancel);
        try {
          if (scope.cancel.reason !== undefined) throw scope.cancel.reason;
          const result = await this.exchange<T>(send);
          scope.answer();
          return result;
        } finally {
          ticket.done();
        }
      } finally {
        releaseDevice();
      }
    } catch (error) {
      // tooBig is an answer (the caller splits the PDU); anything else ends this poll.
      if (error instanceof SnmpError && error.tooBig) scope.answer();
      else scope.fail(error);
      throw error;
    }
  }

  /** One request on the session, settled exactly once whatever net-snmp does or fails to do. */
  private exchange<T>(
    send: (session: Session, cb: (error: Error | null, varbinds?: unknown[]) => void) => void,
  ): Promise<T[]> {
    const malformedBefore = this.malformedCount;
    return new Promise<T[]>((resolve, reject) => {
      let session: Session;
      try {
        session = this.ensureSession();
      } catch (error) {
        reject(classify(error, false));
        return;
      }
      if (this.socketFailure) {
        reject(this.socketFailure);
        return;
      }
      let settled = false;
      const pending: Pending = {
        deadline: performance.now() + this.requestDeadlineMs + WATCHDOG_GRACE_MS,
        fail: (error) => finish(error),
        expire: () => {
          this.context.onLost?.();
          finish(new SnmpError("timeout", "no answer from the SNMP library past its own deadline"));
        },
      };
      const finish = (error: SnmpError | undefined, varbinds?: unknown[]) => {
        if (settled) return;
        settled = true;
        watchdog.forget(pending);
        this.pending.delete(pending);
        if (error) reject(error);
        else resolve((varbinds ?? []) as T[]);
      };
      watchdog.watch(pending);
      this.pending.add(pending);
      const discoveredBefore = engineDiscovered(session);
      send(session, (error, varbinds) => {
        if (error && this.device.snmp.version === "v3" && !discoveredBefore && engineDiscovered(session)) {
          // The agent answered engine discovery, then dropped our encrypted request: Net-SNMP
          // agents silently discard what they cannot decrypt. That is a key, not a dead device.
          if (error instanceof snmp.RequestTimedOutError)
            return finish(
              new SnmpError(
                "auth",
                "agent answered SNMPv3 discovery but not the request: wrong priv key or protocol?",
              ),
            );
        }
        if (error) finish(classify(error, this.malformedCount > malformedBefore, this.secrets));
        else finish(undefined, varbinds);
      });
    });
  }
}

/** Whether net-snmp has learnt the agent's engine id (set when the discovery Report arrives). */
function engineDiscovered(session: Session): boolean {
  return (session as Session & { msgSecurityParameters?: unknown }).msgSecurityParameters !== undefined;
}

function toRow(vb: Varbind): Row {
  return { oid: vb.oid, value: decode(vb) };
}
