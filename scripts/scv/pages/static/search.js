// Search: name (prefix, then fuzzy), email, organisation, postcode or any identifier, as you type.
// data/search/<c>.parquet holds one row per (term, customer) for the terms starting with c, in the
// order results are shown (term, then name), so a prefix is a range of rows: DuckDB reads only the
// row groups whose min/max admit it, and stops at the first rows of that range.
import { connect, el, lit, status } from "./db.js";

const LIMIT = 20;
// Rows of the index read for a prefix: a person matches on several terms at most (first name,
// full name, email…), so the first 20 people are well within the first 200 rows.
const ROWS = 10 * LIMIT;
const box = document.getElementById("q");
const list = document.getElementById("results");
let asked = 0;

export function normalise(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

function upper(prefix) {
  // The first string after every string that starts with prefix.
  return prefix.slice(0, -1) + String.fromCodePoint(prefix.codePointAt(prefix.length - 1) + 1);
}

// The index's file for a query: its first character, if a-z or 0-9, else "_" (as the build made it).
function shard(q) {
  return /^[a-z0-9]/.test(q) ? `search_${q[0]}` : "search__";
}

function range(prefix) {
  return `term >= ${lit(prefix)} and term < ${lit(upper(prefix))}`;
}

// What a result says it matched on, when it matched several ways: the name first.
const KINDS = "case kind when 'name' then 1 when 'email' then 2 when 'id' then 3 else 4 end";
const SHOWN = "customer_id, any_value(label) as label, any_value(email) as email, " +
  "any_value(organisation) as organisation, any_value(postcode) as postcode, " +
  "any_value(country_code) as country_code, any_value(sources) as sources";

async function prefixHits(db, q) {
  // One range per variant (an "or" of ranges would not let DuckDB skip row groups by their
  // min/max), and no order by inside: the file's own order is the one wanted, and without one
  // DuckDB stops reading once it has the rows (insertion order is preserved).
  const variants = [...new Set([q, q.replaceAll(" ", "")])].filter(Boolean);
  const firstRows = variants.map((v) => `(select * from ${shard(q)} where ${range(v)} limit ${ROWS})`);
  return db.rows(
    `select ${SHOWN}, arg_min(kind, ${KINDS}) as matched_on from (${firstRows.join(" union all ")}) ` +
    `group by customer_id order by min(term), label, customer_id limit ${LIMIT}`,
  );
}

async function fuzzyHits(db, q, exclude) {
  // Names only, sharing the first two letters (a range again, a small one), at most one edit in
  // four characters away (Jon Smyth finds John Smith), the closest first.
  const skip = exclude.length ? `and customer_id not in (${exclude.map(lit).join(", ")})` : "";
  const edits = Math.max(1, Math.floor(q.length / 4));
  return db.rows(
    `select ${SHOWN}, 'similar name' as matched_on from (
       select *, levenshtein(term, ${lit(q)}) as distance from ${shard(q)}
       where kind = 'name' and ${range(q.slice(0, 2))} and abs(length(term) - ${q.length}) <= ${edits} ${skip}
     ) where distance <= ${edits}
     group by customer_id order by min(distance), label limit ${LIMIT - exclude.length}`,
  );
}

function show(rows, q) {
  list.replaceChildren(
    ...rows.map((r) =>
      el("li", {},
        el("a", { href: `person.html?id=${encodeURIComponent(r.customer_id)}`, text: r.label || r.customer_id }),
        el("span", { class: "muted", text: " · " + [r.email, r.organisation, r.postcode, r.country_code]
          .filter(Boolean).join(" · ") }),
        el("span", { class: "tag", text: r.matched_on }),
      ),
    ),
  );
  status(rows.length ? `${rows.length}${rows.length === LIMIT ? "+" : ""} people match “${q}”.` :
    `Nobody matches “${q}”.`);
}

async function run() {
  const q = normalise(box.value);
  const mine = ++asked;
  if (q.length < 2) {
    list.replaceChildren();
    status("Type at least two characters.");
    return;
  }
  status("Searching…", true);
  const db = await connect();
  const exact = await prefixHits(db, q);
  if (mine !== asked) return;  // the person typed on: a newer search is running
  show(exact, box.value.trim());
  document.body.dataset.resultMs = String(Math.round(performance.now() - typedAt));
  if (exact.length < LIMIT && /\p{L}/u.test(q) && q.length >= 3) {
    const similar = await fuzzyHits(db, q, exact.map((r) => r.customer_id));
    if (mine !== asked) return;
    show([...exact, ...similar], box.value.trim());
  }
  document.body.dataset.searched = q;  // for the tests and the benchmark: this query is done
}

let timer = null;
let typedAt = 0;
box.addEventListener("input", () => {
  typedAt = performance.now();
  clearTimeout(timer);
  timer = setTimeout(() => run().catch(fail), 80);
});

function fail(error) {
  status(`Search failed: ${error.message}`);
  console.error(error);
}

status("Loading the customer view…", true);
connect().then(() => {
  box.disabled = false;
  box.focus();
  status("Ready: type a name, email, organisation, postcode or any id.");
  document.body.dataset.ready = "true";
  document.body.dataset.readyMs = String(Math.round(performance.now()));  // since navigation
  if (box.value) run().catch(fail);
}, fail);
