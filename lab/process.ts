/**
 * Small process primitives shared by the helpers: run a command to completion, start a daemon that
 * is killed on stop() or process exit, and poll a readiness check against a bounded deadline.
 */
import { spawn } from "node:child_process";
import { killGroup, onExit, processStartTime, recordLeftover } from "./cleanup.js";

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal. */
  code: number | null;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command after this many ms (default 60 s). */
  timeoutMs?: number;
}

/** Run a command to completion and capture its output; never throws on a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    const unregister = onExit(() => killGroup(child.pid));
    const timer = setTimeout(() => killGroup(child.pid), options.timeoutMs ?? 60_000);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", (error) => {
      clearTimeout(timer);
      unregister();
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      unregister();
      resolve({ stdout, stderr, code });
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // the command may exit without reading its input
      child.stdin.end(options.input);
    }
  });
}

/** Like run(), but throws with the command's stderr when it exits non-zero. */
export async function runOrThrow(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result;
}

export interface Daemon {
  readonly pid: number;
  /** Everything the daemon wrote so far (stdout and stderr interleaved, last 64 KiB). */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /** The exit status once it has exited (null: not yet, or killed by a signal). */
  exitCode(): number | null;
  /** SIGTERM, then SIGKILL if it has not exited within graceMs; resolves when it is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Start a long-running process in its own process group; it is killed on stop() or when the test process exits. */
export function startDaemon(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Daemon {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  const startTime = processStartTime(pid);
  const forget = startTime ? recordLeftover({ kind: "process", pid, startTime }) : () => undefined;
  const unregisterKill = onExit(() => {
    killGroup(pid);
    forget();
  });
  const unregister = () => {
    unregisterKill();
    forget();
  };
  let log = "";
  const append = (chunk: string) => {
    log += chunk;
    if (log.length > OUTPUT_LIMIT) log = log.slice(-OUTPUT_LIMIT);
  };
  child.stdout.setEncoding("utf8").on("data", append);
  child.stderr.setEncoding("utf8").on("data", append);
  let hasExited = false;
  let status: number | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code) => {
      hasExited = true;
      status = code;
      unregister();
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    pid,
    output: () => log,
    exited: () => hasExited,
    exitCode: () => status,
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (hasExited) return;
        killGroup(pid, "SIGTERM");
        const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
        await exit;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/**
 * Poll `check` until it returns a value other than undefined/false, or throw after timeoutMs with
 * `what` and the last error. The interval is a polling period, not a guess at how long things take.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  {
    timeoutMs = 20_000,
    intervalMs = 100,
    daemon,
    failFast,
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    daemon?: Daemon;
    /** An error for which waiting longer cannot help: thrown at once. */
    failFast?: (error: unknown) => boolean;
  } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (daemon?.exited()) {
      throw new Error(
        `${what}: process exited before it was ready. Output:\n${daemon.output().slice(-4000)}`,
      );
    }
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (failFast?.(error)) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
      const output = daemon ? `\nOutput:\n${daemon.output().slice(-4000)}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
