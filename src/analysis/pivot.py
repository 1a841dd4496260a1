"""The Moscow pivot: North Korea–Russia milestones (summits, the treaty, troops) beside
China's, which partner gets Kim's time (summits per partner per year), and the latest
signals toward each capital.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from analysis import charts, narrative, timeline

RUSSIA = "RUS"
MILESTONE_TYPES = {
    RUSSIA: ("summit", "treaty", "military", "visit"),
    timeline.CHINA: ("summit", "treaty", "military", "visit"),
}
TYPE_NAMES = {
    "summit": "Summit",
    "visit": "Senior visit",
    "treaty": "Treaty step",
    "military": "Military cooperation",
}
SIGNAL_DAYS = 90


def milestones(events: pd.DataFrame, partner: str, start: Any, as_of: Any) -> pd.DataFrame:
    ev = timeline.window(timeline.prepare(events), start, as_of)
    rows = timeline.between(ev, timeline.SUBJECT, partner)
    rows = rows[rows["event_type"].isin(MILESTONE_TYPES[partner])].copy()
    rows["partner_name"] = timeline.name(partner)
    rows["kind"] = rows["event_type"].map(TYPE_NAMES)
    return rows.reset_index(drop=True)


def summits_per_year(events: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    """Kim's summits per year by partner (every partner with a summit in the window)."""
    ev = timeline.window(timeline.prepare(events), start, as_of)
    ev = timeline.involving(ev, timeline.SUBJECT)
    ev = ev[ev["event_type"] == "summit"].copy()
    ev["partner"] = (
        ev.apply(
            lambda r: r["actor_b"] if r["actor_a"] == timeline.SUBJECT else r["actor_a"], axis=1
        )
        if not ev.empty
        else pd.Series(dtype=str)
    )
    partners = sorted(set(ev["partner"]) | {timeline.CHINA, RUSSIA})
    years = range(pd.Timestamp(start).year, pd.Timestamp(as_of).year + 1)
    rows = [
        {
            "year": y,
            "partner": p,
            "partner_name": timeline.name(p),
            "summits": int(((ev["year"] == y) & (ev["partner"] == p)).sum()),
        }
        for y in years
        for p in partners
    ]
    return pd.DataFrame(rows, columns=["year", "partner", "partner_name", "summits"])


def recent(events: pd.DataFrame, partner: str, as_of: Any, days: int = SIGNAL_DAYS) -> pd.DataFrame:
    """Every North Korea–partner event in the `days` up to `as_of` (headline rows only)."""
    lo = pd.Timestamp(as_of) - pd.Timedelta(days=days)
    ev = timeline.window(timeline.prepare(events), lo, as_of)
    return timeline.headline(timeline.between(ev, timeline.SUBJECT, partner)).reset_index(drop=True)


def latest_event(events: pd.DataFrame, partner: str, as_of: Any) -> pd.Series | None:
    """The latest headline North Korea–partner event of any type up to `as_of`."""
    ev = timeline.prepare(events)
    ev = timeline.headline(timeline.between(ev, timeline.SUBJECT, partner))
    ev = ev[ev["when"] <= pd.Timestamp(as_of)]
    return None if ev.empty else ev.iloc[-1]


def leader_time(events: pd.DataFrame, as_of: Any, years: int = 3) -> dict[str, Any]:
    """Kim's summits by partner over the last `years` calendar years up to `as_of`."""
    y1 = pd.Timestamp(as_of).year
    y0 = y1 - years + 1
    per = summits_per_year(events, f"{y0}-01-01", as_of)
    totals = per.groupby("partner_name")["summits"].sum().to_dict()
    return {"from": y0, "to": y1, "totals": totals}


# --------------------------------------------------------------------------- figures


def milestones_figure(view: Any, params: Any) -> charts.Figure:
    lanes = ["Russia", "China"]
    rows = pd.concat(
        [milestones(view.events, p, params.start, params.as_of) for p in (RUSSIA, timeline.CHINA)],
        ignore_index=True,
    )
    data = rows[["when", "precision", "partner_name", "kind", "label", "source_id"]].copy()
    data["date_text"] = [
        narrative.fmt_date(w, p) for w, p in zip(data["when"], data["precision"], strict=True)
    ]
    kinds = ["Summit", "Treaty step", "Military cooperation", "Senior visit"]
    height = 190
    periods = charts.context_periods(params.start, params.as_of, view.sources)
    points = (
        alt.Chart(charts.records(data))
        .mark_point(filled=True, opacity=0.85)
        .encode(
            x=charts.time_x(params.start, params.as_of),
            y=charts.lane_y(lanes),
            yOffset=alt.YOffset("kind:N", scale=alt.Scale(domain=kinds)),
            shape=alt.Shape(
                "kind:N",
                title="Milestone",
                scale=alt.Scale(domain=kinds, range=["diamond", "square", "triangle-up", "circle"]),
            ),
            size=alt.Size(
                "kind:N",
                title="Milestone",
                scale=alt.Scale(domain=kinds, range=[200, 120, 120, 60]),
            ),
            color=charts.partner_color(lanes),
            tooltip=charts.event_tooltips(),
        )
    )
    context = charts.context_layer(periods, params.start, params.as_of, height)
    chart = (points if context is None else alt.layer(context, points)).properties(
        width=charts.WIDTH, height=height
    )
    lt = leader_time(view.events, params.as_of)
    title = milestones_title(view.events, params)
    chart = charts.house(
        chart,
        title,
        "North Korea's summits, treaty steps, military cooperation and senior visits, by "
        "partner; grey bands and rules mark context periods.",
    )
    alt_text = (
        "Timeline with a Russia lane and a China lane marking summits, treaty steps, military "
        f"cooperation and senior visits from {pd.Timestamp(params.start).year} to "
        f"{lt['to']}. {title}."
    )
    src = charts.source_line(
        "the brief's event table", [*data["source_id"], *charts.context_ids(periods)]
    )
    return charts.Figure(chart, "pivot-milestones", alt_text, src)


def milestones_title(events: pd.DataFrame, params: Any) -> str:
    rus = milestones(events, RUSSIA, params.start, params.as_of)
    chn = milestones(events, timeline.CHINA, params.start, params.as_of)

    def n(rows: pd.DataFrame, *types: str) -> int:
        return int(rows["event_type"].isin(types).sum())

    y0 = pd.Timestamp(params.start).year
    return (
        f"Treaty and military steps: {n(rus, 'treaty', 'military')} with Russia, "
        f"{n(chn, 'treaty', 'military')} with China; summits since {y0}: "
        f"Russia {n(rus, 'summit')}, China {n(chn, 'summit')}"
    )


def leader_figure(view: Any, params: Any) -> charts.Figure:
    data = summits_per_year(view.events, params.start, params.as_of)
    names = list(dict.fromkeys(data["partner_name"]))
    data = charts.slots(charts.annual(data, params.as_of).assign(band=0), "band", [0])
    # Stacked by hand, so the bars keep their year band on the shared time axis.
    data["y1"] = data.groupby("year")["summits"].cumsum()
    data["y0"] = data["y1"] - data["summits"]
    chart = (
        alt.Chart(charts.records(data))
        .mark_bar(stroke=charts.INK)
        .encode(
            x=charts.time_x(params.start, params.as_of, "slot_start:T"),
            x2="slot_end:T",
            **charts.partial_encoding(),
            y=alt.Y("y0:Q", title="Kim's summits", axis=alt.Axis(tickMinStep=1)),
            y2="y1:Q",
            color=alt.Color(
                "partner_name:N",
                title="With",
                scale=charts.color_scale(charts.PARTNER_COLORS, names),
            ),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("partner_name:N", title="With"),
                alt.Tooltip("summits:Q", title="Summits"),
            ],
        )
        .properties(width=charts.WIDTH, height=170)
    )
    lt = leader_time(view.events, params.as_of)
    title = leader_title(lt)
    subtitle = charts.with_note(
        "Leader-level meetings per calendar year, by partner.",
        charts.partial_note(params.as_of, data),
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = f"Stacked bars of Kim Jong Un's summits per year by partner. {title}."
    ev = timeline.prepare(view.events)
    ev = timeline.window(ev[ev["event_type"] == "summit"], params.start, params.as_of)
    ev = timeline.involving(ev, timeline.SUBJECT)
    src = charts.source_line("the brief's event table", ev["source_id"])
    return charts.Figure(chart, "pivot-leader-time", alt_text, src)


def leader_title(lt: dict[str, Any]) -> str:
    span = f"{lt['from']}–{lt['to']}"
    parts = [f"{name} {n}" for name, n in sorted(lt["totals"].items(), key=lambda kv: -kv[1])]
    return f"Kim's summits {span}: " + ", ".join(parts)


# --------------------------------------------------------------------------- sentences


def text(view: Any, params: Any) -> str:
    rus = timeline.headline(milestones(view.events, RUSSIA, params.start, params.as_of))
    key = rus[rus["event_type"].isin(["summit", "treaty", "military"])]
    out = []
    if key.empty:
        out.append(
            "No North Korea–Russia summit, treaty step or military milestone falls in the window."
        )
    else:
        items = [timeline.item(r) for _, r in key.iterrows()]
        out.append("North Korea–Russia milestones in the window:\n\n" + narrative.bullets(items))
    lt = leader_time(view.events, params.as_of)
    totals = lt["totals"]
    parts = [f"{narrative.plural(n, 'summit')} with {name}" for name, n in totals.items()]
    out.append(
        f"From {lt['from']} to {narrative.fmt_date(params.as_of)}, Kim held "
        f"{narrative.join_words(parts)}."
    )
    out.append(signals_text(view.events, params.as_of))
    return "\n\n".join(out)


def signals_text(events: pd.DataFrame, as_of: Any, days: int = SIGNAL_DAYS) -> str:
    out = []
    for partner, label in ((RUSSIA, "Moscow"), (timeline.CHINA, "Beijing")):
        rows = recent(events, partner, as_of, days)
        head = (
            f"Signals between Pyongyang and {label} in the {days} days to "
            f"{narrative.fmt_date(as_of)}"
        )
        if rows.empty:
            last = latest_event(events, partner, as_of)
            tail = f" The latest came {timeline.mention(last)}." if last is not None else ""
            out.append(f"{head}: none recorded.{tail}")
        else:
            out.append(
                f"{head}:\n\n" + narrative.bullets(timeline.item(r) for _, r in rows.iterrows())
            )
    return "\n\n".join(out)


def facts(view: Any, params: Any) -> dict[str, Any]:
    rus = milestones(view.events, RUSSIA, params.start, params.as_of)
    key = rus[rus["event_type"].isin(["summit", "treaty", "military"])]
    lt = leader_time(view.events, params.as_of)
    numbers = {
        f"pivot.summits.{name}": {
            "label": f"Kim's summits with {name} {lt['from']}–{lt['to']}",
            "value": int(n),
            "unit": "count",
        }
        for name, n in lt["totals"].items()
    }
    events = timeline.facts(timeline.headline(key))
    for partner in (RUSSIA, timeline.CHINA):
        events.update(timeline.facts(recent(view.events, partner, params.as_of)))
    return {"events": events, "numbers": numbers}
