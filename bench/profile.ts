/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function, and self time per
 * source file, so a hot spot can be named in one line (`device.ts:412 advance 12.3%`).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  /** Node id of each sample, and the µs since the previous sample (V8's sampling profile). */
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  what: string;
  share: number;
}

function place(url: string, root: string): string {
  if (!url) return "(native)";
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  const rel = relative(root, path);
  return rel.startsWith("..") ? path : rel.replace(/^node_modules\//, "");
}

/**
 * Top functions and files by self samples, as shares of the BUSY samples (idle left out), counting
 * only samples inside `window` (seconds since the profile started) when given (pure).
 */
export function hotSpots(
  profile: CpuProfile,
  root: string,
  { top = 15, window }: { top?: number; window?: { from: number; to: number } } = {},
): { functions: HotSpot[]; files: HotSpot[]; busySamples: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    let t = 0;
    profile.samples.forEach((id, i) => {
      t += profile.timeDeltas![i] ?? 0;
      const seconds = t / 1e6;
      if (window && (seconds < window.from || seconds > window.to)) return;
      hits.set(id, (hits.get(id) ?? 0) + 1);
    });
  } else {
    for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    busy += count;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = place(url, root);
    const fn = `${file}:${lineNumber + 1} ${functionName || "(anonymous)"}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + count);
    byFile.set(file, (byFile.get(file) ?? 0) + count);
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, n]) => ({ what, share: n / (busy || 1) }));
  return { functions: rank(byFunction), files: rank(byFile), busySamples: busy };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}
