"""High-level exchanges: summits and high-level visits between North Korea and China, and
between North Korea and the comparison partner (`compare_with`), from `start` to `as_of`.

One trip counts once: rows that share a `trip_id` (an arrival, a parade and a summit on one
journey) are one exchange, dated by its summit (else its first row), with the highest
`level` of its rows.
China and the partner are compared only over the span the partner's record of exchanges
covers (`view.coverage`, data/README.md); outside it the brief says so instead.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from analysis import assessment, charts, data, narrative, registry, timeline
from analysis.data import Tables, coverage_window, record_end
from analysis.params import BriefParams
from analysis.text import join as join_words
from analysis.text import number, say, span

HIGH_LEVEL = ("summit", "visit")
CLUSTER_DAYS = 730  # summits closer than two years apart count as one run
LEVELS = ("official", "senior", "leader")  # rank order, lowest first
MINISTERIAL = ("senior", "leader")  # minister level or above: what `coverage` vouches for
RECENT_DAYS = 365


def _level_rank(level: Any) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def group_trips(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per trip: the summit row if the trip has one, else its first row.

    The trip's `level` is its highest row's; `rows` says how many rows it had.
    """
    if rows.empty:
        return rows.assign(rows=pd.Series(dtype=int))
    trip = rows["trip_id"] if "trip_id" in rows.columns else pd.Series("", index=rows.index)
    key = trip.where(trip != "", "row:" + rows["event_id"].astype(str))
    order = rows.assign(_key=key, _lead=(rows["event_type"] != "summit").astype(int)).sort_values(
        ["_key", "_lead", "when", "event_id"], kind="stable"
    )
    out = order.drop_duplicates("_key").set_index("_key")
    if "level" in rows.columns:
        rank = order["level"].map(_level_rank)
        best = rank.groupby(order["_key"]).max()
        out["level"] = best.map(lambda r: LEVELS[r] if r >= 0 else "").reindex(out.index)
    out["rows"] = order.groupby("_key").size().reindex(out.index)
    out = out.drop(columns="_lead").reset_index(drop=True)
    return out.sort_values(["when", "event_id"], kind="stable").reset_index(drop=True)


def exchanges(events: pd.DataFrame, partner: str) -> pd.DataFrame:
    """Trips (summits and visits) between North Korea and `partner`, one row per trip.

    The kept rows (`_trips`) hold only language-independent values; `partner_name` (the
    partner in the language being written) is attached to each copy handed out, so one
    language's names never reach another's charts.
    """
    return _trips(events, partner).assign(partner_name=registry.name(partner))


@data.by_frame()
def _trips(events: pd.DataFrame, partner: str) -> pd.DataFrame:
    """Kept per events content and partner: every section asks."""
    ev = timeline.prepare(events)
    rows = timeline.between(ev, timeline.SUBJECT, partner)
    rows = group_trips(rows[rows["event_type"].isin(HIGH_LEVEL)])
    rows["partner"] = partner
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


def covered_from(view: Tables, partner: str) -> pd.Timestamp | None:
    """The date from which the record of exchanges with `partner` is complete, if it is."""
    coverage = getattr(view, "coverage", None) or {}
    day = coverage.get(partner)
    return None if day is None else pd.Timestamp(day)


def comparison_window(
    view: Tables, params: BriefParams
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The span over which China and the partner may be compared, or None (not covered).

    From the later of the two coverage dates (and `start`) to the date the events table is
    current to in this view (`analysis.data.coverage_window`).
    """
    window = coverage_window(view, timeline.CHINA, params.compare_with)
    if window is None:
        return None
    lo = max(pd.Timestamp(params.start), pd.Timestamp(window[0]))
    hi = min(pd.Timestamp(params.as_of), pd.Timestamp(window[1]))
    return (lo, hi) if lo <= hi else None


def counts_per_year(
    events: pd.DataFrame,
    partners: list[str],
    start: Any,
    as_of: Any,
    covered: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Summits, visits and their total (trips) per year and partner, zero-filled.

    A partner's years before `covered[partner]` (its record's completeness date) are left
    out: a count there would be compared with China's as if it were complete.
    """
    years = range(pd.Timestamp(start).year, pd.Timestamp(as_of).year + 1)
    out = []
    for p in partners:
        rows = in_window(exchanges(events, p), start, as_of)
        since = (covered or {}).get(p, start)
        for y in years:
            if since is None or y < pd.Timestamp(since).year:
                continue
            in_year = rows[rows["year"] == y]
            s = int((in_year["event_type"] == "summit").sum())
            v = int((in_year["event_type"] == "visit").sum())
            out.append(
                {
                    "year": y,
                    "partner": p,
                    "partner_name": registry.name(p),
                    "summits": s,
                    "visits": v,
                    "total": s + v,
                }
            )
    return pd.DataFrame(
        out, columns=["year", "partner", "partner_name", "summits", "visits", "total"]
    )


def _name(code: str) -> str:
    return registry.name(code)


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


def timeline_figure(view: Tables, params: BriefParams) -> charts.Figure:
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
    kinds = {code: say(f"exchanges.kind.{code}") for code in HIGH_LEVEL}
    data["kind"] = data["event_type"].map(kinds)
    summits = kim_xi_summits(view.events)
    summits = in_window(summits, params.start, params.as_of)
    notes = summits[["when", "number"]].copy()
    notes["lane"] = registry.name(timeline.CHINA)
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
                title=say("axes.exchange"),
                scale=alt.Scale(domain=list(kinds.values()), range=["diamond", "circle"]),
            ),
            size=alt.Size(
                "kind:N",
                title=say("axes.exchange"),
                scale=alt.Scale(domain=list(kinds.values()), range=[200, 70]),
            ),
            color=charts.partner_color(lanes),
            tooltip=charts.event_tooltips(),
        )
    )
    periods = charts.context_periods(params.start, params.as_of, view.sources)
    context = charts.context_layer(periods, params.start, params.as_of, 150)
    layers: list[Any] = [points] if context is None else [context, points]
    for parity, dy in ((1, -15), (0, 16)):
        part = notes[notes["number"] % 2 == parity]
        if part.empty:
            continue
        layers.append(
            alt.Chart(charts.records(part))
            .mark_text(dy=dy, fontSize=10, fontWeight="bold", color="#222222")
            .encode(
                x=x,
                y=alt.Y("lane:N", scale=alt.Scale(domain=lanes), title=None),
                text=alt.Text("tag:N"),
            )
        )
    empty = [lane for lane in lanes if lane not in set(data["partner_name"])]
    if empty:
        blank = pd.DataFrame(
            {"lane": empty, "msg": [say("exchanges.empty_lane", partner=e) for e in empty]}
        )
        mid = (
            pd.Timestamp(params.start)
            + (pd.Timestamp(params.as_of) - pd.Timestamp(params.start)) / 2
        )
        blank["when"] = mid.normalize()
        layers.append(
            alt.Chart(charts.records(blank))
            .mark_text(fontSize=11, fontStyle="italic", color=charts.GREY)
            .encode(
                x=x,
                y=alt.Y("lane:N", scale=alt.Scale(domain=lanes), title=None),
                text=alt.Text("msg:N"),
            )
        )
    chart = alt.layer(*layers, width=charts.WIDTH, height=150)
    title = timeline_title(view, params)
    chart = charts.house(
        chart,
        title,
        say("exchanges.subtitle_timeline"),
    )
    alt_text = say(
        "exchanges.alt_timeline",
        start=narrative.fmt_date(params.start),
        as_of=narrative.fmt_date(params.as_of),
        partner=lanes[1],
        title=title,
    )
    src = charts.source_line(
        say("charts.source.events"), [*data["source_id"], *charts.context_ids(periods)]
    )
    return charts.Figure(chart, "exchanges-timeline", alt_text, src)


def timeline_title(view: Tables, params: BriefParams) -> str:
    """The finding of the timeline: trips with China, and with the partner where covered."""
    c = in_window(exchanges(view.events, timeline.CHINA), params.start, params.as_of)
    y0, y1 = pd.Timestamp(params.start).year, pd.Timestamp(params.as_of).year
    china = say("exchanges.trips", n=len(c), count=number(len(c)))
    window = comparison_window(view, params)
    if window is None or window[0] > pd.Timestamp(params.start):
        return say("exchanges.timeline_title_china", y0=y0, y1=y1, china=china)
    p = in_window(exchanges(view.events, params.compare_with), params.start, params.as_of)
    return say(
        "exchanges.timeline_title",
        partner=registry.in_sentence(params.compare_with),
        y0=y0,
        y1=y1,
        china=china,
        other=say("exchanges.trips", n=len(p), count=number(len(p))),
    )


def counts_figure(view: Tables, params: BriefParams) -> charts.Figure:
    partners = [timeline.CHINA, params.compare_with]
    lanes = [_name(p) for p in partners]
    covered = {p: covered_from(view, p) for p in partners}
    covered[timeline.CHINA] = pd.Timestamp(params.start)  # China's own series: all years
    data = counts_per_year(view.events, partners, params.start, params.as_of, covered)
    data = charts.slots(charts.annual(data, params.as_of), "partner_name", lanes)
    chart = (
        alt.Chart(charts.records(data))
        .mark_bar(stroke=charts.INK)
        .encode(
            x=charts.time_x(params.start, params.as_of, "slot_start:T"),
            x2=alt.X2("slot_end:T"),
            y2=alt.Y2Datum(0),
            **charts.partial_encoding(),
            y=alt.Y(
                "total:Q", title=say("axes.summits_and_senior_visits"), axis=alt.Axis(tickMinStep=1)
            ),
            color=alt.Color(
                "partner_name:N",
                title=say("axes.partner"),
                scale=charts.color_scale(charts.PARTNER_COLORS, lanes),
            ),
            tooltip=[
                alt.Tooltip("year:O", title=say("axes.year")),
                alt.Tooltip("partner_name:N", title=say("axes.partner")),
                alt.Tooltip("summits:Q", title=say("axes.summits")),
                alt.Tooltip("visits:Q", title=say("axes.senior_visits")),
            ],
        )
        .properties(width=charts.WIDTH, height=180)
    )
    title = counts_title(data, lanes)
    subtitle = charts.with_note(
        say("exchanges.subtitle_counts"),
        charts.partial_note(params.as_of, data),
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = say("exchanges.alt_counts", china=lanes[0], partner=lanes[1], title=title)
    rows = pd.concat(
        [in_window(exchanges(view.events, p), params.start, params.as_of) for p in partners]
    )
    src = charts.source_line(say("charts.source.events"), rows["source_id"])
    return charts.Figure(chart, "exchanges-counts", alt_text, src)


def counts_title(data: pd.DataFrame, lanes: list[str]) -> str:
    """Each partner's busiest year, over the years its record covers (`data` holds only those)."""
    parts = []
    for lane in lanes:
        d = data[data["partner_name"] == lane]
        if d.empty or d["total"].max() == 0:
            parts.append(say("exchanges.busiest_none"))
            continue
        peak = int(d["total"].max())
        years = join_words([str(y) for y in d.loc[d["total"] == peak, "year"]])
        key = "exchanges.busiest" if (d["total"] == peak).sum() > 1 else "exchanges.busiest_one"
        parts.append(say(key, years=years, n=peak))
    if len(parts) < 2 or data[data["partner_name"] == lanes[1]].empty:
        return say("exchanges.counts_title", china=parts[0])
    return say("exchanges.counts_title_both", china=parts[0], partner=lanes[1], other=parts[1])


# --------------------------------------------------------------------------- sentences


def count_phrase(rows: pd.DataFrame, ministerial: bool = False) -> str:
    """'six summits and 13 other high-level visits' (trips), or 'no summit or …'.

    `ministerial` counts only visits at minister level or above (`level` leader or senior):
    the part of the record that `coverage` says is complete.
    """
    s = int((rows["event_type"] == "summit").sum())
    visits = rows[rows["event_type"] == "visit"]
    if ministerial:
        visits = visits[visits["level"].isin(MINISTERIAL)]
    v = len(visits)
    if s == v == 0:
        return say("exchanges.none")
    parts = []
    if s:
        parts.append(say("exchanges.summits", n=s, count=number(s)))
    if v:
        key = "exchanges.ministerial" if ministerial else "exchanges.visits"
        parts.append(say(key, n=v, count=number(v)))
    return join_words(parts)


def phrase(trip: Any) -> str:
    """How one trip reads in a sentence: 'a senior Chinese visit to Pyongyang'."""
    visitor, host = trip["actor_a"], trip["actor_b"]
    level = say(f"exchanges.level.{trip['level']}") if trip.get("level") in LEVELS else ""
    if trip["event_type"] == "summit":
        if visitor == timeline.SUBJECT:
            return say("exchanges.phrase.summit_abroad", place=registry.name(host))
        return say("exchanges.phrase.summit_home")
    if host == timeline.SUBJECT:
        nationality = registry.actor(visitor).adjective
        return say("exchanges.phrase.visit_in", level=level, nationality=nationality).replace(
            "  ", " "
        )
    place = registry.actor(host).capital
    return say("exchanges.phrase.visit_out", level=level, place=place).replace("  ", " ")


def _month(row: Any) -> str:
    return narrative.fmt_date(row["when"], "month" if row["precision"] != "year" else "year")


def seniority_sentence(events: pd.DataFrame, trip: Any) -> str:
    """Where a visit to Pyongyang stands by rank: the last one as senior, the last one higher.

    Computed from the rows' `level` (leader > senior > official); nothing is said for a
    trip without a level or one that is not a visit to North Korea.
    """
    if trip["event_type"] != "visit" or trip["actor_b"] != timeline.SUBJECT:
        return ""
    rank = _level_rank(trip.get("level"))
    if rank < 0:
        return ""
    visitor = trip["actor_a"]
    earlier = exchanges(events, visitor)
    earlier = earlier[
        (earlier["actor_a"] == visitor)
        & (earlier["actor_b"] == timeline.SUBJECT)
        & (earlier["when"] < trip["when"])
    ]
    ranks = earlier["level"].map(_level_rank) if not earlier.empty else pd.Series(dtype=int)
    same = earlier[ranks == rank]
    higher = earlier[ranks > rank]
    values = {
        "level": say(f"exchanges.level.{trip['level']}"),
        "nationality": registry.actor(visitor).adjective,
        "place": registry.actor(timeline.SUBJECT).capital,
    }
    if not same.empty and not higher.empty and higher.iloc[-1]["when"] < same.iloc[-1]["when"]:
        return say(
            "exchanges.seniority_both",
            same=_month(same.iloc[-1]),
            higher=_month(higher.iloc[-1]),
            **values,
        )
    if not higher.empty:
        values.pop("level")
        return say("exchanges.seniority_higher", higher=_month(higher.iloc[-1]), **values)
    if not same.empty:
        return say("exchanges.seniority_same", same=_month(same.iloc[-1]), **values)
    opens = narrative.fmt_date(timeline.prepare(events)["when"].min(), "year")
    return say("exchanges.seniority_first", opens=opens, **values)


def count_sentences(view: Tables, params: BriefParams) -> list[str]:
    """China's count over the window, then the partner's where its record allows."""
    partner = params.compare_with
    china = in_window(exchanges(view.events, timeline.CHINA), params.start, params.as_of)
    other = in_window(exchanges(view.events, partner), params.start, params.as_of)
    out = [count_china_sentence(view.events, china, params)]
    name = registry.in_sentence(partner)
    window = comparison_window(view, params)
    if window is None:
        out.append(say("exchanges.no_compare", partner=name))
    else:
        lo, hi = window
        counts = {
            "partner_counts": count_phrase(in_window(other, lo, hi), ministerial=True),
            "china_counts": count_phrase(in_window(china, lo, hi), ministerial=True),
        }
        if hi < pd.Timestamp(params.as_of):
            out.append(
                say(
                    "exchanges.compare_until",
                    partner=name,
                    covered=narrative.fmt_date(lo, "month"),
                    end=narrative.fmt_date(hi),
                    **counts,
                )
            )
        elif lo <= pd.Timestamp(params.start):
            out.append(say("exchanges.compare", partner=name, **counts))
        else:
            out.append(
                say(
                    "exchanges.compare_window",
                    partner=name,
                    covered=narrative.fmt_date(lo, "month"),
                    **counts,
                )
            )
    return out


def text(view: Tables, params: BriefParams, listed: set[str] | None = None) -> str:
    """The section's prose: counts with the Kim–Xi summits, the latest exchange with each
    partner (when it adds to the tables: its rank in the record, or it is older than a
    year), Kim's absence from China when it is long, the year's exchanges not yet printed
    (`listed`: event and trip ids printed already; by default the events behind the
    assessment)."""
    partner = params.compare_with
    out = [" ".join(count_sentences(view, params))]
    as_of = pd.Timestamp(params.as_of)
    for code in (timeline.CHINA, partner):
        last = latest(view.events, code, params.start, params.as_of)
        if last is None:
            if code == partner:
                out.append(say("exchanges.partner_none", partner=registry.in_sentence(code)))
            continue
        seniority = seniority_sentence(view.events, last)
        if not seniority and (as_of - last["when"]).days <= RECENT_DAYS:
            continue  # a row of the edition's tables, with nothing to add to it
        sentence = say(
            "exchanges.latest",
            partner=registry.in_sentence(code),
            phrase=phrase(last),
            date=timeline.when_text(last),
            ago=span((as_of - last["when"]).days),
            cite=narrative.cite([last["source_id"]]),
        )
        out.append(" ".join(filter(None, [sentence, seniority])))
    out.append(kim_trip_sentence(view.events, timeline.CHINA, params.as_of))
    out.append(recent_list(view, params, listed=listed))
    return "\n\n".join(s for s in out if s)


def recent_rows(view: Tables, params: BriefParams, days: int = RECENT_DAYS) -> pd.DataFrame:
    """The trips of the last year of the event record with China and the comparison
    partner, in date order (the year ends where the record does: data.record_end)."""
    end = record_end(view, params.as_of)
    lo = max(pd.Timestamp(params.start), end - pd.Timedelta(days=days))
    rows = pd.concat(
        [
            in_window(exchanges(view.events, code), lo, end)
            for code in (timeline.CHINA, params.compare_with)
        ],
        ignore_index=True,
    )
    return rows.sort_values(["when", "event_id"], kind="stable") if not rows.empty else rows


def _recent_rest(
    view: Tables, params: BriefParams, days: int, listed: set[str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year's exchanges, and those of them the evidence table does not list."""
    rows = recent_rows(view, params, days)
    if rows.empty:
        return rows, rows
    if listed is None:
        listed = assessment.evidence_keys(view, params)
    trips = rows["trip_id"].fillna("").astype(str) if "trip_id" in rows.columns else None
    keep = ~rows["event_id"].astype(str).isin(listed)
    if trips is not None:
        keep &= ~trips.isin(listed)
    return rows, rows[keep]


def recent_printed(view: Tables, params: BriefParams, days: int = RECENT_DAYS) -> pd.DataFrame:
    """The year's exchanges this section's chronology lists (each fact once: the pivot
    section leaves them out)."""
    return narrative.latest(_recent_rest(view, params, days, None)[1])


def recent_list(
    view: Tables, params: BriefParams, days: int = RECENT_DAYS, listed: set[str] | None = None
) -> str:
    """The exchanges of the last year not among the events behind the assessment (the key
    judgements' table lists those), as a chronology table (one row each, the latest
    `narrative.TABLE_ROWS`)."""
    rows, rest = _recent_rest(view, params, days, listed)
    as_of = narrative.fmt_date(record_end(view, params.as_of))
    if rows.empty:
        return say(
            "exchanges.recent_none", partner=registry.in_sentence(params.compare_with), as_of=as_of
        )
    if rest.empty:
        return say("exchanges.recent_all_listed", n=len(rows), count=number(len(rows)), as_of=as_of)
    table, _ = narrative.listed_table(
        rest,
        lambda printed: narrative.chronology(
            (
                timeline.when_text(r),
                narrative.md_escape(narrative.capital(r["label"]))
                + ". "
                + narrative.cite([r["source_id"]]),
            )
            for _, r in printed.iterrows()
        ),
    )
    head = "exchanges.recent_head" if len(rest) == len(rows) else "exchanges.recent_head_rest"
    return say(head, as_of=as_of) + "\n\n" + table


def count_china_sentence(events: pd.DataFrame, china: pd.DataFrame, params: BriefParams) -> str:
    """China's trips over the window with the Kim–Xi summits' dates folded in (the count of
    summits said once)."""
    values = {"start": narrative.fmt_date(params.start), "as_of": narrative.fmt_date(params.as_of)}
    summits = in_window(kim_xi_summits(events), params.start, params.as_of)
    n_summits = int((china["event_type"] == "summit").sum()) if not china.empty else 0
    if summits.empty or len(summits) != n_summits:
        return say("exchanges.count_china", counts=count_phrase(china), **values)
    visits = int((china["event_type"] == "visit").sum())
    spans = []
    for run in runs(summits):
        if len(run) == 1:
            spans.append(say("exchanges.run_one", when=_month(run.iloc[0])))
        else:
            first, last = _month(run.iloc[0]), _month(run.iloc[-1])
            spans.append(say("exchanges.run_many", count=number(len(run)), first=first, last=last))
    counted = {
        "summits": say("exchanges.summits", n=n_summits, count=number(n_summits)),
        "visits": say("exchanges.visits", n=visits, count=number(visits)) if visits else "",
    }
    if len(spans) == 1 and n_summits > 1:
        key = "exchanges.count_summits_one_run"
        values |= {"first": _month(summits.iloc[0]), "last": _month(summits.iloc[-1])}
    else:
        key = "exchanges.count_summits"
        values["runs"] = join_words(spans)
    if not visits:
        key += "_only"
        counted.pop("visits")
    return narrative.with_cite(say(key, **counted, **values), _primary(summits))


def _primary(rows: pd.DataFrame, limit: int = 3) -> list[str]:
    """At most `limit` sources for a sentence about many rows: the latest rows' sources."""
    ids = list(dict.fromkeys(reversed(list(rows["source_id"]))))
    return list(reversed(ids[:limit]))


def kim_trip_sentence(events: pd.DataFrame, partner: str, as_of: Any) -> str:
    """How long Kim has stayed away from `partner`; a trip of the last year is in the
    edition's tables and not said again."""
    trip = last_kim_trip(events, partner, as_of)
    name = registry.in_sentence(partner)
    if trip is None:
        return say("exchanges.kim_trip_none", partner=name)
    days = (pd.Timestamp(as_of) - trip["when"]).days
    if days <= RECENT_DAYS:
        return ""
    return say(
        "exchanges.kim_trip",
        partner=name,
        date=timeline.when_text(trip),
        span=span(days),
        cite=narrative.cite([trip["source_id"]]),
    )


def facts(view: Tables, params: BriefParams) -> dict[str, Any]:
    """Trips per partner and calendar year (like with like across editions), latest events.

    The partner's years are given only where its record of exchanges is complete.
    """
    partners = [timeline.CHINA, params.compare_with]
    events: dict[str, str] = {}
    numbers: dict[str, Any] = {}
    covered = {p: covered_from(view, p) for p in partners}
    covered[timeline.CHINA] = pd.Timestamp(params.start)  # China's own series: all years
    counts = counts_per_year(view.events, partners, params.start, params.as_of, covered)
    for _, r in counts.iterrows():
        numbers[f"exchanges.{r['partner'].lower()}.trips.{r['year']}"] = {
            "label": say("exchanges.fact_trips", partner=r["partner_name"], year=r["year"]),
            "value": int(r["total"]),
            "unit": "count",
        }
    for p in partners:
        last = latest(view.events, p, params.start, params.as_of)
        if last is not None:
            events.update(timeline.facts(last.to_frame().T))
    summits = in_window(kim_xi_summits(view.events), params.start, params.as_of)
    events.update(timeline.facts(summits))
    return {"events": events, "numbers": numbers}
