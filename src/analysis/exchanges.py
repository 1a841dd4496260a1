"""High-level exchanges: summits and senior visits between North Korea and China, and
between North Korea and the comparison partner (`compare_with`), from `start` to `as_of`.

An empty comparison lane (no recorded exchange, e.g. with the United States in the
event table) is kept in the chart and said in a sentence, never hidden.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from analysis import charts, narrative, timeline
from analysis.params import partner_name

HIGH_LEVEL = ("summit", "visit")
CLUSTER_DAYS = 730  # summits closer than two years apart count as one run


def exchanges(events: pd.DataFrame, partner: str) -> pd.DataFrame:
    """Summits and visits between North Korea and `partner`, prepared and sorted."""
    ev = timeline.prepare(events)
    rows = timeline.between(ev, timeline.SUBJECT, partner)
    rows = rows[rows["event_type"].isin(HIGH_LEVEL)].copy()
    rows["partner"] = partner
    rows["partner_name"] = partner_name(partner) if partner != timeline.CHINA else "China"
    return rows.reset_index(drop=True)


def in_window(rows: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    return timeline.window(rows, start, as_of).reset_index(drop=True)


def kim_xi_summits(events: pd.DataFrame) -> pd.DataFrame:
    """Every Kim–Xi summit in the data, numbered in order (1st, 2nd, …)."""
    rows = exchanges(events, timeline.CHINA)
    rows = rows[rows["event_type"] == "summit"].reset_index(drop=True)
    rows["number"] = range(1, len(rows) + 1)
    return rows


def runs(summits: pd.DataFrame, gap_days: int = CLUSTER_DAYS) -> list[pd.DataFrame]:
    """Split dated rows into runs separated by more than `gap_days`."""
    if summits.empty:
        return []
    gaps = summits["when"].diff().dt.days.fillna(0) > gap_days
    return [g for _, g in summits.groupby(gaps.cumsum())]


def counts_per_year(
    events: pd.DataFrame, partners: list[str], start: Any, as_of: Any
) -> pd.DataFrame:
    """Summits, visits and their total per year and partner, zero-filled over the window."""
    years = range(pd.Timestamp(start).year, pd.Timestamp(as_of).year + 1)
    out = []
    for p in partners:
        rows = in_window(exchanges(events, p), start, as_of)
        for y in years:
            in_year = rows[rows["year"] == y]
            s = int((in_year["event_type"] == "summit").sum())
            v = int((in_year["event_type"] == "visit").sum())
            out.append(
                {
                    "year": y,
                    "partner": p,
                    "partner_name": _name(p),
                    "summits": s,
                    "visits": v,
                    "total": s + v,
                }
            )
    return pd.DataFrame(
        out, columns=["year", "partner", "partner_name", "summits", "visits", "total"]
    )


def _name(code: str) -> str:
    return "China" if code == timeline.CHINA else partner_name(code)


def latest(events: pd.DataFrame, partner: str, start: Any, as_of: Any) -> pd.Series | None:
    rows = timeline.headline(in_window(exchanges(events, partner), start, as_of))
    return None if rows.empty else rows.iloc[-1]


def last_kim_trip(events: pd.DataFrame, partner: str, as_of: Any) -> pd.Series | None:
    """Kim's latest summit held in the partner's country (the visiting side is `actor_a`)."""
    rows = exchanges(events, partner)
    rows = rows[(rows["event_type"] == "summit") & (rows["actor_a"] == timeline.SUBJECT)]
    rows = timeline.headline(rows[rows["when"] <= pd.Timestamp(as_of)])
    return None if rows.empty else rows.iloc[-1]


# --------------------------------------------------------------------------- figures


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def timeline_figure(view: Any, params: Any) -> charts.Figure:
    partners = [timeline.CHINA, params.compare_with]
    lanes = [_name(p) for p in partners]
    rows = pd.concat(
        [in_window(exchanges(view.events, p), params.start, params.as_of) for p in partners],
        ignore_index=True,
    )
    data = rows[
        ["when", "precision", "partner_name", "event_type", "label", "source_id", "confidence"]
    ].copy()
    data["date_text"] = [
        narrative.fmt_date(w, p) for w, p in zip(data["when"], data["precision"], strict=True)
    ]
    data["kind"] = data["event_type"].map({"summit": "Summit", "visit": "Senior visit"})
    summits = kim_xi_summits(view.events)
    summits = in_window(summits, params.start, params.as_of)
    notes = summits[["when", "number"]].copy()
    notes["lane"] = "China"
    notes["tag"] = notes["number"].astype(str)
    x = charts.time_x(params.start, params.as_of)
    y = charts.lane_y(lanes)
    points = (
        alt.Chart(charts.records(data))
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x=x,
            y=y,
            shape=alt.Shape(
                "kind:N",
                title="Exchange",
                scale=alt.Scale(domain=["Summit", "Senior visit"], range=["diamond", "circle"]),
            ),
            size=alt.Size(
                "kind:N",
                title="Exchange",
                scale=alt.Scale(domain=["Summit", "Senior visit"], range=[200, 70]),
            ),
            color=charts.partner_color(lanes),
            tooltip=charts.event_tooltips(),
        )
    )
    layers: list[Any] = [points]
    for parity, dy in ((1, -15), (0, 16)):
        part = notes[notes["number"] % 2 == parity]
        if part.empty:
            continue
        layers.append(
            alt.Chart(charts.records(part))
            .mark_text(dy=dy, fontSize=10, fontWeight="bold", color="#222222")
            .encode(x=x, y=alt.Y("lane:N", scale=alt.Scale(domain=lanes), title=None), text="tag:N")
        )
    empty = [lane for lane in lanes if lane not in set(data["partner_name"])]
    if empty:
        blank = pd.DataFrame(
            {"lane": empty, "msg": [f"No recorded summit or senior visit with {e}" for e in empty]}
        )
        mid = (
            pd.Timestamp(params.start)
            + (pd.Timestamp(params.as_of) - pd.Timestamp(params.start)) / 2
        )
        blank["when"] = mid.normalize()
        layers.append(
            alt.Chart(charts.records(blank))
            .mark_text(fontSize=11, fontStyle="italic", color=charts.GREY)
            .encode(x=x, y=alt.Y("lane:N", scale=alt.Scale(domain=lanes), title=None), text="msg:N")
        )
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=150)
    title = timeline_title(view.events, params)
    chart = charts.house(
        chart,
        title,
        "Summits (diamonds) and senior visits (circles) by lane; numbers mark the Kim–Xi summits.",
    )
    alt_text = (
        f"Timeline from {narrative.fmt_date(params.start)} to {narrative.fmt_date(params.as_of)} "
        f"with one lane for China and one for {lanes[1]}, each summit or senior visit a mark. "
        f"{title}."
    )
    src = charts.source_line("the brief's event table", narrative.cite(data["source_id"]))
    return charts.Figure(chart, "exchanges-timeline", alt_text, src)


def timeline_title(events: pd.DataFrame, params: Any) -> str:
    c = in_window(exchanges(events, timeline.CHINA), params.start, params.as_of)
    p = in_window(exchanges(events, params.compare_with), params.start, params.as_of)
    y0, y1 = pd.Timestamp(params.start).year, pd.Timestamp(params.as_of).year
    return (
        f"{narrative.plural(len(c), 'high-level exchange')} with China and {len(p)} with "
        f"{timeline.sentence_name(params.compare_with)}, {y0}–{y1}"
    )


def counts_figure(view: Any, params: Any) -> charts.Figure:
    partners = [timeline.CHINA, params.compare_with]
    lanes = [_name(p) for p in partners]
    data = counts_per_year(view.events, partners, params.start, params.as_of)
    chart = (
        alt.Chart(charts.records(data))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("partner_name:N", sort=lanes),
            y=alt.Y("total:Q", title="Summits and senior visits", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "partner_name:N",
                title="Partner",
                scale=charts.color_scale(charts.PARTNER_COLORS, lanes),
            ),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("partner_name:N", title="Partner"),
                alt.Tooltip("summits:Q", title="Summits"),
                alt.Tooltip("visits:Q", title="Senior visits"),
            ],
        )
        .properties(width=charts.WIDTH, height=180)
    )
    title = counts_title(data, lanes)
    chart = charts.house(chart, title, "Summits and senior visits per calendar year, by partner.")
    alt_text = (
        f"Grouped bar chart of summits and senior visits per year with {lanes[0]} and "
        f"{lanes[1]}. {title}."
    )
    rows = pd.concat(
        [in_window(exchanges(view.events, p), params.start, params.as_of) for p in partners]
    )
    src = charts.source_line("the brief's event table", narrative.cite(rows["source_id"]))
    return charts.Figure(chart, "exchanges-counts", alt_text, src)


def counts_title(data: pd.DataFrame, lanes: list[str]) -> str:
    parts = []
    for lane in lanes:
        d = data[data["partner_name"] == lane]
        if d.empty or d["total"].max() == 0:
            parts.append(f"none with {lane}")
            continue
        peak = int(d["total"].max())
        years = [str(y) for y in d.loc[d["total"] == peak, "year"]]
        each = " each" if len(years) > 1 else ""
        parts.append(f"with {lane} in {narrative.join_words(years)} ({peak}{each})")
    return "Busiest year for exchanges: " + "; ".join(parts)


# --------------------------------------------------------------------------- sentences


def _count_phrase(rows: pd.DataFrame) -> str:
    s = int((rows["event_type"] == "summit").sum())
    v = int((rows["event_type"] == "visit").sum())
    return f"{narrative.plural(s, 'summit')} and {narrative.plural(v, 'senior visit')}"


def text(view: Any, params: Any) -> str:
    partner = params.compare_with
    _name(partner)
    china = in_window(exchanges(view.events, timeline.CHINA), params.start, params.as_of)
    other = in_window(exchanges(view.events, partner), params.start, params.as_of)
    span = f"From {narrative.fmt_date(params.start)} to {narrative.fmt_date(params.as_of)}"
    out = [
        narrative.with_cite(
            f"{span}, the event table records {_count_phrase(china)} between North Korea and "
            f"China, and {_count_phrase(other)} between North Korea and "
            f"{timeline.sentence_name(partner)}.",
            [*china["source_id"], *other["source_id"]],
        )
    ]
    out.append(summit_sentence(view.events, params))
    for code, _rows in ((timeline.CHINA, china), (partner, other)):
        last = latest(view.events, code, params.start, params.as_of)
        if last is None:
            out.append(
                f"No summit or senior visit between North Korea and {timeline.sentence_name(code)} "
                "is recorded "
                "in the window; its lane in the chart is shown empty."
            )
        else:
            out.append(
                f"The latest high-level exchange with {_name(code)} came {timeline.mention(last)}."
            )
    out.append(kim_trip_sentence(view.events, timeline.CHINA, params.as_of))
    return "\n\n".join(s for s in out if s)


def summit_sentence(events: pd.DataFrame, params: Any) -> str:
    summits = in_window(kim_xi_summits(events), params.start, params.as_of)
    if summits.empty:
        return "No Kim–Xi summit falls in the window."
    found = runs(summits)
    if len(found) == 1 and len(summits) > 1:
        return narrative.with_cite(
            f"The data record {narrative.plural(len(summits), 'Kim–Xi summit')} in the window, "
            f"from {timeline.when_text(summits.iloc[0])} to "
            f"{timeline.when_text(summits.iloc[-1])}.",
            summits["source_id"],
        )
    parts = []
    for run in found:
        first, last = run.iloc[0], run.iloc[-1]
        if len(run) == 1:
            parts.append(f"one on {timeline.when_text(first)}")
        else:
            parts.append(
                f"{narrative.plural(len(run), 'summit')} from {timeline.when_text(first)} to "
                f"{timeline.when_text(last)}"
            )
    return narrative.with_cite(
        f"The data record {narrative.plural(len(summits), 'Kim–Xi summit')} in the window: "
        f"{narrative.join_words(parts)}.",
        summits["source_id"],
    )


def kim_trip_sentence(events: pd.DataFrame, partner: str, as_of: Any) -> str:
    trip = last_kim_trip(events, partner, as_of)
    pname = _name(partner)
    if trip is None:
        return f"The data record no Kim Jong Un summit in {pname}."
    text = f"Kim Jong Un's latest summit in {pname} came {timeline.mention(trip)}."
    gap = (pd.Timestamp(as_of) - trip["when"]).days
    if gap > 365:
        text += (
            f" There has been no Kim visit to {pname} since "
            f"{narrative.fmt_date(trip['when'], 'month')}."
        )
    return text


def facts(view: Any, params: Any) -> dict[str, Any]:
    partners = [timeline.CHINA, params.compare_with]
    events: dict[str, str] = {}
    numbers: dict[str, Any] = {}
    for p in partners:
        rows = in_window(exchanges(view.events, p), params.start, params.as_of)
        last = latest(view.events, p, params.start, params.as_of)
        if last is not None:
            events.update(timeline.facts(last.to_frame().T))
        for kind in HIGH_LEVEL:
            numbers[f"exchanges.{p}.{kind}s"] = {
                "label": f"{kind.capitalize()}s with {_name(p)} "
                f"since {narrative.iso(params.start)}",
                "value": int((rows["event_type"] == kind).sum()),
                "unit": "count",
            }
    summits = in_window(kim_xi_summits(view.events), params.start, params.as_of)
    events.update(timeline.facts(summits))
    return {"events": events, "numbers": numbers}
