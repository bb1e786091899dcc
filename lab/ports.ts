/**
 * Free TCP/UDP ports on 127.0.0.1 for daemons started by tests.
 *
 * The kernel picks a free port (bind to port 0), we release it and hand out the number. Test files
 * run in parallel worker processes, so each handed-out port is also claimed in a shared directory
 * (reservations.ts): another worker never gets the same number while this process lives. The race
 * left is the unavoidable one: an unrelated program grabbing the port between release and use.
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { claim } from "./reservations.js";

export type Protocol = "tcp" | "udp";

function kernelPickedPort(protocol: Protocol): Promise<number> {
  return new Promise((resolve, reject) => {
    if (protocol === "tcp") {
      const server = createServer();
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
        const address = server.address();
        server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
      });
    } else {
      const socket = createSocket("udp4");
      socket.once("error", reject);
      socket.bind({ address: "127.0.0.1", port: 0, exclusive: true }, () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
    }
  });
}

/** A port on 127.0.0.1 that is free now and not handed to any other test process. */
export async function freePort(protocol: Protocol = "tcp"): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await kernelPickedPort(protocol);
    if (claim("ports", `${protocol}-${port}`)) return port;
  }
  throw new Error(`no free ${protocol} port after 50 attempts`);
}
