/**
 * A simulated fleet on real agents: a network namespace with N interfaces (`opd1`..`opdN`,
 * the same table on every device), and a few snmpd processes inside it, each answering on many
 * UDP ports, one port a device. Killing one agent silences exactly its share of the fleet.
 */
import { createLab, type Lab } from "./netns.js";
import type { Snmpd } from "./snmpd.js";

export interface FleetAgent {
  snmpd: Snmpd;
  /** Device indexes (0-based) this agent answers for. */
  devices: number[];
}

export interface AgentFleet {
  /** The agents' address inside the namespace (reachable from the root namespace). */
  host: string;
  agents: FleetAgent[];
  /** The UDP port of device i. */
  port(device: number): number;
  /** The agent serving device i. */
  agentOf(device: number): FleetAgent;
  /** Interface names on every device. */
  interfaces: string[];
  lab: Lab;
  stop(): Promise<void>;
}

const BASE_PORT = 20000;
/** snmpd reads its listening addresses into a buffer of about a kilobyte: 40 endpoints fit. */
export const MAX_PORTS_PER_AGENT = 40;

export async function startAgentFleet(options: {
  agents: number;
  devicesPerAgent: number;
  interfaces: number;
  community: string;
}): Promise<AgentFleet> {
  if (options.devicesPerAgent > MAX_PORTS_PER_AGENT)
    throw new Error(`at most ${MAX_PORTS_PER_AGENT} devices per agent: use more agents`);
  const lab = createLab();
  try {
    const ns = await lab.namespace("fleet");
    const link = await lab.managementLink(ns);
    const interfaces = Array.from({ length: options.interfaces }, (_, i) => `opd${i + 1}`);
    // veth pairs (this kernel has no dummy interfaces): `opdN` is the link, `opdN-peer` its other end.
    const script = interfaces
      .map((name) => `ip link add ${name} type veth peer name ${name}-peer && ip link set ${name} up`)
      .join(" && ");
    const made = await lab.exec(ns, "sh", ["-c", script]);
    if (made.code !== 0) throw new Error(`could not make the fleet's interfaces: ${made.stderr}`);
    // The namespace has its own port space: fixed ports cannot collide with anything outside it.
    const port = (device: number) => BASE_PORT + device;
    const agents = await Promise.all(
      Array.from({ length: options.agents }, async (_, a) => {
        const devices = Array.from(
          { length: options.devicesPerAgent },
          (_, i) => a * options.devicesPerAgent + i,
        );
        const [first, ...rest] = devices.map(port);
        const snmpd = await lab.snmpd(ns, {
          host: link.address,
          port: first!,
          extraPorts: rest,
          community: options.community,
        });
        return { snmpd, devices };
      }),
    );
    return {
      host: link.address,
      agents,
      port,
      agentOf: (device) => agents[Math.floor(device / options.devicesPerAgent)]!,
      interfaces,
      lab,
      stop: () => lab.cleanup(),
    };
  } catch (error) {
    await lab.cleanup();
    throw error;
  }
}
