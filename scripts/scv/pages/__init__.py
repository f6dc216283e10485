"""Every HTML page scv writes: one jinja2 base template, inline CSS, SVG charts, no CDN."""

from scv.pages.charts import PALETTE, bar_chart, line_chart, stacked_bar
from scv.pages.render import data_uri, render, write

__all__ = ["PALETTE", "bar_chart", "data_uri", "line_chart", "render", "stacked_bar", "write"]
