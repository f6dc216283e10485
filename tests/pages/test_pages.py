"""The shared page base: self-contained HTML with inline SVG charts."""

from scv.pages import charts
from scv.pages.render import _ENV


def test_base_template_is_self_contained(tmp_path):
    (tmp_path / "templates").mkdir()
    html = _ENV.from_string(
        '{% extends "base.html.j2" %}{% block content %}{{ bar_chart({"a": 3, "b": 1}, title="t") }}{% endblock %}'
    ).render(title="Build <report>", brand={"colour": "#123456"}, generated_at="now")
    assert "Build &lt;report&gt;" in html
    assert "#123456" in html
    assert "<svg" in html and "<rect" in html
    # Offline: nothing loaded from elsewhere.
    assert "http://" not in html and "https://" not in html and "<script src" not in html


def test_charts_draw_to_scale_and_label_values():
    svg = str(charts.bar_chart([("crm", 100), ("shop", 50)]))
    assert ">100<" in svg and ">50<" in svg
    widths = [float(w) for w in __import__("re").findall(r'<rect x="170" y="\d+" width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1]
    line = str(charts.line_chart(["w1", "w2", "w3"], {"rows": [1, None, 3]}))
    assert line.count("M") == 2  # the None leaves a gap: two separate strokes
    assert "No data" in str(charts.bar_chart({}))
