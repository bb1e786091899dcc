/** BENCHMARKS.md is shared by several benchmarks: each rewrites only its own marked section. */

/** BENCHMARKS.md with this benchmark's section replaced (or added); other sections kept (pure). */
export function withSection(existing: string, section: string, name: string): string {
  const startMarker = `<!-- bench:${name} start (written by npm run bench) -->`;
  const endMarker = `<!-- bench:${name} end -->`;
  const block = `${startMarker}\n\n${section.trim()}\n\n${endMarker}`;
  const start = existing.indexOf(startMarker);
  const end = existing.indexOf(endMarker);
  if (start >= 0 && end > start)
    return existing.slice(0, start) + block + existing.slice(end + endMarker.length);
  const base = existing.trim() === "" ? "# Benchmarks" : existing.trimEnd();
  return `${base}\n\n${block}\n`;
}
