"""Valid deliveries damaged at random, as clients' systems and people damage them (hypothesis)."""

from __future__ import annotations

import csv
import io

from hypothesis import strategies as st

from support.deliveries import CRM_HEADER

VALUES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
)
ROWS = st.lists(
    st.builds(lambda key, values: [key, *values], st.from_regex(r"C[0-9]{1,5}", fullmatch=True),
              st.lists(VALUES, min_size=14, max_size=14)),
    min_size=1,
    max_size=40,
)  # fmt: skip


def valid_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CRM_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def damaged(draw) -> bytes:
    data = valid_csv(draw(ROWS))
    header_end = data.index(b"\n") + 1
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                ["truncate", "quote", "delimiter", "nul", "latin-1", "header", "blank", "crlf", "cr", "bom"]
            )
        )
        at = draw(st.integers(header_end, max(header_end, len(data))))
        if kind == "truncate":
            data = data[: max(at, header_end)]
        elif kind == "quote":
            data = data[:at] + b'"' + data[at:]
        elif kind == "delimiter":
            data = data[:at] + b"," + data[at:]
        elif kind == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "latin-1":
            data = data[:at] + "é".encode("latin-1") + data[at:]
        elif kind == "header":
            line = data.rfind(b"\n", 0, at) + 1
            data = data[:line] + data[:header_end] + data[line:]
        elif kind == "blank":
            line = data.rfind(b"\n", 0, at) + 1
            data = data[:line] + b"\n" * draw(st.integers(1, 3)) + data[line:]
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif kind == "cr":
            data = data[:at] + b"\r" + data[at:]
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data.removeprefix(b"\xef\xbb\xbf")
    return data
