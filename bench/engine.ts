/**
 * How much client CPU does each way of reading the same table cost with net-snmp? A what-if for the
 * collector's poll strategy, measured in this one process (process.cpuUsage) against the same kind
 * of agent as `npm run bench` (snmpd in a namespace with --interfaces veths), same OIDs each way:
 * sysUpTime plus ten ifTable/ifXTable columns for every row.
 *
 *   get40      GET of instance OIDs, 40 per PDU, 4 PDUs in flight (what the collector does today)
 *   get60      the same with 60 per PDU
 *   bulk-rows  GetBulk over all ten columns at once (sysUpTime as a non-repeater), 4 rows per PDU,
 *              so a request names ~11 OIDs instead of 40; pages follow each other
 *   bulk-cols  GetBulk one column at a time, 25 per PDU (how snmp_exporter walks)
 *
 *   npx tsx bench/engine.ts [--interfaces 64] [--polls 200] [--v3]
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import snmp, { type Session, type Varbind } from "net-snmp";
import { addOpdPorts, createLab } from "../lab/netns.js";
import { snmpColumn } from "../lab/snmpclient.js";

const { values: args } = parseArgs({
  options: {
    interfaces: { type: "string", default: "64" },
    polls: { type: "string", default: "200" },
    /** SNMPv3 authPriv (SHA-256 + AES-128) instead of v2c: per-PDU crypto makes PDU count matter more. */
    v3: { type: "boolean", default: false },
  },
});
const INTERFACES = Math.ceil(Number(args.interfaces) / 2) * 2;
const POLLS = Number(args.polls);
const COMMUNITY = `kp${randomBytes(8).toString("hex")}`;
const V3 = {
  name: "engine",
  authKey: `a${randomBytes(12).toString("hex")}`,
  privKey: `p${randomBytes(12).toString("hex")}`,
};
const SYS_UPTIME = "1.3.6.1.2.1.1.3.0";
const COLUMNS = [
  "1.3.6.1.2.1.31.1.1.1.6",
  "1.3.6.1.2.1.31.1.1.1.10",
  "1.3.6.1.2.1.31.1.1.1.15",
  "1.3.6.1.2.1.2.2.1.5",
  "1.3.6.1.2.1.2.2.1.8",
  "1.3.6.1.2.1.2.2.1.14",
  "1.3.6.1.2.1.2.2.1.20",
  "1.3.6.1.2.1.2.2.1.13",
  "1.3.6.1.2.1.2.2.1.19",
  "1.3.6.1.2.1.31.1.1.1.1",
];

type Strategy = (session: Session, rows: number[]) => Promise<number>;

const get = (session: Session, oids: string[]) =>
  new Promise<Varbind[]>((resolve, reject) =>
    session.get(oids, (error, varbinds) => (error ? reject(error) : resolve(varbinds ?? []))),
  );

/** net-snmp answers a GetBulk with the non-repeaters first, then one varbind array per repeater. */
const bulk = (session: Session, nonRepeaters: number, oids: string[], maxRepetitions: number) =>
  new Promise<{ single: Varbind[]; columns: Varbind[][] }>((resolve, reject) =>
    session.getBulk(oids, nonRepeaters, maxRepetitions, (error, varbinds) => {
      if (error) return reject(error);
      const all = (varbinds ?? []) as unknown as (Varbind | Varbind[])[];
      resolve({
        single: all.slice(0, nonRepeaters) as Varbind[],
        columns: all.slice(nonRepeaters) as Varbind[][],
      });
    }),
  );

/** GET every instance in PDUs of `size`, `inFlight` at a time; returns varbinds read. */
function getInstances(size: number, inFlight: number): Strategy {
  return async (session, rows) => {
    const oids = [SYS_UPTIME, ...rows.flatMap((r) => COLUMNS.map((c) => `${c}.${r}`))];
    const batches: string[][] = [];
    for (let i = 0; i < oids.length; i += size) batches.push(oids.slice(i, i + size));
    let read = 0;
    for (let i = 0; i < batches.length; i += inFlight) {
      const done = await Promise.all(batches.slice(i, i + inFlight).map((b) => get(session, b)));
      read += done.reduce((n, vbs) => n + vbs.length, 0);
    }
    return read;
  };
}

const inColumn = (column: string, oid: string) => oid.startsWith(`${column}.`);

/** GetBulk over every column at once, `perPdu` rows per request, until each column is done. */
function bulkRows(perPdu: number): Strategy {
  return async (session) => {
    let cursors = COLUMNS.map((column) => ({ column, next: column }));
    let read = 0;
    let first = true;
    while (cursors.length > 0) {
      const oids = cursors.map((c) => c.next);
      const response = first
        ? await bulk(session, 1, [SYS_UPTIME, ...oids], perPdu)
        : await bulk(session, 0, oids, perPdu);
      first = false;
      read += response.single.length + response.columns.reduce((n, col) => n + col.length, 0);
      const still: typeof cursors = [];
      cursors.forEach((cursor, c) => {
        const got = response.columns[c] ?? [];
        const inside = got.filter((v) => inColumn(cursor.column, v.oid));
        if (inside.length === got.length && inside.length > 0)
          still.push({ column: cursor.column, next: inside[inside.length - 1]!.oid });
      });
      cursors = still;
    }
    return read;
  };
}

/** Walk each column with GetBulk, `perPdu` per request (snmp_exporter's way). */
function bulkColumns(perPdu: number): Strategy {
  return async (session) => {
    let read = (await get(session, [SYS_UPTIME])).length;
    for (const column of COLUMNS) {
      let cursor = column;
      for (;;) {
        const varbinds = (await bulk(session, 0, [cursor], perPdu)).columns[0] ?? [];
        const inside = varbinds.filter((v) => inColumn(column, v.oid));
        read += varbinds.length;
        if (inside.length < varbinds.length || inside.length === 0) break;
        cursor = inside[inside.length - 1]!.oid;
      }
    }
    return read;
  };
}

const STRATEGIES: Record<string, Strategy> = {
  get40: getInstances(40, 4),
  get60: getInstances(60, 4),
  "bulk-rows": bulkRows(4),
  "bulk-cols": bulkColumns(25),
};

async function main(): Promise<void> {
  const lab = createLab();
  try {
    const ns = await lab.namespace("engine");
    await addOpdPorts(ns, INTERFACES);
    const management = await lab.managementLink(ns);
    const agent = await lab.snmpd(ns, {
      host: management.address,
      community: COMMUNITY,
      users: [
        {
          name: V3.name,
          authProtocol: "SHA-256",
          authKey: V3.authKey,
          privProtocol: "AES",
          privKey: V3.privKey,
        },
      ],
    });
    const rows = [...(await snmpColumn(agent.target, "1.3.6.1.2.1.31.1.1.1.1")).keys()].map(Number);
    const session = args.v3
      ? snmp.createV3Session(
          agent.host,
          {
            name: V3.name,
            level: snmp.SecurityLevel.authPriv,
            authProtocol: snmp.AuthProtocols.sha256,
            authKey: V3.authKey,
            privProtocol: snmp.PrivProtocols.aes,
            privKey: V3.privKey,
          },
          { port: agent.port, timeout: 5000, retries: 1 },
        )
      : snmp.createSession(agent.host, COMMUNITY, {
          port: agent.port,
          version: snmp.Version2c,
          timeout: 5000,
          retries: 1,
        });
    try {
      const names = Object.keys(STRATEGIES);
      const cpu = new Map(names.map((n) => [n, 0]));
      const wall = new Map(names.map((n) => [n, 0]));
      const varbinds = new Map<string, number>();
      for (const name of names) for (let i = 0; i < 30; i++) await STRATEGIES[name]!(session, rows); // warm-up
      for (let i = 0; i < POLLS; i++) {
        for (const name of names) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          varbinds.set(name, await STRATEGIES[name]!(session, rows));
          wall.set(name, wall.get(name)! + performance.now() - t0);
          const used = process.cpuUsage(c0);
          cpu.set(name, cpu.get(name)! + used.user + used.system);
        }
      }
      console.log(
        `net-snmp client CPU per poll (${args.v3 ? "SNMPv3 authPriv SHA-256/AES-128" : "SNMPv2c"}) of ${rows.length} rows x ${COLUMNS.length} columns + sysUpTime, ${POLLS} polls each:\n`,
      );
      console.log("| strategy | varbinds read per poll | CPU per poll | wall per poll |");
      console.log("| --- | ---: | ---: | ---: |");
      for (const name of names) {
        console.log(
          `| ${name} | ${varbinds.get(name)} | ${(cpu.get(name)! / POLLS).toFixed(0)} µs | ${(wall.get(name)! / POLLS).toFixed(2)} ms |`,
        );
      }
    } finally {
      session.close();
    }
  } finally {
    await lab.cleanup();
  }
}

await main();
