/**
 * Process-exit safety net for everything the helpers start.
 *
 * Each helper registers a *synchronous* undo action (kill a pid, delete a namespace, remove a temp
 * dir) when it creates something, and unregisters it when the test stops the thing normally. If the
 * test process exits or is interrupted first, the remaining actions run on `exit` / SIGINT / SIGTERM,
 * newest first, so a crashed test leaves no daemon, namespace or temp dir behind.
 *
 * A process killed with SIGKILL runs no hooks. For that case every daemon and temp dir is also
 * recorded in a shared directory with its owner's pid; the next test process that starts something
 * reaps the records of dead owners (a daemon is killed only if its pid still has the recorded start
 * time, so a reused pid is never hit).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type UndoAction = () => void;

const pending = new Map<number, UndoAction>();
let nextId = 1;
let hooksInstalled = false;

function runAllPending(): void {
  const ids = [...pending.keys()].sort((a, b) => b - a);
  for (const id of ids) {
    const action = pending.get(id);
    pending.delete(id);
    try {
      action?.();
    } catch {
      // Best effort: one failed undo must not stop the others.
    }
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", runAllPending);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      runAllPending();
      process.kill(process.pid, signal);
    });
  }
}

/** Register a synchronous undo action; returns a function that unregisters it (call after a normal stop). */
export function onExit(action: UndoAction): () => void {
  installHooks();
  const id = nextId++;
  pending.set(id, action);
  return () => {
    pending.delete(id);
  };
}

/** Kill a process group (children started `detached` lead their own group), ignoring "already gone". */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already exited
    }
  }
}

/** Remove a temp dir on exit too; returns the same unregister function as onExit. */
export function removeDirOnExit(dir: string): () => void {
  const forget = recordLeftover({ kind: "dir", path: dir });
  const unregister = onExit(() => {
    rmSync(dir, { recursive: true, force: true });
    forget();
  });
  return () => {
    unregister();
    forget();
  };
}

/** Run an async stop function at most once; later calls return the same promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

type Leftover = { kind: "process"; pid: number; startTime: string } | { kind: "dir"; path: string };

const LEFTOVERS_DIR = join(tmpdir(), "kapasitas-test-leftovers");
let reaped = false;
let nextRecord = 1;

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined if gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; fields after ")" are plain.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether a process exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kill/remove what dead test processes left behind (runs once per process). */
export function reapOrphans(): void {
  if (reaped) return;
  reaped = true;
  let files: string[];
  try {
    files = readdirSync(LEFTOVERS_DIR);
  } catch {
    return; // nothing recorded yet
  }
  for (const file of files) {
    const owner = Number.parseInt(file, 10);
    if (!Number.isInteger(owner) || isAlive(owner)) continue;
    const path = join(LEFTOVERS_DIR, file);
    try {
      const entry = JSON.parse(readFileSync(path, "utf8")) as Leftover;
      if (entry.kind === "process" && processStartTime(entry.pid) === entry.startTime) killGroup(entry.pid);
      if (entry.kind === "dir") rmSync(entry.path, { recursive: true, force: true });
    } catch {
      // unreadable record: just drop it
    }
    rmSync(path, { force: true });
  }
}

/** Record a daemon or temp dir for reaping after a SIGKILL; returns a function that drops the record. */
export function recordLeftover(entry: Leftover): () => void {
  reapOrphans();
  mkdirSync(LEFTOVERS_DIR, { recursive: true, mode: 0o1777 });
  const path = join(LEFTOVERS_DIR, `${process.pid}-${nextRecord++}.json`);
  writeFileSync(path, JSON.stringify(entry));
  return () => rmSync(path, { force: true });
}
