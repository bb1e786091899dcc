// The planner's page: plain server-rendered HTML and a few lines of JavaScript, no build step.
// Bahasa Indonesia by default; `?lang=en` for English; every word from i18n.ts (`web`). It opens on
// the newest period holding data and shows, month by month, which periods hold data
// (availability.ts); a refused request shows its reason in plain words, the technical detail
// behind a "Detail" toggle.
import type { Inventory } from "../core/schema.js";
import { latestPeriods, type Availability } from "./availability.js";
import { formatter, type Formatter } from "./i18n.js";
import type { Lang } from "./lang.js";
import { monthNumber } from "./period.js";
import { FORMATS } from "./render.js";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The fiscal years the page offers, month by month: complete, some days, none (or not yet). */
function availabilityTable(
  availability: Availability,
  years: readonly number[],
  fiscalStartMonth: number,
  f: Formatter,
): string {
  const w = f.t.web;
  const byMonth = new Map(availability.months.map((m) => [m.month, m]));
  const rows = years.map((y) => {
    const cells = Array.from({ length: 12 }, (_, i) => {
      const n = monthNumber(y, fiscalStartMonth) + i;
      const m = byMonth.get(n);
      if (!m) return `<td class="future"></td>`;
      const state = m.daysWithData === 0 ? "none" : m.daysWithData >= m.days ? "full" : "partial";
      const word = state === "none" ? w.monthNone : state === "full" ? w.monthFull : w.monthPartial;
      return `<td class="${state}" title="${escapeHtml(`${f.month(n)}: ${word}, ${w.daysOf(m.daysWithData, m.days)}`)}">${state === "none" ? "" : state === "full" ? "●" : "◐"}</td>`;
    }).join("");
    return `<tr><th scope="row">${escapeHtml(f.t.fiscalYear(y))}</th>${cells}</tr>`;
  });
  const head = Array.from(
    { length: 12 },
    (_, i) => `<th scope="col">${escapeHtml(f.shortMonth(monthNumber(2000, fiscalStartMonth) + i))}</th>`,
  ).join("");
  const legend = [
    ["full", "●", w.monthFull],
    ["partial", "◐", w.monthPartial],
    ["none", "", w.monthNone],
  ]
    .map(([c, mark, word]) => `<span class="key ${c}">${mark}</span> ${escapeHtml(word!)}`)
    .join(" ");
  return `<table id="availability"><thead><tr><th></th>${head}</tr></thead><tbody>${rows.join("")}</tbody></table><p class="legend">${legend}</p>`;
}

export function reportPage(options: {
  lang: Lang;
  apiPath: string;
  inventory: Inventory;
  thisYear: number;
  /** Which days hold data; null when Prometheus could not be asked (the page still works). */
  availability: Availability | null;
  /** Why availability is null, for the "Detail" toggle. */
  availabilityDetail?: string;
}): string {
  const { inventory, availability } = options;
  const f = formatter(options.lang, inventory.timezone);
  const t = f.t.web;
  const startMonth = inventory.planning.fiscal_year_start_month;
  const latest = availability ? latestPeriods(availability, inventory.timezone, startMonth) : null;
  const years = [options.thisYear - 2, options.thisYear - 1, options.thisYear];
  const yearHasData = (y: number) =>
    !availability ||
    availability.months.some(
      (m) =>
        m.daysWithData > 0 &&
        m.month >= monthNumber(y, startMonth) &&
        m.month < monthNumber(y + 1, startMonth),
    );
  const selectedYear = latest?.year ?? options.thisYear - 1;
  const yearOptions = years
    .map(
      (y) =>
        `<option value="${y}"${y === selectedYear ? " selected" : ""}>${y}${yearHasData(y) ? "" : ` (${t.withoutData})`}</option>`,
    )
    .join("");
  const quarterOptions = ["I", "II", "III", "IV"]
    .map((q, i) => `<option value="${i + 1}"${latest?.quarter === i + 1 ? " selected" : ""}>${q}</option>`)
    .join("");
  const formatOptions = FORMATS.map((fmt) => `<option value="${fmt}">${t.formats[fmt]}</option>`).join("");
  const langOptions = (["id", "en"] as const)
    .map((l) => `<option value="${l}"${l === options.lang ? " selected" : ""}>${t.langs[l]}</option>`)
    .join("");
  const otherLang = options.lang === "id" ? "en" : "id";
  const value = (v: string | undefined) => (v ? ` value="${v}"` : "");
  const summary = !availability
    ? `<p id="availability-summary">${escapeHtml(t.availabilityUnknown)}</p>${
        options.availabilityDetail
          ? `<details><summary>${t.detail}</summary><code>${escapeHtml(options.availabilityDetail)}</code></details>`
          : ""
      }`
    : availability.firstDay && availability.lastDay
      ? `<p id="availability-summary">${escapeHtml(t.availableFromTo(f.date(availability.firstDay), f.date(availability.lastDay)))}</p>`
      : `<p id="availability-summary">${escapeHtml(t.availableNone)}</p>`;
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
  #status details, details { margin-top: 0.4rem; color: #444; font-weight: normal; }
  code { font-size: 0.85rem; white-space: pre-wrap; word-break: break-word; }
  #availability { border-collapse: collapse; font-size: 0.85rem; }
  #availability th, #availability td { border: 1px solid #ccd; padding: 0.15rem 0.35rem; text-align: center; }
  #availability th[scope=row] { text-align: left; white-space: nowrap; }
  td.full, .key.full { color: #1b7f3b; } td.partial, .key.partial { color: #b36b00; }
  td.none { background: #f4f4f4; } td.future { background: #fff; border-style: dotted; }
  .legend { font-size: 0.85rem; color: #555; }
  .key { display: inline-block; min-width: 1rem; text-align: center; border: 1px solid #ccd; }
</style>
</head>
<body>
<p><a href="?lang=${otherLang}">${t.other}</a></p>
<h1>${t.title}</h1>
<p class="org">${escapeHtml(options.inventory.organisation)}</p>
<p>${t.intro}</p>
<section id="data">
<h2>${t.availabilityTitle}</h2>
${summary}
${availability ? availabilityTable(availability, years, startMonth, f) : ""}
</section>
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
        <select id="quarter" name="quarter">${quarterOptions}</select></div>
      <div data-for="month" hidden><label for="month">${t.month}</label><input type="month" id="month" name="month"${value(latest?.month)}></div>
      <div data-for="range" hidden><label for="from">${t.from}</label><input type="date" id="from" name="from"${value(latest?.from)}></div>
      <div data-for="range" hidden><label for="to">${t.to}</label><input type="date" id="to" name="to"${value(latest?.to)}></div>
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
  const text = ${JSON.stringify({ working: t.working, done: t.done, failed: t.failed, detail: t.detail })};
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
        let detail = "";
        try {
          const body = await response.json();
          reason = body.error || reason;
          detail = body.detail || "";
        } catch {}
        throw Object.assign(new Error(reason), { detail });
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
      if (error.detail) {
        // The technical reason (Prometheus's answer, the series asked for) stays behind a toggle.
        const details = document.createElement("details");
        const summary = document.createElement("summary");
        summary.textContent = text.detail;
        const code = document.createElement("code");
        code.textContent = error.detail;
        details.append(summary, code);
        status.append(details);
      }
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
