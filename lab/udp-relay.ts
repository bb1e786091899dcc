/**
 * A UDP relay on 127.0.0.1 in front of an SNMP agent, for the network conditions a test needs:
 * a round trip (each request and each response held for half of it: `netem` is not available on
 * this kernel), or silence (requests dropped, from now or after a number of them have passed: an
 * agent that stops answering in the middle of a poll, at a chosen point).
 */
import { createSocket, type Socket } from "node:dgram";

export interface UdpRelay {
  /** Point the collector here. */
  readonly port: number;
  /** Requests that reached the relay (passed or dropped). */
  requests(): number;
  /** Let `n` more requests through, then drop every request until `pass()`. 0: silent from now. */
  dropAfter(n: number): void;
  /** Forward every request again. */
  pass(): void;
  close(): Promise<void>;
}

/** A UDP socket bound to `address` on a port the kernel picks. */
export function bindUdp(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind({ address, port: 0 }, () => resolve(socket));
  });
}

export async function startUdpRelay(options: {
  agent: { host: string; port: number };
  /** Round trip the relay adds, in milliseconds (default 0). */
  roundTripMs?: number;
}): Promise<UdpRelay> {
  const front = await bindUdp("127.0.0.1");
  const half = (options.roundTripMs ?? 0) / 2;
  const later = (fn: () => void) => (half > 0 ? setTimeout(fn, half) : fn());
  // One upstream socket per client port, so responses go back to whoever asked.
  const upstreams = new Map<string, Promise<Socket>>();
  let requests = 0;
  let budget = Infinity;
  let closed = false;

  const upstreamFor = (address: string, port: number): Promise<Socket> => {
    const key = `${address}:${port}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      upstream = bindUdp(options.agent.host === "127.0.0.1" ? "127.0.0.1" : "0.0.0.0").then((socket) => {
        socket.on("message", (response) => later(() => !closed && front.send(response, port, address)));
        return socket;
      });
      upstreams.set(key, upstream);
    }
    return upstream;
  };

  front.on("message", (request, from) => {
    requests++;
    if (budget <= 0) return;
    budget--;
    later(() => {
      if (closed) return;
      void upstreamFor(from.address, from.port).then((socket) =>
        socket.send(request, options.agent.port, options.agent.host),
      );
    });
  });

  return {
    port: front.address().port,
    requests: () => requests,
    dropAfter(n) {
      budget = n;
    },
    pass() {
      budget = Infinity;
    },
    async close() {
      closed = true;
      for (const upstream of upstreams.values()) (await upstream).close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
