// The segment builder: filters become one SQL condition on `customers` (the same language as
// clients/<client>/segments.yml), counted live in DuckDB-WASM, broken down in charts, and
// exported with the chosen columns as CSV or XLSX.
import { connect, el, fmtNum, lit, pageData, status } from "./db.js";
import { download, toCsv, toXlsx } from "./export.js";

const site = pageData();
const form = document.getElementById("builder");
const count = document.getElementById("count");
const sqlBox = document.getElementById("sql");
const charts = document.getElementById("charts");
let asked = 0;

function checked(name) {
  return [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
}

function value(id) {
  return document.getElementById(id).value.trim();
}

// The selection as a condition on customers.
export function where() {
  const parts = [];
  for (const source of checked("source")) {
    parts.push(`list_contains(string_split(sources, ', '), ${lit(source)})`);
  }
  const countries = [...document.getElementById("country").selectedOptions].map((o) => o.value);
  if (countries.length) parts.push(`country_code in (${countries.map(lit).join(", ")})`);
  if (value("saved")) {
    parts.push(`customer_id in (select customer_id from segment_members where segment = ${lit(value("saved"))})`);
  }
  if (value("organisation")) parts.push(`organisation ilike ${lit("%" + value("organisation") + "%")}`);
  const activity = [];
  if (value("activity_type")) activity.push(`activity_type = ${lit(value("activity_type"))}`);
  if (value("description")) activity.push(`description = ${lit(value("description"))}`);
  if (value("from")) activity.push(`activity_at >= ${lit(value("from"))}`);
  if (value("to")) activity.push(`activity_at < cast(${lit(value("to"))} as date) + 1`);
  if (value("min_amount")) activity.push(`amount >= ${Number(value("min_amount"))}`);
  if (value("max_amount")) activity.push(`amount <= ${Number(value("max_amount"))}`);
  if (activity.length) {
    parts.push(`customer_id in (select customer_id from activities where ${activity.join(" and ")})`);
  }
  for (const field of checked("filled")) parts.push(`${field} is not null`);
  return parts.length ? parts.join("\n  and ") : "true";
}

function bars(title, rows) {
  // Horizontal bars, to scale from zero, each labelled with its figure.
  const top = Math.max(1, ...rows.map((r) => r.n));
  const h = 22;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${title}: ` + rows.map((r) => `${r.label} ${r.n}`).join(", "));
  svg.setAttribute("viewBox", `0 0 460 ${rows.length * h + 4}`);
  rows.forEach((r, i) => {
    const w = (260 * r.n) / top;
    const y = i * h + 2;
    svg.insertAdjacentHTML("beforeend",
      `<text x="136" y="${y + 15}" text-anchor="end"></text><rect x="140" y="${y}" width="${w.toFixed(1)}" ` +
      `height="${h - 6}" rx="2" class="bar"></rect><text x="${(144 + w).toFixed(1)}" y="${y + 15}"></text>`);
    const texts = svg.querySelectorAll("text");
    texts[texts.length - 2].textContent = String(r.label).slice(0, 22);
    texts[texts.length - 1].textContent = fmtNum(r.n);
  });
  return el("figure", {}, el("figcaption", { text: title }), svg);
}

async function refresh() {
  const mine = ++asked;
  const started = performance.now();
  const condition = where();
  sqlBox.textContent = `select customer_id from customers\nwhere ${condition}`;
  document.getElementById("yaml").textContent =
    `  - name: my_segment\n    title: My segment\n    where: >-\n      ${condition.replaceAll("\n  ", "\n      ")}`;
  count.textContent = "…";
  // Everyone (no filter, as the page opens): figured when the site was built, no query needed.
  const everyone = condition === "true" ? site.everyone : null;
  const db = everyone ? null : await connect();
  const n = everyone ? everyone.count : await db.value(`select count(*) from customers where ${condition}`);
  if (mine !== asked) return;
  count.textContent = fmtNum(n);
  document.body.dataset.counted = String(n);  // the tests and the benchmark read when it is done
  document.body.dataset.countMs = String(Math.round(performance.now() - started));
  const [byCountry, bySources] = everyone ? [everyone.by_country, everyone.by_sources] : await Promise.all([
    db.rows(`select coalesce(country_code, 'Unknown') as label, count(*) as n from customers where ${condition}
             group by 1 order by 2 desc, 1 limit 10`),
    db.rows(`select source_count || (case when source_count = 1 then ' source' else ' sources' end) as label,
             count(*) as n from customers where ${condition} group by source_count order by source_count`),
  ]);
  if (mine !== asked) return;
  charts.replaceChildren(bars("By country", byCountry), bars("By number of sources", bySources));
}

async function exportAs(format) {
  const columns = checked("column");
  if (!columns.length) {
    status("Choose at least one column to export.");
    return;
  }
  status(`Preparing the ${format.toUpperCase()}…`, true);
  const started = performance.now();
  const db = await connect();
  const rows = await db.rows(`select ${columns.join(", ")} from customers where ${where()} order by customer_id`);
  const name = `${site.client}-segment-${site.build_id}.${format}`;
  if (format === "csv") download(name, toCsv(columns, rows), "text/csv;charset=utf-8");
  else download(name, toXlsx(columns, rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  status(`${fmtNum(rows.length)} rows exported as ${name}.`);
  document.body.dataset.exported = String(rows.length);
  document.body.dataset.exportMs = String(Math.round(performance.now() - started));
}

function fail(error) {
  status(`Something went wrong: ${error.message}`);
  console.error(error);
}

// A saved segment's link (segments.html?saved=name) opens the builder on it.
const preset = new URLSearchParams(location.search).get("saved");
if (preset) document.getElementById("saved").value = preset;
// input: as a person types; change: selects and checkboxes (some browsers and drivers send only that).
for (const kind of ["input", "change"]) form.addEventListener(kind, () => refresh().catch(fail));
form.addEventListener("submit", (e) => e.preventDefault());
document.getElementById("csv").addEventListener("click", () => exportAs("csv").catch(fail));
document.getElementById("xlsx").addEventListener("click", () => exportAs("xlsx").catch(fail));
status("Loading the customer view…", true);
// Ready once DuckDB is up and has read the customers file's footer: a filter then reads only the
// columns it names. The figures for everyone are on screen before that.
Promise.all([refresh(), connect().then((db) => db.need("customers"))]).then(() => {
  status("");
  document.body.dataset.ready = "true";
  document.body.dataset.readyMs = String(Math.round(performance.now()));  // since navigation
}, fail);
