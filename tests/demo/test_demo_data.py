"""The synthetic demo delivery: shaped as clients/demo/client.yml declares, deterministic, with truth."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from scv.clients.config import load_client
from scv.demo.data import _rng, draw_name, generate

CUSTOMERS = 2_000


def read_source(folder: Path, source) -> tuple[list[str], list[list[str]]]:
    """A source file read the way its client.yml entry declares it, strictly."""
    path = folder / source.file
    if source.format == "xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(source.sheet).to_python()
        return [str(v) for v in rows[0]], [[str(v) for v in row] for row in rows[1:]]
    raw = path.read_bytes()
    if source.encoding == "utf-16":
        assert raw[:2] in (b"\xff\xfe", b"\xfe\xff"), f"{path.name}: UTF-16 without a byte-order mark"
    text = raw.removeprefix(b"\xef\xbb\xbf").decode(source.encoding, errors="strict")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter)
    header, *rows = list(reader)
    return header, rows


@pytest.fixture(scope="module")
def demo():
    return load_client("demo").config


@pytest.fixture(scope="module")
def week1(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("week1")
    generate(out, customers=CUSTOMERS, seed=7, week=1)
    return out


@pytest.fixture(scope="module")
def week2(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("week2")
    generate(out, customers=CUSTOMERS, seed=7, week=2)
    return out


def records(folder: Path, demo) -> dict[str, dict[str, list[str]]]:
    found = {}
    for source in demo.sources:
        header, rows = read_source(folder, source)
        key = header.index(source.key)
        found[source.name] = {row[key]: row for row in rows}
    return found


def truth(folder: Path) -> list[dict[str, str]]:
    with (folder / "truth.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_file_is_as_client_yml_declares(week1, demo):
    for source in demo.sources:
        header, rows = read_source(week1, source)
        assert header == source.columns, source.name
        assert rows and all(len(row) == len(header) for row in rows), source.name
    shop = (week1 / "shop_orders.csv").read_bytes()
    assert shop.startswith(b"\xef\xbb\xbf") and b"\r\n" in shop  # the shop tool's BOM and CRLF


def test_same_arguments_give_the_same_bytes(week1, tmp_path):
    generate(tmp_path, customers=CUSTOMERS, seed=7, week=1)
    for path in week1.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    other = tmp_path / "other"
    generate(other, customers=CUSTOMERS, seed=8, week=1)
    assert (other / "crm_contacts.csv").read_bytes() != (week1 / "crm_contacts.csv").read_bytes()


def test_truth_covers_every_record_once(week1, demo):
    found = records(week1, demo)
    rows = truth(week1)
    keys = Counter((r["source"], r["source_record_id"]) for r in rows)
    assert max(keys.values()) == 1
    assert set(keys) == {(s, k) for s, ids in found.items() for k in ids}
    people = {r["entity_id"] for r in rows}
    assert 0.9 * CUSTOMERS < len(people) <= CUSTOMERS  # a few people left no record at all
    assert 2.5 < len(rows) / len(people) < 3.5  # about three records per person


def test_week_two_is_week_one_with_churn(week1, week2, demo):
    one, two = records(week1, demo), records(week2, demo)
    t1, t2 = truth(week1), truth(week2)
    people1 = {r["entity_id"] for r in t1}
    new_people = {r["entity_id"] for r in t2} - people1
    assert 0.01 * CUSTOMERS <= len(new_people) <= 0.03 * CUSTOMERS

    crm1, crm2 = one["crm_contacts"], two["crm_contacts"]
    deleted = crm1.keys() - crm2.keys()
    kept = crm1.keys() & crm2.keys()
    changed = [k for k in kept if crm1[k] != crm2[k]]
    assert 0.002 * len(crm1) < len(deleted) < 0.03 * len(crm1)
    assert 0.01 * len(kept) < len(changed) < 0.06 * len(kept)
    # Orders and registrations only grow: every week-1 order is still there, unchanged.
    for source in ("shop_orders", "event_registrations", "subscriptions"):
        assert one[source].keys() <= two[source].keys(), source
        assert all(two[source][k] == row for k, row in one[source].items()), source
    assert len(two["shop_orders"]) > len(one["shop_orders"])


def test_the_mess_is_there(week1, demo):
    found = records(week1, demo)
    entity = {(r["source"], r["source_record_id"]): r["entity_id"] for r in truth(week1)}
    crm = found["crm_contacts"]
    # The same person twice in the CRM under different ids.
    crm_people = Counter(entity["crm_contacts", k] for k in crm)
    assert sum(1 for n in crm_people.values() if n > 1) >= 0.01 * len(crm_people)
    # Exact duplicate lines: the file has more lines than distinct ids.
    _, crm_rows = read_source(week1, demo.sources[0])
    assert len(crm_rows) > len(crm)
    # Case, whitespace, sub-addressing, phone formats and country spellings.
    names = [row[2] for row in crm.values()]
    assert any(n.isupper() for n in names) and any(n != n.strip() for n in names)
    emails = [row[2] for row in found["shop_orders"].values()]
    assert any("+" in e.split("@")[0] for e in emails)
    assert len({row[5][:3] for row in crm.values() if row[5]}) >= 3  # +44, 077, 004…
    assert len({row[10] for row in crm.values()}) >= 5
    # Hub keys: a shared mailbox and a switchboard number used by several different people.
    by_email = defaultdict(set)
    for source, column in (("shop_orders", 2), ("subscriptions", 5)):
        for k, row in found[source].items():
            by_email[row[column].strip().lower()].add(entity[source, k])
    shared = [email for email, people in by_email.items() if len(people) > 1]
    assert shared and all(email.split("@")[0] in ("library", "orders") for email in shared)
    by_phone = defaultdict(set)
    for k, row in found["event_registrations"].items():
        if row[8]:
            by_phone[row[8]].add(entity["event_registrations", k])
    assert any(len(people) > 2 for people in by_phone.values())
    # Nicknames: registrations under a first name the CRM does not have (about one person in six has
    # a first name with a nickname in seeds/nicknames.csv, as in a real British population).
    crm_first = {entity["crm_contacts", k]: row[2].strip().lower() for k, row in crm.items()}
    events = found["event_registrations"]
    informal = [
        k for k, row in events.items()
        if crm_first.get(entity["event_registrations", k], row[4].strip().lower()) != row[4].strip().lower()
    ]  # fmt: skip
    assert len(informal) > 0.03 * len(events)


def test_mess_zero_is_clean(tmp_path, demo):
    generate(tmp_path, customers=500, seed=7, week=1, mess=0)
    found = records(tmp_path, demo)
    assert not any(row[2] != row[2].strip() or row[2].isupper() for row in found["crm_contacts"].values())
    assert not any("+" in row[2] for row in found["shop_orders"].values())


def test_cli_writes_the_delivery(scv, repo, tmp_path):
    result = scv("demo-data", "--customers", "300", "--out", tmp_path / "inbox")
    assert result.code == 0, result.err
    assert "crm_contacts.csv" in result.out and "written to" in result.out
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == [
        "crm_contacts.csv", "event_registrations.txt", "shop_orders.csv", "subscriptions.xlsx", "truth.csv",
    ]  # fmt: skip
    bad = scv("demo-data", "--customers", "0", "--out", tmp_path / "x")
    assert bad.code == 2 and "customers" in bad.err


def test_names_are_as_varied_as_a_real_population():
    # The first draws of each person's own stream, as generate() makes them, for 200,000 people.
    names = [draw_name(_rng(42, i, 0))[2:] for i in range(200_000)]
    surnames = Counter(last for _, last in names)
    assert len(surnames) >= 20_000  # 600 hand-listed surnames made millions of namesakes
    common, n = surnames.most_common(1)[0]
    assert n / len(names) < 0.015, common  # Smith, the UK's commonest surname, is borne by 1.2%
    assert len({first for first, _ in names}) >= 3_000
    # Full namesakes are common but not the rule: most people share theirs with nobody.
    full = Counter(names)
    assert sum(n for n in full.values() if n > 1) < 0.5 * len(names)
