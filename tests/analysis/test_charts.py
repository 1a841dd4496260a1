"""House style: one font, the palette, titles, one time encoding, and every figure's contract."""

import datetime as dt
import re

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from analysis import charts, exchanges, pivot, security, text, trade, watchlist
from tests.analysis import sample_tables as st

FIGURES = [
    trade.lead_figure,
    trade.share_figure,
    trade.monthly_figure,
    exchanges.timeline_figure,
    exchanges.counts_figure,
    security.figure,
    pivot.milestones_figure,
    pivot.leader_figure,
]


def layers(spec, data=None):
    """Every unit spec (one mark) inside a layered / concatenated spec, each with the data
    it draws (its own or the nearest enclosing one's)."""
    data = spec.get("data", data)
    if "mark" in spec:
        yield {**spec, "data": data}
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for child in spec.get(key, []):
            yield from layers(child, data)


def mark_type(unit):
    mark = unit["mark"]
    return mark["type"] if isinstance(mark, dict) else mark


def rows_of(spec, unit):
    data = unit.get("data") or {}
    if "name" in data:
        return spec["datasets"][data["name"]]
    return data.get("values", [])


@pytest.mark.parametrize("build", FIGURES)
def test_every_figure_follows_the_house_style(build):
    fig = build(st.view("2026-02-01"), st.params("2026-02-01"))
    spec = fig.spec()
    assert spec["config"]["font"] == charts.FONT
    assert spec["config"]["axis"]["labelFont"] == charts.FONT
    assert spec["title"]["text"]
    assert fig.alt and len(fig.alt) > 40
    assert "tooltip" in str(spec)
    assert "#" not in spec["config"]["title"]["font"]
    svg = vlc.vegalite_to_svg(spec)
    assert "Liberation Sans" in svg and "<svg" in svg


@pytest.mark.parametrize("build", FIGURES)
def test_every_spec_describes_itself_with_the_alt_text(build):
    fig = build(st.view("2026-02-01"), st.params("2026-02-01"))
    assert fig.spec()["description"] == fig.alt


@pytest.mark.parametrize("build", FIGURES)
def test_the_source_line_is_short_and_the_sources_still_reach_the_references(build):
    fig = build(st.view("2026-02-01"), st.params("2026-02-01"))
    visible, _, hidden = fig.source.partition(" [" + charts.HIDE_OPEN)
    assert re.match(r"^Sources?: ", visible)
    assert "@" not in visible and len(visible) < 140
    if hidden:
        assert visible.endswith("see References.")
        assert hidden.endswith(charts.HIDE_CLOSE + "]{.brief-nocite}") and "@" in hidden
        n = hidden.count("@")
        assert ("one source" if n == 1 else f"{n} sources") in visible


def test_annual_marks_and_event_rules_share_one_time_encoding():
    fig = trade.lead_figure(st.view("2026-02-01"), st.params("2026-02-01"))
    spec = fig.spec()
    units = list(layers(spec))
    bars = [u for u in units if mark_type(u) == "bar"]
    rules = [u for u in units if mark_type(u) == "rule" and "strokeDash" in str(u["mark"])]
    assert bars and rules
    # One scale: every x in the layered chart is temporal, and the one declared scale is UTC.
    assert {u["encoding"]["x"]["type"] for u in [*bars, *rules]} == {"temporal"}
    scales = [u["encoding"]["x"]["scale"] for u in units if "scale" in u["encoding"].get("x", {})]
    assert scales and all(s["type"] == "utc" for s in scales)
    bar_rows = [r for u in bars for r in rows_of(spec, u)]
    rule_rows = [r for u in rules for r in rows_of(spec, u)]
    assert rule_rows
    for rule in rule_rows:
        when = dt.date.fromisoformat(rule["when"])
        band = [r for r in bar_rows if r["year"] == when.year]
        if not band:
            continue  # no annual value that year: nothing to line up with
        start = dt.date.fromisoformat(band[0]["year_start"])
        end = dt.date.fromisoformat(band[0]["year_end"])
        assert start <= when < end, (rule, band[0])
        assert start <= dt.date.fromisoformat(band[0]["slot_start"]) < end
    # A rule in 2016 (UNSCR 2270 in the sample) lies inside the 2016 band.
    assert any(r["when"].startswith("2016") for r in rule_rows)


def test_year_axis_ticks_on_the_year_boundaries_with_labels_inside_the_band():
    axis = charts.year_axis("2013-01-01", "2026-02-01").to_dict()
    first = axis["values"][0]
    assert (first["year"], first["month"], first["date"], first["utc"]) == (2013, 1, 1, True)
    assert axis["labelOffset"] > 0 and axis["labelAlign"] == "center"
    assert charts.year_domain("2013-05-01", "2026-02-01") == (
        dt.date(2013, 1, 1),
        dt.date(2027, 1, 1),
    )


def test_a_year_the_edition_date_cuts_short_is_marked_partial():
    fig = exchanges.counts_figure(st.view("2026-02-01"), st.params("2026-02-01"))
    spec = fig.spec()
    rows = [r for u in layers(spec) for r in rows_of(spec, u)]
    partial = {r["year"] for r in rows if r.get("partial")}
    assert partial == {2026}
    assert "2026 is partial" in str(spec["title"]["subtitle"])
    assert "strokeDash" in str(spec) and "fillOpacity" in str(spec)
    full = charts.annual(pd.DataFrame({"year": [2025]}), "2025-12-31")
    assert not full["partial"].any()


def test_a_value_axis_that_does_not_start_at_zero_says_so():
    fig = trade.share_figure(st.view("2026-02-01"), st.params("2026-02-01"))
    spec = fig.spec()
    y = next(u["encoding"]["y"] for u in layers(spec) if "y" in u["encoding"])
    floor = y["scale"]["domain"][0]
    if floor:
        assert f"starts at {floor:g}%" in str(spec["title"]["subtitle"])
    assert charts.baseline_note(0) == ""


def test_context_periods_follow_what_the_edition_could_know():
    def labels(as_of, sources=None):
        frame = charts.context_periods("2013-01-01", as_of, sources)
        return dict(zip(frame["label"], frame["period"], strict=True)), frame

    early, _ = labels("2019-01-01")
    assert early == {}
    mid, frame = labels("2021-06-30")
    assert set(mid) == {"Hanoi summit fails", "Border closed"}
    assert mid["Border closed"].startswith("since")  # still closed as of this edition
    assert frame.loc[frame["label"] == "Border closed", "end"].item() == "2021-07-01"
    late, frame = labels("2024-10-21")
    assert set(late) == {"Hanoi summit fails", "Border closed", "Ukraine war", "Treaty with Russia"}
    assert late["Border closed"] == "January 2020 – August 2023"
    assert "kyodo-2023-08-flights" in charts.context_ids(frame)
    # A period whose source was not yet published is not drawn.
    unpublished = {"afp-2024-06-19-treaty": {"issued": {"date-parts": [[2024, 12, 1]]}}}
    held, _ = labels("2024-10-21", unpublished)
    assert "Treaty with Russia" not in held
    for period in charts.CONTEXT_PERIODS:
        assert period.source_id and period.label


def test_timelines_draw_the_context_periods_with_their_sources_cited():
    fig = exchanges.timeline_figure(st.view("2026-02-01"), st.params("2026-02-01"))
    spec = str(fig.spec())
    assert "Border closed" in spec and "Ukraine war" in spec
    assert "@yonhap-2020-01-31" in fig.source
    labels = [u for u in layers(fig.spec()) if mark_type(u) == "text"]
    assert all(u["mark"].get("angle", 0) == 0 for u in labels)  # never rotated


def test_watch_list_statuses_carry_a_shape_and_a_word_not_only_a_colour():
    shapes = list(charts.STATUS_MARKS.values())
    assert len(set(shapes)) == len(shapes)
    for code, name in watchlist.STATUS_NAMES.items():
        mark = charts.status_mark(code, name)
        assert charts.STATUS_MARKS[code] in mark and name in mark
        assert f".status-{code.replace('_', '-')}" in mark
    legend = charts.status_legend(watchlist.STATUS_NAMES)
    assert legend.startswith("Key: ") and all(n in legend for n in watchlist.STATUS_NAMES.values())


def test_figure_names_are_unique():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    names = [f(view, params).name for f in FIGURES]
    assert len(set(names)) == len(names)


def test_wrap_title_and_palette():
    assert charts.wrap_title("short") == "short"
    assert isinstance(charts.wrap_title("word " * 40), list)
    scale = charts.color_scale(charts.PARTNER_COLORS, ["China", "Elsewhere"]).to_dict()
    assert scale["range"][0] == charts.OKABE_ITO["vermillion"]
    assert len(scale["range"]) == 2


# --- label widths come from the text (Korean is about twice as wide per character) -------


def _advance(path, char):
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    glyph = font.getBestCmap()[ord(char)]
    return font["hmtx"][glyph][0] / font["head"].unitsPerEm


def test_text_widths_are_the_chart_fonts_own_advances():
    from analysis import paths

    fonts = paths.project_root() / "assets" / "fonts"
    for bold, name in ((False, "LiberationSans-Regular.ttf"), (True, "LiberationSans-Bold.ttf")):
        for code in range(32, 127):
            want = _advance(fonts / name, chr(code))
            assert charts.text_width(chr(code), 1, bold) == pytest.approx(want), (name, code)
    for char in "러시아중국北":
        assert charts.text_width(char, 1) == pytest.approx(
            _advance(fonts / "NanumGothic.ttf", char)
        )
    # A Korean word of three letters is wider than an English word of five.
    assert charts.text_width("러시아", 12, bold=True) > charts.text_width("China", 12, bold=True)


def test_titles_wrap_by_their_width_in_either_script():
    korean = (
        "2013년 이후 모든 핵실험은 중국이 찬성한 유엔 제재로 이어졌지만, "
        "2017년 12월 이후의 미사일 관련 사건 125건은 그렇지 않았다"
    )
    english = (
        "Every nuclear test since 2013 drew UN sanctions China voted for; "
        "the 125 missile events since December 2017 drew none"
    )
    for title in (korean, english):
        lines = charts.wrap_title(title)
        assert isinstance(lines, list) and " ".join(lines) == title
        assert all(
            charts.text_width(line, charts.TITLE_SIZE, True) <= charts.WIDTH for line in lines
        )
    # Korean of fewer characters than the English still needs as many lines or more.
    assert len(korean) < len(english)
    assert len(charts.wrap_title(korean)) >= len(charts.wrap_title(english))
    assert charts.wrap_title("짧은 제목") == "짧은 제목"


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("build", [exchanges.timeline_figure, pivot.milestones_figure])
def test_timeline_lanes_keep_room_for_their_labels(build, lang):
    from analysis import text

    with text.language(lang):
        spec = build(st.view("2026-02-01"), st.params("2026-02-01")).spec()
    lanes = [
        u["encoding"]["y"]
        for u in layers(spec)
        if u.get("encoding", {}).get("y", {}).get("field") == "partner_name"
    ]
    assert lanes
    for y in lanes:
        names = y["scale"]["domain"]
        room = max(charts.text_width(n, charts.LANE_SIZE, bold=True) for n in names)
        assert y["axis"]["minExtent"] >= room + y["axis"]["labelPadding"], (lang, names)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "start, as_of", [("2013-01-01", "2026-02-01"), ("2017-01-01", "2025-06-30")]
)
def test_context_labels_above_a_timeline_never_overlap(lang, start, as_of):
    from analysis import text

    with text.language(lang):
        periods = charts.context_periods(start, as_of)
        layer = charts.context_layer(periods, start, as_of, 150)
        rows = charts.data_of(alt.layer(layer).properties(width=charts.WIDTH))
    lo, hi = charts.year_domain(start, as_of)
    span = (hi - lo).days
    seen = {}
    for row in {(r["label"], r["start"], r["end"], r["top"], r["flip"]) for r in rows}:
        label, start, end, top, flip = row
        x = (pd.Timestamp(start).date() - lo).days / span * charts.WIDTH
        bar = (pd.Timestamp(end).date() - pd.Timestamp(start).date()).days / span * charts.WIDTH
        extent = max(charts.text_width(label, charts.LABEL_SIZE), bar)
        box = (x - extent, x) if flip else (x, x + extent)
        for other in seen.get(top, []):
            assert box[1] <= other[0] or box[0] >= other[1], (lang, label, top)
        seen.setdefault(top, []).append(box)
    assert len(seen) >= 2  # the labels needed more than one row


def test_korean_lead_chart_draws_points_on_both_lanes_after_an_english_render():
    """The trips cache once kept 'China'/'Russia': a Korean chart built after an English one
    in the same process dropped every point (lanes 중국/러시아) and said 'no record'."""
    from analysis import text

    exchanges._trips.clear()
    with text.language("en"):
        exchanges.timeline_figure(st.view("2026-02-01"), st.params("2026-02-01"))
    with text.language("ko"):
        spec = exchanges.timeline_figure(st.view("2026-02-01"), st.params("2026-02-01")).spec()
        empty = {text.say("exchanges.empty_lane", partner=p) for p in ("중국", "러시아")}
    points = [u for u in layers(spec) if mark_type(u) == "point"]
    assert len(points) == 1
    drawn = {r["partner_name"] for r in rows_of(spec, points[0])}
    assert drawn == set(points[0]["encoding"]["y"]["scale"]["domain"]) == {"중국", "러시아"}
    said = {r.get("msg") for u in layers(spec) for r in rows_of(spec, u)}
    assert not said & empty


# English words that once stood in Korean charts' titles, legends, axes and notes.
ENGLISH_IN_CHARTS = (
    "missile",
    "nuclear",
    "million",
    "US$",
    "inter-Korean",
    "each point",
    "only months",
    "pale bars",
    "low confidence",
    "Jan",
    "Apr",
    "Jul",
    "Oct",
)
# Columns whose values are the data's own words or identifiers, not chart strings.
DATA_COLUMNS = charts.DATA_TEXT_COLUMNS | {"source_id", "event_id"}


def chart_strings(spec):
    """Every string a reader sees in the spec but the data's own prose: titles, subtitles,
    axis and legend titles, tooltip titles, and the values of the encoded nominal fields."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("title", "subtitle", "text") and isinstance(value, (str, list)):
                    out.extend([value] if isinstance(value, str) else map(str, value))
                if key not in ("datasets", "data"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    for unit in layers(spec):
        rows = rows_of(spec, unit)
        for channel in unit.get("encoding", {}).values():
            for enc in channel if isinstance(channel, list) else [channel]:
                field = enc.get("field") if isinstance(enc, dict) else None
                if field and field not in DATA_COLUMNS and enc.get("type") == "nominal":
                    out.extend(str(r.get(field)) for r in rows if r.get(field))
    return out


@pytest.mark.parametrize("build", FIGURES)
def test_korean_charts_hold_no_english_chart_string(build):
    from analysis import text

    with text.language("ko"):
        spec = build(st.view("2026-02-01"), st.params("2026-02-01")).spec()
    svg_text = re.findall(r"<text[^>]*>([^<]*)</text>", vlc.vegalite_to_svg(spec))
    seen = chart_strings(spec) + svg_text
    assert seen
    for word in ENGLISH_IN_CHARTS:
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", re.IGNORECASE)
        hits = [s for s in seen if pattern.search(s)]
        assert not hits, (build.__name__, word, hits[:3])


def test_korean_month_ticks_read_in_korean():
    from analysis import text

    with text.language("ko"):
        spec = trade.monthly_figure(st.view("2026-02-01"), st.params("2026-02-01")).spec()
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", vlc.vegalite_to_svg(spec))
    januaries = [t for t in ticks if re.fullmatch(r"\d{4}년 1월", t)]
    others = [t for t in ticks if re.fullmatch(r"(4|7|10)월", t)]
    assert len(januaries) >= 2 and len(others) >= 4, ticks


@pytest.mark.parametrize("lang", text.languages())
@pytest.mark.parametrize("build", FIGURES)
def test_charts_built_without_altairs_deep_copies_give_altairs_own_spec(build, lang):
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    with text.language(lang):
        expected = build(view, params).spec()
        with charts.building():
            quick = build(view, params).spec()
    assert quick == expected


def test_deep_copies_are_altairs_again_after_building_even_after_an_error():
    from altair.utils import schemapi

    own = schemapi.SchemaBase.copy
    with pytest.raises(RuntimeError), charts.building():
        assert schemapi.SchemaBase.copy is not own
        raise RuntimeError("a figure failed")
    assert schemapi.SchemaBase.copy is own
    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    copy = chart.copy()
    copy.encoding.x.shorthand = "y:Q"
    assert chart.encoding.x.shorthand == "x:Q"  # a deep copy again: the original is untouched
