/**
 * Small real networks for tests: Linux network namespaces joined by veth pairs, shaped with `tc`,
 * loaded with `iperf3`, with `snmpd` running inside and the kernel's own byte counters as ground truth.
 *
 * A `Lab` tracks everything it creates (namespaces named `kp-<pid>-<n>-<label>`, the one root-side
 * management veth, processes, address claims) and `cleanup()` removes exactly those, also on process
 * exit. Addresses: 198.19.0.0/16 inside namespaces (RFC 2544 benchmark range, never routed from the
 * root namespace) and one /30 from 198.18.0.0/16 per management link, claimed across parallel test
 * processes so two labs never share one. The root namespace gets only a connected route to that
 * /30: the collector, running in the root namespace, can reach the router's management address and
 * nothing else in the lab.
 */
import { execFileSync } from "node:child_process";
import { requireBinary } from "./binaries.js";
import { isAlive, killGroup, onExit } from "./cleanup.js";
import { run, runOrThrow, startDaemon, waitFor, type Daemon, type RunResult } from "./process.js";
import { claim, release } from "./reservations.js";
import { startSnmpd, type Snmpd, type SnmpdOptions } from "./snmpd.js";

export interface InterfaceBytes {
  rxBytes: number;
  txBytes: number;
}

export interface ManagementLink {
  /** Address of the root-namespace end (where the collector's packets come from). */
  rootAddress: string;
  /** Address of the namespace end: point the collector here. */
  address: string;
  rootInterface: string;
  /** Interface name inside the namespace. */
  interface: string;
}

export interface IperfOptions {
  /** Namespace the client runs in. */
  from: string;
  /** Server address (must be reachable from `from`). */
  server: string;
  port?: number;
  /** Run for this many seconds (default 1)... */
  seconds?: number;
  /** ...or until this many bytes are sent (takes precedence; rounded up to whole 128 KiB writes). */
  bytes?: number;
  /** Reverse: the server sends, the client receives (traffic flows server → client). */
  reverse?: boolean;
  /** Client-side target bitrate (iperf3 -b), e.g. 5_000_000; default unlimited for TCP. */
  bitsPerSecond?: number;
}

export interface IperfResult {
  /** Bytes the sender sent and the receiver got (TCP payload, excluding headers). */
  sentBytes: number;
  receivedBytes: number;
  seconds: number;
  receivedBitsPerSecond: number;
  /** The full iperf3 --json document. */
  json: unknown;
}

export interface Lab {
  /** Create a namespace with loopback up; returns its unique name. */
  namespace(label: string): Promise<string>;
  /** Join two namespaces with a veth pair; addresses in CIDR form, e.g. "198.19.1.1/30". */
  veth(
    a: { ns: string; name: string; address?: string },
    b: { ns: string; name: string; address?: string },
  ): Promise<void>;
  /** A veth from the root namespace into `ns` on a claimed /30; only that /30 is routed to. */
  managementLink(ns: string, name?: string): Promise<ManagementLink>;
  /** Enable IPv4 forwarding inside `ns` (a router). */
  forwarding(ns: string): Promise<void>;
  /** Add a route inside `ns`, e.g. route(host, "198.19.2.0/24", "198.19.1.2"). */
  route(ns: string, destination: string, via: string): Promise<void>;
  /** Shape egress of `ifname` in `ns` to `bitsPerSecond` with a token bucket (tc tbf). */
  shape(ns: string, ifname: string, bitsPerSecond: number): Promise<void>;
  /** Run a command inside `ns`. */
  exec(ns: string, command: string, args: string[]): Promise<RunResult>;
  /** Start `iperf3 -s` bound to `address` in `ns`; ready when the port is listening. */
  iperfServer(ns: string, address: string, port?: number): Promise<Daemon>;
  /** Run an iperf3 client to completion and return the parsed JSON result. */
  iperf(options: IperfOptions): Promise<IperfResult>;
  /** snmpd inside `ns` (on `host`, e.g. the management address). Its `target` is usable from the root namespace. */
  snmpd(ns: string, options: SnmpdOptions & { host: string }): Promise<Snmpd>;
  /** The kernel's ifindex of `ifname` inside `ns` (= the ifIndex snmpd reports for it). */
  ifIndex(ns: string, ifname: string): Promise<number>;
  /** The kernel's counters for `ifname` inside `ns`: the ground truth the collector must match. */
  readInterfaceBytes(ns: string, ifname: string): Promise<InterfaceBytes>;
  /** Stop every process and delete every namespace and veth this lab created. Idempotent. */
  cleanup(): Promise<void>;
}

let labCounter = 0;
const MANAGEMENT_SUBNETS = 16384; // /30s in 198.18.0.0/16

/** The /30 number `index` in 198.18.0.0/16 → [root end, namespace end] (pure). */
export function managementAddresses(index: number): [string, string] {
  if (!Number.isInteger(index) || index < 0 || index >= MANAGEMENT_SUBNETS)
    throw new Error(`bad subnet index ${index}`);
  const base = index * 4;
  const third = Math.floor(base / 256);
  const fourth = base % 256;
  return [`198.18.${third}.${fourth + 1}`, `198.18.${third}.${fourth + 2}`];
}

/** Parse the iperf3 --json client document (pure). */
export function parseIperfJson(text: string): IperfResult {
  const json = JSON.parse(text) as {
    error?: string;
    end?: {
      sum_sent?: { bytes: number; seconds: number };
      sum_received?: { bytes: number; seconds: number; bits_per_second: number };
    };
  };
  if (json.error) throw new Error(`iperf3: ${json.error}`);
  const sent = json.end?.sum_sent;
  const received = json.end?.sum_received;
  if (!sent || !received) throw new Error("iperf3: no end summary in the JSON result");
  return {
    sentBytes: sent.bytes,
    receivedBytes: received.bytes,
    seconds: received.seconds,
    receivedBitsPerSecond: received.bits_per_second,
    json,
  };
}

/** tbf burst: at least 10 ms at the rate and never below 32 KiB, so shaping holds without starving TCP (pure). */
export function tbfBurstBytes(bitsPerSecond: number): number {
  return Math.max(32 * 1024, Math.ceil(bitsPerSecond / 8 / 100));
}

/** The pid in a lab namespace name `kp-<pid>-<n>-<label>`, or undefined for other names (pure). */
export function labOwnerPid(namespace: string): number | undefined {
  const match = /^kp-(\d+)-\d+-/.exec(namespace);
  return match ? Number(match[1]) : undefined;
}

/**
 * Remove labs whose test process died without cleaning up (SIGKILL, OOM): kill the processes still
 * inside such a namespace, then delete it (its veths, including the root-side management end, go
 * with it). Only namespaces named by this helper for a pid that no longer exists are touched.
 */
export function reapStaleLabs(): string[] {
  const ip = requireBinary("ip");
  const reaped: string[] = [];
  const names = execFileSync(ip, ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "");
  for (const ns of names) {
    const owner = labOwnerPid(ns);
    if (owner === undefined || owner === process.pid || isAlive(owner)) continue;
    try {
      const pids = execFileSync(ip, ["netns", "pids", ns], { encoding: "utf8" }).split("\n").filter(Boolean);
      for (const pid of pids) killGroup(Number(pid));
      execFileSync(ip, ["netns", "del", ns], { stdio: "ignore" });
      reaped.push(ns);
    } catch {
      // another process reaped it first
    }
  }
  return reaped;
}

/**
 * `count` interfaces named opd001…, made as veth pairs with both ends inside `ns` (this kernel has
 * no `dummy` module; veths count bytes just the same), all up, in one `ip -batch`. `count` is even.
 */
export async function addOpdPorts(ns: string, count: number): Promise<void> {
  const port = (i: number) => `opd${String(i).padStart(3, "0")}`;
  const batch = Array.from({ length: count / 2 }, (_, pair) => {
    const [a, b] = [port(2 * pair + 1), port(2 * pair + 2)];
    return `link add ${a} type veth peer name ${b}\nlink set ${a} up\nlink set ${b} up\n`;
  }).join("");
  await runOrThrow(requireBinary("ip"), ["-n", ns, "-batch", "-"], { input: batch });
}

export function createLab(): Lab {
  const ip = requireBinary("ip");
  if (process.getuid?.() !== 0) {
    throw new Error("network namespace tests need root (CAP_NET_ADMIN): run them as root, as .ci/run does");
  }
  reapStaleLabs();
  const labId = `kp-${process.pid}-${++labCounter}`;
  const namespaces: string[] = [];
  const rootInterfaces: string[] = [];
  const claims: number[] = [];
  const daemons: Daemon[] = [];
  const agents: Snmpd[] = [];
  let cleaned: Promise<void> | undefined;

  const removeSync = () => {
    for (const name of rootInterfaces) {
      try {
        execFileSync(ip, ["link", "del", name], { stdio: "ignore" });
      } catch {
        // already gone with its peer's namespace
      }
    }
    for (const ns of namespaces) {
      try {
        execFileSync(ip, ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        // already deleted
      }
    }
    for (const index of claims) release("mgmt-subnets", index);
  };
  // Registered first, so on exit it runs after the processes started inside (newest first).
  const unregister = onExit(removeSync);

  const inNs = (ns: string, command: string, args: string[]): [string, string[]] => [
    ip,
    ["netns", "exec", ns, command, ...args],
  ];

  // /proc/sys/net is per namespace; writing it directly needs no procps (sysctl) package.
  const setSysctl = (ns: string, key: string, value: "0" | "1") =>
    runOrThrow(...inNs(ns, "sh", ["-c", `echo ${value} > /proc/sys/${key}`]));

  const lab: Lab = {
    async namespace(label) {
      const name = `${labId}-${label}`;
      await runOrThrow(ip, ["netns", "add", name]);
      namespaces.push(name);
      await runOrThrow(ip, ["-n", name, "link", "set", "lo", "up"]);
      // No IPv6: no router solicitations or DAD on the veths, so idle counters stay still.
      await setSysctl(name, "net/ipv6/conf/all/disable_ipv6", "1");
      await setSysctl(name, "net/ipv6/conf/default/disable_ipv6", "1");
      return name;
    },

    async veth(a, b) {
      await runOrThrow(ip, [
        "-n",
        a.ns,
        "link",
        "add",
        a.name,
        "type",
        "veth",
        "peer",
        "name",
        b.name,
        "netns",
        b.ns,
      ]);
      for (const end of [a, b]) {
        if (end.address) await runOrThrow(ip, ["-n", end.ns, "addr", "add", end.address, "dev", end.name]);
        await runOrThrow(ip, ["-n", end.ns, "link", "set", end.name, "up"]);
      }
    },

    async managementLink(ns, name = "mgmt0") {
      const start = Math.floor(Math.random() * MANAGEMENT_SUBNETS);
      let index: number | undefined;
      for (let i = 0; i < MANAGEMENT_SUBNETS && index === undefined; i++) {
        const candidate = (start + i) % MANAGEMENT_SUBNETS;
        if (claim("mgmt-subnets", candidate)) index = candidate;
      }
      if (index === undefined) throw new Error("no free management subnet");
      claims.push(index);
      const [rootAddress, address] = managementAddresses(index);
      const rootInterface = `kpm${index}`;
      await runOrThrow(ip, ["link", "add", rootInterface, "type", "veth", "peer", "name", name, "netns", ns]);
      rootInterfaces.push(rootInterface);
      await runOrThrow(ip, ["addr", "add", `${rootAddress}/30`, "dev", rootInterface]);
      await runOrThrow(ip, ["link", "set", rootInterface, "up"]);
      await runOrThrow(ip, ["-n", ns, "addr", "add", `${address}/30`, "dev", name]);
      await runOrThrow(ip, ["-n", ns, "link", "set", name, "up"]);
      return { rootAddress, address, rootInterface, interface: name };
    },

    async forwarding(ns) {
      await setSysctl(ns, "net/ipv4/ip_forward", "1");
    },

    async route(ns, destination, via) {
      await runOrThrow(ip, ["-n", ns, "route", "add", destination, "via", via]);
    },

    async shape(ns, ifname, bitsPerSecond) {
      const tc = requireBinary("tc");
      await runOrThrow(
        ...inNs(ns, tc, [
          "qdisc",
          "replace",
          "dev",
          ifname,
          "root",
          "tbf",
          "rate",
          `${bitsPerSecond}bit`,
          "burst",
          String(tbfBurstBytes(bitsPerSecond)),
          "latency",
          "100ms",
        ]),
      );
    },

    exec(ns, command, args) {
      return run(...inNs(ns, command, args));
    },

    async iperfServer(ns, address, port = 5201) {
      const daemon = startDaemon(
        ...inNs(ns, requireBinary("iperf3"), ["-s", "-B", address, "-p", String(port)]),
      );
      daemons.push(daemon);
      const ss = requireBinary("ss");
      await waitFor(
        `iperf3 server listening on ${address}:${port} in ${ns}`,
        async () => (await run(...inNs(ns, ss, ["-Hltn", `sport = :${port}`]))).stdout.includes(`:${port}`),
        { daemon },
      );
      return daemon;
    },

    async iperf(options) {
      const args = ["-c", options.server, "-p", String(options.port ?? 5201), "--json"];
      if (options.bytes !== undefined) args.push("-n", String(options.bytes));
      else args.push("-t", String(options.seconds ?? 1));
      if (options.reverse) args.push("-R");
      if (options.bitsPerSecond !== undefined) args.push("-b", String(options.bitsPerSecond));
      const result = await run(...inNs(options.from, requireBinary("iperf3"), args), { timeoutMs: 120_000 });
      if (!result.stdout.trim())
        throw new Error(`iperf3 client failed (${result.code}): ${result.stderr.trim()}`);
      return parseIperfJson(result.stdout);
    },

    async snmpd(ns, options) {
      const agent = await startSnmpd({ ...options, netns: ns });
      agents.push(agent);
      // The agent listens on a management address the root namespace reaches directly.
      return { ...agent, target: { ...agent.target, netns: undefined } };
    },

    async ifIndex(ns, ifname) {
      const { stdout } = await runOrThrow(...inNs(ns, "cat", [`/sys/class/net/${ifname}/ifindex`]));
      return Number(stdout.trim());
    },

    async readInterfaceBytes(ns, ifname) {
      const read = async (counter: "rx_bytes" | "tx_bytes") => {
        const { stdout } = await runOrThrow(
          ...inNs(ns, "cat", [`/sys/class/net/${ifname}/statistics/${counter}`]),
        );
        return Number(stdout.trim());
      };
      return { rxBytes: await read("rx_bytes"), txBytes: await read("tx_bytes") };
    },

    cleanup() {
      cleaned ??= (async () => {
        await Promise.all(agents.map((agent) => agent.stop()));
        await Promise.all(daemons.map((daemon) => daemon.stop()));
        removeSync();
        unregister();
      })();
      return cleaned;
    },
  };
  return lab;
}

export interface RoutedNetwork {
  lab: Lab;
  /** Namespaces: an OPD-side client, the router, and a server side (the "internet"). */
  ns: { opd: string; router: string; upstream: string };
  /** Interface names inside their namespaces. */
  ifname: { opd: string; routerOpd: string; routerUpstream: string; upstream: string };
  address: { opd: string; routerOpd: string; routerUpstream: string; upstream: string };
  management: ManagementLink;
  cleanup(): Promise<void>;
}

/**
 * opd ── veth ── router ── veth ── upstream, plus a management veth from the root namespace into the
 * router. The router forwards; `shapeBitsPerSecond` shapes both router-facing links' egress (the
 * OPD's download on `routerOpd`, its upload on `routerUpstream`), like a per-OPD limit.
 */
export async function createRoutedNetwork(
  options: { shapeBitsPerSecond?: number } = {},
): Promise<RoutedNetwork> {
  const lab = createLab();
  try {
    const ns = {
      opd: await lab.namespace("opd"),
      router: await lab.namespace("router"),
      upstream: await lab.namespace("up"),
    };
    const ifname = { opd: "eth0", routerOpd: "opd0", routerUpstream: "up0", upstream: "eth0" };
    const address = {
      opd: "198.19.1.2",
      routerOpd: "198.19.1.1",
      routerUpstream: "198.19.2.1",
      upstream: "198.19.2.2",
    };
    await lab.veth(
      { ns: ns.router, name: ifname.routerOpd, address: `${address.routerOpd}/24` },
      { ns: ns.opd, name: ifname.opd, address: `${address.opd}/24` },
    );
    await lab.veth(
      { ns: ns.router, name: ifname.routerUpstream, address: `${address.routerUpstream}/24` },
      { ns: ns.upstream, name: ifname.upstream, address: `${address.upstream}/24` },
    );
    await lab.forwarding(ns.router);
    await lab.route(ns.opd, "198.19.2.0/24", address.routerOpd);
    await lab.route(ns.upstream, "198.19.1.0/24", address.routerUpstream);
    const management = await lab.managementLink(ns.router);
    if (options.shapeBitsPerSecond !== undefined) {
      await lab.shape(ns.router, ifname.routerOpd, options.shapeBitsPerSecond);
      await lab.shape(ns.router, ifname.routerUpstream, options.shapeBitsPerSecond);
    }
    return { lab, ns, ifname, address, management, cleanup: () => lab.cleanup() };
  } catch (error) {
    await lab.cleanup();
    throw error;
  }
}
