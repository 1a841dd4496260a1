"""The house style of the brief's figures, and chart builders shared by the sections.

One look for every chart: Liberation Sans (the font vl-convert measures with and the PDF
embeds), the Okabe–Ito colour-blind-safe palette with one fixed colour per partner and per
trade series, a width that fits a ~700 px page and an A4 column, a title that states the
finding, tooltips for the HTML page, and alt text that is also the spec's `description`.

One time encoding for every dated chart (`time_x`): a UTC time scale over whole calendar
years, ticks on the year boundaries and each year's label centred in its band. Annual
values sit inside their year's band (bars from 1 January to 31 December, points at
mid-year), so a dated event rule falls inside the year it happened in. A year the edition
date cuts short is drawn pale with a dashed outline and said in the subtitle. Timelines
carry labelled context periods (`CONTEXT_PERIODS`), each with the source it rests on.

Builders return a `Figure`; a notebook cell shows it with `emit.chart(fig.chart, fig.name,
fig.alt)` then `emit.markdown(fig.source)`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from analysis import registry
from analysis.text import say

# Hangul (Korean editions, Korean source titles) falls back to NanumGothic: in the page
# (an embedded subset, brief.engines.webfont) and in the PDF (assets/fonts).
FONT = "Liberation Sans, NanumGothic"
WIDTH = 600
HEIGHT = 240
TITLE_SIZE = 14
SUBTITLE_SIZE = 11
SUBTITLE_WIDTH = WIDTH  # px: title and subtitle lines no wider than the plot
LABEL_SIZE = 10  # rule and period labels: horizontal, never rotated
LABEL_ROW = 13  # px between staggered label rows above a plot
LANE_SIZE = 12  # timeline lane labels (bold)

# Advance widths of the fonts the charts are drawn in, per 2048 units of the em (Liberation
# Sans, printable ASCII from the space; italic advances equal the regular ones), for laying
# out labels by their real width: a Korean word is about twice as wide as an English one of
# the same length. Read from assets/fonts (tests/analysis/test_charts.py checks them).
_LATIN = {
    False: (
        "569 569 727 1139 1139 1821 1366 391 682 682 797 1196 569 682 569 569 1139 1139 1139 "
        "1139 1139 1139 1139 1139 1139 1139 569 569 1196 1196 1196 1139 2079 1366 1366 1479 "
        "1479 1366 1251 1593 1479 569 1024 1366 1139 1706 1479 1593 1366 1593 1479 1366 1251 "
        "1479 1366 1933 1366 1366 1251 569 569 569 961 1139 682 1139 1139 1024 1139 1139 569 "
        "1139 1139 455 455 1024 455 1706 1139 1139 1139 1139 682 1024 569 1139 1024 1479 1024 "
        "1024 1024 684 532 684 1196"
    ),
    True: (
        "569 682 971 1139 1139 1821 1479 487 682 682 797 1196 569 682 569 569 1139 1139 1139 "
        "1139 1139 1139 1139 1139 1139 1139 682 682 1196 1196 1196 1251 1997 1479 1479 1479 "
        "1479 1366 1251 1593 1479 569 1139 1479 1251 1706 1479 1593 1366 1593 1479 1366 1251 "
        "1479 1366 1933 1366 1366 1251 682 569 682 1196 1139 682 1139 1251 1139 1251 1139 682 "
        "1251 1251 569 569 1139 569 1821 1251 1251 1251 1251 797 1139 682 1251 1139 1593 1139 "
        "1139 1024 797 573 797 1196"
    ),
}
ADVANCES = {bold: [int(w) / 2048 for w in table.split()] for bold, table in _LATIN.items()}
PUNCTUATION = {"–": 1139 / 2048, "—": 1.0, "·": 682 / 2048, "’": 455 / 2048, "‘": 455 / 2048}
# NanumGothic (the fallback for Hangul and Hanja): every syllable and ideograph is 940/1000.
WIDE = 0.94
OTHER = 0.6  # any other letter: about an average Latin advance

# Okabe & Ito (2008), "Color Universal Design"; one colour per partner, series and category,
# declared with them in `analysis.registry`.
OKABE_ITO = registry.OKABE_ITO
GREY = registry.GREY
PARTNER_COLORS = registry.partner_colours()
SERIES_COLORS = registry.series_colours()
CATEGORY_COLORS = registry.category_colours()
INK = "#222222"
# Raw Typst around a source line's hidden citations: invisible, and taking no space.
HIDE_OPEN = "`#box(width: 0pt, height: 0pt, clip: true)[`{=typst}"
HIDE_CLOSE = "`]`{=typst}"
BAND_FILL = "#000000"
BAND_OPACITY = 0.05


@dataclass(frozen=True)
class Period:
    """A context period drawn on the timelines: a labelled band, or a rule when one day.

    `label` names its text in the catalogue (`charts.period.<label>`).

    `source_id` documents the start, `end_source_id` the end; an edition draws the period
    only once its start source is published, and runs it to the edition date until the
    end is known.
    """

    label: str
    start: str
    end: str | None
    source_id: str
    end_source_id: str | None = None

    def is_day(self) -> bool:
        return self.end == self.start


CONTEXT_PERIODS: tuple[Period, ...] = (
    Period("hanoi", "2019-02-28", "2019-02-28", "politico-2019-02-28-hanoi"),
    Period(
        "border",
        "2020-01-31",
        "2023-08-22",
        "yonhap-2020-01-31",
        "kyodo-2023-08-flights",
    ),
    Period("ukraine", "2022-02-24", None, "channel4-2022-02-24-invasion"),
    Period("treaty", "2024-06-19", "2024-06-19", "afp-2024-06-19-treaty"),
)

# Watch-list statuses: a shape and a word; the page adds a colour by class (brief.css,
# brief.typ), so colour is never the only cue.
STATUS_MARKS = {
    "moved": "▲",
    "signs_of_movement": "►",
    "no_movement": "■",
    "reversed": "▼",
    "no_report": "○",
}


@dataclass(frozen=True)
class Figure:
    """A finished chart with its output name, alt text and Markdown source line."""

    chart: Any
    name: str
    alt: str
    source: str

    def __post_init__(self) -> None:
        # Screen readers and Vega's SVG read the spec's description: the alt text, once.
        set_top_level(self.chart, description=self.alt)

    def spec(self) -> dict[str, Any]:
        return self.chart.to_dict()


def _is_wide(char: str) -> bool:
    code = ord(char)
    return (
        0x1100 <= code <= 0x11FF  # Hangul jamo
        or 0x2E80 <= code <= 0x9FFF  # CJK punctuation, kana, Hangul compatibility, Hanja
        or 0xAC00 <= code <= 0xD7A3  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in px of `text` set at `size` px in the charts' fonts: Liberation Sans for
    Latin letters, digits and punctuation, NanumGothic for Hangul and Hanja (as both the page
    and the PDF fall back). Charts lay out their labels by this, never by a count of
    characters: Vega measures text as it draws, but in a font it may not have loaded yet."""
    em = 0.0
    table = ADVANCES[bold]
    for char in str(text):
        code = ord(char)
        if 32 <= code < 127:
            em += table[code - 32]
        elif _is_wide(char):
            em += WIDE
        else:
            em += PUNCTUATION.get(char, OTHER)
    return em * size


def wrap_text(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Lines of at most `width` px, broken at spaces (Korean spaces its words too)."""
    lines: list[str] = []
    line = ""
    for word in str(text).split():
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, size, bold) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [str(text)]


def wrap_title(
    text: str, width: float = WIDTH, size: float = TITLE_SIZE, bold: bool = True
) -> list[str] | str:
    """A title as one line, or as lines no wider than the plot (by the text's own width)."""
    lines = wrap_text(text, width, size, bold)
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
            "fontSize": TITLE_SIZE,
            "fontWeight": "bold",
            "subtitleFontSize": SUBTITLE_SIZE,
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
        params["subtitle"] = wrap_title(subtitle, SUBTITLE_WIDTH, SUBTITLE_SIZE, bold=False)
    return set_top_level(
        chart, title=alt.TitleParams(**params), config=alt.Config(**house_config())
    )


def set_top_level(chart: Any, **properties: Any) -> Any:
    """Set top-level properties on a chart just built, in place, and return it.

    Altair's `.properties()` and `.configure()` copy the chart through its constructor,
    which for a layered chart deep-copies every layer again: four such steps were a third
    of the time of drawing a figure. The finished spec is validated once (analysis.emit).
    """
    for name, value in properties.items():
        setattr(chart, name, value)
    return chart


@contextlib.contextmanager
def building() -> Iterator[None]:
    """Build and serialise charts without Altair's defensive work; the same specs.

    Altair validates every object as it is made ("debug mode", for its tracebacks), and
    every layered chart deep-copies each of its layers twice, at every level of nesting, so
    that the caller's charts stay untouched. Charts built here are used once, so a shallow
    copy (a new top-level object, its parts shared) keeps that promise for what Altair
    changes (top-level properties of the copy); none of these charts carries the selection
    parameters whose views Altair edits below the top level. The deep copies were a third of
    the time of drawing a figure; tests/analysis/test_charts.py checks that every figure's
    spec is the same either way. The finished spec is still validated (analysis.emit).
    """
    from altair.utils import schemapi

    deep_copy = schemapi.SchemaBase.copy

    def shallow_copy(self: Any, deep: Any = True, ignore: Any = None) -> Any:
        return deep_copy(self, deep=False if deep is True else deep, ignore=ignore)

    schemapi.SchemaBase.copy = shallow_copy  # type: ignore[method-assign]
    try:
        with schemapi.debug_mode(False):
            yield
    finally:
        schemapi.SchemaBase.copy = deep_copy  # type: ignore[method-assign]


def color_scale(mapping: dict[str, str], domain: Sequence[str]) -> alt.Scale:
    domain = list(domain)
    fallback = list(OKABE_ITO.values())[1:]
    rng = [mapping.get(d, fallback[i % len(fallback)]) for i, d in enumerate(domain)]
    return alt.Scale(domain=domain, range=rng)


DATA_TEXT_COLUMNS = frozenset({"label", "marker", "description", "detail"})


def records(frame: pd.DataFrame) -> pd.DataFrame:
    """A JSON-safe copy for chart data: dates as ISO strings, missing values as None, the
    data's own prose (labels, markers) in the language being written (analysis.locales)."""
    from analysis.locales import data_translator

    translated = data_translator()
    out = frame.copy()
    for col in DATA_TEXT_COLUMNS.intersection(out.columns):
        out[col] = out[col].map(lambda v: translated(v) if isinstance(v, str) else v)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), None)


def _day(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def year_domain(start: Any, as_of: Any) -> tuple[dt.date, dt.date]:
    """Whole calendar years: 1 January of the start year to 1 January after the edition's."""
    return dt.date(_day(start).year, 1, 1), dt.date(_day(as_of).year + 1, 1, 1)


def year_axis(start: Any, as_of: Any, width: int = WIDTH) -> alt.Axis:
    """Ticks on the year boundaries, each year's label centred in its band."""
    lo, hi = year_domain(start, as_of)
    years = list(range(lo.year, hi.year))
    band = width / max(1, len(years))
    step = 1 if band >= 34 else 2
    return alt.Axis(
        values=[alt.DateTime(year=y, month=1, date=1, utc=True) for y in years],
        format="%Y",
        formatType="utc",
        labelAlign="center",
        labelOffset=band / 2,
        labelExpr=f"utcyear(datum.value) % {step} == 0 ? datum.label : ''",
        labelAngle=0,
        grid=True,
        gridColor="#EEEEEE",
    )


def time_x(start: Any, as_of: Any, field: str = "when:T", width: int = WIDTH) -> alt.X:
    """The one time axis of the brief's dated charts (timelines, annual bars, rules)."""
    lo, hi = year_domain(start, as_of)
    return alt.X(
        field,
        title=None,
        scale=alt.Scale(type="utc", domain=[lo.isoformat(), hi.isoformat()]),
        axis=year_axis(start, as_of, width),
    )


def is_partial(year: int, as_of: Any) -> bool:
    """Whether the edition date cuts `year` short."""
    day = _day(as_of)
    return year == day.year and (day.month, day.day) != (12, 31)


def annual(frame: pd.DataFrame, as_of: Any, year: str = "year") -> pd.DataFrame:
    """Annual rows placed in their year's band: `year_start`, `year_end`, `year_mid` (ISO
    dates on `time_x`), `partial` (the edition date cuts the year short)."""
    out = frame.copy()
    years = out[year].astype(int)
    out["year_start"] = [f"{y:04d}-01-01" for y in years]
    out["year_end"] = [f"{y + 1:04d}-01-01" for y in years]
    out["year_mid"] = [f"{y:04d}-07-02" for y in years]
    out["partial"] = [is_partial(y, as_of) for y in years]
    return out


def slots(frame: pd.DataFrame, group: str, order: Sequence[str], pad: float = 0.1) -> pd.DataFrame:
    """Side-by-side bars inside each year band: `slot_start`, `slot_end` per `group` value."""
    out = frame.copy()
    width = (1 - 2 * pad) / max(1, len(order))
    starts, ends = [], []
    for y, g in zip(out["year_start"], out[group], strict=True):
        day0 = pd.Timestamp(y)
        days = (day0 + pd.DateOffset(years=1) - day0).days
        i = list(order).index(g)
        starts.append((day0 + pd.Timedelta(days=days * (pad + i * width))).strftime("%Y-%m-%d"))
        ends.append((day0 + pd.Timedelta(days=days * (pad + (i + 1) * width))).strftime("%Y-%m-%d"))
    out["slot_start"], out["slot_end"] = starts, ends
    return out


def partial_encoding() -> dict[str, Any]:
    """Pale fill and a dashed outline for a year the edition date cuts short."""
    partial = alt.datum.partial
    return {
        "fillOpacity": alt.FillOpacityValue(
            **alt.condition(partial, alt.value(0.35), alt.value(1.0))
        ),
        "strokeDash": alt.StrokeDashValue(
            **alt.condition(partial, alt.value([3, 2]), alt.value([1, 0]))
        ),
        "strokeWidth": alt.StrokeWidthValue(**alt.condition(partial, alt.value(1), alt.value(0))),
    }


def partial_note(as_of: Any, rows: pd.DataFrame | None = None) -> str:
    """The subtitle's word on the last year, when the edition date cuts it short and the
    chart draws it (`rows` from `annual`: any partial row)."""
    from analysis import narrative

    day = _day(as_of)
    if not is_partial(day.year, as_of):
        return ""
    if rows is not None and not bool(rows.get("partial", pd.Series(dtype=bool)).any()):
        return ""
    return say("charts.partial", year=day.year, date=narrative.fmt_date(day))


def with_note(subtitle: str, *notes: str) -> str:
    return " ".join([subtitle, *[n for n in notes if n]])


def baseline_note(lowest: float, unit: str = "") -> str:
    """Say a value axis that does not start at zero."""
    if not lowest:
        return ""
    return say("charts.baseline", value=f"{lowest:g}{unit}")


def edition_layer(as_of: Any, height: int) -> Any:
    """A light band after the edition date: the rest of the year is not yet known."""
    day = _day(as_of)
    end = dt.date(day.year + 1, 1, 1)
    if (end - day).days <= 1:
        return None
    frame = pd.DataFrame([{"start": day.isoformat(), "end": end.isoformat(), "text": "later"}])
    return (
        alt.Chart(frame)
        .mark_rect(color="#F2F2F2")
        .encode(x=alt.X("start:T"), x2=alt.X2("end:T"), y=alt.YValue(0), y2=alt.Y2Value(height))
    )


def _rows(
    items: list[tuple[dt.date, float]], start: Any, as_of: Any, width: int
) -> list[tuple[int, bool]]:
    """Greedy rows for labels printed at their dates, so none overlap: (row, flipped) per
    label given as (date, width in px), flipped (ending at its date) where it would run past
    the plot's right edge."""
    lo, hi = year_domain(start, as_of)
    span = (hi - lo).days or 1
    taken: list[list[tuple[float, float]]] = []
    out = []
    for when, extent in items:
        x = (when - lo).days / span * width
        size = extent + 8
        flip = x + size > width and x - size >= 0
        left, right = (x - size, x) if flip else (x, x + size)
        for row, spans in enumerate(taken):
            if all(right < a or left > b for a, b in spans):
                spans.append((left, right))
                out.append((row, flip))
                break
        else:
            taken.append([(left, right)])
            out.append((len(taken) - 1, flip))
    return out


def _labels(base: Any, text: str, x: Any, tooltip: Any = None, **mark: Any) -> Any:
    """Text at `x` and `top`: left-aligned after the date, or right-aligned before it
    where the row says `flip`."""
    extra = {"tooltip": tooltip} if tooltip is not None else {}
    layers = []
    for flip, align, dx in ((False, "left", 3), (True, "right", -3)):
        layers.append(
            base.transform_filter(alt.datum.flip if flip else ~alt.datum.flip)
            .mark_text(align=align, baseline="bottom", dx=dx, fontSize=LABEL_SIZE, **mark)
            .encode(x=x, y=alt.Y("top:Q", scale=None), text=alt.Text(text), **extra)
        )
    return alt.layer(*layers)


def lane_y(lanes: Sequence[str], field: str = "partner_name:N") -> alt.Y:
    """One labelled lane per partner (timelines). The labels' room is reserved from their
    own width, so a renderer that measures them short still leaves them whole."""
    room = max((text_width(lane, LANE_SIZE, bold=True) for lane in lanes), default=0)
    return alt.Y(
        field,
        title=None,
        scale=alt.Scale(domain=list(lanes)),
        axis=alt.Axis(
            labelFontSize=LANE_SIZE,
            labelFontWeight="bold",
            labelPadding=4,
            ticks=False,
            domain=False,
            minExtent=math.ceil(room) + 6,
        ),
    )


def partner_color(lanes: Sequence[str], field: str = "partner_name:N") -> alt.Color:
    """Each partner's house colour (fixed per partner, not per position)."""
    return alt.Color(field, legend=None, scale=color_scale(PARTNER_COLORS, lanes))


def event_tooltips() -> list[alt.Tooltip]:
    """What a timeline mark says on hover: date, type, event, source."""
    return [
        alt.Tooltip("date_text:N", title=say("axes.date")),
        alt.Tooltip("kind:N", title=say("axes.type")),
        alt.Tooltip("label:N", title=say("axes.event")),
        alt.Tooltip("source_id:N", title=say("axes.source")),
    ]


def marker_layer(markers: pd.DataFrame, start: Any, as_of: Any, height: int) -> Any:
    """Dashed vertical rules at dated events, labelled once per group above the plot.

    `markers` has `when` (date), `marker` (the event, for the tooltip) and `tag` (the text
    printed beside the rule; empty for rules that share a label with an earlier one).
    Labels are horizontal and staggered in rows so that none overlaps another.
    """
    data = records(markers)
    data = data.assign(when=[_day(w).isoformat() for w in markers["when"]])
    tagged = [(_day(w), str(t)) for w, t in zip(markers["when"], markers["tag"], strict=True)]
    labelled = [(w, text_width(t, LABEL_SIZE)) for w, t in tagged if t]
    rows = iter(_rows(labelled, start, as_of, WIDTH))
    placed = [next(rows) if t else (-1, False) for _, t in tagged]
    data["top"] = [-(r + 1) * LABEL_ROW + 3 if r >= 0 else 0 for r, _ in placed]
    data["flip"] = [f for _, f in placed]
    base = alt.Chart(data)
    rules = base.mark_rule(strokeDash=[4, 3], color=GREY, strokeWidth=1).encode(
        x=alt.X("when:T"),
        y=alt.Y("top:Q", scale=None),
        y2=alt.Y2Value(height),
        tooltip=[
            alt.Tooltip(
                "when:T", title=say("axes.date"), format=say("axes.day_format"), formatType="utc"
            ),
            alt.Tooltip("marker:N", title=say("axes.event")),
        ],
    )
    tagged_rows = base.transform_filter(alt.datum.tag != "")
    labels = _labels(tagged_rows, "tag:N", alt.X("when:T"), color="#333333")
    return rules + labels


def context_periods(start: Any, as_of: Any, sources: dict[str, Any] | None = None) -> pd.DataFrame:
    """The context periods an edition may draw: begun by `as_of`, with a source published by
    then; a period whose end is not yet known (or not yet published) runs to `as_of`."""
    from analysis import narrative

    lo, hi = _day(start), _day(as_of)
    sources = sources or {}
    rows = []
    for p in CONTEXT_PERIODS:
        first = _day(p.start)
        if first > hi or not narrative.known_by(sources, p.source_id, as_of):
            continue
        end_known = (
            p.end is not None
            and _day(p.end) <= hi
            and narrative.known_by(sources, p.end_source_id or p.source_id, as_of)
        )
        last = _day(p.end) if end_known else hi
        if last < lo:
            continue
        month = narrative.fmt_date(first, "month")
        if p.is_day():
            when = narrative.fmt_date(first)
        elif end_known:
            when = say("charts.period.span", first=month, last=narrative.fmt_date(last, "month"))
        else:
            when = say("charts.period.since", first=month)
        rows.append(
            {
                "label": say(f"charts.period.{p.label}"),
                "start": max(first, lo).isoformat(),
                "end": (last + dt.timedelta(days=1)).isoformat(),
                "day": p.is_day(),
                "period": when,
                "source_id": p.source_id,
                "ids": [i for i in (p.source_id, p.end_source_id if end_known else None) if i],
            }
        )
    return pd.DataFrame(
        rows, columns=["label", "start", "end", "day", "period", "source_id", "ids"]
    )


def context_layer(periods: pd.DataFrame, start: Any, as_of: Any, height: int) -> Any | None:
    """Context periods above the plot, each in its own row: a label over a bar spanning the
    period (a tick for a one-day event), with a faint band (or a rule) down through the plot."""
    if periods.empty:
        return None
    data = periods.drop(columns=["ids"]).copy()
    lo, hi = year_domain(start, as_of)
    span = (hi - lo).days or 1
    items = []
    for first, end, text in zip(data["start"], data["end"], data["label"], strict=True):
        bar = (_day(end) - _day(first)).days / span * WIDTH
        items.append((_day(first), max(text_width(str(text), LABEL_SIZE), bar)))
    row = LABEL_ROW + 4
    placed = _rows(items, start, as_of, WIDTH)
    data["top"] = [-(r + 1) * row + 3 for r, _ in placed]
    data["flip"] = [f for _, f in placed]
    data["bar_top"] = data["top"] + 2
    data["bar_bottom"] = data["top"] + 5
    tooltip = [
        alt.Tooltip("label:N", title=say("axes.context")),
        alt.Tooltip("period:N", title=say("axes.when")),
        alt.Tooltip("source_id:N", title=say("axes.source")),
    ]
    base = alt.Chart(records(data))
    shade = (
        base.transform_filter("!datum.day")
        .mark_rect(color=BAND_FILL, opacity=BAND_OPACITY)
        .encode(
            x=alt.X("start:T"),
            x2=alt.X2("end:T"),
            y=alt.YValue(0),
            y2=alt.Y2Value(height),
            tooltip=tooltip,
        )
    )
    rules = (
        base.transform_filter("datum.day")
        .mark_rule(color="#8C8C8C", strokeWidth=1.2, strokeDash=[2, 2])
        .encode(x=alt.X("start:T"), y=alt.YValue(0), y2=alt.Y2Value(height), tooltip=tooltip)
    )
    bars = base.mark_rect(color="#6E6E6E").encode(
        x=alt.X("start:T"),
        x2=alt.X2("end:T"),
        y=alt.Y("bar_top:Q", scale=None),
        y2=alt.Y2("bar_bottom:Q"),
        tooltip=tooltip,
    )
    ticks = (
        base.transform_filter("datum.day")
        .mark_rule(color="#6E6E6E", strokeWidth=2)
        .encode(x=alt.X("start:T"), y=alt.Y("bar_top:Q", scale=None), y2=alt.Y2Value(0))
    )
    labels = _labels(
        base, "label:N", alt.X("start:T"), fontStyle="italic", color="#333333", tooltip=tooltip
    )
    return alt.layer(shade, rules, bars, ticks, labels)


def context_ids(periods: pd.DataFrame) -> list[str]:
    return [i for ids in periods.get("ids", []) for i in ids]


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


def source_line(what: str, ids: Iterable[Any]) -> str:
    """The one short line under a figure or table: what it draws on and how many sources,
    the full list being in the References. The sources are cited in a hidden span, so the
    References list them: the built-in engine drops the span after citeproc; otherwise CSS
    hides it in HTML and a zero-size clipped box in Typst (real Quarto's PDF).
    """
    from analysis import narrative

    cited = narrative.cite(ids)
    n = cited.count("@")
    if n == 0:
        return say("charts.source.none", what=what)
    line = say(
        "charts.source.counted",
        word=say("charts.source.word", n=n),
        what=what,
        count=say("charts.source.count", n=n),
    )
    return f"{line} [{HIDE_OPEN}{cited}{HIDE_CLOSE}]{{.brief-nocite}}"


def status_mark(status: str, label: str) -> str:
    """A watch-list status as Markdown: its shape and its word, coloured by class."""
    shape = STATUS_MARKS[status]
    return f"[{shape}\\ {label}]{{.brief-status .status-{status.replace('_', '-')}}}"


def status_legend(names: dict[str, str], shown: Iterable[str] | None = None) -> str:
    """The key under the watch-list table: every status's shape and word."""
    keep = list(shown) if shown is not None else list(names)
    parts = [status_mark(code, names[code]) for code in STATUS_MARKS if code in keep]
    return say("charts.status_key", marks=" · ".join(parts))
