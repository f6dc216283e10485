"""One jinja2 environment and one base template for every HTML page scv writes.

Pages are self-contained: inline CSS, inline SVG charts, no scripts from anywhere else, so a
report opened from a laptop on a train or printed on paper looks the same.
"""

from __future__ import annotations

import base64
import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from scv.pages import charts

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("scv.pages", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals.update(
    bar_chart=charts.bar_chart,
    diverging_bars=charts.diverging_bars,
    line_chart=charts.line_chart,
    stacked_bar=charts.stacked_bar,
)


def _num(v: Any) -> Any:
    return f"{v:,}" if isinstance(v, int) else (f"{v:,.1f}" if isinstance(v, float) else v)


def _pct(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None else f"{100 * v:.{digits}f}%"


_ENV.filters["num"] = _num
_ENV.filters["pct"] = _pct


def render(template: str, **context: Any) -> str:
    """Render templates/<template> (which extends base.html.j2) to a string."""
    context.setdefault("brand", {})
    context.setdefault("generated_at", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))
    return _ENV.get_template(template).render(**context)


def write(path: Path, template: str, **context: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(template, **context), encoding="utf-8")
    return path


def data_uri(path: Path) -> str:
    """An image file as a data: URI, so a logo travels inside the page."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
