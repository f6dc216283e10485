"""Weekly deliveries for the demo client: week K+1 is week K with a little churn in every source.

Small enough for a real dbt build in seconds, large enough that a percentage means something:
about 50 records per source, a few new and changed ones each week, people shared across sources.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from pathlib import Path

import openpyxl

from support.deliveries import CRM_HEADER

FIRST = [
    "Ann",
    "Bob",
    "Cara",
    "Dev",
    "Eve",
    "Femi",
    "Gus",
    "Hana",
    "Ivo",
    "Jo",
    "Kemal",
    "Lena",
    "Mo",
    "Nia",
    "Olu",
]
LAST = ["Lee", "Ng", "Okafor", "Smith", "Müller", "Novak", "Rossi", "Khan", "Dubois", "Silva"]
COUNTRIES = ["GB", "GB", "GB", "DE", "FR", "IE", "US", "NL"]
DOMAINS = ["gmail.com", "uni.example", "press.example", "outlook.com"]


def person(i: int) -> dict[str, str]:
    first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
    return {
        "first": first,
        "last": last,
        "email": f"{first.lower()}.{last.lower()}{i}@{DOMAINS[i % len(DOMAINS)]}",
        "country": COUNTRIES[i % len(COUNTRIES)],
        "postcode": f"AB{i % 90 + 10} {i % 9}CD",
    }


def write_week(folder: Path, week: int, *, shop_orders: int | None = None) -> Path:
    """Week `week` of the demo client's deliveries; shop_orders overrides how many orders the shop sends."""
    folder.mkdir(parents=True, exist_ok=True)
    base = dt.date(2026, 1, 5) + dt.timedelta(weeks=week - 1)

    # CRM: 48 contacts plus 2 a week; one contact a week is updated (a changed record).
    with (folder / "crm_contacts.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CRM_HEADER)
        for i in range(48 + 2 * week):
            p = person(i)
            updated = base.isoformat() if i == week else "2025-12-01"
            phone = f"020 7946 {i:04d}" if i % 3 else ""
            writer.writerow([f"C{i:04d}", "Dr" if i % 5 == 0 else "", p["first"], p["last"], p["email"], phone,
                             "Uni" if i % 4 else "", f"{i} Road", "London", p["postcode"], p["country"], "",
                             "", "2025-01-01", updated])  # fmt: skip

    # Shop: 50 orders plus 2 a week, by a rolling set of CRM people and some guests.
    orders = 48 + 2 * week if shop_orders is None else shop_orders
    lines = [
        "order_id;order_date;customer_email;billing_name;billing_postcode;billing_country;product;amount;currency"
    ]
    for n in range(orders):
        p = person(n * 3 % 60 if n % 4 else 200 + n)
        date = (base - dt.timedelta(days=n % 7)).strftime("%d/%m/%Y")
        lines.append(f"WS-{n};{date};{p['email']};{p['first']} {p['last']};{p['postcode']};{p['country']};"
                     f"Book {n % 5};{10 + n % 7},50;{'GBP' if n % 3 else 'EUR'}")  # fmt: skip
    (folder / "shop_orders.csv").write_bytes(codecs.BOM_UTF8 + "\r\n".join([*lines, ""]).encode("latin-1"))

    # Subscriptions: 48 plus 2 a week, each a CRM person under a different spelling.
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Subscribers")
    sheet.append(["subscription_id", "subscriber_no", "salutation", "forename", "surname", "email", "institution", "journal", "start_date", "end_date", "postcode", "country"])  # fmt: skip
    for i in range(48 + 2 * week):
        p = person(i * 2)
        sheet.append([f"SUB{i}", f"S{i}", "", p["first"], p["last"].upper(), p["email"].upper(), "Inst",
                      "J Bio" if i % 2 else "J Chem", dt.date(2025, 1, 1), dt.date(2027, 1, 1), p["postcode"],
                      "United Kingdom" if p["country"] == "GB" else p["country"]])  # fmt: skip
    book.save(folder / "subscriptions.xlsx")

    # Events: registrations of the week add to the list.
    rows = ["registration_id|event_name|event_date|registered_at|first_name|last_name|badge_name|email|phone|"
            "organisation|job_title|country"]  # fmt: skip
    for i in range(48 + 2 * week):
        p = person(i * 5 % 80)
        rows.append(f"EV-{i}|Conf {i % 3}|2026-05-0{1 + i % 3}|2026-01-0{1 + i % 5} 10:00:00|{p['first']}|"
                    f"{p['last']}|{p['first']}|{p['email']}|||Editor|{p['country']}")  # fmt: skip
    (folder / "event_registrations.txt").write_text("\n".join([*rows, ""]), encoding="utf-16")
    return folder
