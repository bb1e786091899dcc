/**
 * Read a PDF's word boxes with poppler's `pdftotext -bbox` and check its layout: every word on its
 * page inside the margins, no two words drawn over each other (a cell's text running into the
 * next, a label over a line of text).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBinary } from "./binaries.js";
import { runOrThrow } from "./process.js";

export interface WordBox {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface PdfWords {
  pages: { width: number; height: number }[];
  words: WordBox[];
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

export async function pdfWords(file: string): Promise<PdfWords> {
  const { stdout } = await runOrThrow(requireBinary("pdftotext"), ["-bbox", file, "-"]);
  const pages: PdfWords["pages"] = [];
  const words: WordBox[] = [];
  const token =
    /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/g;
  for (const m of stdout.matchAll(token)) {
    if (m[1] !== undefined) pages.push({ width: Number(m[1]), height: Number(m[2]) });
    else
      words.push({
        page: pages.length,
        xMin: Number(m[3]),
        yMin: Number(m[4]),
        xMax: Number(m[5]),
        yMax: Number(m[6]),
        text: unescape(m[7]!),
      });
  }
  return { pages, words };
}

/** Words outside [margin, page - margin] horizontally or off the page vertically. */
export function wordsOutside(pdf: PdfWords, margin: number, slack = 1): WordBox[] {
  return pdf.words.filter((w) => {
    const page = pdf.pages[w.page - 1]!;
    return (
      w.xMin < margin - slack || w.xMax > page.width - margin + slack || w.yMin < 0 || w.yMax > page.height
    );
  });
}

/**
 * Pairs of words on the same page whose boxes overlap by more than `tolerance` points both ways
 * (glyph boxes of adjacent lines touch; text drawn over text overlaps by several points).
 */
export function overlappingWords(pdf: PdfWords, tolerance = 1.5): [WordBox, WordBox][] {
  const found: [WordBox, WordBox][] = [];
  const byPage = new Map<number, WordBox[]>();
  for (const w of pdf.words) byPage.set(w.page, [...(byPage.get(w.page) ?? []), w]);
  for (const words of byPage.values()) {
    const sorted = [...words].sort((a, b) => a.yMin - b.yMin);
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      for (let j = i + 1; j < sorted.length && sorted[j]!.yMin < a.yMax - tolerance; j++) {
        const b = sorted[j]!;
        const dx = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
        const dy = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
        if (dx > tolerance && dy > tolerance) found.push([a, b]);
      }
    }
  }
  return found;
}

/** A rectangle on a page, in pdftotext's points (y grows downwards). */
export interface Box {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/**
 * The words of a figure whose title starts with `titleWord`: those on the title's page whose
 * vertical middle lies between the title's bottom and `height` points below it, and whose
 * horizontal middle lies in [title.xMin, title.xMin + width]. With each, the box they must stay in.
 */
export function figureWords(
  pdf: PdfWords,
  isTitle: (word: WordBox, index: number) => boolean,
  width: number,
  height: number,
): { title: WordBox; box: Box; words: WordBox[] }[] {
  const out: { title: WordBox; box: Box; words: WordBox[] }[] = [];
  pdf.words.forEach((title, index) => {
    if (!isTitle(title, index)) return;
    const box = { xMin: title.xMin, yMin: title.yMin, xMax: title.xMin + width, yMax: title.yMax + height };
    const words = pdf.words.filter((w) => {
      const cx = (w.xMin + w.xMax) / 2;
      const cy = (w.yMin + w.yMax) / 2;
      return (
        w !== title &&
        w.page === title.page &&
        cy > title.yMax &&
        cy < box.yMax &&
        cx > box.xMin &&
        cx < box.xMax
      );
    });
    out.push({ title, box, words });
  });
  return out;
}

/** Words not wholly inside a box (by `slack` points). */
export function wordsLeaving(words: readonly WordBox[], box: Box, slack = 1): WordBox[] {
  return words.filter(
    (w) =>
      w.xMin < box.xMin - slack ||
      w.xMax > box.xMax + slack ||
      w.yMin < box.yMin - slack ||
      w.yMax > box.yMax + slack,
  );
}

/**
 * Pixels of one colour (each channel within `tolerance`) inside a box of a page, rendered by
 * poppler's pdftoppm at `dpi`: to check what a figure draws, not only its words.
 */
export async function colourPixels(
  file: string,
  page: number,
  box: Box,
  rgb: readonly [number, number, number],
  { dpi = 144, tolerance = 40 } = {},
): Promise<number> {
  const scale = dpi / 72;
  const dir = mkdtempSync(join(tmpdir(), "kapasitas-pdftoppm-"));
  let bytes: Buffer;
  try {
    await runOrThrow(requireBinary("pdftoppm"), [
      ...["-f", String(page), "-l", String(page), "-r", String(dpi), "-singlefile"],
      ...["-x", String(Math.floor(box.xMin * scale)), "-y", String(Math.floor(box.yMin * scale))],
      ...["-W", String(Math.ceil((box.xMax - box.xMin) * scale))],
      ...["-H", String(Math.ceil((box.yMax - box.yMin) * scale))],
      file,
      join(dir, "crop"),
    ]);
    bytes = readFileSync(join(dir, "crop.ppm"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // PPM (P6): "P6", width, height, maxval, each followed by whitespace, then RGB bytes.
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.toString("latin1", 0, 64));
  if (!header) throw new Error("pdftoppm did not write a PPM image");
  let count = 0;
  for (let i = header[0].length; i + 2 < bytes.length; i += 3) {
    if (
      Math.abs(bytes[i]! - rgb[0]) <= tolerance &&
      Math.abs(bytes[i + 1]! - rgb[1]) <= tolerance &&
      Math.abs(bytes[i + 2]! - rgb[2]) <= tolerance
    ) {
      count++;
    }
  }
  return count;
}
