/**
 * Open a workbook in a real spreadsheet program (Debian's headless LibreOffice Calc), recalculate
 * every formula on load, and save one sheet as CSV: what a reviewer's spreadsheet would show.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { requireBinary } from "./binaries.js";
import { runOrThrow } from "./process.js";

/** A throwaway LibreOffice profile that always recalculates OOXML files on load (default: never). */
function profileDir(root: string): string {
  const profile = join(root, "profile");
  mkdirSync(join(profile, "user"), { recursive: true });
  writeFileSync(
    join(profile, "user", "registrymodifications.xcu"),
    `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`,
  );
  return profile;
}

/**
 * The CSV text of sheet `sheet` (1-based) of `xlsx` after LibreOffice recalculated it: comma
 * separated, '"' quoted, UTF-8, values as shown unless `raw` (then full precision, unformatted).
 */
export async function recalculatedCsv(xlsx: Buffer, sheet: number, raw = true): Promise<string> {
  const soffice = requireBinary("soffice");
  const root = mkdtempSync(join(tmpdir(), "kapasitas-soffice-"));
  try {
    const input = join(root, "book.xlsx");
    writeFileSync(input, xlsx);
    const out = join(root, "out");
    // Filter options: separator 44 (,), quote 34 ("), charset 76 (UTF-8), from line 1, no column
    // formats, language default, quote all text, detect special numbers, "save as shown" (off for
    // raw), export formulas off, remove space off, and the sheet number.
    const options = `44,34,76,1,,0,true,true,${raw ? "false" : "true"},false,false,${sheet}`;
    await runOrThrow(
      soffice,
      [
        `-env:UserInstallation=${pathToFileURL(profileDir(root)).href}`,
        "--headless",
        "--norestore",
        "--convert-to",
        `csv:Text - txt - csv (StarCalc):${options}`,
        "--outdir",
        out,
        input,
      ],
      { timeoutMs: 120_000 },
    );
    const written = readdirSync(out).filter((f) => f.startsWith(basename(input, ".xlsx")));
    if (written.length !== 1) throw new Error(`LibreOffice wrote ${written.join(", ") || "nothing"}`);
    return readFileSync(join(out, written[0]!), "utf8");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Minimal CSV parsing for the comma-separated, '"'-quoted text LibreOffice writes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}
