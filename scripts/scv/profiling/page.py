"""The profile report as HTML: the shared base template, a chart per column."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from scv import pages
from scv.delivery import DELIMITER_NAMES


def column_chart(c: dict) -> tuple[str, Markup]:
    """The chart a person would look at for this column, and its caption."""
    is_id = c.get("mapping", {}).get("field") in ("source_record_id", "customer_number")
    if c.get("numbers") and c["numbers"]["histogram"] and not is_id:  # ids have no distribution
        return "Distribution of values", pages.bar_chart(c["numbers"]["histogram"], title=c["name"])
    dates = c.get("dates")
    if dates and dates["by_year"]:
        years = dates["by_year"]
        if len(years) > 25:  # by decade, or the chart becomes a wall
            decades: dict[str, int] = {}
            for y, n in years:
                decades[f"{y // 10 * 10}s"] = decades.get(f"{y // 10 * 10}s", 0) + n
            return "Dates by decade", pages.bar_chart(list(decades.items()), title=c["name"])
        return "Dates by year", pages.bar_chart([(str(y), n) for y, n in years], title=c["name"])
    top = c.get("top_values") or []
    if top and (c["distinct"] <= 30 or sum(t["count"] for t in top) >= 0.5 * max(c["values"], 1)):
        return "Most frequent values", pages.bar_chart(
            [(t["value"], t["count"]) for t in top], title=c["name"]
        )
    if c.get("lengths"):
        lengths = [(f"{n}+" if n == 41 else str(n), count) for n, count in c["lengths"]]
        sampled = " (in the sample)" if c.get("patterns_sampled") else ""
        return f"Length of values{sampled}", pages.bar_chart(lengths, title=c["name"], bar_height=12)
    return "No values", Markup('<p class="muted">No values.</p>')


def write_page(path: Path, doc: dict) -> Path:
    tables = []
    for t in doc["tables"]:
        columns = []
        for c in t["columns"]:
            caption, chart = column_chart(c)
            columns.append({**c, "chart": chart, "chart_caption": caption})
        tables.append(
            {**t, "columns": columns, "delimiter_name": DELIMITER_NAMES.get(t["delimiter"], t["delimiter"])}
        )
    title = "Profile of " + (
        ", ".join(t["name"] for t in doc["tables"][:3]) + (" …" if len(doc["tables"]) > 3 else "")
    )
    return pages.write(path, "profile.html.j2", title=title, doc=doc, tables=tables)
