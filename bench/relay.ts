/**
 * A counting UDP relay in front of an SNMP agent: every request is forwarded unchanged and every
 * response is decoded to count PDUs and varbinds and to record which OIDs came back. Pointing both
 * exporters at it once tells us, from the wire, how many varbinds each polls per scrape and whether
 * they poll the same OIDs. (The timed runs go straight to the agent, without the relay.)
 */
import type { Socket } from "node:dgram";
import { bindUdp } from "../lab/udp-relay.js";
import { decodeMessage, PDU } from "./ber.js";

export interface RelayCounts {
  requests: number;
  responses: number;
  varbinds: number;
  /** Distinct OIDs seen in responses. */
  oids: Set<string>;
}

export interface CountingRelay {
  port: number;
  counts(): RelayCounts;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingRelay(agent: { host: string; port: number }): Promise<CountingRelay> {
  const front = await bindUdp("127.0.0.1");
  // One upstream socket per client port, so responses go back to whoever asked.
  const upstreams = new Map<string, Promise<Socket>>();
  let counts: RelayCounts = { requests: 0, responses: 0, varbinds: 0, oids: new Set() };

  const upstreamFor = (clientAddress: string, clientPort: number): Promise<Socket> => {
    const key = `${clientAddress}:${clientPort}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      upstream = bindUdp("0.0.0.0").then((socket) => {
        socket.on("message", (response) => {
          try {
            const decoded = decodeMessage(response);
            if (decoded.pduType === PDU.response) {
              counts.responses++;
              counts.varbinds += decoded.oids.length;
              for (const oid of decoded.oids) counts.oids.add(oid);
            }
          } catch {
            // not ours to judge: relay it anyway
          }
          front.send(response, clientPort, clientAddress);
        });
        return socket;
      });
      upstreams.set(key, upstream);
    }
    return upstream;
  };

  front.on("message", (request, from) => {
    counts.requests++;
    void upstreamFor(from.address, from.port).then((socket) => socket.send(request, agent.port, agent.host));
  });

  return {
    port: front.address().port,
    counts: () => ({ ...counts, oids: new Set(counts.oids) }),
    reset() {
      counts = { requests: 0, responses: 0, varbinds: 0, oids: new Set() };
    },
    async close() {
      for (const upstream of upstreams.values()) (await upstream).close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
