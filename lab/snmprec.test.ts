// The real-device recordings are LibreNMS's files, unmodified (NOTICE.md): each file's SHA-256 and
// git blob id are the ones NOTICE.md lists, and no other recording sits beside them.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RECORDINGS_DIR } from "./snmpsim.js";

const notice = readFileSync(`${RECORDINGS_DIR}/NOTICE.md`, "utf8");
/** file → [sha256, git blob id], from NOTICE.md's table. */
const listed = new Map(
  [...notice.matchAll(/^\| `([\w-]+\.snmprec)` +\| `([0-9a-f]{64})` \| `([0-9a-f]{40})` \|$/gm)].map((m) => [
    m[1]!,
    [m[2]!, m[3]!] as const,
  ]),
);

describe("lab/snmprec", () => {
  const files = readdirSync(RECORDINGS_DIR).filter((f) => f.endsWith(".snmprec"));

  it("holds exactly the recordings NOTICE.md lists", () => {
    expect(files.sort()).toEqual([...listed.keys()].sort());
    expect(files).toHaveLength(5);
  });

  it.each(files)("%s is byte-for-byte the upstream file", (file) => {
    const bytes = readFileSync(`${RECORDINGS_DIR}/${file}`);
    const [sha256, blob] = listed.get(file)!;
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(sha256);
    const gitBlob = createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
    expect(gitBlob).toBe(blob);
    // SOURCES.md, which came with the files, names the same checksum.
    expect(readFileSync(`${RECORDINGS_DIR}/SOURCES.md`, "utf8")).toContain(sha256);
  });
});
