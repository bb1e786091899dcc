// The SNMP engine: one long-lived net-snmp session per device (v2c or v3), batched Gets, GetBulk
// column walks with a tunable max-repetitions, per-request timeout and retries, and limits on
// requests in flight per device and globally. Failures are classified into a few stable reasons.
import snmp, { type Session, type Varbind } from "net-snmp";
import type { Device } from "../../core/schema.js";
import { Limiter, withLimits } from "./limiter.js";
import { netSnmpAuthProtocol, netSnmpPrivProtocol } from "./privacy.js";
import { resolveSecret, SecretError } from "./secrets.js";

/** Why a request failed: the `reason` label of snmp_device_poll_failures_total. */
export type FailureReason = "timeout" | "auth" | "malformed" | "credentials" | "error";

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

/** Map a net-snmp error onto a failure reason; the message never carries a secret. */
export function classify(error: unknown, sawMalformedPacket: boolean): SnmpError {
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

function openSession(device: Device, options: EngineOptions): Session {
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
    return snmp.createSession(device.host, resolveSecret(s.community), {
      ...common,
      version: snmp.Version2c,
    });
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
  return snmp.createV3Session(device.host, user, { ...common, ...(s.context && { context: s.context }) });
}

/**
 * One device's SNMP client. The session (and, for v3, its discovered engine id, boots and time) is
 * kept between polls; `reset()` drops it after a failure so the next poll starts clean.
 */
export class SnmpClient {
  private session: Session | undefined;
  /** Undecodable datagrams received so far; compared before and after each request. */
  private malformedCount = 0;
  private readonly deviceLimiter: Limiter;

  constructor(
    private readonly device: Device,
    private readonly options: EngineOptions,
    private readonly globalLimiter: Limiter,
    perDeviceConcurrency: number,
  ) {
    this.deviceLimiter = new Limiter(perDeviceConcurrency);
  }

  /** GET many OIDs, split into PDUs of `getBatchSize`, sent concurrently within the limits. */
  async get(oids: readonly string[]): Promise<Row[]> {
    const batches: string[][] = [];
    for (let i = 0; i < oids.length; i += this.options.getBatchSize) {
      batches.push(oids.slice(i, i + this.options.getBatchSize));
    }
    const results = await Promise.all(batches.map((batch) => this.getBatch(batch)));
    // noSuchObject / noSuchInstance decode to "missing", keeping positions.
    return results.flat().map(toRow);
  }

  /** One GET PDU; halved and retried while the agent says the response is too big for it. */
  private async getBatch(oids: string[]): Promise<Varbind[]> {
    try {
      return await this.request<Varbind>((s, cb) => s.get(oids, cb));
    } catch (error) {
      if (!(error instanceof SnmpError && error.tooBig && oids.length > 1)) throw error;
      const half = Math.ceil(oids.length / 2);
      const [a, b] = await Promise.all([this.getBatch(oids.slice(0, half)), this.getBatch(oids.slice(half))]);
      return [...a, ...b];
    }
  }

  /**
   * Walk one or more table columns with GetBulk until every column has left its subtree.
   * Columns are walked side by side (one PDU carries all of them), like snmpbulkwalk does per table.
   */
  async walk(columns: readonly string[]): Promise<Map<string, Row[]>> {
    const out = new Map<string, Row[]>(columns.map((c) => [c, []]));
    let cursors = columns.map((c) => ({ column: c, next: c }));
    while (cursors.length > 0) {
      const oids = cursors.map((c) => c.next);
      const maxRep = Math.max(1, Math.floor(this.options.maxRepetitions / cursors.length));
      // net-snmp hands back one array of varbinds per requested (repeating) OID.
      const perColumn = await this.request<Varbind[]>((s, cb) => s.getBulk(oids, 0, maxRep, cb));
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

  reset(): void {
    const s = this.session;
    this.session = undefined;
    if (s) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  private ensureSession(): Session {
    if (this.session) return this.session;
    const session = openSession(this.device, this.options);
    // net-snmp emits "error" for datagrams it cannot decode; remember it to tell garbage from silence.
    session.on("error", () => {
      this.malformedCount++;
    });
    this.session = session;
    return session;
  }

  private request<T>(
    send: (session: Session, cb: (error: Error | null, varbinds?: unknown[]) => void) => void,
  ): Promise<T[]> {
    return withLimits([this.deviceLimiter, this.globalLimiter], () => {
      const malformedBefore = this.malformedCount;
      return new Promise<T[]>((resolve, reject) => {
        let session: Session;
        try {
          session = this.ensureSession();
        } catch (error) {
          reject(classify(error, false));
          return;
        }
        const discoveredBefore = engineDiscovered(session);
        send(session, (error, varbinds) => {
          if (error && this.device.snmp.version === "v3" && !discoveredBefore && engineDiscovered(session)) {
            // The agent answered engine discovery, then dropped our encrypted request: Net-SNMP
            // agents silently discard what they cannot decrypt. That is a key, not a dead device.
            if (error instanceof snmp.RequestTimedOutError)
              return reject(
                new SnmpError(
                  "auth",
                  "agent answered SNMPv3 discovery but not the request: wrong priv key or protocol?",
                ),
              );
          }
          if (error) reject(classify(error, this.malformedCount > malformedBefore));
          else resolve((varbinds ?? []) as T[]);
        });
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
