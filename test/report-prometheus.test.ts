// The capacity report end to end against a real Prometheus backfilled with a year whose
// statistics are known by construction (test/fixtures/report/scenario.ts): the figures, the four
// files (XLSX reopened with exceljs, PDF read back with pdftotext) and the CLI.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../core/load.js";
import type { Inventory } from "../core/schema.js";
import { buildReport, type EntityReport, type Report } from "../report/engine.js";
import { monthNumber, parsePeriod, parseRange } from "../report/period.js";
import { PrometheusClient } from "../report/prometheus.js";
import { render } from "../report/render.js";
import { requireBinary } from "../lab/binaries.js";
import { parseCsv, recalculatedCsv } from "../lab/libreoffice.js";
import { freePort } from "../lab/ports.js";
import { run, runOrThrow } from "../lab/process.js";
import type { BackfilledPrometheus } from "../lab/history-prometheus.js";
import {
  aggregateP95,
  countSlots,
  DINKES_GAP,
  HISTORY,
  INVENTORY_FILE,
  SPECS,
  startScenarioPrometheus,
  TZ,
} from "./fixtures/report/scenario.js";

const MBPS = 1e6;
const SLOTS_2025 = 365 * 288;
const GAP_SLOTS = (DINKES_GAP.toS - DINKES_GAP.fromS) / 300; // 648

let prometheus: BackfilledPrometheus;
let inventory: Inventory;
let report: Report;
const work = mkdtempSync(join(tmpdir(), "kapasitas-report-test-"));

const entity = (id: string): EntityReport => {
  const found = [...report.opds, ...report.uplinks].find((e) => e.id === id);
  if (!found) throw new Error(`no ${id} in the report`);
  return found;
};

let readWithRemoteRead: boolean | undefined;

beforeAll(async () => {
  prometheus = await startScenarioPrometheus();
  inventory = loadInventoryOrThrow(INVENTORY_FILE);
  const client = new PrometheusClient({ url: prometheus.url });
  report = await buildReport({ inventory, period: parsePeriod("2025", TZ, 1), client });
  readWithRemoteRead = client.servedRemoteRead;
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("figures from Prometheus match the construction", () => {
  it("covers fiscal year 2025 in 5-minute slots", () => {
    expect(HISTORY.slots).toBe(SLOTS_2025);
    expect(report.months.length).toBe(12);
    expect(report.measuredEnd.toISOString()).toBe("2025-12-31T17:00:00.000Z");
    expect(report.nextFiscalYear.year).toBe(2026);
  });

  it("gives the constructed 95th percentile exactly, with mean, peak and hours above the threshold", () => {
    const dinkes = entity("dinkes").download;
    const counted = countSlots(SPECS.dinkesDown, 9 * MBPS);
    expect(dinkes.p95Bps).toBe(5 * MBPS);
    expect(dinkes.peakBps).toBe(9.5 * MBPS);
    expect(dinkes.samples).toBe(counted.samples);
    expect(dinkes.meanBps).toBeCloseTo(counted.sum / counted.samples, 3);
    expect(dinkes.hoursAboveThreshold).toBeCloseTo((counted.above * 5) / 60, 9);
    expect(dinkes.hoursAboveThreshold).toBeGreaterThan(80);
    expect(entity("dinkes").upload.p95Bps).toBe(1.5 * MBPS);
    expect(entity("bappeda").download.p95Bps).toBe(3 * MBPS);
    expect(entity("telkom-astinet").download.p95Bps).toBe(80 * MBPS);
    expect(entity("telkom-astinet").upload.p95Bps).toBe(30 * MBPS);
  });

  it("measures coverage and names the gap exactly", () => {
    const dinkes = entity("dinkes").download;
    expect(dinkes.slots).toBe(SLOTS_2025);
    expect(dinkes.samples).toBe(SLOTS_2025 - GAP_SLOTS);
    expect(dinkes.coverage).toBe((SLOTS_2025 - GAP_SLOTS) / SLOTS_2025);
    expect(dinkes.gaps).toEqual([{ startS: DINKES_GAP.fromS, endS: DINKES_GAP.toS, slots: 648 }]);
    const march = dinkes.monthly.find((m) => m.month === monthNumber(2025, 3))!;
    expect(march.coverage).toBe((31 * 288 - 648) / (31 * 288));
    expect(entity("disdukcapil").download.gaps).toEqual([]);
    expect(entity("disdukcapil").download.coverage).toBe(1);
  });

  it("gives the monthly p95, the growth trend and the saturation month as constructed", () => {
    const d = entity("disdukcapil").download;
    expect(d.monthly.map((m) => m.p95Bps! / MBPS)).toEqual([
      6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5,
    ]);
    expect(d.trend!.slopeBpsPerMonth).toBeCloseTo(0.5 * MBPS, 3);
    expect(d.trend!.ratioPerMonth).toBeCloseTo(0.5 / 8.75, 9);
    // 6 + 0.5 x >= 20 x 0.9 = 18 at x = 24 months after January 2025.
    expect(d.saturation).toEqual({ status: "projected", month: monthNumber(2027, 1) });
    expect(d.projectedP95Bps! / MBPS).toBeCloseTo(17.5, 6); // December 2026, end of next fiscal year
    expect(entity("dinkes").download.saturation).toEqual({ status: "not-within-horizon" });
  });

  it("prices contracts only: an own line gets a tier, shared OPDs carry no rupiah", () => {
    // MPP: flat 12 Mbps x 1.3 = 15.6 → the 20 Mbps tier at Rp 550.000/Mbps/month; today Rp 15 M/month.
    expect(entity("mpp")).toMatchObject({
      paidBy: "own",
      provider: "PT Lintasarta",
      today: { mbps: 50, yearlyCostIdr: 180_000_000 },
      recommendation: { basis: "download", mbps: 20, yearlyCostIdr: 132_000_000, changeIdr: -48_000_000 },
    });
    for (const id of ["disdukcapil", "dinkes", "bappeda", "diskominfo", "dishub", "satpol-pp"]) {
      expect(entity(id).paidBy, id).toBe("shared");
      expect(entity(id).today.yearlyCostIdr, id).toBeNull();
      expect(entity(id).recommendation, id).toBeNull();
    }
  });

  it("plans the shared OPDs' limits from their projected p95 + headroom, in steps", () => {
    const row = (id: string) => report.plan.rows.find((r) => r.id === id)!;
    // 17.5 x 1.3 = 22.75 → 25 Mbps; upload 2 x 1.3 = 2.6 → 3 Mbps.
    expect(row("disdukcapil")).toMatchObject({
      queue: "disdukcapil",
      today: { download: 20, upload: 20 },
      proposed: { download: 25, upload: 3 },
      changeMbps: 5,
    });
    expect(row("bappeda").proposed).toEqual({ download: 4, upload: 2 }); // 3.9 and 1.3
    expect(row("dishub")).toMatchObject({ evidence: false, proposed: { download: 10, upload: 10 } });
    expect(report.plan.rows.map((r) => r.id)).not.toContain("mpp"); // its own line, not a share
    // Room: the proposed uplinks (200 Mbps) x max_overbooking 1.5; the plan fits without scaling.
    expect(report.plan.capacityMbps).toEqual({ download: 300, upload: 300 });
    expect(report.plan.scale).toEqual({ download: 1, upload: 1 });
    expect(report.plan.gains).toEqual(["disdukcapil"]);
  });

  it("sizes the city from the simultaneous sum at the uplinks, not the sum of p95s", () => {
    const city = report.city;
    // Telkom (80 Mbps p95) and Biznet (40) are busy at different times: their sum's p95 is 100 Mbps.
    const constructed = aggregateP95([SPECS.uplinkDown, SPECS.biznetDown]);
    expect(constructed.p95).toBe(100 * MBPS);
    expect(city.uplinks.download.p95Bps).toBe(constructed.p95);
    expect(city.uplinks.download.samples).toBe(constructed.samples);
    expect(city.uplinks.upload.p95Bps).toBe(aggregateP95([SPECS.uplinkUp, SPECS.biznetUp]).p95);
    expect(entity("telkom-astinet").download.p95Bps! + entity("biznet").download.p95Bps!).toBe(120 * MBPS);
    // Flat: projected 100 x 1.3 = 130 Mbps, split over two 100 Mbps contracts → 65 → 100 Mbps each.
    expect(city).toMatchObject({ basis: "download", recommendedMbps: 200, todayMbps: 200 });
    expect(city.needMbps).toBeCloseTo(130, 9);
    expect(city.lines).toEqual([
      { id: "telkom-astinet", mbps: 100, idrPerMbpsMonth: 420_000, yearlyCostIdr: 504_000_000 },
      { id: "biznet", mbps: 100, idrPerMbpsMonth: 420_000, yearlyCostIdr: 504_000_000 },
    ]);
    expect(entity("biznet").recommendation).toMatchObject({
      mbps: 100,
      changeIdr: 504_000_000 - 360_000_000,
    });
  });

  it("measures the concurrency factor on the shared OPDs' sum, exactly as constructed", () => {
    const shared = [
      SPECS.disdukcapilDown,
      SPECS.dinkesDown,
      SPECS.bappedaDown,
      SPECS.diskominfoDown,
      SPECS.dishubDown,
    ];
    const constructed = aggregateP95(shared);
    const city = report.city;
    expect(city.sharedOpds.download.p95Bps).toBeCloseTo(constructed.p95, 6);
    expect(city.sharedOpds.download.samples).toBe(constructed.samples);
    const sumP95 = ["disdukcapil", "dinkes", "bappeda", "diskominfo", "dishub"].reduce(
      (s, id) => s + entity(id).download.p95Bps!,
      0,
    );
    expect(city.sumP95Mbps.download).toBeCloseTo(sumP95 / MBPS, 9);
    expect(city.concurrency.download).toBeCloseTo(sumP95 / constructed.p95, 9);
    expect(city.concurrency.download).toBeGreaterThan(1);
    expect(city.sharedWithoutData).toEqual(["satpol-pp"]);
    // Shared allocations 20+10+50+10+10+10 = 110 Mbps down on 200 Mbps of uplinks.
    expect(city.overbooking.download).toBeCloseTo(110 / 200, 9);
  });

  it("counts each rupiah once: the budget is the uplink contracts plus the own lines", () => {
    expect(
      report.budget.lines.map((l) => [l.kind, l.id, l.todayYearlyCostIdr, l.proposedYearlyCostIdr]),
    ).toEqual([
      ["uplink", "telkom-astinet", 720_000_000, 504_000_000],
      ["uplink", "biznet", 360_000_000, 504_000_000],
      ["own", "mpp", 180_000_000, 132_000_000],
    ]);
    expect(report.budget).toMatchObject({
      todayYearlyCostIdr: 1_260_000_000,
      proposedYearlyCostIdr: 1_140_000_000,
      changeIdr: -120_000_000,
    });
    expect(report.totals.opds.todayYearlyCostIdr + report.totals.uplinks.todayYearlyCostIdr).toBe(
      report.budget.todayYearlyCostIdr,
    );
  });

  it("gives no recommendation below the evidence gate, and says how much rests on solid data", () => {
    const dishub = entity("dishub");
    expect(dishub.evidence).toMatchObject({ ok: false, reason: "coverage" });
    expect(dishub.evidence.coverage).toBeCloseTo(1 - 123 / 365, 9);
    expect(entity("satpol-pp").evidence).toMatchObject({ ok: false, reason: "no-data" });
    expect(report.evidence).toMatchObject({
      opds: { passed: 5, total: 7 },
      uplinks: { passed: 2, total: 2 },
      city: true,
      none: false,
    });
    expect(report.evidence.coverage).toBe(1);
    expect(report.lastSampleAt!.toISOString()).toBe("2025-12-31T17:00:00.000Z");
  });

  it("a month recommends nothing (a trend needs 3 covered months), and still reports", async () => {
    const client = new PrometheusClient({ url: prometheus.url });
    const march = await buildReport({ inventory, period: parsePeriod("2025-03", TZ, 1), client });
    expect([...march.opds, ...march.uplinks].filter((e) => e.evidence.ok)).toEqual([]);
    expect(march.city.evidence).toMatchObject({ ok: false, reason: "months" });
    expect(march.city.lines).toEqual([]);
    expect(march.plan.rows.every((r) => r.proposed.download === r.today.download)).toBe(true);
    expect(march.budget.changeIdr).toBe(0);
    expect(march.evidence.none).toBe(true);
    expect(march.ranking.underProvisioned).toEqual([]);
  });

  it("takes the contract from Prometheus where exported, else the inventory", () => {
    expect(entity("telkom-astinet").download.allocationSource).toBe("prometheus");
    expect(entity("telkom-astinet").download.allocatedBps).toBe(100 * MBPS);
    expect(entity("dinkes").download.allocationSource).toBe("inventory");
  });

  it("names series Prometheus has for an OPD the inventory no longer lists, and leaves them out", () => {
    expect(report.unmatchedSeries).toEqual(["opd/dinas-lama"]);
    expect(report.opds.map((e) => e.id)).not.toContain("dinas-lama");
  });

  it("ranks under- and over-provisioned OPDs and totals the city", () => {
    expect(report.ranking).toEqual({
      underProvisioned: ["disdukcapil"],
      overProvisioned: ["bappeda", "mpp", "diskominfo", "dinkes"],
      noData: ["satpol-pp"],
      noEvidence: ["dishub"],
    });
    expect(report.totals.opds.todayYearlyCostIdr).toBe(180_000_000);
    expect(report.totals.opds.recommendedYearlyCostIdr).toBe(132_000_000);
    expect(report.totals.opds.sumP95Mbps.upload).toBeCloseTo(2 + 1.5 + 1 + 1 + 1 + 6, 9);
  });

  it("reads a quarter and a date range with the same rules", async () => {
    const client = new PrometheusClient({ url: prometheus.url });
    const q1 = await buildReport({ inventory, period: parsePeriod("2025-Q1", TZ, 1), client });
    expect(q1.opds.find((e) => e.id === "dinkes")!.download.gaps).toHaveLength(1);
    expect(q1.opds.find((e) => e.id === "disdukcapil")!.download.trend!.slopeBpsPerMonth).toBeCloseTo(
      0.5 * MBPS,
      3,
    );
    const days = await buildReport({ inventory, period: parseRange("2025-03-11", "2025-03-11", TZ), client });
    const d = days.opds.find((e) => e.id === "dinkes")!.download;
    expect([d.slots, d.samples, d.coverage]).toEqual([288, 0, 0]);
  });

  it("reads series with remote read, and the query API (other stores) gives the same report", async () => {
    expect(readWithRemoteRead).toBe(true);
    const client = new PrometheusClient({ url: prometheus.url, remoteRead: false });
    const viaQueries = await buildReport({ inventory, period: parsePeriod("2025", TZ, 1), client });
    expect(client.servedRemoteRead).toBe(false);
    expect({ ...viaQueries, generatedAt: report.generatedAt }).toEqual(report);
  });

  it("reads one entity at a time to the same figures (memory is bounded by the batch)", async () => {
    const client = new PrometheusClient({ url: prometheus.url });
    const one = await buildReport({
      inventory,
      period: parsePeriod("2025", TZ, 1),
      client,
      batchEntities: 1,
    });
    expect({ ...one, generatedAt: report.generatedAt }).toEqual(report);
  });
});

describe("files", () => {
  it("XLSX reopened with exceljs holds the numbers as numbers, formatted, headers frozen", async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await render(report, "xlsx", "id")) as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual([
      "Ringkasan",
      "RKA",
      "Rencana alokasi",
      "Rincian",
      "Bulanan",
      "Celah data",
      "Harga dan metode",
    ]);
    const details = book.getWorksheet("Rincian")!;
    expect(details.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    const header = (details.getRow(1).values as unknown[]).slice(1);
    const col = (name: string) => header.indexOf(name) + 1;
    const rowOf = (id: string, direction: string) => {
      for (let r = 2; r <= details.rowCount; r++) {
        const row = details.getRow(r);
        if (row.getCell(col("Kode")).value === id && row.getCell(col("Arah")).value === direction) return row;
      }
      throw new Error(`no row ${id} ${direction}`);
    };
    const dinkes = rowOf("dinkes", "Unduh");
    expect(dinkes.getCell(col("Persentil ke-95 (Mbps)")).value).toBe(5);
    expect(dinkes.getCell(col("Persentil ke-95 (Mbps)")).numFmt).toBe("#,##0.0");
    expect(dinkes.getCell(col("Cakupan data")).value).toBe((SLOTS_2025 - GAP_SLOTS) / SLOTS_2025);
    expect(dinkes.getCell(col("Cakupan data")).numFmt).toBe("0.0%");
    const mpp = rowOf("mpp", "Unduh");
    expect(mpp.getCell(col("Biaya usulan (Rp/tahun)")).value).toBe(132_000_000);
    expect(mpp.getCell(col("Biaya usulan (Rp/tahun)")).numFmt).toContain('"Rp"');
    const disdukcapil = rowOf("disdukcapil", "Unduh");
    expect(disdukcapil.getCell(col("Biaya usulan (Rp/tahun)")).value).toBeNull(); // a share: no rupiah
    expect(disdukcapil.getCell(col("Pembiayaan")).value).toBe("Berbagi uplink kota");
    expect(disdukcapil.getCell(col("Perkiraan jenuh")).value).toBe("diproyeksikan Januari 2027");
    expect(rowOf("dishub", "Unduh").getCell(col("Bukti")).value).toMatch(/^bukti belum cukup: cakupan 66,3%/);
    expect(rowOf("dinkes", "Unduh").getCell(col("Celah data (WIB)")).value).toBe(
      "10 Maret 2025 00.00 – 12 Maret 2025 06.00",
    );
    const gaps = book.getWorksheet("Celah data")!;
    expect(gaps.getRow(2).getCell(4).value).toEqual(new Date("2025-03-10T00:00:00Z")); // WIB wall time
    expect(gaps.getRow(2).getCell(4).numFmt).toBe("dd/mm/yyyy hh:mm");
    expect(gaps.autoFilter).toBeTruthy();
    const monthly = book.getWorksheet("Bulanan")!;
    expect(monthly.autoFilter).toBeTruthy();
    expect(monthly.getRow(2).getCell(2).value).toBe("Dinas Kependudukan dan Pencatatan Sipil"); // full name
    const mHeader = (monthly.getRow(1).values as unknown[]).slice(1);
    expect(mHeader.slice(3)).toEqual(expect.arrayContaining(["Januari 2025", "Desember 2025"]));
    const growth = monthly.getRow(2);
    expect(growth.getCell(1).value).toBe("disdukcapil");
    expect([4, 15].map((c) => growth.getCell(c).value)).toEqual([6, 11.5]);
  });

  it("RKA sheet: LibreOffice recalculates the formulas to the JSON's totals", async () => {
    const json = JSON.parse((await render(report, "json", "id")).toString("utf8"));
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await render(report, "xlsx", "id")) as unknown as ArrayBuffer);
    const rka = book.getWorksheet("RKA")!;
    // Drop the cached results: whatever LibreOffice shows, it computed.
    let formulas = 0;
    rka.eachRow((row) =>
      row.eachCell((cell) => {
        const v = cell.value as { formula?: string } | null;
        if (v && typeof v === "object" && "formula" in v) {
          cell.value = { formula: v.formula! } as ExcelJS.CellFormulaValue;
          formulas++;
        }
      }),
    );
    expect(formulas).toBe(2 * json.budget.lines.length + 3);
    const csv = parseCsv(await recalculatedCsv(Buffer.from(await book.xlsx.writeBuffer()), 2));
    expect(csv[0]!.slice(0, 5)).toEqual(["Uraian", "Volume", "Satuan", "Harga satuan (Rp)", "Jumlah (Rp)"]);
    json.budget.lines.forEach(
      (line: { proposedYearlyCostIdr: number; todayYearlyCostIdr: number }, i: number) => {
        const row = csv[i + 1]!;
        expect(row[1]).toBe("12");
        expect(Number(row[4])).toBe(line.proposedYearlyCostIdr);
        expect(Number(row[6])).toBe(line.proposedYearlyCostIdr - line.todayYearlyCostIdr);
      },
    );
    expect(csv[1]![0]).toBe(
      "Langganan internet dedicated PT Telkom Indonesia (Astinet) 100 Mbps (telkom-astinet)",
    );
    const total = csv[json.budget.lines.length + 1]!;
    expect(total[0]).toBe("Total usulan");
    expect([4, 5, 6].map((c) => Number(total[c]))).toEqual([
      json.budget.proposedYearlyCostIdr,
      json.budget.todayYearlyCostIdr,
      json.budget.changeIdr,
    ]);
    expect(json.budget.proposedYearlyCostIdr).toBe(1_140_000_000);
  });

  it("PDF text (pdftotext) holds the figures, the chart labels and the methodology", async () => {
    const pdftotext = requireBinary("pdftotext");
    const file = join(work, "r.pdf");
    writeFileSync(file, await render(report, "pdf", "id"));
    const text = (await runOrThrow(pdftotext, ["-layout", file, "-"])).stdout.replace(/\s+/g, " ");
    for (const expected of [
      "Laporan Kapasitas Bandwidth",
      "Tahun Anggaran 2025",
      "diproyeksikan Januari 2027",
      "10 Maret 2025 00.00 – 12 Maret 2025 06.00",
      "Rp 132.000.000",
      "Rp 1.140.000.000",
      "99,4%",
      "Unduh 6 6,5 7 7,5 8 8,5 9 9,5 10 10,5 11 11,5", // monthly p95 under the trend chart
      "Metodologi",
      "peringkat terdekat",
      "Halaman 1 dari",
    ]) {
      expect(text, expected).toContain(expected);
    }
    const en = join(work, "r-en.pdf");
    writeFileSync(en, await render(report, "pdf", "en"));
    const english = (await runOrThrow(pdftotext, [en, "-"])).stdout.replace(/\s+/g, " ");
    expect(english).toContain("Fiscal year 2025");
    expect(english).toContain("projected January 2027");
    expect(english).toContain("nearest-rank");
  });

  it("CSV: one row per entity and direction, ';' and decimal comma, UTF-8 BOM", async () => {
    const csv = (await render(report, "csv", "id")).toString("utf8");
    expect(csv.startsWith("\uFEFF")).toBe(true);
    const lines = csv.slice(1).trimEnd().split("\r\n");
    expect(lines).toHaveLength(1 + 2 * (inventory.opds.length + inventory.uplinks.length));
    const header = lines[0]!.split(";");
    const dinkes = lines.find((l) => l.startsWith("OPD;dinkes;") && l.includes(";Unduh;"))!.split(";");
    expect(dinkes[header.indexOf("Persentil ke-95 (Mbps)")]).toBe("5");
    expect(dinkes[header.indexOf("Cakupan data (%)")]).toBe("99,38");
    const growth = lines.find((l) => l.startsWith("OPD;disdukcapil;") && l.includes(";Unduh;"))!.split(";");
    expect(growth[header.indexOf("Tren (%/bulan)")]).toBe(
      String(Number(((0.5 / 8.75) * 100).toFixed(2))).replace(".", ","),
    );
    const en = (await render(report, "csv", "en")).toString("utf8").slice(1).split("\r\n");
    expect(en[0]!.split(",")).toContain("95th percentile (Mbps)");
  });

  it("JSON: bits/s, ISO times in +07:00, months as YYYY-MM", async () => {
    const json = JSON.parse((await render(report, "json", "id")).toString("utf8"));
    const dinkes = json.opds.find((e: { id: string }) => e.id === "dinkes");
    expect(dinkes.download.p95Bps).toBe(5e6);
    expect(dinkes.download.gaps).toEqual([
      { start: "2025-03-10T00:00:00+07:00", end: "2025-03-12T06:00:00+07:00", slots: 648 },
    ]);
    expect(json.period).toMatchObject({
      kind: "fiscal-year",
      start: "2025-01-01T00:00:00+07:00",
      label: "Tahun Anggaran 2025",
    });
    const growth = json.opds.find((e: { id: string }) => e.id === "disdukcapil");
    expect(growth.download.saturation).toMatchObject({ status: "projected", month: "2027-01" });
  });
});

describe("kapasitas report (CLI)", () => {
  const cli = (args: string[]) =>
    run(
      process.execPath,
      ["--import", "tsx", "cli/kapasitas.ts", "report", "--inventory", INVENTORY_FILE, ...args],
      {
        timeoutMs: 120_000,
      },
    );

  it("writes the four files into --out and prints their paths", async () => {
    const out = join(work, "cli");
    const result = await cli(["--period", "2025", "--prometheus", prometheus.url, "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "laporan-kapasitas-2025.csv",
      "laporan-kapasitas-2025.json",
      "laporan-kapasitas-2025.pdf",
      "laporan-kapasitas-2025.xlsx",
    ]);
    expect(result.stdout.trim().split("\n")).toHaveLength(4);
    expect(result.stderr).toMatch(/Prometheus 100%/); // plain progress lines: stderr is not a TTY
    const json = JSON.parse(readFileSync(join(out, "laporan-kapasitas-2025.json"), "utf8"));
    expect(json.opds.find((e: { id: string }) => e.id === "dinkes").download.p95Bps).toBe(5e6);
  });

  it("--no-remote-read reads with the query API only, to the same figures", async () => {
    // Prometheus counts the requests each of its handlers served (its own /metrics).
    const served = async (handler: string): Promise<number> => {
      const text = await (await fetch(`${prometheus.url}/metrics`)).text();
      return text
        .split("\n")
        .filter((l) => l.startsWith("prometheus_http_requests_total{") && l.includes(`handler="${handler}"`))
        .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
    };
    const before = { read: await served("/api/v1/read"), range: await served("/api/v1/query_range") };
    const out = join(work, "cli-query-api");
    const args = ["--period", "2025", "--format", "json", "--prometheus", prometheus.url, "--out", out];
    const result = await cli([...args, "--no-remote-read"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await served("/api/v1/read")).toBe(before.read);
    expect(await served("/api/v1/query_range")).toBeGreaterThan(before.range);
    const json = JSON.parse(readFileSync(join(out, "laporan-kapasitas-2025.json"), "utf8"));
    const rendered = JSON.parse((await render(report, "json", "id")).toString("utf8"));
    expect(json.opds).toEqual(rendered.opds);
  });

  it("refuses bad requests with a reason and leaves no file behind", async () => {
    const out = join(work, "bad");
    const reversed = await cli([
      "--from",
      "2025-03-01",
      "--to",
      "2025-02-01",
      "--prometheus",
      prometheus.url,
      "--out",
      out,
    ]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/reversed/);
    const format = await cli([
      "--period",
      "2025",
      "--format",
      "xlsx,docx",
      "--prometheus",
      prometheus.url,
      "--out",
      out,
    ]);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/unknown format "docx"/);
    const empty = await cli(["--period", "2024", "--prometheus", prometheus.url, "--out", out]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no .* samples in this period/);
    const port = await freePort(); // nothing listens there
    const down = await cli(["--period", "2025", "--prometheus", `http://127.0.0.1:${port}`, "--out", out]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot be reached: ECONNREFUSED/);
    expect(() => readdirSync(out)).toThrow(/ENOENT/); // not even the directory
  });

  it("an unwritable --out is a clear message and exit 4, before any query", async () => {
    const inTheWay = join(work, "a-file");
    writeFileSync(inTheWay, "");
    const result = await cli([
      "--period",
      "2025",
      "--prometheus",
      prometheus.url,
      "--out",
      join(inTheWay, "out"),
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/cannot write the report into .*a-file\/out: ENOTDIR a file is in the way/);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    expect(result.stderr).not.toMatch(/Prometheus \d+%/);
  });

  it("--timeout gives up on a Prometheus that never answers", async () => {
    const silent = createServer(() => undefined); // accepts, never responds
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const result = await cli([
        "--period",
        "2025",
        "--prometheus",
        `http://127.0.0.1:${port}`,
        "--timeout",
        "1s",
        "--out",
        join(work, "never"),
      ]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/cannot be reached/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
