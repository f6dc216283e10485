"""Small inline-SVG charts for the HTML pages: no JavaScript, no CDN, printable.

Each function returns an SVG string that templates mark safe. Values are drawn to scale from
zero; labels carry the exact figures so the chart never replaces the number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d")


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.2f}"


def bar_chart(
    items: Mapping[str, float] | Sequence[tuple[str, float]],
    *,
    title: str = "",
    colour: str = PALETTE[0],
    width: int = 560,
    bar_height: int = 20,
) -> Markup:
    """Horizontal bars, one per label, with the value written at the end of each bar."""
    pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
    if not pairs:
        return Markup('<p class="muted">No data.</p>')
    label_w, value_w = 170, 80
    top = max((abs(v) for _, v in pairs), default=0) or 1
    span = width - label_w - value_w
    height = len(pairs) * (bar_height + 6) + 6
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>" if title else "",
    ]
    for i, (label, value) in enumerate(pairs):
        y = 6 + i * (bar_height + 6)
        w = max(1.0, span * abs(value) / top) if value else 0
        text = escape(str(label))
        short = text if len(text) <= 26 else text[:25] + "…"
        out.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.72:.1f}" text-anchor="end">{short}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}" rx="2">'
            f"<title>{text}: {_fmt(value)}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.72:.1f}">{_fmt(value)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def diverging_bars(
    items: Sequence[tuple[str, float]],
    *,
    title: str = "",
    width: int = 560,
    bar_height: int = 16,
    colours: tuple[str, str] = ("#15803d", "#b91c1c"),
) -> Markup:
    """Horizontal bars either side of zero: positive ones right (first colour), negative left."""
    pairs = list(items)
    if not pairs:
        return Markup('<p class="muted">No data.</p>')
    label_w, value_w = 190, 50
    top = max((abs(v) for _, v in pairs), default=0) or 1
    half = (width - label_w - 2 * value_w) / 2
    zero = label_w + value_w + half
    height = len(pairs) * (bar_height + 4) + 6
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>" if title else "",
        f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#888" stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(pairs):
        y = 4 + i * (bar_height + 4)
        w = max(1.0, half * abs(value) / top) if value else 0
        x = zero if value >= 0 else zero - w
        text = escape(str(label))
        short = text if len(text) <= 30 else text[:29] + "…"
        value_x = zero + w + 4 if value >= 0 else zero - w - 4
        anchor = "start" if value >= 0 else "end"
        fill = colours[0] if value >= 0 else colours[1]
        label_y = y + bar_height * 0.75
        out.append(
            f'<text x="{label_w - 6}" y="{label_y:.1f}" text-anchor="end">{short}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{fill}" rx="2">'
            f"<title>{text}: {_fmt(value)}</title></rect>"
            f'<text x="{value_x:.1f}" y="{label_y:.1f}" text-anchor="{anchor}">{_fmt(value)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str = "",
    width: int = 560,
    height: int = 200,
    y_min: float | None = None,
) -> Markup:
    """Lines over a shared x axis (e.g. builds or days); None leaves a gap."""
    values = [v for s in series.values() for v in s if v is not None]
    if not x_labels or not values:
        return Markup('<p class="muted">No data.</p>')
    left, right, top_pad, bottom = 64, 12, 12, 36
    lo = min(values) if y_min is None else y_min
    lo = min(lo, 0) if y_min is None and min(values) >= 0 and max(values) > 0 else lo
    hi = max(values)
    if hi == lo:
        hi = lo + 1
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    n = len(x_labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - (v - lo) / (hi - lo))

    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>" if title else "",
    ]
    for frac in (0, 0.5, 1):
        v = lo + (hi - lo) * frac
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{_fmt(v)}</text>'
        )
    step = max(1, n // 6)
    for i in range(0, n, step):
        # The last label ends at the plot's edge instead of running off the picture.
        anchor = "end" if i == n - 1 and n > 1 else "middle"
        out.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="{anchor}">'
            f"{escape(str(x_labels[i]))}</text>"
        )
    for k, (name, points) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        path, pen_down = [], False
        for i, v in enumerate(points):
            if v is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{x(i):.1f},{y(v):.1f}")
            pen_down = True
        out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, v in enumerate(points):
            if v is not None:
                out.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(name)} {escape(str(x_labels[i]))}: {_fmt(v)}</title></circle>"
                )
        if len(series) > 1:
            out.append(
                f'<rect x="{left + 8 + k * 130}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{left + 22 + k * 130}" y="{height - 5}">{escape(name)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))


def stacked_bar(
    parts: Mapping[str, float],
    *,
    title: str = "",
    width: int = 560,
    colours: Mapping[str, str] | None = None,
) -> Markup:
    """One horizontal bar split into shares (e.g. pass/warn/fail, or sources of a customer base).

    colours maps a part to its colour where the colour means something (pass green, fail red).
    """
    total = sum(v for v in parts.values() if v > 0)
    if not total:
        return Markup('<p class="muted">No data.</p>')
    out = [f'<svg class="chart" role="img" viewBox="0 0 {width} 46" width="{width}" height="46">']
    if title:
        out.append(f"<title>{escape(title)}</title>")
    x = 0.0
    for k, (name, value) in enumerate(parts.items()):
        if value <= 0:
            continue
        w = width * value / total
        colour = (colours or {}).get(name, PALETTE[k % len(PALETTE)])
        out.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{colour}">'
            f"<title>{escape(name)}: {_fmt(value)} ({100 * value / total:.1f}%)</title></rect>"
        )
        if w > 60:
            out.append(f'<text x="{x + 4:.1f}" y="38">{escape(name)} {100 * value / total:.0f}%</text>')
        x += w
    out.append("</svg>")
    return Markup("".join(out))
