// The planner's web page and its API, mounted the way the collector mounts them (/reports), over a
// real backfilled Prometheus; the page is driven in headless Debian Chromium (never downloaded).
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import ExcelJS from "exceljs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../core/load.js";
import { availabilityQuery, availabilityWindow, fetchAvailableDays } from "../report/availability.js";
import { reportRouter } from "../report/http.js";
import { PrometheusClient } from "../report/prometheus.js";
import { requireBinary } from "../lab/binaries.js";
import { freePort } from "../lab/ports.js";
import type { BackfilledPrometheus } from "../lab/history-prometheus.js";
import { INVENTORY_FILE, startScenarioPrometheus } from "./fixtures/report/scenario.js";

const inventory = loadInventoryOrThrow(INVENTORY_FILE);
const NOW = new Date("2026-06-15T05:00:00Z");
let prometheus: BackfilledPrometheus;
let server: Server;
let base: string;
let browser: Browser | undefined;

async function listen(app: express.Express): Promise<Server> {
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const s = app.listen(port, "127.0.0.1", (error?: Error) => (error ? reject(error) : resolve(s)));
  });
}

beforeAll(async () => {
  prometheus = await startScenarioPrometheus();
  const deadPort = await freePort(); // reserved, nothing listens
  const app = express();
  app.use(
    "/reports",
    // The file asks for more reports a minute than the default limit lets one client (6): on a fast
    // machine the last ones got 429. The limit has its own test (test/report-bounds.test.ts).
    reportRouter({
      inventory: () => inventory,
      prometheusUrl: prometheus.url,
      now: () => NOW,
      rateLimit: { burst: 1000, perMinute: 1000 },
    }),
  );
  app.use(
    "/down/reports",
    reportRouter({ inventory, prometheusUrl: `http://127.0.0.1:${deadPort}`, now: () => NOW }),
  );
  app.use(
    "/wrong/reports",
    reportRouter({ inventory, prometheusUrl: `${prometheus.url}/no/such/prefix`, now: () => NOW }),
  );
  app.use("/busy/reports", reportRouter({ inventory, prometheusUrl: prometheus.url, maxConcurrent: 0 }));
  server = await listen(app);
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await prometheus?.stop();
});

describe("GET /reports/api", () => {
  it("sends the file with Content-Disposition", async () => {
    const response = await fetch(`${base}/reports/api?period=2025-Q1&format=json&lang=en`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="capacity-report-2025-Q1.json"/,
    );
    const json = (await response.json()) as { period: { label: string }; opds: { id: string }[] };
    expect(json.period.label).toBe("Q1 of fiscal year 2025");
    expect(json.opds.map((o) => o.id)).toContain("dinkes");
  });

  it.each([
    ["from=2025-03-01&to=2025-02-01&format=pdf&lang=en", 400, "reversed", /reversed/],
    [
      "period=2025&format=docx&lang=en",
      400,
      "unknown-format",
      /unknown format "docx": choose from xlsx, pdf, csv, json/,
    ],
    ["period=2025&format=pdf,xlsx&lang=en", 400, "one-format", /one format per download/],
    ["format=pdf&lang=en", 400, "need-period", /give a period/],
    ["period=2025-14&format=pdf&lang=en", 400, "no-month", /no month 14/],
    [
      "period=2024&format=pdf&lang=en",
      422,
      "no-data",
      /^No measurements yet for Fiscal year 2024; data is available from 1 January 2025 to 31 December 2025$/,
    ],
    [
      "period=2027&format=pdf&lang=en",
      422,
      "not-started",
      /^Fiscal year 2027 has not started yet; data is available from 1 January 2025 to 31 December 2025$/,
    ],
    // Without a known language the reason is in Bahasa Indonesia, the page's default.
    [
      "from=2025-03-01&to=2025-02-01&format=pdf",
      400,
      "reversed",
      /periode terbalik: tanggal akhir \(2025-02-01\)/,
    ],
    ["period=2025&format=pdf&lang=fr", 400, "unknown-lang", /bahasa "fr" tidak dikenal/],
    [
      "period=2024-Q4&format=csv&lang=id",
      422,
      "no-data",
      /^Belum ada data pengukuran untuk Triwulan IV TA 2024; data tersedia dari 1 Januari 2025 sampai 31 Desember 2025$/,
    ],
  ])("refuses %s with %i (%s) and a reason", async (query, status, code, reason) => {
    const response = await fetch(`${base}/reports/api?${query}`);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-disposition")).toBeNull();
    const body = (await response.json()) as { error: string; code: string };
    expect(body.code).toBe(code);
    expect(body.error).toMatch(reason);
    // Plain words: never a metric name, a label matcher or a URL (those are in the detail).
    expect(body.error).not.toMatch(/rate5m|_bits|[{}[\]]|http:/);
  });

  it("keeps the technical reason of a refusal for lack of data in its detail", async () => {
    const response = await fetch(`${base}/reports/api?period=2024&format=csv`);
    const body = (await response.json()) as { error: string; detail: string };
    expect(body.detail).toMatch(/holds no opd_direction:opd_link_bits:rate5m .* samples in this period/);
  });

  it("answers 503 with Retry-After when its report slots are all taken", async () => {
    const busy = await fetch(`${base}/busy/reports/api?period=2025&format=csv&lang=en`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("10");
    expect(await busy.json()).toMatchObject({ code: "busy" });
  });

  it("answers 503 when Prometheus is unreachable and 502 when it answers nonsense", async () => {
    type Body = { error: string; detail: string };
    const down = await fetch(`${base}/down/reports/api?period=2025&format=csv`);
    expect(down.status).toBe(503);
    const downBody = (await down.json()) as Body;
    expect(downBody.error).toMatch(/^Data pengukuran tidak dapat dibaca: server Prometheus tidak menjawab/);
    expect(downBody.detail).toMatch(/cannot be reached: ECONNREFUSED/);
    const downEn = await fetch(`${base}/down/reports/api?period=2025&format=csv&lang=en`);
    expect(((await downEn.json()) as Body).error).toMatch(/the Prometheus server does not answer/);
    const wrong = await fetch(`${base}/wrong/reports/api?period=2025&format=csv&lang=en`);
    expect(wrong.status).toBe(502);
    const wrongBody = (await wrong.json()) as Body;
    expect(wrongBody.error).toMatch(/the Prometheus server refused the request/);
    expect(wrongBody.detail).toMatch(/answered 404/);
  });
});

describe("GET /reports", () => {
  it("still opens when Prometheus is down, saying availability cannot be checked", async () => {
    const response = await fetch(`${base}/down/reports`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("Ketersediaan data tidak dapat diperiksa saat ini");
    expect(html).toMatch(/<details><summary>Detail<\/summary><code>[^<]*ECONNREFUSED/);
  });

  it("opens within its wait when Prometheus does not answer, saying it is still reading", async () => {
    // A store that accepts the queries and never answers them.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const app = express().use(
      "/reports",
      reportRouter({
        inventory,
        prometheusUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        now: () => NOW,
        availabilityWaitMs: 200,
      }),
    );
    const page = await listen(app);
    try {
      const response = await fetch(`http://127.0.0.1:${(page.address() as AddressInfo).port}/reports`);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("Ketersediaan data tidak dapat diperiksa saat ini");
      // NOW is 15 June 2026: 1 January 2024 to today is 897 days, 29 month-long queries.
      expect(html).toContain("still reading which days hold data (0 of 29 queries done)");
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
      await new Promise((resolve) => page.close(resolve));
    }
  });
});

describe("which days hold data, read a month per query", () => {
  it("gives, from any day on, the days one query over the whole window gives", async () => {
    const client = new PrometheusClient({ url: prometheus.url });
    const window = availabilityWindow(NOW, inventory.timezone, 1, 3);
    const startS = window.start.getTime() / 1000;
    const whole: number[] = [];
    await client.queryRangeInto(
      availabilityQuery(),
      { startS: startS + 86_400, endS: startS + window.days * 86_400 },
      86_400,
      () => (t, value) => {
        if (value > 0) whole.push(Math.round((t - startS) / 86_400) - 1);
      },
    );
    // The scenario's data: all of 2025 (365 days), from day 366 of the window.
    expect(whole).toHaveLength(365);
    expect(whole[0]).toBe(366);
    const sorted = (days: number[]) => [...days].sort((a, b) => a - b);
    expect(sorted(await fetchAvailableDays(client, window))).toEqual(whole);
    // From the first day of data, from inside a query's month, and from the last day of data.
    for (const from of [366, 380, 730, 731]) {
      expect(sorted(await fetchAvailableDays(client, window, from))).toEqual(whole.filter((d) => d >= from));
    }
  });
});

describe("the /reports page in headless Chromium", () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: requireBinary("chromium"),
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);

  it("is in Bahasa Indonesia by default; picking a fiscal year downloads a valid XLSX", async () => {
    const context = await browser!.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/reports`);
    expect(await page.locator("h1").textContent()).toBe("Laporan kapasitas bandwidth");
    // It opens on the newest period holding data (fiscal year 2025; "now" is June 2026) and says
    // which periods hold data, month by month.
    expect(await page.locator("#availability-summary").textContent()).toBe(
      "Data pengukuran tersedia dari 1 Januari 2025 sampai 31 Desember 2025.",
    );
    expect(await page.locator("#year").inputValue()).toBe("2025");
    expect(await page.locator("#quarter").inputValue()).toBe("4");
    expect(await page.locator("#month").inputValue()).toBe("2025-12");
    expect(await page.locator("#from").inputValue()).toBe("2025-12-01");
    expect(await page.locator("#to").inputValue()).toBe("2025-12-31");
    expect(await page.locator("#year option").allTextContents()).toEqual([
      "2024 (tanpa data)",
      "2025",
      "2026 (tanpa data)",
    ]);
    const row = (label: string) =>
      page.locator("#availability tr", { has: page.locator(`th:text-is("${label}")`) }).locator("td");
    expect(await row("Tahun Anggaran 2025").evaluateAll((tds) => tds.map((td) => td.className))).toEqual(
      Array(12).fill("full"),
    );
    expect(await row("Tahun Anggaran 2026").evaluateAll((tds) => tds.map((td) => td.className))).toEqual([
      ...Array(6).fill("none"),
      ...Array(6).fill("future"),
    ]);
    expect(await row("Tahun Anggaran 2025").first().getAttribute("title")).toBe(
      "Januari 2025: data lengkap, 31 dari 31 hari",
    );
    await page.selectOption("#format", "xlsx");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("laporan-kapasitas-2025.xlsx");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual([
      "Ringkasan",
      "RKA",
      "Rencana alokasi",
      "Rincian",
      "Bulanan",
      "Celah data",
      "Harga dan metode",
    ]);
    await expect.poll(() => page.locator("#status").textContent()).toContain("Selesai");
    await context.close();
  });

  it("downloads a PDF for a date range in English, and shows a refused request's reason", async () => {
    const context = await browser!.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/reports?lang=en`);
    expect(await page.locator("#availability-summary").textContent()).toBe(
      "Measurements are available from 1 January 2025 to 31 December 2025.",
    );
    expect(await page.locator("#year option").allTextContents()).toEqual([
      "2024 (no data)",
      "2025",
      "2026 (no data)",
    ]);
    await page.selectOption("#kind", "range");
    await page.fill("#from", "2025-03-01");
    await page.fill("#to", "2025-03-31");
    await page.selectOption("#format", "pdf");
    await page.selectOption("#lang", "en");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("capacity-report-2025-03-01_2025-03-31.pdf");
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");

    await page.fill("#from", "2025-04-01");
    await page.click("#download");
    await expect.poll(() => page.locator("#status").textContent()).toMatch(/Failed: .*reversed/);
    await context.close();
  });

  it("refuses a period without data in plain words, the technical reason behind Detail", async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/reports`);
    await page.selectOption("#kind", "quarter");
    await page.selectOption("#year", "2024");
    await page.selectOption("#quarter", "4");
    await page.click("#download");
    const status = page.locator("#status");
    await expect.poll(() => status.getAttribute("class"), { timeout: 60_000 }).toBe("error");
    expect(await status.textContent()).toMatch(/^Gagal: Belum ada data/);
    const details = status.locator("details");
    expect(await details.locator("summary").textContent()).toBe("Detail");
    expect(await details.getAttribute("open")).toBeNull();
    expect(await details.locator("code").textContent()).toMatch(/opd_direction:opd_link_bits:rate5m/);
    const shown =
      "Gagal: Belum ada data pengukuran untuk Triwulan IV TA 2024; data tersedia dari 1 Januari 2025 sampai 31 Desember 2025";
    expect(await status.textContent()).toMatch(new RegExp(`^${shown}Detail.*opd_direction`));
    expect(await details.locator("code").isVisible()).toBe(false);
    await details.locator("summary").click();
    expect(await details.locator("code").isVisible()).toBe(true);
    await context.close();
  });
});
