// The OIDs the collector reads. Columns are written without a trailing dot; instances append `.index`.

export const SYS_UPTIME = "1.3.6.1.2.1.1.3.0";

export const IF = {
  descr: "1.3.6.1.2.1.2.2.1.2",
  speed: "1.3.6.1.2.1.2.2.1.5",
  operStatus: "1.3.6.1.2.1.2.2.1.8",
  inOctets: "1.3.6.1.2.1.2.2.1.10",
  inDiscards: "1.3.6.1.2.1.2.2.1.13",
  inErrors: "1.3.6.1.2.1.2.2.1.14",
  outOctets: "1.3.6.1.2.1.2.2.1.16",
  outDiscards: "1.3.6.1.2.1.2.2.1.19",
  outErrors: "1.3.6.1.2.1.2.2.1.20",
  name: "1.3.6.1.2.1.31.1.1.1.1",
  hcInOctets: "1.3.6.1.2.1.31.1.1.1.6",
  hcOutOctets: "1.3.6.1.2.1.31.1.1.1.10",
  highSpeed: "1.3.6.1.2.1.31.1.1.1.15",
  alias: "1.3.6.1.2.1.31.1.1.1.18",
} as const;

/** MIKROTIK-MIB mtxrQueueSimpleTable (1.3.6.1.4.1.14988.1.1.2.1), entry .1, columns below. */
export const MTXR_QUEUE = {
  name: "1.3.6.1.4.1.14988.1.1.2.1.1.2",
  bytesIn: "1.3.6.1.4.1.14988.1.1.2.1.1.8",
  bytesOut: "1.3.6.1.4.1.14988.1.1.2.1.1.9",
} as const;

/**
 * MIKROTIK-MIB mtxrHotspotActiveUsersTable (1.3.6.1.4.1.14988.1.1.5.1): only the ServerID column is
 * read, to count sessions per hotspot server. User names, addresses and MACs are never fetched.
 */
export const MTXR_HOTSPOT_SERVER_ID = "1.3.6.1.4.1.14988.1.1.5.1.1.2";

/** The last sub-identifier of an instance OID under `column` (tables indexed by one integer). */
export function indexOf(column: string, oid: string): number | undefined {
  if (!oid.startsWith(column) || oid.charCodeAt(column.length) !== 46 /* "." */) return undefined;
  const rest = oid.slice(column.length + 1);
  if (!/^\d+$/.test(rest)) return undefined;
  return Number(rest);
}
