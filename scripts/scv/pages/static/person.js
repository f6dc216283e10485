// A person: the golden record with the source of each field, every source record, the activity
// timeline, why the records are one person (the matcher's pair explanations) and the id's history.
import { connect, el, fmtDate, fmtNum, lit, pageData, status } from "./db.js";

const site = pageData();
const id = new URLSearchParams(location.search).get("id") || "";
const FIELDS = [
  ["title", "Title"], ["first_name", "First name"], ["last_name", "Last name"], ["email", "Email"],
  ["phone", "Phone"], ["organisation", "Organisation"], ["address_line1", "Address"], ["city", "City"],
  ["postcode", "Postcode"], ["country_code", "Country"], ["orcid", "ORCID iD"], ["birth_date", "Date of birth"],
  ["customer_number", "Customer number"],
];
const ADDRESS = new Set(["address_line1", "city", "postcode"]);

function text(v) {
  return v instanceof Date ? fmtDate(v) : v === null || v === undefined ? "" : String(v);
}

function ref(r) {
  return `${r.source}:${r.source_record_id}`;
}

function table(head, rows, caption) {
  return el("table", {},
    caption ? el("caption", { text: caption }) : null,
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c) => el("td", {}, c))))),
  );
}

// Survivorship as customers.sql does it: a field comes from the record of lowest rank that has
// it; the address fields together from the first record with an address line or a postcode.
function supplier(records, field) {
  const has = ADDRESS.has(field) ? (r) => r.address_line1 !== null || r.postcode !== null : (r) => r[field] !== null;
  return records.find(has);
}

function mailto(subject, body) {
  const to = site.contact ? site.contact.email : "";
  return `mailto:${to}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
}

function correction(kind, a, b) {
  return `scv correction add ${site.client} --${kind} ${ref(a)} ${ref(b)}`;
}

async function main() {
  const db = await connect();
  const key = lit(id);
  const [people, records, activity, pairs, history] = await Promise.all([
    db.rows(`select * from customers where customer_id = ${key}`),
    db.rows(`select * from customer_sources where customer_id = ${key} order by survivorship_rank`),
    db.rows(`select * from activities where customer_id = ${key} order by activity_at desc nulls last, source_record_id`),
    db.rows(`select * from match_explanations where customer_id = ${key}
             order by match_probability desc, left_source, left_record_id, right_source, right_record_id, weight desc`),
    // Its own history, and the ids merged into another or split off from it (found by their
    // former id in customer_id_moves: the history is in customer_id order).
    db.rows(`select * from customer_id_history where customer_id = ${key} union all
             select * from customer_id_moves where previous_customer_id = ${key} and customer_id <> ${key}
             order by build_id`),
  ]);
  if (!people.length) {
    status(`No customer ${id} in this build.`);
    return;
  }
  const person = people[0];
  const name = [person.title, person.first_name, person.last_name].filter(Boolean).join(" ") || id;
  document.title = `${name} · ${site.title}`;
  document.getElementById("name").textContent = name;
  document.getElementById("summary").textContent =
    `Customer ${id} · ${records.length} record${records.length === 1 ? "" : "s"} in ${person.source_count} ` +
    `source${person.source_count === 1 ? "" : "s"} (${person.sources})`;

  // The golden record.
  const golden = FIELDS.filter(([f]) => person[f] !== null).map(([f, label]) => {
    const from = supplier(records, f);
    return [label, text(person[f]), from ? `${from.source} (${from.source_record_id})` : ""];
  });
  document.getElementById("golden").replaceChildren(
    table(["Field", "Value", "From"], golden, "The golden record and the record each field comes from"),
  );

  // Every source record, with its fields.
  const shown = FIELDS.filter(([f]) => records.some((r) => r[f] !== null));
  const first = records[0];
  document.getElementById("records").replaceChildren(
    table(
      ["Source", "Record", "Updated", ...shown.map(([, label]) => label), "Not this person?"],
      records.map((r) => [
        r.source, r.source_record_id, fmtDate(r.record_updated_at), ...shown.map(([f]) => text(r[f])),
        r === first ? "" : el("a", {
          href: mailto(`Records wrongly joined: ${site.client} ${id}`,
            `${ref(r)} is not the same person as ${ref(first)}.\n\nReference for the team:\n${correction("different", first, r)}\n`),
          text: "Report",
          "aria-label": `Report that ${ref(r)} is not this person`,
        }),
      ]),
      "Every record your systems hold for this person",
    ),
  );

  // Activity timeline.
  document.getElementById("activity").replaceChildren(
    activity.length
      ? table(["Date", "What", "Details", "Amount", "Record"], activity.map((a) => [
          fmtDate(a.activity_at), a.activity_type, a.description ?? "",
          a.amount === null ? "" : `${fmtNum(a.amount)} ${a.currency ?? ""}`, ref(a),
        ]), "Orders, subscriptions and events, newest first")
      : el("p", { class: "muted", text: "No orders, subscriptions or events." }),
  );

  // Why these records are one person.
  const byPair = new Map();
  for (const row of pairs) {
    const k = `${row.left_source}:${row.left_record_id} ${row.right_source}:${row.right_record_id}`;
    if (!byPair.has(k)) byPair.set(k, { ...row, fields: [] });
    byPair.get(k).fields.push(row);
  }
  const why = document.getElementById("why");
  if (!byPair.size) {
    why.replaceChildren(el("p", { class: "muted", text: records.length > 1
      ? "These records were joined by a correction or by links the matcher no longer explains."
      : "One record: nothing to join." }));
  } else {
    why.replaceChildren(
      el("p", {}, `${byPair.size} pair${byPair.size === 1 ? "" : "s"} of records scored as the same person; ` +
        "each field adds evidence for (positive weight) or against (negative). Records link through these pairs."),
      ...[...byPair.values()].map((p) => el("div", { class: "pair" },
        el("h3", { text: `${p.left_source}:${p.left_record_id} ↔ ${p.right_source}:${p.right_record_id}` }),
        el("p", { class: "muted", text: `Match probability ${(100 * p.match_probability).toFixed(2)}% · weight ${p.match_weight.toFixed(1)}` }),
        table(["Field", "Agreement", "Weight"], p.fields.map((f) => [
          f.field.replaceAll("_", " "), f.level, (f.weight >= 0 ? "+" : "") + f.weight.toFixed(1),
        ])),
      )),
    );
  }

  // The customer id's history.
  document.getElementById("history").replaceChildren(
    history.length
      ? table(["Build", "Change", "Customer id", "Previous id", "Records"], history.map((h) => [
          h.build_id, h.change_type, h.customer_id ?? "", h.previous_customer_id ?? "", fmtNum(h.record_count),
        ]))
      : el("p", { class: "muted", text: "No change recorded." }),
  );

  // Something wrong? One mail to the account contact with the references the team needs.
  const body = [
    `Customer ${id} (${name}) on the build of ${site.build_id}.`,
    "", "What is wrong:", "", "", "Reference for the team (keep the line that applies):",
    ...records.slice(1).map((r) => correction("different", first, r)),
    records.length > 1 ? "" : `scv correction add ${site.client} --same ${ref(first)} <source>:<record_id>`,
  ].join("\n");
  const link = document.getElementById("wrong");
  link.href = mailto(`Something wrong with customer ${id}`, body);
  link.hidden = false;
  status("");
  document.body.dataset.ready = "true";
  document.body.dataset.readyMs = String(Math.round(performance.now()));  // since navigation
}

main().catch((error) => {
  status(`Could not load this person: ${error.message}`);
  console.error(error);
});
