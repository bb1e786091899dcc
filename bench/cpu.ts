/**
 * Client CPU of a process, as the kernel accounts it: utime + stime from /proc/PID/stat (all threads,
 * so Go's and Node's helper threads count too), in seconds.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return ticksPerSecond;
}

/** utime + stime of /proc/PID/stat text (pure). The command name may contain spaces and parentheses. */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat: ${stat}`);
  return utime + stime;
}

export function cpuSeconds(pid: number): number {
  return parseCpuTicks(readFileSync(`/proc/${pid}/stat`, "utf8")) / clockTicks();
}

/** Resident set size in bytes (VmRSS of /proc/PID/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : NaN;
}
