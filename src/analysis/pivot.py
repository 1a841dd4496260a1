"""The Moscow pivot: North Korea–Russia milestones (summits, the treaty, troops) beside
China's, which partner gets Kim's time (summits per partner per year), and the latest
signals toward each capital (the events' `signal` and `signal_partner` columns).

Russia and China are compared only over the span both records of exchanges cover
(`view.coverage`, contract 9); a Kim summit is one trip (`exchanges.exchanges`).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from analysis import assessment, charts, data, exchanges, narrative, registry, timeline
from analysis.data import Tables
from analysis.params import BriefParams
from analysis.text import join as join_words
from analysis.text import number, say

RUSSIA = "RUS"
MILESTONE_TYPES = {
    RUSSIA: ("summit", "treaty", "military", "visit"),
    timeline.CHINA: ("summit", "treaty", "military", "visit"),
}
KINDS = ("summit", "treaty", "military", "visit")  # milestone types, in legend order
SIGNAL_DAYS = 90


def kind_names() -> dict[str, str]:
    """Milestone types as the figure names them, in legend order."""
    return {code: say(f"pivot.kind.{code}") for code in KINDS}


def milestones(events: pd.DataFrame, partner: str, start: Any, as_of: Any) -> pd.DataFrame:
    ev = timeline.window(timeline.prepare(events), start, as_of)
    rows = timeline.between(ev, timeline.SUBJECT, partner)
    rows = rows[rows["event_type"].isin(MILESTONE_TYPES[partner])].copy()
    rows["partner_name"] = timeline.name(partner)
    rows["kind"] = rows["event_type"].map(kind_names())
    return rows.reset_index(drop=True)


def summits_per_year(events: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    """Kim's summits (one per trip) per year by partner: every partner with one, China, Russia."""
    rows = []
    for code in registry.ACTORS:
        if code in (timeline.SUBJECT, timeline.UNSC):
            continue
        trips = exchanges.in_window(exchanges.exchanges(events, code), start, as_of)
        trips = trips[trips["event_type"] == "summit"]
        if trips.empty and code not in (timeline.CHINA, RUSSIA):
            continue
        rows.append((code, trips))
    years = range(pd.Timestamp(start).year, pd.Timestamp(as_of).year + 1)
    out = [
        {
            "year": y,
            "partner": code,
            "partner_name": registry.name(code),
            "summits": int((trips["year"] == y).sum()) if not trips.empty else 0,
        }
        for y in years
        for code, trips in sorted(rows)
    ]
    return pd.DataFrame(out, columns=["year", "partner", "partner_name", "summits"])


def _bearing_on(ev: pd.DataFrame, partner: str) -> pd.DataFrame:
    """Events about North Korea's tie with `partner`: coded so (`signal_partner`), or, for
    rows without a code, the events between the two."""
    pair = timeline.between(ev, timeline.SUBJECT, partner)
    if "signal_partner" not in ev.columns:
        return pair
    coded = ev["signal_partner"].fillna("").astype(str)
    return ev[(coded == partner) | (ev.index.isin(pair.index) & (coded == ""))]


def recent(events: pd.DataFrame, partner: str, as_of: Any, days: int = SIGNAL_DAYS) -> pd.DataFrame:
    """Every event bearing on North Korea's tie with `partner` in the `days` up to `as_of`
    (headline rows only)."""
    lo = pd.Timestamp(as_of) - pd.Timedelta(days=days)
    ev = timeline.window(timeline.prepare(events), lo, as_of)
    return timeline.headline(_bearing_on(ev, partner)).reset_index(drop=True)


def latest_event(events: pd.DataFrame, partner: str, as_of: Any) -> pd.Series | None:
    """The latest headline North Korea–partner event of any type up to `as_of`."""
    ev = timeline.headline(_bearing_on(timeline.prepare(events), partner))
    ev = ev[ev["when"] <= pd.Timestamp(as_of)]
    return None if ev.empty else ev.iloc[-1]


def leader_time(
    events: pd.DataFrame, as_of: Any, years: int = 3, since: Any = None
) -> dict[str, Any]:
    """Kim's summits by partner over the last `years` calendar years up to `as_of`.

    `since` (the date both partners' records cover) moves the start later if need be.
    """
    y1 = pd.Timestamp(as_of).year
    lo = pd.Timestamp(f"{y1 - years + 1}-01-01")
    if since is not None:
        lo = max(lo, pd.Timestamp(since))
    per = summits_per_year(events, lo, as_of)
    totals = per.groupby("partner_name")["summits"].sum().to_dict()
    return {"from": lo.year, "start": lo, "to": y1, "totals": totals}


def covered_since(view: Tables, params: BriefParams) -> pd.Timestamp | None:
    """The start of the span both Russia's and China's records of exchanges cover."""
    days = [exchanges.covered_from(view, code) for code in (RUSSIA, timeline.CHINA)]
    if any(d is None for d in days):
        return None
    since = max([pd.Timestamp(params.start), *days])
    return since if since <= pd.Timestamp(params.as_of) else None


# --------------------------------------------------------------------------- figures


def milestones_figure(view: Tables, params: BriefParams) -> charts.Figure:
    lanes = [registry.name(RUSSIA), registry.name(timeline.CHINA)]
    rows = pd.concat(
        [milestones(view.events, p, params.start, params.as_of) for p in (RUSSIA, timeline.CHINA)],
        ignore_index=True,
    )
    data = rows[["when", "precision", "partner_name", "kind", "label", "source_id"]].copy()
    data["date_text"] = [
        narrative.fmt_date(w, p) for w, p in zip(data["when"], data["precision"], strict=True)
    ]
    kinds = list(kind_names().values())
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
                title=say("axes.milestone"),
                scale=alt.Scale(domain=kinds, range=["diamond", "square", "triangle-up", "circle"]),
            ),
            size=alt.Size(
                "kind:N",
                title=say("axes.milestone"),
                scale=alt.Scale(domain=kinds, range=[200, 120, 120, 60]),
            ),
            color=charts.partner_color(lanes),
            tooltip=charts.event_tooltips(),
        )
    )
    context = charts.context_layer(periods, params.start, params.as_of, height)
    size = {"width": charts.WIDTH, "height": height}
    chart = points.properties(**size) if context is None else alt.layer(context, points, **size)
    lt = leader_time(view.events, params.as_of)
    title = milestones_title(view, params)
    chart = charts.house(
        chart,
        title,
        say("pivot.subtitle_milestones"),
    )
    alt_text = say(
        "pivot.alt_milestones", y0=pd.Timestamp(params.start).year, y1=lt["to"], title=title
    )
    src = charts.source_line(
        say("charts.source.events"), [*data["source_id"], *charts.context_ids(periods)]
    )
    return charts.Figure(chart, "pivot-milestones", alt_text, src)


def milestones_title(view: Tables, params: BriefParams) -> str:
    """Russia's and China's treaty, military and summit counts, over the span both cover."""
    since = covered_since(view, params)
    lo = since if since is not None else pd.Timestamp(params.start)
    rus = milestones(view.events, RUSSIA, lo, params.as_of)
    chn = milestones(view.events, timeline.CHINA, lo, params.as_of)

    def n(rows: pd.DataFrame, *types: str) -> int:
        return int(rows["event_type"].isin(types).sum())

    def summits(partner: str) -> int:
        trips = exchanges.in_window(exchanges.exchanges(view.events, partner), lo, params.as_of)
        return int((trips["event_type"] == "summit").sum())

    values = {
        "rus": n(rus, "treaty", "military"),
        "chn": n(chn, "treaty", "military"),
        "rus_s": summits(RUSSIA),
        "chn_s": summits(timeline.CHINA),
    }
    if lo > pd.Timestamp(params.start):
        return say("pivot.title_milestones_window", since=narrative.fmt_date(lo, "month"), **values)
    return say("pivot.title_milestones", y0=lo.year, **values)


def leader_figure(view: Tables, params: BriefParams) -> charts.Figure:
    # Partners are compared only over the years both records cover (contract 9).
    # Without a span both records cover, only China's summits are drawn.
    since = covered_since(view, params)
    data = summits_per_year(view.events, since if since is not None else params.start, params.as_of)
    if since is None:
        data = data[data["partner"] == timeline.CHINA].reset_index(drop=True)
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
            x2=alt.X2("slot_end:T"),
            **charts.partial_encoding(),
            y=alt.Y("y0:Q", title=say("axes.kim_s_summits"), axis=alt.Axis(tickMinStep=1)),
            y2=alt.Y2("y1:Q"),
            color=alt.Color(
                "partner_name:N",
                title=say("axes.with"),
                scale=charts.color_scale(charts.PARTNER_COLORS, names),
            ),
            tooltip=[
                alt.Tooltip("year:O", title=say("axes.year")),
                alt.Tooltip("partner_name:N", title=say("axes.with")),
                alt.Tooltip("summits:Q", title=say("axes.summits")),
            ],
        )
        .properties(width=charts.WIDTH, height=170)
    )
    lt = leader_time(view.events, params.as_of, since=since)
    if since is None:
        china = registry.name(timeline.CHINA)
        lt["totals"] = {k: v for k, v in lt["totals"].items() if k == china}
    title = leader_title(lt)
    subtitle = charts.with_note(
        say("pivot.subtitle_leader"),
        charts.partial_note(params.as_of, data),
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = say("pivot.alt_leader", title=title)
    ev = timeline.prepare(view.events)
    ev = timeline.window(ev[ev["event_type"] == "summit"], params.start, params.as_of)
    ev = timeline.involving(ev, timeline.SUBJECT)
    src = charts.source_line(say("charts.source.events"), ev["source_id"])
    return charts.Figure(chart, "pivot-leader-time", alt_text, src)


def leader_title(lt: dict[str, Any]) -> str:
    span = f"{lt['from']}–{lt['to']}"
    parts = [
        say("pivot.title_leader_part", partner=name, n=n)
        for name, n in sorted(lt["totals"].items(), key=lambda kv: -kv[1])
    ]
    return say("pivot.title_leader", span=span, parts=", ".join(parts))


# --------------------------------------------------------------------------- sentences


def _row(row: Any) -> tuple[str, str]:
    """A chronology row: the date, the event as a sentence with its source."""
    label = narrative.md_escape(narrative.capital(row["label"])) + "."
    return timeline.when_text(row), label + " " + narrative.cite([row["source_id"]])


def _chronology(rows: pd.DataFrame) -> str:
    return narrative.chronology(_row(r) for _, r in rows.iterrows())


def _shown_keys(rows: pd.DataFrame) -> set[str]:
    """Event ids and trip ids of rows already printed, so a trip is printed once."""
    keys = set(rows["event_id"].astype(str)) if not rows.empty else set()
    if "trip_id" in rows.columns:
        keys |= {t for t in rows["trip_id"].fillna("").astype(str) if t}
    return keys


def _unshown(rows: pd.DataFrame, shown: set[str]) -> pd.DataFrame:
    """Rows not printed yet, one per trip."""
    if rows.empty:
        return rows
    trip = rows["trip_id"].fillna("").astype(str) if "trip_id" in rows.columns else None
    keep = ~rows["event_id"].astype(str).isin(shown)
    if trip is not None:
        keep &= ~trip.isin(shown)
    rows = rows[keep]
    return exchanges.group_trips(rows).sort_values(["when", "event_id"], kind="stable")


def text(view: Tables, params: BriefParams) -> str:
    """The treaty and military steps of the last year, Kim's summit time, recent signals.

    The events behind the assessment are printed by the key judgements, the year's other
    exchanges by the exchanges section and the whole history is in the milestones chart:
    here each event is printed once, those left out.
    """
    as_of = data.record_end(view, params.as_of)
    lo = max(pd.Timestamp(params.start), as_of - pd.Timedelta(days=exchanges.RECENT_DAYS))
    rus = timeline.headline(milestones(view.events, RUSSIA, lo, as_of))
    key = rus[rus["event_type"].isin(["treaty", "military"])]
    # printed already: the events behind the assessment and the year's exchanges
    shown = assessment.evidence_keys(view, params) | _shown_keys(
        exchanges.recent_printed(view, params)
    )
    steps = exchanges.group_trips(key) if not key.empty else key
    key = _unshown(key, shown)
    values = {"as_of": narrative.fmt_date(as_of)}
    out = []
    if steps.empty:
        out.append(say("pivot.milestones_none", **values))
    elif key.empty:
        dates = join_words([timeline.when_text(r) for _, r in steps.iterrows()])
        out.append(say("pivot.milestones_all_shown", n=len(steps), dates=dates, **values))
    else:
        table, printed = narrative.listed_table(key, _chronology)
        out.append(say("pivot.milestones_head", **values) + "\n\n" + table)
        shown |= _shown_keys(printed)
    if covered_since(view, params) is None:  # else the leader chart's title gives the counts
        out.append(say("pivot.leader_uncovered"))
    # the recent signals as far as the event record goes (data/tables.toml, current_to)
    out.append(signals_text(view.events, data.record_end(view, params.as_of), shown=shown))
    return "\n\n".join(out)


def _signal_counts(rows: pd.DataFrame) -> str:
    if "signal" not in rows.columns:
        return say("pivot.signal.any", n=len(rows), count=number(len(rows)))
    parts = []
    for kind in ("warming", "cooling", "neutral"):
        n = int((rows["signal"] == kind).sum())
        if n:
            parts.append(say(f"pivot.signal.{kind}", n=n, count=number(n)))
    other = len(rows) - sum(
        int((rows["signal"] == k).sum()) for k in ("warming", "cooling", "neutral")
    )
    if other:
        parts.append(say("pivot.signal.any", n=other, count=number(other)))
    return join_words(parts)


def signals_text(
    events: pd.DataFrame, as_of: Any, days: int = SIGNAL_DAYS, shown: set[str] | None = None
) -> str:
    """The recent signals toward each capital: counted in full, listed where not printed
    above (`shown`: event and trip ids already in the edition's tables); when both
    capitals' signals are all printed already, one sentence counts them."""
    shown = set(shown or ())
    out: list[str | tuple[str, str]] = []  # a sentence, or (capital, counts) all printed
    for partner in (RUSSIA, timeline.CHINA):
        capital = registry.actor(partner).capital
        rows = recent(events, partner, as_of, days)
        values = {"capital": capital, "days": days, "as_of": narrative.fmt_date(as_of)}
        if not rows.empty:
            counts = _signal_counts(rows)
            rest = _unshown(rows, shown)
            if rest.empty:
                out.append((capital, counts))
                continue
            head = "signals_head_rest" if len(rest) < len(rows) else "signals_head"
            table, printed = narrative.listed_table(rest, _chronology)
            out.append(say(f"pivot.{head}", counts=counts, **values) + "\n\n" + table)
            shown |= _shown_keys(printed)
            continue
        last = latest_event(events, partner, as_of)
        if last is None:
            out.append(say("pivot.signals_never", capital=capital, as_of=values["as_of"]))
        else:
            out.append(
                say(
                    "pivot.signals_none",
                    date=timeline.when_text(last),
                    label=narrative.md_escape(last["label"]),
                    cite=narrative.cite([last["source_id"]]),
                    **values,
                )
            )
    values = {"days": days, "as_of": narrative.fmt_date(as_of)}
    listed = [x for x in out if isinstance(x, tuple)]
    if len(listed) == 2:
        (cap_a, counts_a), (cap_b, counts_b) = listed
        return say(
            "pivot.signals_all_shown_both",
            counts_a=counts_a,
            capital_a=cap_a,
            counts_b=counts_b,
            capital_b=cap_b,
            **values,
        )
    return "\n\n".join(
        say("pivot.signals_all_shown", counts=x[1], capital=x[0], **values)
        if isinstance(x, tuple)
        else x
        for x in out
    )


def facts(view: Tables, params: BriefParams) -> dict[str, Any]:
    """Kim's summits per partner and year (like with like), milestones and recent events."""
    rus = milestones(view.events, RUSSIA, params.start, params.as_of)
    key = rus[rus["event_type"].isin(["summit", "treaty", "military"])]
    numbers: dict[str, Any] = {}
    since = covered_since(view, params)
    if since is not None:
        per = summits_per_year(view.events, since, params.as_of)
        per = per[per["year"] >= pd.Timestamp(params.as_of).year - 2]
        for _, r in per.iterrows():
            numbers[f"pivot.summits.{r['partner'].lower()}.{r['year']}"] = {
                "label": say("pivot.fact_summits", partner=r["partner_name"], year=r["year"]),
                "value": int(r["summits"]),
                "unit": "count",
            }
    events = timeline.facts(timeline.headline(key))
    for partner in (RUSSIA, timeline.CHINA):
        events.update(timeline.facts(recent(view.events, partner, params.as_of)))
    return {"events": events, "numbers": numbers}
