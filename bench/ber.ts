/**
 * Just enough BER to read an SNMPv1/v2c message off the wire: the PDU type and each varbind's OID.
 * The benchmark's counting relay uses it to count what each exporter really asked for and got back,
 * independently of both exporters' own bookkeeping.
 */

export interface Tlv {
  tag: number;
  /** Offset of the first content octet. */
  start: number;
  /** Offset just past the last content octet. */
  end: number;
}

export function readTlv(buf: Buffer, offset: number): Tlv {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new Error(`BER: TLV past the end at ${offset}`);
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (buf[start + i] ?? 0);
    start += octets;
  }
  const end = start + length;
  if (end > buf.length)
    throw new Error(`BER: length ${length} at ${offset} overruns the ${buf.length}-byte message`);
  return { tag, start, end };
}

/** The TLVs directly inside a constructed value. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end;) {
    const tlv = readTlv(buf, offset);
    out.push(tlv);
    offset = tlv.end;
  }
  return out;
}

export function decodeOid(bytes: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (parts.length === 0)
      parts.push(Math.min(2, Math.floor(value / 40)), value - Math.min(2, Math.floor(value / 40)) * 40);
    else parts.push(value);
    value = 0;
  }
  return parts.join(".");
}

export const PDU = {
  get: 0xa0,
  getNext: 0xa1,
  response: 0xa2,
  getBulk: 0xa5,
} as const;

export interface DecodedMessage {
  /** The PDU tag, e.g. 0xa2 for a GetResponse. */
  pduType: number;
  oids: string[];
}

/** Read an SNMPv1/v2c message: SEQUENCE { version, community, PDU { id, x, y, SEQUENCE OF varbind } }. */
export function decodeMessage(buf: Buffer): DecodedMessage {
  const message = readTlv(buf, 0);
  const [, , pdu] = children(buf, message);
  if (!pdu) throw new Error("BER: message without a PDU");
  const fields = children(buf, pdu);
  const varbindList = fields[3];
  if (!varbindList) throw new Error("BER: PDU without a varbind list");
  const oids = children(buf, varbindList).map((varbind) => {
    const oid = children(buf, varbind)[0];
    if (!oid || oid.tag !== 0x06) throw new Error("BER: varbind without an OID");
    return decodeOid(buf.subarray(oid.start, oid.end));
  });
  return { pduType: pdu.tag, oids };
}
