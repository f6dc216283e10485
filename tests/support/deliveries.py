"""Small hand-made deliveries for the demo client, so a test controls every byte it loads."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from pathlib import Path

import openpyxl

CRM_HEADER = ["contact_id", "title", "first_name", "last_name", "email", "phone", "organisation", "address_line1", "city", "postcode", "country", "orcid", "date_of_birth", "created_at", "updated_at"]  # fmt: skip
CRM_ROWS = [
    ["C001", "Dr", "Jane", "Smith", " Jane.Smith@Uni.example ", "020 7946 0000", "Uni", "1 Road", "London",
     "SW1A 1AA", "UK", "", "1980-01-02", "2024-01-01", "2025-01-01"],
    ["C002", "", "Bob", "Jones", "bob@mail.example", "", "", "", "", "", "", "", "", "2024-01-01", ""],
    ["C002", "", "Bob", "Jones", "bob@mail.example", "", "", "", "", "", "", "", "", "2024-01-01", ""],
    ["C003", "Ms", "Zoë", "Müller", "zoe@x.example", "", "", "", "Köln", "", "DE", "", "", "2024-03-01", ""],
]  # fmt: skip
SHOP = (
    "order_id;order_date;customer_email;billing_name;billing_postcode;billing_country;product;amount;currency\r\n"
    "WS-1;01/02/2025;jane.smith@uni.example;Dr Jane Smith;SW1A1AA;GB;Book;12,50;GBP\r\n"
    "WS-2;03/02/2025;zoe@x.example;MÜLLER, Zoë;;DE;Book;9,99;EUR\r\n"
)
EVENTS = (
    "registration_id|event_name|event_date|registered_at|first_name|last_name|badge_name|email|phone|"
    "organisation|job_title|country\n"
    "EV-1|Conf|2025-05-01|2025-04-01 10:00:00|Robert|Jones|Bob|BOB@mail.example|||Editor|UK\n"
)


def crm_row(contact_id, first, last, email="", phone="", postcode="", organisation=""):
    """A CRM row with the fields matching reads; the rest empty."""
    row = dict.fromkeys(CRM_HEADER, "")
    row.update(contact_id=contact_id, first_name=first, last_name=last, email=email, phone=phone,
               postcode=postcode, organisation=organisation, country="UK", created_at="2025-01-01")  # fmt: skip
    return [row[c] for c in CRM_HEADER]


def write_delivery(folder: Path, crm_rows: list[list[str]] | None = None, crm_tail: str = "") -> Path:
    """The four demo sources in their declared formats; crm_tail is appended raw to the CRM file."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "crm_contacts.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CRM_HEADER)
        writer.writerows(CRM_ROWS if crm_rows is None else crm_rows)
        f.write(crm_tail)
    (folder / "shop_orders.csv").write_bytes(codecs.BOM_UTF8 + SHOP.encode("latin-1"))
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Subscribers")
    sheet.append(["subscription_id", "subscriber_no", "salutation", "forename", "surname", "email", "institution", "journal", "start_date", "end_date", "postcode", "country"])  # fmt: skip
    sheet.append(["SUB1", "S1", "Prof", "Ann", "Lee", "ann@lee.example", "Inst", "J Bio", dt.date(2025, 1, 1),
                  dt.date(2026, 1, 1), "AB1 2CD", "United Kingdom"])  # fmt: skip
    book.save(folder / "subscriptions.xlsx")
    (folder / "event_registrations.txt").write_text(EVENTS, encoding="utf-16")
    return folder
