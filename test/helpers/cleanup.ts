/**
 * Process-exit safety net for everything the helpers start.
 *
 * Each helper registers a *synchronous* undo action (kill a pid, delete a namespace, remove a temp
 * dir) when it creates something, and unregisters it when the test stops the thing normally. If the
 * test process exits or is interrupted first, the remaining actions run on `exit` / SIGINT / SIGTERM,
 * newest first, so a crashed test leaves no daemon, namespace or temp dir behind.
 */
import { rmSync } from "node:fs";

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
  return onExit(() => rmSync(dir, { recursive: true, force: true }));
}

/** Run an async stop function at most once; later calls return the same promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
