/**
 * Cross-process claims on shared numbers (ports, test subnets): one file per claim, created with
 * O_EXCL and holding the owner's pid, in a directory every test process sees. A claim whose owner
 * is dead is taken over; all of this process's claims are dropped on exit.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive, onExit } from "./cleanup.js";

const held = new Set<string>();
let hookInstalled = false;

/** Claim `kind`/`id` for this process; false when another live process (or this one) holds it. */
export function claim(kind: string, id: string | number): boolean {
  if (!hookInstalled) {
    hookInstalled = true;
    onExit(() => {
      for (const file of held) rmSync(file, { force: true });
    });
  }
  const dir = join(tmpdir(), `kapasitas-test-${kind}`);
  mkdirSync(dir, { recursive: true, mode: 0o1777 });
  const file = join(dir, String(id));
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
  } catch {
    const owner = Number.parseInt(readFileSync(file, "utf8"), 10);
    if (owner === process.pid || (Number.isInteger(owner) && isAlive(owner))) return false;
    writeFileSync(file, String(process.pid)); // a dead process's stale claim
  }
  held.add(file);
  return true;
}

/** Give a claim back before exit (e.g. when its network is torn down). */
export function release(kind: string, id: string | number): void {
  const file = join(tmpdir(), `kapasitas-test-${kind}`, String(id));
  if (held.delete(file)) rmSync(file, { force: true });
}
