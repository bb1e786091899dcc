/**
 * Free TCP/UDP ports on 127.0.0.1 for daemons started by tests.
 *
 * The kernel picks a free port (bind to port 0), we release it and hand out the number. Test files
 * run in parallel worker processes, so each handed-out port is also reserved in a shared directory
 * (one file per port, created with O_EXCL, holding the owner's pid): another worker never gets the
 * same number while this process lives. Reservations of dead processes are taken over. The race
 * left is the unavoidable one: an unrelated program grabbing the port between release and use.
 */
import { createSocket } from "node:dgram";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onExit } from "./cleanup.js";

export type Protocol = "tcp" | "udp";

const RESERVATIONS_DIR = join(tmpdir(), "kapasitas-test-ports");
const reservedHere = new Set<string>();

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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Claim `protocol/port` across processes; false when a live process already holds it. */
function reserve(protocol: Protocol, port: number): boolean {
  mkdirSync(RESERVATIONS_DIR, { recursive: true, mode: 0o1777 });
  const file = join(RESERVATIONS_DIR, `${protocol}-${port}`);
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
  } catch {
    const owner = Number.parseInt(readFileSync(file, "utf8"), 10);
    if (owner === process.pid || (Number.isInteger(owner) && isAlive(owner))) return false;
    writeFileSync(file, String(process.pid)); // take over a dead process's stale claim
  }
  reservedHere.add(file);
  return true;
}

onExit(() => {
  for (const file of reservedHere) rmSync(file, { force: true });
});

/** A port on 127.0.0.1 that is free now and not handed to any other test process. */
export async function freePort(protocol: Protocol = "tcp"): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await kernelPickedPort(protocol);
    if (reserve(protocol, port)) return port;
  }
  throw new Error(`no free ${protocol} port after 50 attempts`);
}
