"""Which column of a new source is which canonical contact field, with a confidence.

Two kinds of evidence: the column's name (crm 'forename', shop 'billing_postcode', events
'E-Mail Address') and its values (what share look like emails, titles, countries…). A name and
content that agree give high confidence; either alone gives less; content that contradicts the
name lowers it. Each field gets at most one column, best first. A person reviews the result:
`scv source add` writes it into a staging model, never straight into a build.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# The canonical contact shape every client's staging models produce (int_<client>__contacts_unioned).
# Identifiers and address parts are optional: a union written before they existed (or without
# them) gets them as nulls (int_contacts_deduplicated).
CANONICAL = (
    "source_record_id", "customer_number", "title", "first_name", "last_name", "email", "phone",
    "organisation", "address_line1", "city", "postcode", "country", "orcid", "birth_date",
    "record_updated_at", "national_id", "membership_number", "street_number", "address_line2",
    "locality", "region",
)  # fmt: skip
# Identifiers, by kind: a value names one person in the issuer's register. Each is a field of
# the canonical shape, compared exactly or within one digit (one wrong, two swapped).
IDENTIFIER_KINDS = {
    "national_id": "a national or social-security number (SSN, NI number, tax file number…)",
    "membership_number": "a society's or scheme's membership number",
    "customer_number": "the client's own customer number",
    "orcid": "an ORCID iD",
}
# Fields that identify a person: their values are masked in reports.
PERSONAL = {
    "source_record_id", "customer_number", "first_name", "last_name", "full_name", "email", "phone",
    "address_line1", "postcode", "orcid", "birth_date", "national_id", "membership_number",
    "street_number", "address_line2",
}  # fmt: skip

# Names (normalised: lowercase words joined by _) that mean the field. Order matters only for reading.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "source_record_id": ("id", "record_id", "row_id", "contact_id", "person_id", "registration_id",
                         "order_id",
                         "subscription_id", "uid", "key", "record_key", "reference", "ref"),
    "customer_number": ("customer_number", "customer_no", "customer_id", "customer_ref", "account_number",
                        "account_no", "account_id", "client_number", "subscriber_no", "subscriber_number",
                        "crm_id"),
    "national_id": ("national_id", "national_id_number", "ssn", "soc_sec_id", "social_security_number",
                    "social_security_no", "sin", "nino", "ni_number", "national_insurance_number",
                    "national_insurance_no", "tax_id", "tax_file_number", "tfn", "bsn",
                    "personal_number", "personnummer", "nhs_number", "medicare_number", "id_number"),
    "membership_number": ("membership_number", "membership_no", "member_number", "member_no",
                          "membership_id", "member_id", "membership"),
    "title": ("title", "salutation", "honorific", "name_prefix", "prefix"),
    "first_name": ("first_name", "firstname", "forename", "forenames", "given_name", "given_names", "fname",
                   "christian_name", "first"),
    "last_name": ("last_name", "lastname", "surname", "family_name", "lname", "last"),
    "full_name": ("name", "full_name", "fullname", "billing_name", "customer_name", "contact_name",
                  "display_name", "delegate_name", "attendee_name"),
    "email": ("email", "e_mail", "email_address", "mail", "emailaddress", "customer_email", "contact_email"),
    "phone": ("phone", "telephone", "tel", "phone_number", "mobile", "mobile_number", "telephone_number",
              "cell", "contact_number"),
    "organisation": ("organisation", "organization", "company", "institution", "employer", "affiliation",
                     "org", "company_name", "university"),
    "address_line1": ("address_line1", "address_line_1", "address1", "address", "street", "street_address",
                      "addr1", "address_1", "line1", "street_name", "residential_address", "postal_address",
                      "street_line"),
    "address_line2": ("address_line2", "address_line_2", "address2", "addr2", "address_2", "line2",
                      "unit", "apartment", "flat", "unit_number", "apartment_number"),
    "street_number": ("street_number", "street_no", "house_number", "house_no", "building_number",
                      "street_num", "house_num", "civic_number"),
    "locality": ("locality", "suburb", "neighbourhood", "neighborhood", "village", "district"),
    "city": ("city", "town", "town_city", "city_town", "municipality"),
    "region": ("region", "state", "county", "province", "territory", "state_code", "state_province"),
    "postcode": ("postcode", "post_code", "postal_code", "zip", "zipcode", "zip_code", "postcode_zip"),
    "country": ("country", "country_code", "country_name", "nation", "iso_country"),
    "orcid": ("orcid", "orcid_id", "orcid_identifier"),
    "birth_date": ("birth_date", "date_of_birth", "dob", "birthdate", "birthday", "born"),
    "record_updated_at": ("updated_at", "last_updated", "last_modified", "modified", "modified_at",
                          "updated", "changed_at", "last_changed", "date_modified", "record_updated_at"),
}  # fmt: skip
# Weaker names: a timestamp of the record when nothing says 'updated'.
FALLBACK_NAMES = {"record_updated_at": ("created_at", "created", "registered_at", "order_date", "ordered_at",
                                        "date_created", "timestamp", "start_date")}  # fmt: skip
# Prefixes a system puts in front of the field's name ('billing_postcode', 'cust_email').
PREFIXES = ("billing_", "shipping_", "delivery_", "customer_", "cust_", "contact_", "primary_", "main_",
            "person_", "member_", "home_", "work_", "private_", "user_")  # fmt: skip

# The value kind that confirms a field, and the share of values that must have it.
FIELD_KIND = {
    "email": "email", "phone": "phone", "postcode": "postcode", "orcid": "orcid", "title": "title",
    "country": "country", "birth_date": "date", "record_updated_at": "date", "first_name": "first_name",
    "full_name": "full_name",
}  # fmt: skip
# Kinds whose reference list is short (the nicknames seed): a match confirms, a miss says nothing.
POSITIVE_ONLY = {"first_name", "full_name"}
# A column is this field by its content alone (whatever it is called) above these shares.
CONTENT_ALONE = {"email": 0.8, "orcid": 0.8, "phone": 0.8, "postcode": 0.8, "title": 0.8, "country": 0.8}


def normalise(name: str) -> str:
    """'E-Mail Address' -> 'e_mail_address', 'firstName' -> 'first_name'."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass
class Evidence:
    """What the profile knows about a column that bears on its meaning."""

    name: str
    type: str  # inferred type
    kind_shares: dict[str, float]  # share of sampled non-blank values that look like each kind
    unique_share: float  # distinct values / non-null values
    filled_share: float  # non-blank values / rows


@dataclass
class Suggestion:
    column: str
    field: str
    confidence: float
    reason: str

    def as_dict(self) -> dict:
        return {"column": self.column, "field": self.field, "confidence": round(self.confidence, 2),
                "reason": self.reason}  # fmt: skip


def _name_score(name: str, field: str) -> tuple[float, str]:
    norm = normalise(name)
    bare = norm
    for prefix in PREFIXES:
        if norm.startswith(prefix) and len(norm) > len(prefix):
            bare = norm[len(prefix) :]
            break
    names = SYNONYMS.get(field, ())
    squashed = {n.replace("_", "") for n in names}  # 'e_mail_address' is 'email_address'
    if norm in names or norm.replace("_", "") in squashed:
        return 0.9, f"name {name!r} is a usual name for it"
    if bare in names or bare.replace("_", "") in squashed:
        return 0.8, f"name {name!r} is a usual name for it after the prefix"
    if norm in FALLBACK_NAMES.get(field, ()):
        return 0.5, f"name {name!r} is a record date, the best there is"
    # fuzzy matching only against names that start alike: cheap enough for 1,000 columns
    alike = [n for n in names if n[:2] == bare[:2]]
    close = difflib.get_close_matches(bare, alike, n=1, cutoff=0.85) if alike else []
    if close:
        return 0.6, f"name {name!r} is close to {close[0]!r}"
    return 0.0, ""


def _score(ev: Evidence, field: str) -> tuple[float, str]:
    """The confidence that column ev is the field, and why."""
    name_score, reason = _name_score(ev.name, field)
    kind = FIELD_KIND.get(field)
    share = ev.kind_shares.get(kind, 0.0) if kind else None
    if share is None:
        return name_score, reason
    if ev.filled_share == 0:
        return name_score * 0.5, reason + "; the column is empty, so its values say nothing"
    said = f"{share:.0%} of values look like {kind or 'unique ids'}"
    if name_score and share >= 0.5:
        return min(0.99, name_score + 0.1 + 0.1 * share), f"{reason}; {said}"
    if name_score and field in POSITIVE_ONLY:
        return name_score, reason
    if name_score:
        return name_score * (0.4 + 0.6 * share), f"{reason}, but only {said}"
    if share >= CONTENT_ALONE.get(field, 2.0):
        return 0.5 + 0.4 * share, said
    return 0.0, ""


def _key_score(ev: Evidence) -> tuple[float, str]:
    """A record id is there in every row and unique; an id-like name makes it likelier, and
    then a few repeats do not disqualify it (they are a finding about the key)."""
    if ev.filled_share < 0.99:
        return 0.0, ""
    said = f"{ev.unique_share:.0%} of values unique (in the sample)"
    for field in ("source_record_id", "customer_number"):
        score, reason = _name_score(ev.name, field)
        if score and ev.unique_share >= 0.8:
            return min(0.95, score + 0.05) * ev.unique_share, f"{reason}; {said}"
    if ev.unique_share < 0.99:
        return 0.0, ""
    if re.search(r"(^|_)(id|ref|no|number|num|key|code)$", normalise(ev.name)):
        return 0.7, f"name {ev.name!r} ends like an id; {said}"
    return 0.5, said


def suggest(columns: list[Evidence], key: str | None = None) -> list[Suggestion]:
    """At most one column per field and one field per column, best confidence first.

    The key (declared, or the likeliest unique column) is the source_record_id and may also be
    another field: a CRM's customer number is both. A full-name column (one 'Dr Jane Smith'
    field) maps to `full_name`: staging splits it with the name_part macro.
    """
    chosen: list[Suggestion] = []
    if key is not None:
        chosen.append(Suggestion(key, "source_record_id", 1.0, "the source's declared key"))
    else:
        scored = [(_key_score(ev), i, ev) for i, ev in enumerate(columns)]
        best = max(scored, key=lambda s: (s[0][0], -s[1]), default=None)
        if best and best[0][0]:
            chosen.append(Suggestion(best[2].name, "source_record_id", best[0][0], best[0][1]))
    candidates: list[Suggestion] = []
    for ev in columns:
        for field in (*CANONICAL, "full_name"):
            if field == "source_record_id":
                continue
            confidence, reason = _score(ev, field)
            if confidence >= 0.3:
                candidates.append(Suggestion(ev.name, field, confidence, reason))
    taken_fields = {"source_record_id"}
    taken_columns: set[str] = set()
    for s in sorted(candidates, key=lambda s: -s.confidence):
        if s.field in taken_fields or s.column in taken_columns:
            continue
        if s.field == "full_name" and {"first_name", "last_name"} & taken_fields:
            continue
        if s.field in ("first_name", "last_name") and "full_name" in taken_fields:
            continue
        chosen.append(s)
        taken_fields.add(s.field)
        taken_columns.add(s.column)
    order = {name: i for i, name in enumerate((*CANONICAL, "full_name"))}
    return sorted(chosen, key=lambda s: order[s.field])
