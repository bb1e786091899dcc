/**
 * A hostile SNMPv2c agent on 127.0.0.1, written here in a hundred lines of BER: it answers Get and
 * GetBulk from a small interface table the way a real agent does, except for what its `mode` breaks:
 *
 * - `repeat`:    every GetBulk repetition returns the OID it was asked about (a walk that never
 *                advances);
 * - `backwards`: every GetBulk starts again at the column's first row (a walk that goes back);
 * - `endless`:   the interface columns never end (row n+1 after row n, forever);
 * - `wrong-community`: every response carries another community than the request's (net-snmp
 *                quotes both in its error text);
 * - `normal`:    a well-behaved agent.
 *
 * It counts the requests it receives, so a test can show a collector stopped sending. Real snmpd and
 * snmpsim cannot be made to misbehave this way; this is the only agent the suite writes itself.
 */
import type { Socket } from "node:dgram";
import { bindUdp } from "./udp-relay.js";

export type HostileMode = "normal" | "repeat" | "backwards" | "endless" | "wrong-community";

type Value =
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "counter32"; value: number }
  | { type: "gauge"; value: number }
  | { type: "ticks"; value: number }
  | { type: "counter64"; value: bigint };

export interface HostileInterface {
  index: number;
  name: string;
  /** ifHCInOctets/ifHCOutOctets; omitted: the agent has no 64-bit counters for it. */
  hc?: boolean;
  /** ifInOctets/ifOutOctets; omitted: no 32-bit counters either. */
  octets32?: boolean;
  /** ifHighSpeed in Mbit/s (default 1000). */
  highSpeed?: number;
}

export interface HostileAgent {
  readonly host: string;
  readonly port: number;
  mode: HostileMode;
  /** Datagrams received (answered or not). */
  requests(): number;
  close(): Promise<void>;
}

const SYS_UPTIME = "1.3.6.1.2.1.1.3.0";
const IF_DESCR = "1.3.6.1.2.1.2.2.1.2";
const IF_NAME = "1.3.6.1.2.1.31.1.1.1.1";
const IF_ALIAS = "1.3.6.1.2.1.31.1.1.1.18";
const COLUMNS = [IF_DESCR, IF_NAME, IF_ALIAS];

// ---------------------------------------------------------------------------------------------
// BER, just enough for SNMPv2c.

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function signed(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v !== 0 && v !== -1);
  if (n >= 0 && bytes[0]! & 0x80) bytes.unshift(0);
  if (n < 0 && !(bytes[0]! & 0x80)) bytes.unshift(0xff);
  return Buffer.from(bytes);
}

function unsigned(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

function encodeOid(oid: string): Buffer {
  const arcs = oid.split(".").map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const septets: number[] = [];
    let v = arc;
    do {
      septets.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < septets.length - 1; i++) septets[i]! |= 0x80;
    out.push(...septets);
  }
  return tlv(0x06, Buffer.from(out));
}

function decodeOid(content: Buffer): string {
  const arcs = [Math.floor(content[0]! / 40), content[0]! % 40];
  let v = 0;
  for (const byte of content.subarray(1)) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join(".");
}

function encodeValue(value: Value | "noSuchInstance" | "endOfMibView"): Buffer {
  if (value === "noSuchInstance") return tlv(0x81, Buffer.alloc(0));
  if (value === "endOfMibView") return tlv(0x82, Buffer.alloc(0));
  switch (value.type) {
    case "int":
      return tlv(0x02, signed(value.value));
    case "string":
      return tlv(0x04, Buffer.from(value.value));
    case "counter32":
      return tlv(0x41, unsigned(BigInt(value.value)));
    case "gauge":
      return tlv(0x42, unsigned(BigInt(value.value)));
    case "ticks":
      return tlv(0x43, unsigned(BigInt(value.value)));
    case "counter64":
      return tlv(0x46, unsigned(value.value));
  }
}

interface Element {
  tag: number;
  content: Buffer;
}

/** The elements of a constructed value, in order. */
function children(buf: Buffer): Element[] {
  const out: Element[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const tag = buf[offset]!;
    let len = buf[offset + 1]!;
    let start = offset + 2;
    if (len & 0x80) {
      const octets = len & 0x7f;
      len = 0;
      for (let i = 0; i < octets; i++) len = len * 256 + buf[start + i]!;
      start += octets;
    }
    out.push({ tag, content: buf.subarray(start, start + len) });
    offset = start + len;
  }
  return out;
}

function readInt(content: Buffer): number {
  let v = content[0]! & 0x80 ? -1 : 0;
  for (const byte of content) v = v * 256 + byte;
  return v;
}

// ---------------------------------------------------------------------------------------------
// The agent.

function compare(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function mib(interfaces: HostileInterface[], started: number): Map<string, () => Value> {
  const m = new Map<string, () => Value>();
  m.set(SYS_UPTIME, () => ({ type: "ticks", value: Math.floor((performance.now() - started) / 10) }));
  for (const i of interfaces) {
    const bytes = () => BigInt(Math.floor(performance.now() - started) * 1000);
    m.set(`${IF_DESCR}.${i.index}`, () => ({ type: "string", value: i.name }));
    m.set(`1.3.6.1.2.1.2.2.1.5.${i.index}`, () => ({ type: "gauge", value: 4294967295 }));
    m.set(`1.3.6.1.2.1.2.2.1.8.${i.index}`, () => ({ type: "int", value: 1 }));
    if (i.octets32) {
      m.set(`1.3.6.1.2.1.2.2.1.10.${i.index}`, () => ({
        type: "counter32",
        value: Number(bytes() % 2n ** 32n),
      }));
      m.set(`1.3.6.1.2.1.2.2.1.16.${i.index}`, () => ({
        type: "counter32",
        value: Number(bytes() % 2n ** 32n),
      }));
    }
    m.set(`${IF_NAME}.${i.index}`, () => ({ type: "string", value: i.name }));
    if (i.hc) {
      m.set(`1.3.6.1.2.1.31.1.1.1.6.${i.index}`, () => ({ type: "counter64", value: bytes() }));
      m.set(`1.3.6.1.2.1.31.1.1.1.10.${i.index}`, () => ({ type: "counter64", value: bytes() }));
    }
    m.set(`1.3.6.1.2.1.31.1.1.1.15.${i.index}`, () => ({ type: "gauge", value: i.highSpeed ?? 1000 }));
    m.set(`${IF_ALIAS}.${i.index}`, () => ({ type: "string", value: "" }));
  }
  return new Map([...m].sort(([a], [b]) => compare(a, b)));
}

export async function startHostileAgent(options: {
  community: string;
  mode: HostileMode;
  interfaces?: HostileInterface[];
}): Promise<HostileAgent> {
  const socket: Socket = await bindUdp("127.0.0.1");
  const table = mib(options.interfaces ?? [{ index: 1, name: "eth1", hc: true }], performance.now());
  const oids = [...table.keys()];
  let requests = 0;
  const agent: HostileAgent = {
    host: "127.0.0.1",
    port: socket.address().port,
    mode: options.mode,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };

  const next = (oid: string): [string, Value | "endOfMibView"] => {
    const column = COLUMNS.find((c) => oid === c || oid.startsWith(`${c}.`));
    if (column && agent.mode === "endless") {
      const n = oid === column ? 1 : Number(oid.slice(column.length + 1)) + 1;
      return [`${column}.${n}`, { type: "string", value: `eth${n}` }];
    }
    if (column && agent.mode === "repeat" && table.has(oid)) return [oid, table.get(oid)!()];
    const from = column && agent.mode === "backwards" ? column : oid;
    const found = oids.find((o) => compare(o, from) > 0);
    return found ? [found, table.get(found)!()] : [oid, "endOfMibView"];
  };

  socket.on("message", (datagram, from) => {
    requests++;
    try {
      const [message] = children(datagram);
      const [version, community, pdu] = children(message!.content);
      if (!version || !community || !pdu || community.content.toString() !== options.community) return;
      const [id, a, b, list] = children(pdu.content);
      const asked = children(list!.content).map((vb) => decodeOid(children(vb.content)[0]!.content));
      const answers: [string, Value | "noSuchInstance" | "endOfMibView"][] = [];
      if (pdu.tag === 0xa0) {
        for (const oid of asked) answers.push([oid, table.get(oid)?.() ?? "noSuchInstance"]);
      } else if (pdu.tag === 0xa1 || pdu.tag === 0xa5) {
        const nonRepeaters = pdu.tag === 0xa5 ? readInt(a!.content) : asked.length;
        const repetitions = pdu.tag === 0xa5 ? readInt(b!.content) : 0;
        for (const oid of asked.slice(0, nonRepeaters)) answers.push(next(oid));
        let cursors = asked.slice(nonRepeaters);
        for (let r = 0; r < repetitions; r++) {
          cursors = cursors.map((oid) => {
            const [o, v] = next(oid);
            answers.push([o, v]);
            return o;
          });
        }
      } else return;
      const responseCommunity =
        agent.mode === "wrong-community" ? `${options.community}-other` : options.community;
      const varbinds = tlv(
        0x30,
        Buffer.concat(answers.map(([oid, v]) => tlv(0x30, Buffer.concat([encodeOid(oid), encodeValue(v)])))),
      );
      const response = tlv(
        0xa2,
        Buffer.concat([tlv(0x02, id!.content), tlv(0x02, signed(0)), tlv(0x02, signed(0)), varbinds]),
      );
      const reply = tlv(
        0x30,
        Buffer.concat([tlv(0x02, version.content), tlv(0x04, Buffer.from(responseCommunity)), response]),
      );
      socket.send(reply, from.port, from.address);
    } catch {
      // not SNMP: a hostile agent owes nobody an answer
    }
  });
  return agent;
}
