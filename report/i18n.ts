// The report's words and number formats: Bahasa Indonesia by default, English on request.
// Indonesian formats come from Intl ('id-ID'): 1.234,5 and "Maret 2026"; money in rupiah (Rp).
import type { Direction } from "../core/model.js";
import type { Saturation } from "./figures.js";
import { TERMS } from "../core/terms.js";
import type { Lang } from "./lang.js";
import { monthOf, zonedDate, type Period } from "./period.js";

/** Names the same in both languages: the file kinds and each language by its own name. */
const FILE_KINDS = { xlsx: "Excel (XLSX)", pdf: "PDF", csv: "CSV", json: "JSON" };
const LANG_NAMES = { id: "Bahasa Indonesia", en: "English" };

const id = {
  title: "Laporan Kapasitas Bandwidth",
  subtitle: "Bahan usulan anggaran (APBD): penggunaan bandwidth terukur per OPD dan per uplink ISP",
  period: "Periode",
  measuredTo: "Data sampai",
  generated: "Dibuat",
  source: "Sumber data",
  organisation: "Instansi",
  sheetSummary: "Ringkasan",
  sheetDetails: "Rincian",
  sheetMonthly: "Bulanan",
  opds: "OPD",
  uplinks: "Uplink ISP",
  kind: "Jenis",
  kindOpd: "OPD",
  kindUplink: "Uplink",
  id: "Kode",
  name: "Nama",
  category: "Kategori",
  public_service: TERMS.id.public_service,
  internal: TERMS.id.internal,
  direction: "Arah",
  download: TERMS.id.download,
  upload: TERMS.id.upload,
  allocation: "Alokasi/kontrak (Mbps)",
  mean: "Rata-rata (Mbps)",
  peak: "Puncak (Mbps)",
  p95: "Persentil ke-95 (Mbps)",
  p95Utilisation: "Utilisasi p95",
  meanUtilisation: "Utilisasi rata-rata",
  hoursAbove: "Jam di atas ambang",
  coverage: "Cakupan data",
  gaps: "Celah data",
  gapCount: "Jumlah celah",
  fiveMinuteShare: "Data 5 menit",
  coarserShare: "Data lebih kasar (impor)",
  p95LowerBound: "p95 batas bawah",
  lowerBoundMark: "≥ (batas bawah)",
  lowerBoundNote:
    "Data 5 menit: bagian slot berisi yang berupa rata-rata 5 menit; sisanya rata-rata impor yang lebih kasar (30 menit, 2 jam, harian). Tanda ≥ pada p95: sebagian dihitung dari rata-rata kasar itu, jadi p95 sebenarnya kemungkinan lebih tinggi (batas bawah).",
  trendMbps: "Tren (Mbps/bulan)",
  trendPercent: "Tren (%/bulan)",
  saturation: "Perkiraan jenuh",
  projectedP95: "Proyeksi p95 akhir TA berikut (Mbps)",
  recommended: "Rekomendasi (Mbps)",
  basis: "Dasar (arah)",
  recommendationFor: (fy: string) => `Rekomendasi ${fy}`,
  setBy: (direction: string) => `ditentukan arah ${direction}`,
  todayMbps: "Alokasi saat ini (Mbps)",
  todayCost: "Biaya saat ini (Rp/tahun)",
  recommendedCost: "Biaya usulan (Rp/tahun)",
  change: "Selisih (Rp/tahun)",
  changePercent: "Selisih (%)",
  month: "Bulan",
  monthlyP95: "p95 bulanan (Mbps)",
  total: "Total",
  totals: "Total kota",
  sumP95: "Jumlah p95 masing-masing (Mbps)",
  count: "Banyaknya",
  underProvisioned: "Kekurangan kapasitas terbesar (p95 ÷ alokasi tertinggi)",
  overProvisioned: "Kelebihan kapasitas (usulan lebih kecil dari alokasi saat ini)",
  noData: "Tanpa data pada periode ini",
  none: "—",
  rank: "Peringkat",
  ratio: "p95 ÷ alokasi",
  satReached: (m: string) => `sudah tercapai sejak ${m}`,
  satProjected: (m: string) => `diproyeksikan ${m}`,
  satNone: "tidak dalam 36 bulan",
  satNoTrend: "data belum cukup untuk tren",
  fiscalYear: (y: number) => `Tahun Anggaran ${y}`,
  quarter: (q: number, y: number) => `Triwulan ${["I", "II", "III", "IV"][q - 1]} TA ${y}`,
  nextFiscalYear: "Tahun anggaran berikut",
  chartTrend: "Tren p95 bulanan (Mbps)",
  chartRanked: "p95 ÷ alokasi, diurutkan",
  chartRankedTop: (n: number, of: number) => `p95 ÷ alokasi, ${n} tertinggi dari ${of} OPD`,
  methodology: "Metodologi",
  pageOf: (a: number, b: number) => `Halaman ${a} dari ${b}`,
  settings: "Parameter perencanaan",
  headroom: "Cadangan (headroom)",
  threshold: TERMS.id.threshold,
  fiscalStart: "Awal tahun anggaran",
  tiers: "Tingkat harga",
  tierPrice: "Rp per Mbps per bulan",
  gapFrom: "Mulai",
  gapTo: "Selesai",
  gapHours: "Durasi (jam)",
  wib: "WIB",
  paidBy: "Pembiayaan",
  paidShared: "Berbagi uplink kota",
  paidOwn: "Kontrak sendiri",
  paidUplink: "Kontrak uplink",
  evidence: "Bukti",
  evidenceOk: "cukup",
  noEvidence: "bukti belum cukup",
  noEvidenceWhy: (reason: string, coverage: string, months: number) =>
    reason === "no-data"
      ? "bukti belum cukup: tidak ada data"
      : reason === "coverage"
        ? `bukti belum cukup: cakupan ${coverage}`
        : `bukti belum cukup: tren dari ${months} bulan (minimal 3)`,
  evidenceSummary: (opdOk: number, opds: number, upOk: number, ups: number, coverage: string) =>
    `${opdOk} dari ${opds} OPD, ${upOk} dari ${ups} uplink, cakupan ${coverage}`,
  evidenceLabel: "Usulan bertumpu pada data yang cukup",
  nothingPasses:
    "Tidak ada baris yang memenuhi syarat bukti (cakupan dan minimal 3 bulan tercakup): laporan ini tidak mengusulkan perubahan.",
  minCoverage: "Cakupan minimal untuk usulan",
  maxOverbooking: "Rasio overbooking maksimum",
  cityTitle: "Usulan tingkat kota: kapasitas uplink",
  cityRows: {
    aggregateP95: "p95 gabungan uplink per slot 5 menit (Mbps)",
    sumUplinkP95: "Jumlah p95 masing-masing uplink (Mbps)",
    sharedAggregateP95: "p95 gabungan OPD berbagi (Mbps)",
    sharedSumP95: "Jumlah p95 masing-masing OPD berbagi (Mbps)",
    concurrency: "Faktor konkurensi (jumlah p95 ÷ p95 gabungan)",
    overbooking: "Rasio overbooking (jumlah alokasi ÷ kontrak)",
    contracted: "Kontrak uplink saat ini (Mbps)",
    projected: "Proyeksi p95 gabungan akhir TA berikut (Mbps)",
    need: "Kebutuhan (proyeksi × (1 + cadangan)) (Mbps)",
    coverage: "Cakupan data gabungan",
  },
  cityProposed: "Kapasitas uplink yang diusulkan",
  budgetTitle: "Anggaran: kontrak yang dibayar kota",
  sharedNoPrice:
    "OPD berbagi adalah bagian dari uplink kota: tidak ada rupiah per OPD, biayanya sudah termasuk dalam kontrak uplink.",
  grandTotal: "Total usulan",
  planTitle: "Rencana alokasi OPD berbagi",
  planIntro: (capacity: string, ratio: string) =>
    `Batas tiap OPD = proyeksi p95 × (1 + cadangan), dibulatkan ke 1 Mbps (sampai 10 Mbps) atau 5 Mbps, disesuaikan agar total muat dalam ${capacity} Mbps (uplink usulan × ${ratio}). OPD tanpa bukti cukup tetap pada alokasi saat ini.`,
  planChange: "Selisih (Mbps)",
  queue: "Simple queue",
  gains: "Bertambah",
  givesBack: "Berkurang",
  rka: {
    sheet: "RKA",
    uraian: "Uraian",
    volume: "Volume",
    satuan: "Satuan",
    hargaSatuan: "Harga satuan (Rp)",
    jumlah: "Jumlah (Rp)",
    month: "bulan",
    line: (provider: string, mbps: number, id: string) =>
      `Langganan internet dedicated ${provider} ${mbps} Mbps (${id})`,
    kept: "kontrak saat ini dipertahankan: bukti belum cukup",
  },
  sheetPlan: "Rencana alokasi",
  sheetMethod: "Harga dan metode",
  sheetGaps: "Celah data",
  summaryTitle: "Ringkasan eksekutif",
  signatures: "Pengesahan",
  signedAt: (place: string, date: string) => `${place}, ${date}`,
  nip: "NIP",
  dailyP95: "p95 harian (Mbps)",
  allocationLine: "Alokasi",
  web: {
    title: "Laporan kapasitas bandwidth",
    intro:
      "Pilih periode dan format, lalu unduh laporan untuk usulan APBD. Angka dihitung dari data pengukuran (rata-rata 5 menit per OPD dan uplink).",
    periodKind: "Jenis periode",
    fiscalYear: "Tahun anggaran",
    quarter: "Triwulan",
    month: "Bulan",
    range: "Rentang tanggal",
    year: "Tahun",
    from: "Dari tanggal",
    to: "Sampai tanggal (termasuk)",
    format: "Format berkas",
    lang: "Bahasa laporan",
    download: "Unduh laporan",
    working: "Sedang menyiapkan laporan… (satu tahun data memerlukan beberapa detik)",
    done: "Selesai: ",
    failed: "Gagal: ",
    detail: "Detail",
    formats: { ...FILE_KINDS, rsc: "Skrip RouterOS (rencana alokasi)" },
    langs: LANG_NAMES,
    other: "English",
    availabilityTitle: "Data yang tersedia",
    availableFromTo: (from: string, to: string) => `Data pengukuran tersedia dari ${from} sampai ${to}.`,
    availableNone: "Belum ada data pengukuran dalam tiga tahun anggaran terakhir.",
    availabilityUnknown: "Ketersediaan data tidak dapat diperiksa saat ini; laporan tetap dapat diminta.",
    monthFull: "data lengkap",
    monthPartial: "sebagian hari",
    monthNone: "tanpa data",
    daysOf: (n: number, of: number) => `${n} dari ${of} hari`,
    withoutData: "tanpa data",
    noDataFor: (period: string) => `Belum ada data pengukuran untuk ${period}`,
    notStarted: (period: string) => `${period} belum dimulai`,
    noDataAtAll: "belum ada data pengukuran sama sekali",
    dataSince: (date: string) => `data tersedia sejak ${date}`,
    dataBetween: (from: string, to: string) => `data tersedia dari ${from} sampai ${to}`,
    unreachable:
      "Data pengukuran tidak dapat dibaca: server Prometheus tidak menjawab. Coba lagi beberapa menit lagi; bila berlanjut, hubungi pengelola server.",
    refused:
      "Data pengukuran tidak dapat dibaca: server Prometheus menolak permintaan. Hubungi pengelola server dan sertakan detail di bawah.",
    failedLocal:
      "Laporan gagal dibuat di server kapasitas. Hubungi pengelola server dan sertakan detail di bawah.",
  },
  methodologyText: [
    "Sumber data. Semua angka dibaca dari API HTTP Prometheus (atau Thanos, Mimir, VictoriaMetrics yang sama API-nya): aturan perekaman opd_direction:opd_link_bits:rate5m dan uplink_direction:uplink_bits:rate5m, yaitu laju rata-rata 5 menit dalam bit per detik, sama dengan yang dilihat NOC di Grafana. Arah selalu dari sudut pandang OPD (atau kota, untuk uplink): unduh dan unggah.",
    "Slot 5 menit. Periode dibagi menjadi slot 5 menit dalam zona waktu inventaris (Asia/Jakarta). Setiap slot berisi satu rata-rata 5 menit, atau kosong bila tidak ada sampel di dalam slot tersebut. Slot kosong tidak dihitung sebagai nol.",
    "Rata-rata, puncak, persentil ke-95. Rata-rata: jumlah nilai slot dibagi banyaknya slot yang berisi. Puncak: rata-rata 5 menit tertinggi. Persentil ke-95 (p95) dengan metode peringkat terdekat: urutkan n nilai slot dari kecil ke besar, ambil nilai pada peringkat 0,95 × n yang dibulatkan ke atas. Hasilnya selalu nilai yang benar-benar terukur, dan 95% slot berada pada atau di bawahnya; 5% waktu tersibuk (sekitar 36 jam per bulan) diabaikan, sesuai praktik penagihan bandwidth.",
    "Utilisasi: p95 (atau rata-rata) dibagi alokasi OPD atau kontrak uplink. Alokasi diambil dari metrik opd_allocated_bps / uplink_contracted_bps yang berlaku di akhir periode; bila tidak ada, dari inventaris. Jam di atas ambang: banyaknya slot yang rata-ratanya melebihi alokasi × ambang jenuh, dikali 5 menit.",
    "Cakupan data: slot berisi dibagi seluruh slot periode. Celah: rentang slot kosong berurutan, dengan waktu mulai dan selesai.",
    "Riwayat impor (kapasitas import dari MRTG, Cacti, LibreNMS, CSV): rata-rata yang lebih kasar dari 5 menit (30 menit, 2 jam, harian) mengisi setiap slot 5 menit yang dicakupnya. Setiap baris menyebut bagian slot berisi yang berupa data 5 menit dan yang berupa rata-rata lebih kasar. Rata-rata kasar menyembunyikan jam sibuk, jadi p95 yang sebagian dihitung darinya ditandai sebagai batas bawah: p95 sebenarnya kemungkinan lebih tinggi. Bila data terkumpul dan data impor sama-sama ada untuk satu slot, data terkumpul yang dipakai.",
    "Tren: garis kuadrat terkecil (least squares) pada p95 bulanan, memakai bulan yang tercakup minimal 50% dan minimal 3 bulan. Dinyatakan dalam Mbps/bulan dan %/bulan (kemiringan dibagi rata-rata p95 bulanan yang dipakai).",
    'Perkiraan jenuh: bila p95 bulan terakhir sudah mencapai alokasi × ambang, jenuh sudah tercapai (sejak bulan pertama deret terakhir itu). Jika belum, bulan pertama setelah periode ketika garis tren mencapai alokasi × ambang; bila tidak terjadi dalam 36 bulan: "tidak dalam 36 bulan".',
    "Rekomendasi: p95 yang diproyeksikan garis tren untuk bulan terakhir tahun anggaran berikut (tanpa tren: p95 periode ini), ditambah cadangan (headroom), dibulatkan ke atas ke tingkat harga terdekat; di atas tingkat terbesar, ke kelipatan tingkat terbesar. Layanan internet dijual simetris (N Mbps dua arah), jadi rekomendasi memakai arah yang kebutuhannya lebih besar.",
    "Model biaya: kota membayar kontrak uplink ISP dan kontrak sendiri OPD tertentu (misalnya jalur Mal Pelayanan Publik); OPD lain berbagi uplink kota sehingga tidak diberi rupiah. Biaya usulan per tahun: Mbps tingkat × Rp per Mbps per bulan tingkat itu × 12; biaya saat ini: harga bulanan kontrak × 12. Total usulan = kontrak uplink + kontrak sendiri, setiap rupiah dihitung sekali. Kebutuhan kota dihitung dari p95 jumlah semua uplink per slot 5 menit (beban serentak), bukan dari jumlah p95 masing-masing OPD (puncak tidak bersamaan), lalu dibagi ke kontrak uplink menurut porsi kontrak saat ini dan dibulatkan ke atas ke tingkat harga.",
    "Syarat bukti: baris (OPD, uplink, atau gabungan kota) dengan cakupan di bawah planning.min_coverage atau tren dari kurang dari 3 bulan tercakup diberi tanda bukti belum cukup dan tidak diberi usulan; kontraknya tetap pada nilai saat ini dalam total.",
  ],
};

type Catalog = typeof id;

const en: Catalog = {
  title: "Bandwidth Capacity Report",
  subtitle: "Evidence for the budget proposal (APBD): measured bandwidth per OPD and per ISP uplink",
  period: "Period",
  measuredTo: "Data up to",
  generated: "Generated",
  source: "Data source",
  organisation: "Organisation",
  sheetSummary: "Summary",
  sheetDetails: "Details",
  sheetMonthly: "Monthly",
  opds: "OPDs",
  uplinks: "ISP uplinks",
  kind: "Kind",
  kindOpd: "OPD",
  kindUplink: "Uplink",
  id: "Id",
  name: "Name",
  category: "Category",
  public_service: TERMS.en.public_service,
  internal: TERMS.en.internal,
  direction: "Direction",
  download: TERMS.en.download,
  upload: TERMS.en.upload,
  allocation: "Allocation/contract (Mbps)",
  mean: "Mean (Mbps)",
  peak: "Peak (Mbps)",
  p95: "95th percentile (Mbps)",
  p95Utilisation: "p95 utilisation",
  meanUtilisation: "Mean utilisation",
  hoursAbove: "Hours above threshold",
  coverage: "Data coverage",
  gaps: "Data gaps",
  gapCount: "Gaps",
  fiveMinuteShare: "5-minute data",
  coarserShare: "Coarser data (imported)",
  p95LowerBound: "p95 lower bound",
  lowerBoundMark: "≥ (lower bound)",
  lowerBoundNote:
    "5-minute data: the share of the slots holding a value that hold a 5-minute average; the rest hold coarser imported averages (30 minutes, 2 hours, a day). A ≥ before a p95: it rests partly on those coarse averages, so the true p95 is likely higher (a lower bound).",
  trendMbps: "Trend (Mbps/month)",
  trendPercent: "Trend (%/month)",
  saturation: "Projected saturation",
  projectedP95: "Projected p95, end of next FY (Mbps)",
  recommended: "Recommended (Mbps)",
  basis: "Basis (direction)",
  recommendationFor: (fy: string) => `Recommendation, ${fy.charAt(0).toLowerCase()}${fy.slice(1)}`,
  setBy: (direction: string) => `set by ${direction}`,
  todayMbps: "Allocation today (Mbps)",
  todayCost: "Cost today (Rp/year)",
  recommendedCost: "Proposed cost (Rp/year)",
  change: "Change (Rp/year)",
  changePercent: "Change (%)",
  month: "Month",
  monthlyP95: "Monthly p95 (Mbps)",
  total: "Total",
  totals: "City totals",
  sumP95: "Sum of individual p95 (Mbps)",
  count: "Count",
  underProvisioned: "Largest capacity shortfall (highest p95 ÷ allocation)",
  overProvisioned: "Over-provisioned (proposal below today's allocation)",
  noData: "No data in this period",
  none: "—",
  rank: "Rank",
  ratio: "p95 ÷ allocation",
  satReached: (m: string) => `reached since ${m}`,
  satProjected: (m: string) => `projected ${m}`,
  satNone: "not within 36 months",
  satNoTrend: "not enough data for a trend",
  fiscalYear: (y: number) => `Fiscal year ${y}`,
  quarter: (q: number, y: number) => `Q${q} of fiscal year ${y}`,
  nextFiscalYear: "Next fiscal year",
  chartTrend: "Monthly p95 trend (Mbps)",
  chartRanked: "p95 ÷ allocation, ranked",
  chartRankedTop: (n: number, of: number) => `p95 ÷ allocation, highest ${n} of ${of} OPDs`,
  methodology: "Methodology",
  pageOf: (a: number, b: number) => `Page ${a} of ${b}`,
  settings: "Planning settings",
  headroom: "Headroom",
  threshold: TERMS.en.threshold,
  fiscalStart: "Fiscal year starts",
  tiers: "Price tiers",
  tierPrice: "Rp per Mbps per month",
  gapFrom: "From",
  gapTo: "To",
  gapHours: "Duration (hours)",
  wib: "WIB",
  paidBy: "Paid as",
  paidShared: "Share of the city uplinks",
  paidOwn: "Own contract",
  paidUplink: "Uplink contract",
  evidence: "Evidence",
  evidenceOk: "sufficient",
  noEvidence: "not enough evidence",
  noEvidenceWhy: (reason: string, coverage: string, months: number) =>
    reason === "no-data"
      ? "not enough evidence: no data"
      : reason === "coverage"
        ? `not enough evidence: coverage ${coverage}`
        : `not enough evidence: trend from ${months} month(s) (3 needed)`,
  evidenceSummary: (opdOk: number, opds: number, upOk: number, ups: number, coverage: string) =>
    `${opdOk} of ${opds} OPDs, ${upOk} of ${ups} uplinks, coverage ${coverage}`,
  evidenceLabel: "Proposal resting on solid data",
  nothingPasses:
    "No row meets the evidence gate (coverage and at least 3 covered months): this report proposes no change.",
  minCoverage: "Minimum coverage for a proposal",
  maxOverbooking: "Maximum overbooking ratio",
  cityTitle: "City-level proposal: uplink capacity",
  cityRows: {
    aggregateP95: "p95 of the uplinks' sum per 5-minute slot (Mbps)",
    sumUplinkP95: "Sum of each uplink's p95 (Mbps)",
    sharedAggregateP95: "p95 of the shared OPDs' sum (Mbps)",
    sharedSumP95: "Sum of each shared OPD's p95 (Mbps)",
    concurrency: "Concurrency factor (sum of p95 ÷ p95 of the sum)",
    overbooking: "Overbooking ratio (sum of allocations ÷ contracted)",
    contracted: "Uplinks contracted today (Mbps)",
    projected: "Projected p95 of the sum, end of next FY (Mbps)",
    need: "Need (projected × (1 + headroom)) (Mbps)",
    coverage: "Coverage of the sum",
  },
  cityProposed: "Uplink capacity proposed",
  budgetTitle: "Budget: the contracts the city pays for",
  sharedNoPrice:
    "Shared OPDs are shares of the city's uplinks: no rupiah per OPD, their cost is inside the uplink contracts.",
  grandTotal: "Proposed total",
  planTitle: "Allocation plan for the shared OPDs",
  planIntro: (capacity: string, ratio: string) =>
    `Each OPD's limit = projected p95 × (1 + headroom), rounded to 1 Mbps (up to 10 Mbps) or 5 Mbps, scaled so the total fits ${capacity} Mbps (proposed uplinks × ${ratio}). OPDs without enough evidence keep today's allocation.`,
  planChange: "Change (Mbps)",
  queue: "Simple queue",
  gains: "Gains",
  givesBack: "Gives back",
  rka: {
    sheet: "RKA",
    uraian: "Description",
    volume: "Volume",
    satuan: "Unit",
    hargaSatuan: "Unit price (Rp)",
    jumlah: "Amount (Rp)",
    month: "month",
    line: (provider: string, mbps: number, id: string) =>
      `Dedicated internet ${provider} ${mbps} Mbps (${id})`,
    kept: "today's contract kept: not enough evidence",
  },
  sheetPlan: "Allocation plan",
  sheetMethod: "Prices and method",
  sheetGaps: "Data gaps",
  summaryTitle: "Executive summary",
  signatures: "Approval",
  signedAt: (place: string, date: string) => `${place}, ${date}`,
  nip: "NIP",
  dailyP95: "Daily p95 (Mbps)",
  allocationLine: "Allocation",
  web: {
    title: "Bandwidth capacity report",
    intro:
      "Choose a period and a format, then download the report for the APBD proposal. Figures are computed from the measurements (5-minute averages per OPD and uplink).",
    periodKind: "Period",
    fiscalYear: "Fiscal year",
    quarter: "Quarter",
    month: "Month",
    range: "Date range",
    year: "Year",
    from: "From",
    to: "To (inclusive)",
    format: "File format",
    lang: "Report language",
    download: "Download report",
    working: "Preparing the report… (a year of data takes a few seconds)",
    done: "Done: ",
    failed: "Failed: ",
    detail: "Detail",
    formats: { ...FILE_KINDS, rsc: "RouterOS script (allocation plan)" },
    langs: LANG_NAMES,
    other: "Bahasa Indonesia",
    availabilityTitle: "Data available",
    availableFromTo: (from: string, to: string) => `Measurements are available from ${from} to ${to}.`,
    availableNone: "No measurements yet in the last three fiscal years.",
    availabilityUnknown:
      "Which periods hold data cannot be checked right now; reports can still be requested.",
    monthFull: "complete",
    monthPartial: "some days",
    monthNone: "no data",
    daysOf: (n: number, of: number) => `${n} of ${of} days`,
    withoutData: "no data",
    noDataFor: (period: string) => `No measurements yet for ${period}`,
    notStarted: (period: string) => `${period} has not started yet`,
    noDataAtAll: "there are no measurements at all yet",
    dataSince: (date: string) => `data is available since ${date}`,
    dataBetween: (from: string, to: string) => `data is available from ${from} to ${to}`,
    unreachable:
      "The measurements cannot be read: the Prometheus server does not answer. Try again in a few minutes; if it persists, contact the server's administrator.",
    refused:
      "The measurements cannot be read: the Prometheus server refused the request. Contact the server's administrator with the detail below.",
    failedLocal:
      "The report could not be built on the kapasitas server. Contact the server's administrator with the detail below.",
  },
  methodologyText: [
    "Data source. Every figure is read from Prometheus's HTTP API (or Thanos, Mimir, VictoriaMetrics, which serve the same API): the recording rules opd_direction:opd_link_bits:rate5m and uplink_direction:uplink_bits:rate5m, the 5-minute average rate in bits per second, the same series the NOC sees in Grafana. Direction is always from the OPD's (or, for uplinks, the city's) point of view: download and upload.",
    "5-minute slots. The period is cut into 5-minute slots in the inventory's time zone (Asia/Jakarta). Each slot holds one 5-minute average, or is empty when no sample falls inside it. Empty slots are never counted as zero.",
    "Mean, peak, 95th percentile. Mean: the sum of the slot values divided by the number of slots holding one. Peak: the highest 5-minute average. 95th percentile (p95) by the nearest-rank method: sort the n slot values ascending and take the value at rank 0.95 × n, rounded up. It is always a measured value, and 95% of the slots are at or below it; the busiest 5% of the time (about 36 hours a month) is set aside, as in bandwidth billing.",
    "Utilisation: p95 (or mean) divided by the OPD's allocation or the uplink's contract. The allocation is the opd_allocated_bps / uplink_contracted_bps metric in force at the end of the period, or the inventory's value when Prometheus has none. Hours above threshold: the number of slots whose average exceeds allocation × saturation threshold, times 5 minutes.",
    "Data coverage: slots holding a value divided by all slots in the period. Gaps: runs of consecutive empty slots, with their start and end.",
    "Imported history (kapasitas import from MRTG, Cacti, LibreNMS, CSV): an average coarser than 5 minutes (30 minutes, 2 hours, a day) fills every 5-minute slot it covers. Each row states the share of its slots holding a value that hold 5-minute data and the share that hold coarser averages. Coarse averages hide the busy hour, so a p95 computed partly from them is marked as a lower bound: the true p95 is likely higher. Where collected and imported data both exist for a slot, the collected data is used.",
    "Trend: a least-squares line through the monthly p95 values, over months measured at least 50%, with at least 3 such months. Stated as Mbps/month and as %/month (the slope divided by the average of the monthly p95 values used).",
    'Projected saturation: if the last month\'s p95 already reaches allocation × threshold, saturation is reached (since the first month of that trailing run). Otherwise, the first month after the period in which the trend line reaches allocation × threshold; if that does not happen within 36 months: "not within 36 months".',
    "Recommendation: the p95 the trend line projects for the last month of the next fiscal year (without a trend: this period's p95), plus the headroom, rounded up to the nearest price tier; above the largest tier, to a multiple of the largest tier. Internet service is sold symmetric (N Mbps both ways), so the recommendation takes the direction that needs more.",
    "Cost model: the city pays for its ISP uplink contracts and for the own lines of some OPDs (e.g. a Mal Pelayanan Publik line); the other OPDs share the city's uplinks and carry no rupiah. Proposed yearly cost: tier Mbps × that tier's Rp per Mbps per month × 12; cost today: the contract's monthly price × 12. Proposed total = uplink contracts + own lines, each rupiah counted once. The city's need comes from the p95 of the sum of all uplinks per 5-minute slot (simultaneous demand), not from the sum of each OPD's p95 (peaks do not coincide); it is split over the uplink contracts in proportion to today's contracts and rounded up to a price tier.",
    "Evidence gate: a row (OPD, uplink, or the city aggregate) whose coverage is below planning.min_coverage or whose trend rests on fewer than 3 covered months is marked not enough evidence and gets no proposal; its contract stays at today's value in the totals.",
  ],
};

const CATALOGS: Record<Lang, Catalog> = { id, en };

export interface Formatter {
  lang: Lang;
  t: Catalog;
  /** 1.234,5 (id) or 1,234.5 (en), with up to `digits` decimals. */
  number(value: number | null, digits?: number): string;
  mbps(bps: number | null): string;
  percent(ratio: number | null, digits?: number): string;
  idr(value: number | null): string;
  /** "Maret 2026" */
  month(monthNumber: number): string;
  /** "Mar" (chart axes) */
  shortMonth(monthNumber: number): string;
  /** "10 Maret 2026" */
  date(instant: Date): string;
  /** "10 Maret 2026 06.00" */
  dateTime(instant: Date): string;
  direction(direction: Direction): string;
  category(category: string | undefined): string;
  saturation(s: Saturation): string;
  period(period: Period): string;
}

export function formatter(lang: Lang, timeZone: string): Formatter {
  const t = CATALOGS[lang];
  const locale = lang === "id" ? "id-ID" : "en-GB";
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number) => {
    let f = numberFormats.get(digits);
    if (!f) {
      f = new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: digits });
      numberFormats.set(digits, f);
    }
    return f;
  };
  const idrFormat = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "IDR",
    currencyDisplay: "narrowSymbol", // "Rp" in English too, as on every Indonesian budget line
    maximumFractionDigits: 0,
  });
  const monthFormat = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
  const dateFormat = new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone,
  });
  const timeFormat = new Intl.DateTimeFormat(locale, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
  });
  const shortMonthFormat = new Intl.DateTimeFormat(locale, { month: "short", timeZone: "UTC" });
  const month = (n: number) => {
    const { year, month: m } = monthOf(n);
    return monthFormat.format(new Date(Date.UTC(year, m - 1, 15)));
  };
  const number = (value: number | null, digits = 1) =>
    value === null ? t.none : numberFormat(digits).format(value);
  return {
    lang,
    t,
    number,
    mbps: (bps) => (bps === null ? t.none : number(bps / 1e6, 1)),
    percent: (ratio, digits = 1) => (ratio === null ? t.none : `${number(ratio * 100, digits)}%`),
    // "Rp 1.234.567" with an ordinary space: PDFs and CSVs stay searchable.
    idr: (value) => (value === null ? t.none : idrFormat.format(value).replace(/\s/g, " ")),
    month,
    shortMonth: (n) => {
      const { year, month: m } = monthOf(n);
      return shortMonthFormat.format(new Date(Date.UTC(year, m - 1, 15))).replace(".", "");
    },
    date: (instant) => dateFormat.format(instant),
    dateTime: (instant) => `${dateFormat.format(instant)} ${timeFormat.format(instant)}`,
    direction: (d) => t[d],
    category: (c) => (c === "public_service" ? t.public_service : c === "internal" ? t.internal : t.none),
    saturation: (s) =>
      s.status === "reached"
        ? t.satReached(month(s.month))
        : s.status === "projected"
          ? t.satProjected(month(s.month))
          : s.status === "not-within-horizon"
            ? t.satNone
            : t.satNoTrend,
    period(period) {
      const first = zonedDate(period.start, timeZone);
      if (period.kind === "fiscal-year") return t.fiscalYear(first.year);
      if (period.kind === "quarter") {
        const [year, q] = period.spec.split("-Q");
        return t.quarter(Number(q), Number(year));
      }
      if (period.kind === "month") return month(first.year * 12 + first.month - 1);
      const lastDay = new Date(period.end.getTime() - 1);
      return `${dateFormat.format(period.start)} – ${dateFormat.format(lastDay)}`;
    },
  };
}
