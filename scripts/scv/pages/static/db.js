// DuckDB-WASM on the build's Parquet files, from this site only (vendor/ holds the files the site
// build copied from npm; nothing comes from a CDN). The worker is a same-origin file, so the
// Content-Security-Policy needs no blob: or eval, only 'wasm-unsafe-eval' to compile DuckDB.
import * as duckdb from "./vendor/duckdb-browser.mjs";

const vendor = new URL("./vendor/", import.meta.url).href;
const data = new URL("../data/", import.meta.url).href;
const BUNDLES = {
  mvp: { mainModule: vendor + "duckdb-mvp.wasm", mainWorker: vendor + "duckdb-browser-mvp.worker.js" },
  eh: { mainModule: vendor + "duckdb-eh.wasm", mainWorker: vendor + "duckdb-browser-eh.worker.js" },
};

// The tables a page may query, each a view on a Parquet file of the build (read by HTTP range
// requests: a lookup by customer_id reads only the row group that holds it). search_<c> is the
// search index's file for terms starting with c (data/search/<c>.parquet).
export const TABLES = [
  "customers", "customer_sources", "activities", "customer_activity", "customer_id_history",
  "match_explanations", "segment_members", "segment_changes", "customer_id_moves",
];
const NAMED = new RegExp(`\\b(${TABLES.join("|")}|search_[a-z0-9_])\\b`, "g");

let ready = null;

// DuckDB, started once per page. Opening a view reads its file's footer, so a view is made when a
// query first names it (not here): a page is ready as soon as DuckDB is.
export function connect() {
  ready ??= open();
  return ready;
}

async function open() {
  const bundle = await duckdb.selectBundle(BUNDLES);
  const worker = new Worker(bundle.mainWorker);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule);
  await db.open({ query: { castBigIntToDouble: true, castDecimalToDouble: true } });
  const con = await db.connect();
  // Nothing may be fetched from elsewhere: no extension is installed or loaded on demand.
  await con.query("set autoinstall_known_extensions = false; set autoload_known_extensions = false");
  await con.query("set enable_object_cache = true");  // Parquet footers are read once
  return new Db(db, con);
}

export class Db {
  constructor(db, con) {
    this.db = db;
    this.con = con;
    this.views = new Map();  // name -> the promise of its view
  }

  // The views a query names, each made once (concurrent queries share the making).
  async need(sql) {
    const names = new Set([...sql.matchAll(NAMED)].map((m) => m[1]));
    await Promise.all([...names].map((name) => {
      if (!this.views.has(name)) this.views.set(name, this.view(name));
      return this.views.get(name);
    }));
  }

  async view(name) {
    const file = name.startsWith("search_") ? `search/${name.slice(7)}.parquet` : `${name}.parquet`;
    await this.db.registerFileURL(file, data + file, duckdb.DuckDBDataProtocol.HTTP, false);
    await this.con.query(`create view ${name} as select * from read_parquet('${file}')`);
  }

  // Rows as plain objects; timestamps as Date, big integers and decimals as numbers.
  async rows(sql) {
    await this.need(sql);
    const table = await this.con.query(sql);
    const fields = table.schema.fields;
    const out = [];
    for (const row of table) {
      const o = {};
      for (const f of fields) o[f.name] = plain(row[f.name], f.type);
      out.push(o);
    }
    return out;
  }

  async value(sql) {
    const rows = await this.rows(sql);
    return rows.length ? Object.values(rows[0])[0] : null;
  }
}

function plain(v, type) {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  const id = String(type);
  if (id.startsWith("Timestamp")) return new Date(Number(v));
  if (id.startsWith("Date")) return new Date(Number(v));
  return v;
}

// A SQL string literal.
export function lit(value) {
  return "'" + String(value).replaceAll("'", "''") + "'";
}

export function pageData() {
  const node = document.getElementById("scv-data");
  return node ? JSON.parse(node.textContent) : {};
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function fmtDate(d) {
  return d instanceof Date ? d.toISOString().slice(0, 10) : d ?? "";
}

export function fmtNum(n) {
  return typeof n === "number" ? n.toLocaleString("en-GB") : n ?? "";
}

export function status(text, busy = false) {
  const node = document.getElementById("status");
  if (node) {
    node.textContent = text;
    node.setAttribute("aria-busy", busy ? "true" : "false");
  }
}
