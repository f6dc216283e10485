"""`scv profile` and `scv source add`: awkward files, exact quality counts, mapping, comparison."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from support.corpus import CORPUS, PEOPLE, write
from support.deliveries import CRM_HEADER, CRM_ROWS


def profile(scv, tmp_path: Path, *files: Path, args: tuple[str, ...] = ()) -> tuple[object, dict]:
    out = tmp_path / "report"
    result = scv("profile", *files, "--out", out, *args)
    doc = json.loads((out / "profile.json").read_text()) if (out / "profile.json").exists() else {}
    return result, doc


def column(table: dict, name: str) -> dict:
    return next(c for c in table["columns"] if c["name"] == name)


def checks(table: dict) -> dict[tuple[str, str | None], dict]:
    return {(f["check"], f["column"]): f for f in table["findings"]}


# --- the corpus: every awkward file gets a report or one line of error ---------------------------


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_each_awkward_file_gets_a_report_or_one_line_error(scv, repo, tmp_path, case):
    path = case.make(tmp_path)
    result, doc = profile(scv, tmp_path, path)

    assert "Traceback" not in result.out + result.err
    if case.error:
        assert result.code == 2
        assert result.err.count("\n") == 1, result.err
        assert result.err.startswith("error: ") and case.error in result.err
        assert not doc
    else:
        assert result.code == 0, result.err
        assert result.err == ""
        assert doc["tables"] and all(t["name"].startswith(path.name) for t in doc["tables"])
        html = (tmp_path / "report" / "index.html").read_text()
        assert all(t["name"] in html for t in doc["tables"])


def test_corpus_has_the_awkward_files_the_issue_names():
    assert len(CORPUS) >= 15
    names = " ".join(c.name for c in CORPUS)
    for awkward in ["empty", "header only", "BOM", "latin-1", "UTF-16", "ragged", "newlines inside quotes",
                    "duplicate header", "1,000 columns", "binary junk", "truncated gzip", "two sheets"]:  # fmt: skip
        assert awkward.lower() in names.lower(), awkward


def case(name: str):
    return next(c for c in CORPUS if c.name == name)


@pytest.mark.parametrize(
    ("name", "format", "encoding", "bom", "delimiter", "header", "columns"),
    [
        ("utf-8 with BOM", "csv", "utf-8", True, ",", True, ["id", "title", "first_name", "last_name", "email", "city"]),
        ("latin-1 accents", "csv", "latin-1", False, ";", True, ["id", "title", "first_name", "last_name", "email", "city"]),
        ("cp1252 smart quotes", "csv", "cp1252", False, ",", True, ["id", "note"]),
        ("utf-16 tab-separated", "csv", "utf-16", True, "\t", True, ["id", "title", "first_name", "last_name", "email", "city"]),
        ("pipe-separated", "csv", "utf-8", False, "|", True, ["id", "title", "first_name", "last_name", "email", "city"]),
        ("no header", "csv", "utf-8", False, ",", False, [f"column{i}" for i in range(6)]),
        ("duplicate header names", "csv", "utf-8", False, ",", True, ["id", "email", "Email_2", "column4"]),
        ("ndjson with a bad line", "ndjson", "utf-8", False, None, None, ["id", "email", "tags"]),
        ("json array", "json", "utf-8", False, None, None, ["id", "name"]),
        ("parquet", "parquet", None, False, None, None, ["id", "email", "joined"]),
    ],
)  # fmt: skip
def test_format_encoding_dialect_and_header_are_detected(scv, repo, tmp_path, name, format, encoding, bom, delimiter,
                                                          header, columns):  # fmt: skip
    result, doc = profile(scv, tmp_path, case(name).make(tmp_path))

    assert result.code == 0, result.err
    (table,) = doc["tables"]
    assert (table["format"], table["encoding"], table["bom"]) == (format, encoding, bom)
    assert (table["delimiter"], table["header"]) == (delimiter, header)
    assert [c["name"] for c in table["columns"]] == columns


def test_text_is_decoded_not_garbled(scv, repo, tmp_path):
    for name in ["latin-1 accents", "utf-16 tab-separated", "utf-8 with BOM"]:
        _, doc = profile(scv, tmp_path, case(name).make(tmp_path))
        city = column(doc["tables"][0], "city")
        # Köln occurs five times and a city is not personal: shown as it is, counted exactly
        assert city["top_values"][0] == {"value": "Köln", "count": 5}, name
        assert city["mojibake"] == 0
    _, doc = profile(scv, tmp_path, case("cp1252 smart quotes").make(tmp_path), args=("--show-values",))
    assert {v["value"] for v in column(doc["tables"][0], "note")["top_values"]} == {
        "“quoted” – €5",
        "O’Brien",
    }


def test_rejected_lines_are_counted_with_line_numbers(scv, repo, tmp_path):
    result, doc = profile(scv, tmp_path, case("ragged rows").make(tmp_path))

    (table,) = doc["tables"]
    assert (table["rows"], table["rejected_rows"]) == (2, 2)
    assert [(r["line"], r["error"]) for r in table["rejects"]] == [
        (3, "MISSING COLUMNS"),
        (5, "TOO MANY COLUMNS"),
    ]
    assert "fail  2 line(s) do not parse" in result.out
    assert result.code == 0  # a report, whatever it found; --strict makes a `fail` finding exit 1
    assert scv("profile", case("ragged rows").make(tmp_path), "--strict", "--out", tmp_path / "s").code == 1
    assert (
        scv("profile", case("pipe-separated").make(tmp_path), "--strict", "--out", tmp_path / "p").code == 0
    )
    _, doc = profile(scv, tmp_path, case("ndjson with a bad line").make(tmp_path))
    assert [(r["line"], r["error"]) for r in doc["tables"][0]["rejects"]] == [(3, "INVALID JSON RECORD")]


def test_newlines_inside_quotes_stay_in_their_value(scv, repo, tmp_path):
    _, doc = profile(scv, tmp_path, case("newlines inside quotes").make(tmp_path), args=("--show-values",))

    (table,) = doc["tables"]
    assert (table["rows"], table["rejected_rows"]) == (3, 0)
    assert {v["value"] for v in column(table, "address")["top_values"]} == {
        "1 Road\nFlat 2",
        "3 Street",
        "5 Lane\nUpper",
    }
    assert (
        table["line_endings"] == "mixed"
    )  # the CRLF inside a value; line endings are made one, as the loader does


def test_an_xlsx_workbook_gets_a_table_per_sheet_with_data(scv, repo, tmp_path):
    result, doc = profile(scv, tmp_path, case("xlsx with two sheets").make(tmp_path))

    assert [(t["sheet"], t["rows"], len(t["columns"])) for t in doc["tables"]] == [
        ("Members", 6, 5),
        ("Notes", 1, 2),
    ]
    assert doc["tables"][0]["sheets"] == ["Members", "Notes", "Blank"]
    assert "two_sheets.xlsx › Members: 6 rows × 5 columns" in result.out
    _, doc = profile(scv, tmp_path, case("xlsx with two sheets").make(tmp_path), args=("--sheet", "Notes"))
    assert [t["sheet"] for t in doc["tables"]] == ["Notes"]


def test_a_late_byte_that_is_not_utf8_switches_to_cp1252_and_says_where(scv, repo, tmp_path):
    result, doc = profile(
        scv, tmp_path, case("utf-8 head, latin-1 later").make(tmp_path), args=("--show-values",)
    )

    (table,) = doc["tables"]
    assert table["encoding"] == "cp1252"
    assert "line 120002 is not valid UTF-8: the file was read as cp1252" in result.out
    assert table["rows"] == 120_001 and table["rejected_rows"] == 0
    assert "Orléans" in [p for p in json.dumps(doc, ensure_ascii=False).split('"') if "Orl" in p]


def test_structure_of_gzip_parquet_and_line_endings(scv, repo, tmp_path):
    _, doc = profile(scv, tmp_path, case("gzip csv").make(tmp_path))
    assert (doc["tables"][0]["compression"], doc["tables"][0]["rows"]) == ("gzip", 6)
    _, doc = profile(scv, tmp_path, case("parquet").make(tmp_path))
    assert doc["tables"][0]["declared_types"] == {"id": "BIGINT", "email": "VARCHAR", "joined": "DATE"}
    assert column(doc["tables"][0], "joined")["type"] == "date"
    _, doc = profile(scv, tmp_path, case("mixed line endings").make(tmp_path))
    assert (doc["tables"][0]["line_endings"], doc["tables"][0]["rows"]) == ("mixed", 2)
    _, doc = profile(scv, tmp_path, case("utf-16 tab-separated").make(tmp_path))
    assert doc["tables"][0]["line_endings"] == "crlf"


def test_several_files_one_bad_the_others_still_get_their_report(scv, repo, tmp_path):
    good, bad = case("pipe-separated").make(tmp_path), case("binary junk").make(tmp_path)

    result, doc = profile(scv, tmp_path, good, bad)

    assert result.code == 2
    assert result.err.count("\n") == 1 and "junk.bin: binary data" in result.err
    assert [t["name"] for t in doc["tables"]] == ["pipe.txt"]
    assert doc["errors"] == [result.err.removeprefix("error: ").strip()]


def test_a_missing_file_is_one_line(scv, repo, tmp_path):
    result = scv("profile", tmp_path / "nope.csv")
    assert result.code == 2 and "nope.csv: no such file" in result.err and result.err.count("\n") == 1


# --- content and quality, counted exactly -------------------------------------------------------

QUALITY_HEADER = ["id", "title", "first_name", "last_name", "email", "phone", "postcode", "orcid", "date_of_birth",
                  "amount", "notes"]  # fmt: skip


def quality_rows() -> list[list[str]]:
    """Twenty clean people, then one problem each where the test can count it."""
    rows = [
        [str(i), "Dr" if i % 2 else "Ms", "Ann", "Lee", f"ann{i}@uni.example", f"+44 20 7946 {i:04d}", "SW1A 1AA",
         "0000-0002-1825-0097", f"1980-01-{i:02d}", f"{10 + i}.50", "ok"]
        for i in range(1, 21)
    ]  # fmt: skip
    rows[2][4] = "ann3(at)uni.example"  # invalid email
    rows[4][4] = "ann5@uni"  # invalid email
    rows[5][4] = "   "  # blank, not invalid
    rows[3][5] = "12"  # invalid phone
    rows[7][6] = "XYZ"  # invalid postcode
    rows[8][7] = "0000-0002-1825-0098"  # wrong ORCID check digit
    rows[9][8] = "31/02/1990"  # not a real date, and a second date format
    rows[10][8] = "1850-01-01"  # before 1900
    rows[11][2] = " Ann"  # stray spaces
    rows[11][3] = "Lee  "
    rows[12][10] = '=HYPERLINK("http://x.example")'  # a formula
    rows[13][10] = "-12"  # a number, not a formula
    rows[13][3] = "MÃ¼ller"  # mojibake
    rows[14][9] = "n/a"  # not a number in a number column
    rows[15][9] = "1000000"  # far out
    rows[7][0] = "7"  # duplicate key
    rows.append(list(rows[-1]))  # a duplicate row (and key 20 twice)
    return rows


def quality_file(folder: Path) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([QUALITY_HEADER, *quality_rows()])
    return write(folder, "quality.csv", buffer.getvalue())


def test_quality_problems_are_counted_exactly(scv, repo, tmp_path):
    result, doc = profile(scv, tmp_path, quality_file(tmp_path))

    assert result.code == 0
    (t,) = doc["tables"]
    assert (t["rows"], t["duplicate_rows"]) == (21, 1)
    assert t["key"]["column"] == "id" and (t["key"]["duplicates"], t["key"]["empty"]) == (2, 0)
    assert column(t, "email")["kind_invalid"] == 2 and column(t, "email")["blank"] == 1
    assert column(t, "phone")["kind_invalid"] == 1
    assert column(t, "postcode")["kind_invalid"] == 1
    assert column(t, "orcid")["kind_invalid"] == 1
    dob = column(t, "date_of_birth")["dates"]
    assert (dob["invalid"], dob["implausible"]) == (1, 1)
    assert dob["formats"] == {"YYYY-MM-DD": 20, "DD/MM/YYYY": 1}
    assert (dob["min"], dob["max"]) == ("1850-01-01", "1980-01-20")
    assert column(t, "first_name")["stray_spaces"] == 1 and column(t, "last_name")["stray_spaces"] == 1
    assert column(t, "notes")["formula"] == 1
    assert column(t, "last_name")["mojibake"] == 1
    amount = column(t, "amount")
    assert amount["type"] == "decimal" and amount["filled"] - amount["type_fit"] == 1
    assert amount["numbers"]["outliers"] == 1 and amount["numbers"]["max"] == 1_000_000
    found = checks(t)
    for check in [("duplicate_keys", "id"), ("invalid_email", "email"), ("invalid_phone", "phone"),
                  ("invalid_postcode", "postcode"), ("invalid_orcid", "orcid"), ("invalid_date", "date_of_birth"),
                  ("date_formats", "date_of_birth"), ("implausible_date", "date_of_birth"), ("mixed_types", "amount"),
                  ("outliers", "amount"), ("formula_cells", "notes"), ("mojibake", "last_name"),
                  ("stray_spaces", "first_name"), ("duplicate_rows", None)]:  # fmt: skip
        assert check in found, check
    assert found[("duplicate_keys", "id")]["severity"] == "fail"
    assert "fail  key 'id': 2 value(s) repeat an earlier one" in result.out


def test_content_top_values_patterns_and_numbers(scv, repo, tmp_path):
    _, doc = profile(scv, tmp_path, quality_file(tmp_path))

    (t,) = doc["tables"]
    title = column(t, "title")
    assert title["top_values"] == [{"value": "Ms", "count": 11}, {"value": "Dr", "count": 10}]
    assert (title["distinct"], title["distinct_exact"]) == (2, True)
    assert column(t, "postcode")["patterns"][0] == {"pattern": "AA9A 9AA", "count": 20}
    assert column(t, "phone")["patterns"][0] == {"pattern": "+99 99 9999 9999", "count": 20}
    q = column(t, "amount")["numbers"]["quantiles"]
    assert q["p25"] <= q["p50"] <= q["p75"] and 10 < q["p50"] < 40
    assert column(t, "title")["length"] == {"min": 2, "max": 2, "avg": 2.0}


def test_nearly_unique_columns_are_counted_row_by_row_with_the_same_results(scv, repo, tmp_path, monkeypatch):
    """Big files check nearly-unique columns row by row instead of per distinct value: same counts."""
    from scv.profiling import profile as engine

    path = quality_file(tmp_path)
    _, grouped = profile(scv, tmp_path / "a", path)
    monkeypatch.setattr(engine, "GROUPED_MAX", 0)
    monkeypatch.setattr(engine, "GROUPED_DISTINCT", -1)
    monkeypatch.setattr(engine, "SAMPLE_ROWS", 10)
    _, per_row = profile(scv, tmp_path / "b", path)

    a, b = grouped["tables"][0], per_row["tables"][0]
    assert 0 < b["sampled_rows"] < 21 and not any(c.get("grouped") for c in b["columns"])
    for ca, cb in zip(a["columns"], b["columns"], strict=True):
        for key in ["values", "nulls", "blank", "stray_spaces", "formula", "mojibake", "type_fit", "kind_invalid",
                    "length"]:  # fmt: skip
            assert ca.get(key) == cb.get(key), (ca["name"], key)
    assert column(b, "title")["top_values"] == [{"value": "Ms", "count": 11}, {"value": "Dr", "count": 10}]
    assert column(b, "date_of_birth")["dates"] == column(a, "date_of_birth")["dates"]
    assert (b["duplicate_rows"], b["key"]["duplicates"]) == (1, 2)


# --- masking, mapping, report --------------------------------------------------------------------


def test_personal_values_are_masked_unless_asked(scv, repo, tmp_path):
    _, doc = profile(scv, tmp_path, quality_file(tmp_path))
    html = (tmp_path / "report" / "index.html").read_text()
    emails = [v["value"] for v in column(doc["tables"][0], "email")["top_values"] if v["value"].strip()]
    assert emails and all("•" in e for e in emails)
    assert "uni.example" not in html and "ann1" not in json.dumps(doc)
    assert doc["values_masked"] is True

    _, doc = profile(scv, tmp_path, quality_file(tmp_path), args=("--show-values",))
    assert {"value": "ann20@uni.example", "count": 2} in column(doc["tables"][0], "email")["top_values"]


def test_columns_map_to_the_canonical_fields_with_confidence(scv, repo, tmp_path):
    rows = [["Customer No", "Salutation", "Forename", "Surname", "E-Mail Address", "Tel", "Institution", "Town",
             "Post Code", "Country", "DOB", "Last Updated", "Favourite Colour"]]  # fmt: skip
    for i, (_, title, first, last, email, city) in enumerate(PEOPLE):
        rows.append([f"C{i:03d}", title, first, last, email, f"020 7946 {i:04d}", "Uni", city, "SW1A 1AA", "UK",
                     f"1980-01-0{i + 1}", f"2025-01-0{i + 1} 10:00:00", "blue"])  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    _, doc = profile(scv, tmp_path, write(tmp_path, "crm.csv", buffer.getvalue()))

    mapping = {m["field"]: (m["column"], m["confidence"]) for m in doc["tables"][0]["mapping"]}
    assert len(doc["tables"][0]["mapping"]) == len(mapping)  # one column per field
    assert {f: c for f, (c, _) in mapping.items()} == {
        "source_record_id": "Customer No", "customer_number": "Customer No", "title": "Salutation", "first_name": "Forename", "last_name": "Surname",
        "email": "E-Mail Address", "phone": "Tel", "organisation": "Institution", "city": "Town",
        "postcode": "Post Code", "country": "Country", "birth_date": "DOB", "record_updated_at": "Last Updated",
    }  # fmt: skip
    # name and content agree: high; name alone (nothing to check a surname against): lower
    assert mapping["email"][1] >= 0.95 and mapping["last_name"][1] == 0.9
    assert "Favourite Colour" not in {c for c, _ in mapping.values()}


def test_report_extends_the_base_template_with_a_chart_per_column_offline(scv, repo, tmp_path):
    _, doc = profile(scv, tmp_path, quality_file(tmp_path))
    html = (tmp_path / "report" / "index.html").read_text()

    assert "Generated by scv" in html and "<style>" in html  # the shared base
    assert html.count('<svg class="chart"') >= len(doc["tables"][0]["columns"])
    assert "http://" not in html.replace("http://x.example", "") and "https://" not in html
    assert "<script" not in html
    assert "date_of_birth mixes date formats" in html.replace("'", "").replace("&#39;", "")


# --- against client.yml and the previous delivery ------------------------------------------------


def crm_file(
    folder: Path, rows: list[list[str]], header: list[str] = CRM_HEADER, encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder, "crm_contacts.csv", buffer.getvalue().encode(encoding))


def test_a_delivery_is_compared_with_the_previous_one(scv, repo, tmp_path):
    first = crm_file(tmp_path / "w1", CRM_ROWS)
    result = scv("profile", first, "--client", "demo", "--source", "crm_contacts", "--out", tmp_path / "r1")
    assert result.code == 0, result.err
    assert "comparison" not in json.loads((tmp_path / "r1" / "profile.json").read_text())["tables"][0]

    header = [h for h in CRM_HEADER if h != "orcid"] + ["mobile"]
    rows = [
        [v for h, v in zip(CRM_HEADER, r, strict=True) if h != "orcid"] + ["07700 900000"] for r in CRM_ROWS
    ]
    for r in rows:
        r[header.index("phone")] = "020 7946 0000"  # phone now always filled
    second = crm_file(tmp_path / "w2", rows * 2, header)
    result = scv("profile", second, "--client", "demo", "--source", "crm_contacts", "--out", tmp_path / "r2")

    t = json.loads((tmp_path / "r2" / "profile.json").read_text())["tables"][0]
    diff = t["comparison"]
    assert (diff["added"], diff["removed"]) == (["mobile"], ["orcid"])
    assert (diff["rows_before"], diff["rows_now"], diff["rows_change"]) == (4, 8, 1.0)
    assert [(f["column"], f["before"], f["now"]) for f in diff["fill_changes"]] == [("phone", 0.25, 1.0)]
    found = checks(t)
    assert found[("columns_removed", None)]["severity"] == "fail"
    assert ("columns_added", None) in found and ("volume", None) in found and ("fill_rate", "phone") in found
    # the build would fail on it too: client.yml declares orcid
    assert "column(s) orcid declared in clients/demo/client.yml source crm_contacts are missing" in result.out


def test_before_any_profile_the_previous_delivery_is_the_last_builds_input(scv, repo, tmp_path):
    build = tmp_path / "home" / "builds" / "demo" / "20261116T020000Z-1a2b3c4"
    build.mkdir(parents=True)
    inputs = [{"source": "crm_contacts", "file": "crm_contacts.csv", "rows": 40, "rejected_rows": 0,
               "encoding": "utf-8", "format": "csv", "columns": [*CRM_HEADER, "fax"]}]  # fmt: skip
    (build / "build.json").write_text(json.dumps({"build_id": build.name, "inputs": inputs}))

    result = scv("profile", crm_file(tmp_path / "w", CRM_ROWS), "--client", "demo", "--source", "crm_contacts",
                 "--out", tmp_path / "r")  # fmt: skip

    diff = json.loads((tmp_path / "r" / "profile.json").read_text())["tables"][0]["comparison"]
    assert diff["previous"] == "build 20261116T020000Z-1a2b3c4"
    assert (diff["removed"], diff["rows_before"], diff["rows_change"]) == (["fax"], 40, -0.9)
    assert "column(s) gone since build 20261116T020000Z-1a2b3c4: fax" in result.out


def test_the_file_is_checked_against_what_client_yml_declares(scv, repo, tmp_path):
    latin = crm_file(tmp_path, [[v.replace("Zoë", "Zoë") for v in r] for r in CRM_ROWS], encoding="latin-1")

    result = scv("profile", latin, "--client", "demo", "--source", "crm_contacts", "--out", tmp_path / "r")

    assert result.code == 0
    assert (
        "fail  the file reads as latin-1; clients/demo/client.yml source crm_contacts declares encoding utf-8"
        in result.out
    )
    assert scv("profile", latin, "--client", "demo").code == 2  # --source goes with --client
    headless = write(tmp_path, "headless.csv", "\n".join(",".join(r) for r in CRM_ROWS) + "\n")
    result = scv("profile", headless, "--client", "demo", "--source", "crm_contacts", "--out", tmp_path / "h")
    assert (
        "the file starts with data, not a header row; clients/demo/client.yml source crm_contacts declares header: True"
        in result.out
    )


# --- scv source add ------------------------------------------------------------------------------

MEMBERS = (
    "Member No,Forename,Surname,E-Mail,Mobile,Post Code,Date of Birth,Last Modified,Society\n"
    "M1,Jane,Smith,jane.smith@uni.example,+44 7700 900001,SW1A 1AA,1980-01-02,2024-01-01 10:00:00,RSC\n"
    "M2,Bob,Jones,bob@mail.example,07700 900002,M1 1AE,1975-05-06,2024-02-01 11:00:00,RSC\n"
)


def test_source_add_writes_a_source_that_validates_for_review(scv, repo, tmp_path):
    members = write(tmp_path, "members.csv", MEMBERS)
    client_yml = repo / "clients" / "demo" / "client.yml"
    before = client_yml.read_text()

    result = scv("source", "add", "demo", "society_members", members)

    assert result.code == 0, result.err
    assert "first_name         <- Forename" in result.out
    after = client_yml.read_text()
    assert after.startswith(before.split("matching:")[0].rstrip())  # comments and sources kept as they were
    assert after.index("name: society_members") < after.index("matching:")
    assert "    key: Member No\n" in after and "    delimiter: ','\n" in after
    assert scv("client", "validate", "demo").code == 0
    models = repo / "models" / "clients" / "demo"
    staging = (models / "stg_demo__society_members.sql").read_text()
    assert "{{ source('demo', 'society_members') }}" in staging
    assert "{{ clean_text('\"Forename\"') }} as first_name" in staging
    assert "{{ clean_email('\"E-Mail\"') }} as email" in staging
    assert "{{ parse_date('\"Date of Birth\"') }} as birth_date" in staging
    assert "-- first_name, " in staging and all(len(line) <= 120 for line in staging.splitlines())
    union = (models / "int_demo__contacts_unioned.sql").read_text()
    assert union.rstrip().endswith("union all\nselect * from society_members")
    assert "member_no as source_record_id" in union
    described = yaml.safe_load((models / "_demo__models.yml").read_text())["models"]
    assert described[-1]["name"] == "stg_demo__society_members"
    union_source = next(c for m in described if m["name"] == "int_demo__contacts_unioned" for c in m["columns"]
                        if c["name"] == "source")  # fmt: skip
    assert "society_members" in union_source["data_tests"][-1]["accepted_values"]["arguments"]["values"]
    tables = yaml.safe_load((models / "_demo__sources.yml").read_text())["sources"][0]["tables"]
    assert tables[-1]["name"] == "society_members"


def test_source_add_to_a_scaffolded_client_replaces_its_example_and_keeps_the_rest(scv, repo, tmp_path):
    assert scv("client", "new", "acme").code == 0
    models = repo / "models" / "clients" / "acme"
    before = (models / "_acme__models.yml").read_text()

    result = scv("source", "add", "acme", "members", write(tmp_path, "members.csv", MEMBERS))

    assert result.code == 0, result.err
    after = (models / "_acme__models.yml").read_text()
    # The example source (a contacts.csv no delivery has) is gone, everything else kept as it was.
    assert [m["name"] for m in yaml.safe_load(after)["models"]] == [
        "int_acme__contacts_unioned",
        "int_acme__activity_unioned",
        "stg_acme__members",
    ]
    example = before[
        before.index("  - name: stg_acme__contacts") : before.index("  - name: int_acme__contacts")
    ]
    assert after.startswith(before.replace(example, "").rstrip("\n"))  # the rest as it was
    assert not (models / "stg_acme__contacts.sql").exists()
    client = yaml.safe_load((repo / "clients" / "acme" / "client.yml").read_text())
    assert [(s["name"], s["file"]) for s in client["sources"]] == [("members", "members.csv")]
    assert "One entry per file" in (repo / "clients" / "acme" / "client.yml").read_text()  # comments kept
    tables = yaml.safe_load((models / "_acme__sources.yml").read_text())["sources"][0]["tables"]
    assert [t["name"] for t in tables] == ["members"]
    union = (models / "int_acme__contacts_unioned.sql").read_text()
    assert "select * from members\n" in union and "stg_acme__contacts" not in union
    assert scv("client", "validate", "acme").code == 0
    # A second source is added beside the first, the example being gone already.
    again = scv("source", "add", "acme", "members_two", write(tmp_path, "members2.csv", MEMBERS))
    assert again.code == 0, again.err
    assert "union all\nselect * from members_two" in (models / "int_acme__contacts_unioned.sql").read_text()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("crm_contacts", MEMBERS, "client demo already has a source 'crm_contacts'"),
        ("Bad-Name", MEMBERS, "'Bad-Name' is not a source name"),
        (
            "dups",
            "id,email,email\n1,a@x.example,b@x.example\n",
            "the loader needs unique, non-empty header names",
        ),
        (
            "nokey",
            "first,last\nAnn,Lee\nAnn,Lee\n",
            "no column is unique and always filled; name the key with --key",
        ),
    ],
)
def test_source_add_refuses_what_a_build_could_not_read_and_writes_nothing(scv, repo, tmp_path, name, data,
                                                                            message):  # fmt: skip
    tracked = sorted(p for p in (repo / "clients").rglob("*") if p.is_file()) + sorted(
        p for p in (repo / "models").rglob("*") if p.is_file()
    )
    before = {p: p.read_text() for p in tracked}

    result = scv("source", "add", "demo", name, write(tmp_path, "new.csv", data))

    assert result.code == 2
    assert result.err.count("\n") == 1 and message in result.err
    after = sorted(p for p in (repo / "clients").rglob("*") if p.is_file()) + sorted(
        p for p in (repo / "models").rglob("*") if p.is_file()
    )
    assert after == tracked and {p: p.read_text() for p in after} == before


@pytest.mark.slow
def test_a_source_added_from_a_profile_builds(scv, repo, tmp_path):
    import duckdb

    from support.deliveries import write_delivery

    inbox = write_delivery(tmp_path / "inbox")
    members = write(inbox, "members.csv", MEMBERS)
    assert scv("source", "add", "demo", "society_members", members).code == 0

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 0, result.out + result.err
    (build,) = (tmp_path / "home" / "builds" / "demo").iterdir()
    with duckdb.connect(str(build / "scv.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from customer_sources where source = 'society_members'"
        ).fetchone() == (2,)
        # Jane Smith of the CRM and of the society are one customer (same email)
        assert (
            con.execute(
                "select source_count from customers where email = 'jane.smith@uni.example'"
            ).fetchone()[0]
            >= 2
        )


def test_profile_help_names_the_formats(scv):
    result = scv("profile", "--help")
    assert result.code == 0
    assert re.search(r"CSV, TSV, pipe, XLSX, JSON, NDJSON, Parquet", result.out)


def test_distinct_values_are_estimated_from_the_sample():
    """Whether a big column is grouped depends on this estimate: repeats found, or none."""
    import random
    from collections import Counter

    from scv.profiling.profile import _distinct_estimate

    rng = random.Random(1)
    draws = Counter(rng.randrange(100_000) for _ in range(50_000))
    counts = Counter(draws.values())
    sample = {"distinct": len(draws), "once": counts[1], "twice": counts[2]}
    assert 90_000 < _distinct_estimate(sample) < 110_000  # 100,000 values, each seen ~100 times in the file
    assert _distinct_estimate({"distinct": 50_000, "once": 50_000, "twice": 0}) == float("inf")  # ids
    assert _distinct_estimate({"distinct": 5, "once": 0, "twice": 0}) == 5  # titles
