// The planner's page: plain server-rendered HTML and a few lines of JavaScript, no build step.
// Bahasa Indonesia by default; `?lang=en` for English.
import type { Inventory } from "../core/schema.js";
import type { Lang } from "./lang.js";
import { FORMATS } from "./render.js";

const TEXT = {
  id: {
    title: "Laporan kapasitas bandwidth",
    intro:
      "Pilih periode dan format, lalu unduh laporan untuk usulan APBD. Angka dihitung dari data Prometheus (rata-rata 5 menit per OPD dan uplink).",
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
    formats: {
      xlsx: "Excel (XLSX)",
      pdf: "PDF",
      csv: "CSV",
      json: "JSON",
      rsc: "Skrip RouterOS (rencana alokasi)",
    },
    langs: { id: "Bahasa Indonesia", en: "English" },
    other: "English",
  },
  en: {
    title: "Bandwidth capacity report",
    intro:
      "Choose a period and a format, then download the report for the APBD proposal. Figures are computed from Prometheus (5-minute averages per OPD and uplink).",
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
    formats: {
      xlsx: "Excel (XLSX)",
      pdf: "PDF",
      csv: "CSV",
      json: "JSON",
      rsc: "RouterOS script (allocation plan)",
    },
    langs: { id: "Bahasa Indonesia", en: "English" },
    other: "Bahasa Indonesia",
  },
} as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function reportPage(options: {
  lang: Lang;
  apiPath: string;
  inventory: Inventory;
  thisYear: number;
}): string {
  const t = TEXT[options.lang];
  const years = [options.thisYear - 2, options.thisYear - 1, options.thisYear];
  const yearOptions = years
    .map((y) => `<option value="${y}"${y === options.thisYear - 1 ? " selected" : ""}>${y}</option>`)
    .join("");
  const formatOptions = FORMATS.map((f) => `<option value="${f}">${t.formats[f]}</option>`).join("");
  const langOptions = (["id", "en"] as const)
    .map((l) => `<option value="${l}"${l === options.lang ? " selected" : ""}>${t.langs[l]}</option>`)
    .join("");
  const otherLang = options.lang === "id" ? "en" : "id";
  return `<!doctype html>
<html lang="${options.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title} — kapasitas</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; } p.org { color: #555; margin-top: -0.5rem; }
  fieldset { border: 1px solid #ccd; border-radius: 6px; margin: 1rem 0; }
  label { display: block; margin: 0.5rem 0 0.2rem; font-weight: 600; }
  select, input { font-size: 1rem; padding: 0.3rem; }
  .row { display: flex; gap: 1rem; flex-wrap: wrap; }
  [hidden] { display: none !important; }
  button { font-size: 1rem; padding: 0.5rem 1.2rem; margin-top: 1rem; cursor: pointer; }
  #status { margin-top: 1rem; min-height: 1.5rem; }
  #status.error { color: #b00020; font-weight: 600; }
</style>
</head>
<body>
<p><a href="?lang=${otherLang}">${t.other}</a></p>
<h1>${t.title}</h1>
<p class="org">${escapeHtml(options.inventory.organisation)}</p>
<p>${t.intro}</p>
<form id="report-form">
  <fieldset>
    <label for="kind">${t.periodKind}</label>
    <select id="kind" name="kind">
      <option value="fiscal-year">${t.fiscalYear}</option>
      <option value="quarter">${t.quarter}</option>
      <option value="month">${t.month}</option>
      <option value="range">${t.range}</option>
    </select>
    <div class="row">
      <div data-for="fiscal-year quarter"><label for="year">${t.year}</label><select id="year" name="year">${yearOptions}</select></div>
      <div data-for="quarter" hidden><label for="quarter">${t.quarter}</label>
        <select id="quarter" name="quarter"><option value="1">I</option><option value="2">II</option><option value="3">III</option><option value="4">IV</option></select></div>
      <div data-for="month" hidden><label for="month">${t.month}</label><input type="month" id="month" name="month"></div>
      <div data-for="range" hidden><label for="from">${t.from}</label><input type="date" id="from" name="from"></div>
      <div data-for="range" hidden><label for="to">${t.to}</label><input type="date" id="to" name="to"></div>
    </div>
  </fieldset>
  <div class="row">
    <div><label for="format">${t.format}</label><select id="format" name="format">${formatOptions}</select></div>
    <div><label for="lang">${t.lang}</label><select id="lang" name="lang">${langOptions}</select></div>
  </div>
  <button type="submit" id="download">${t.download}</button>
</form>
<div id="status" role="status" aria-live="polite"></div>
<script>
(() => {
  const api = ${JSON.stringify(options.apiPath)};
  const text = ${JSON.stringify({ working: t.working, done: t.done, failed: t.failed })};
  const form = document.getElementById("report-form");
  const kind = document.getElementById("kind");
  const status = document.getElementById("status");
  const show = () => {
    for (const el of document.querySelectorAll("[data-for]")) {
      el.hidden = !el.dataset.for.split(" ").includes(kind.value);
    }
  };
  kind.addEventListener("change", show);
  show();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = (id) => document.getElementById(id).value;
    const q = new URLSearchParams({ format: v("format"), lang: v("lang") });
    if (kind.value === "fiscal-year") q.set("period", v("year"));
    if (kind.value === "quarter") q.set("period", v("year") + "-Q" + v("quarter"));
    if (kind.value === "month") q.set("period", v("month"));
    if (kind.value === "range") { q.set("from", v("from")); q.set("to", v("to")); }
    status.className = "";
    status.textContent = text.working;
    document.getElementById("download").disabled = true;
    try {
      const response = await fetch(api + "?" + q.toString());
      if (!response.ok) {
        let reason = response.status + " " + response.statusText;
        try { reason = (await response.json()).error || reason; } catch {}
        throw new Error(reason);
      }
      const disposition = response.headers.get("content-disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      const name = match ? match[1] : "laporan";
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      status.textContent = text.done + name;
    } catch (error) {
      status.className = "error";
      status.textContent = text.failed + error.message;
    } finally {
      document.getElementById("download").disabled = false;
    }
  });
})();
</script>
</body>
</html>
`;
}
