"""The house style of the brief's figures, and chart builders shared by the sections.

One look for every chart: Liberation Sans (the font vl-convert measures with and the PDF
embeds), the Okabe–Ito colour-blind-safe palette with one fixed colour per partner and per
trade series, a width that fits a ~700 px page and an A4 column, a title that states the
finding, tooltips for the HTML page, and alt text. Builders return a `Figure`; a notebook
cell shows it with `emit.chart(fig.chart, fig.name, fig.alt)` then `emit.markdown(fig.source)`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from analysis import registry

FONT = "Liberation Sans"
WIDTH = 600
HEIGHT = 240
TITLE_CHARS = 78

# Okabe & Ito (2008), "Color Universal Design"; one colour per partner, series and category,
# declared with them in `analysis.registry`.
OKABE_ITO = registry.OKABE_ITO
GREY = registry.GREY
PARTNER_COLORS = registry.partner_colours()
SERIES_COLORS = registry.series_colours()
CATEGORY_COLORS = registry.category_colours()


@dataclass(frozen=True)
class Figure:
    """A finished chart with its output name, alt text and Markdown source line."""

    chart: Any
    name: str
    alt: str
    source: str

    def spec(self) -> dict[str, Any]:
        return self.chart.to_dict()


def wrap_title(text: str, width: int = TITLE_CHARS) -> list[str] | str:
    lines = textwrap.wrap(text, width)
    return lines if len(lines) > 1 else text


def house_config() -> dict[str, Any]:
    label = {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 11}
    return {
        "font": FONT,
        "background": "white",
        "padding": 8,
        "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
        "title": {
            "font": FONT,
            "subtitleFont": FONT,
            "fontSize": 14,
            "fontWeight": "bold",
            "subtitleFontSize": 11,
            "subtitleColor": "#333333",
            "anchor": "start",
            "offset": 10,
        },
        "axis": {
            **label,
            "labelColor": "#222222",
            "titleColor": "#222222",
            "gridColor": "#E4E4E4",
            "domainColor": "#555555",
            "tickColor": "#555555",
            "titleFontWeight": "normal",
        },
        "legend": {**label, "orient": "bottom", "titleFontWeight": "normal", "symbolSize": 90},
        "header": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11},
        "text": {"font": FONT, "fontSize": 10},
        "range": {"category": [*list(OKABE_ITO.values())[1:], OKABE_ITO["black"]]},
    }


def house(chart: Any, title: str, subtitle: str | None = None) -> Any:
    """Apply the house title and configuration to a finished (top-level) chart."""
    params: dict[str, Any] = {"text": wrap_title(title)}
    if subtitle:
        params["subtitle"] = wrap_title(subtitle, 100)
    return chart.properties(title=alt.TitleParams(**params)).configure(**house_config())


def color_scale(mapping: dict[str, str], domain: Sequence[str]) -> alt.Scale:
    domain = list(domain)
    fallback = list(OKABE_ITO.values())[1:]
    rng = [mapping.get(d, fallback[i % len(fallback)]) for i, d in enumerate(domain)]
    return alt.Scale(domain=domain, range=rng)


def records(frame: pd.DataFrame) -> pd.DataFrame:
    """A JSON-safe copy for chart data: dates as ISO strings, missing values as None."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), None)


def time_x(start: Any, as_of: Any, field: str = "when:T") -> alt.X:
    """The window's time axis, from `start` to `as_of`, labelled by year."""
    from analysis import narrative

    return alt.X(
        field,
        title=None,
        scale=alt.Scale(domain=[narrative.iso(start), narrative.iso(as_of)]),
        axis=alt.Axis(format="%Y", tickCount="year"),
    )


def lane_y(lanes: Sequence[str], field: str = "partner_name:N") -> alt.Y:
    """One labelled lane per partner (timelines)."""
    return alt.Y(
        field,
        title=None,
        scale=alt.Scale(domain=list(lanes)),
        axis=alt.Axis(labelFontSize=12, labelFontWeight="bold", ticks=False, domain=False),
    )


def partner_color(lanes: Sequence[str], field: str = "partner_name:N") -> alt.Color:
    """Each partner's house colour (fixed per partner, not per position)."""
    return alt.Color(field, legend=None, scale=color_scale(PARTNER_COLORS, lanes))


def event_tooltips() -> list[alt.Tooltip]:
    """What a timeline mark says on hover: date, type, event, source."""
    return [
        alt.Tooltip("date_text:N", title="Date"),
        alt.Tooltip("kind:N", title="Type"),
        alt.Tooltip("label:N", title="Event"),
        alt.Tooltip("source_id:N", title="Source"),
    ]


def marker_layer(markers: pd.DataFrame) -> Any:
    """Dashed vertical rules at dated events, labelled once per group.

    `markers` has `when` (date), `marker` (the event, for the tooltip) and `tag` (the text
    printed beside the rule; empty for rules that share a label with an earlier one).
    """
    base = alt.Chart(records(markers))
    rules = base.mark_rule(strokeDash=[4, 3], color=GREY, strokeWidth=1).encode(
        x=alt.X("when:T"),
        tooltip=[
            alt.Tooltip("when:T", title="Date", format="%d %b %Y"),
            alt.Tooltip("marker:N", title="Event"),
        ],
    )
    labels = (
        base.transform_filter(alt.datum.tag != "")
        .mark_text(
            angle=270, align="right", baseline="bottom", dx=-4, dy=-2, fontSize=9, color="#444444"
        )
        .encode(x=alt.X("when:T"), y=alt.value(2), text="tag:N")
    )
    return rules + labels


def data_of(chart_or_spec: Any) -> list[dict[str, Any]]:
    """Every data row embedded in a chart spec (for tests and checks)."""
    spec = chart_or_spec.to_dict() if hasattr(chart_or_spec, "to_dict") else chart_or_spec
    rows: list[dict[str, Any]] = []
    for values in spec.get("datasets", {}).values():
        rows.extend(values)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                rows.extend(data["values"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return rows


def source_line(text: str, citation: str) -> str:
    """'Source: <text> [@id].' — the line under every chart."""
    line = f"Source: {text}"
    if citation:
        line += f" {citation}"
    return line + "."
