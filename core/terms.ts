// The words kapasitas shows its users, shared by the capacity report (report/i18n.ts) and the
// dashboards (dashboards/words.ts): Bahasa Indonesia by default, English on request. A term both
// say lives here once, so the NOC board and the APBD report call a thing by the same name.
export const LANGS = ["id", "en"] as const;
export type Lang = (typeof LANGS)[number];

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

const id = {
  opd: "OPD",
  uplink: "Uplink ISP",
  device: "Perangkat",
  link: "Tautan",
  download: "Unduh",
  upload: "Unggah",
  public_service: "Layanan publik",
  internal: "Internal",
  allocation: "Alokasi",
  contract: "Kontrak",
  p95: "Persentil ke-95",
  utilisation: "Utilisasi",
  threshold: "Ambang jenuh",
  availability: "Ketersediaan",
  others: "Lainnya",
  up: "hidup",
  down: "mati",
  capacityReport: "Laporan kapasitas",
};

export type Terms = typeof id;

const en: Terms = {
  opd: "OPD",
  uplink: "ISP uplink",
  device: "Device",
  link: "Link",
  download: "Download",
  upload: "Upload",
  public_service: "Public service",
  internal: "Internal",
  allocation: "Allocation",
  contract: "Contract",
  p95: "95th percentile",
  utilisation: "Utilisation",
  threshold: "Saturation threshold",
  availability: "Availability",
  others: "Others",
  up: "up",
  down: "down",
  capacityReport: "Capacity report",
};

export const TERMS: Record<Lang, Terms> = { id, en };
