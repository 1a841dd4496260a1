"""Key judgements: the brief's headline bullets, each computed from the as-of data by the
topic modules (trade, exchanges, pivot signals, watch list, security)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import exchanges, narrative, pivot, security, timeline, trade, watchlist
from analysis.narrative import fmt_change, fmt_pct, fmt_usd_m

SIGNAL_DAYS = 90
# The seed analyses, in our words; an edition shows those issued by its date.
READINGS = (
    (
        "sejong-2024-11",
        "the Sejong Institute",
        "reads the friction of 2024 as a tug over the terms of aid and trade, not a breakdown, "
        "and names concrete steps to watch",
    ),
    (
        "joongang-2025-04-thaw",
        "the Korea JoongAng Daily",
        "takes the return of Chinese staff and warmer anniversary messages as early signs of "
        "a thaw, pushed by Pyongyang's economic needs",
    ),
    (
        "joongang-2026-01-chill",
        "the Korea JoongAng Daily",
        "finds that the warming expected after Kim's Beijing trip has not come and that "
        "Pyongyang is leaning towards Moscow",
    ),
)


def trade_bullet(view: Any, params: Any) -> str:
    series = params.trade_series
    rows = trade.in_years(trade.annual(view.trade, series=series), params.start, params.as_of)
    change = trade.latest_change(rows)
    if change is None:
        return f"**Trade.** No annual {series} figure for China–North Korea trade is available yet."
    text = (
        f"**Trade.** China–North Korea trade, {series}: {fmt_usd_m(change['value'])} in "
        f"{change['year']}"
    )
    ids = [change["source_id"]]
    if change["change_pct"] is not None:
        text += f", {fmt_change(change['change_pct'])} on {change['prev_year']}"
        ids.append(change["prev_source_id"])
    text = narrative.with_cite(text + ".", ids)
    share = timeline.headline(trade.china_share(view.trade))
    share = share[share["year"] <= pd.Timestamp(params.as_of).year]
    if not share.empty:
        last = share.iloc[-1]
        text += " " + narrative.with_cite(
            f"China's share of North Korea's recorded trade (KOTRA): "
            f"{fmt_pct(last['partner_share_pct'])} in {int(last['year'])}.",
            [last["source_id"]],
        )
    return text


def china_bullet(view: Any, params: Any) -> str:
    summits = timeline.headline(exchanges.kim_xi_summits(view.events))
    summits = summits[summits["when"] <= pd.Timestamp(params.as_of)]
    parts = []
    if summits.empty:
        parts.append("The data record no Kim–Xi summit.")
    else:
        last = summits.iloc[-1]
        first_since = ""
        if len(summits) > 1:
            prev = summits.iloc[-2]
            if (last["when"] - prev["when"]).days > 730:
                first_since = f", the first since {timeline.when_text(prev)},"
        parts.append(f"The latest Kim–Xi summit{first_since} came {timeline.mention(last)}.")
    trip = exchanges.last_kim_trip(view.events, timeline.CHINA, params.as_of)
    if trip is not None and (pd.Timestamp(params.as_of) - trip["when"]).days > 365:
        since = narrative.fmt_date(trip["when"], "month")
        parts.append(f"There has been no Kim visit to China since {since}.")
    last_ex = exchanges.latest(view.events, timeline.CHINA, params.start, params.as_of)
    if last_ex is not None and (
        summits.empty or last_ex["event_id"] != summits.iloc[-1]["event_id"]
    ):
        parts.append(f"The latest high-level exchange with China came {timeline.mention(last_ex)}.")
    return "**China.** " + " ".join(parts)


def partner_bullet(view: Any, params: Any) -> str:
    code = params.compare_with
    name = timeline.name(code)
    last = exchanges.latest(view.events, code, params.start, params.as_of)
    if last is None:
        return (
            f"**{name}.** No summit or senior visit between North Korea and "
            f"{timeline.sentence_name(code)} is recorded from {narrative.fmt_date(params.start)} "
            f"to {narrative.fmt_date(params.as_of)}."
        )
    rows = exchanges.in_window(exchanges.exchanges(view.events, code), params.start, params.as_of)
    s = int((rows["event_type"] == "summit").sum())
    return (
        f"**{name}.** The latest high-level exchange with {timeline.sentence_name(code)} came "
        f"{timeline.mention(last)}; the window holds {narrative.plural(s, 'summit')} and "
        f"{narrative.plural(len(rows) - s, 'senior visit')} with {timeline.sentence_name(code)}."
    )


def signals_bullet(view: Any, params: Any, days: int = SIGNAL_DAYS) -> str:
    parts = []
    for code in dict.fromkeys([timeline.CHINA, params.compare_with]):
        rows = pivot.recent(view.events, code, params.as_of, days)
        if rows.empty:
            text = f"with {timeline.sentence_name(code)}, none recorded"
            last = pivot.latest_event(view.events, code, params.as_of)
            if last is not None:
                text += f"; the latest came {timeline.mention(last)}"
            parts.append(text)
        else:
            items = "; ".join(timeline.item(r) for _, r in rows.iterrows())
            parts.append(f"with {timeline.sentence_name(code)}: {items}")
    return (
        f"**Latest signals** in the {days} days to {narrative.fmt_date(params.as_of)}: "
        + ". ".join(narrative.capital(p) for p in parts)
        + "."
    )


def watch_bullet(view: Any, params: Any) -> str:
    cur = watchlist.current(view.watch_indicators, view.watch_status, params.as_of)
    c = watchlist.counts(cur)
    moved = cur[cur["status"] == "moved"]
    text = (
        f"**Watch list.** {c['moved']} of {narrative.plural(len(cur), 'watch-list item')} "
        f"{'has' if c['moved'] == 1 else 'have'} moved and {c['signs_of_movement']} "
        f"{'shows' if c['signs_of_movement'] == 1 else 'show'} signs of movement"
    )
    if not moved.empty:
        names = [narrative.md_escape(r["label"]) for _, r in moved.iterrows()]
        text += f" (moved: {'; '.join(names)})"
    return text + "."


def security_bullet(view: Any, params: Any) -> str:
    counts = security.trend(view.provocations, params.as_of)
    years = sorted(counts)
    s = security.summary(view, params)
    csis = narrative.cite([security.PROVOCATIONS_SOURCE])
    y0, y1, y2 = years
    text = (
        f"**Missiles.** CSIS records {counts[y1]} missile events in {y1} against {counts[y0]} "
        f"in {y0}, and {counts[y2]} in {y2} up to {narrative.fmt_date(params.as_of)} {csis}."
    )
    last = s["last_resolution"]
    if last is not None:
        text += (
            f" No new UN sanctions resolution has passed since "
            f"{narrative.fmt_date(last['when'], 'month')}, and "
            + (
                "no nuclear test has been recorded since then."
                if s["nuclear_since"] == 0
                else f"{narrative.plural(s['nuclear_since'], 'nuclear test')} followed it."
            )
        )
    return text


def readings(view: Any, params: Any) -> str:
    """The published readings of the relationship available by the edition date."""
    items = []
    for key, who, gist in READINGS:
        if key in view.sources and not narrative.known_by(view.sources, key, params.as_of):
            continue
        when = narrative.issued(view.sources, key)
        dated = f" ({narrative.fmt_date(when)})" if when else ""
        items.append(f"{narrative.capital(who)}{dated} {gist} {narrative.cite([key])}.")
    if not items:
        return "No published reading in the brief's sources predates this edition."
    head = "Readings of the relationship published by this edition's date"
    return f"{head}:\n\n" + narrative.bullets(items)


def scope(params: Any) -> str:
    """What this edition is: its date, window, lead series and comparison partner."""
    return (
        f"This edition uses only information published by {narrative.fmt_date(params.as_of)}. "
        f"Its window opens on {narrative.fmt_date(params.start)}; the lead trade series is "
        f"{trade.SERIES_NAMES[params.trade_series]}; the comparison partner is "
        f"{timeline.sentence_name(params.compare_with)}."
    )


def bullets(view: Any, params: Any) -> str:
    return narrative.bullets(
        [
            trade_bullet(view, params),
            china_bullet(view, params),
            partner_bullet(view, params),
            signals_bullet(view, params),
            watch_bullet(view, params),
            security_bullet(view, params),
        ]
    )


def facts(view: Any, params: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"events": {}, "numbers": {}}
    for code in dict.fromkeys([timeline.CHINA, params.compare_with]):
        last = exchanges.latest(view.events, code, params.start, params.as_of)
        if last is not None:
            out["events"].update(timeline.facts(last.to_frame().T))
        out["events"].update(timeline.facts(pivot.recent(view.events, code, params.as_of)))
    rows = trade.in_years(
        trade.annual(view.trade, series=params.trade_series), params.start, params.as_of
    )
    change = trade.latest_change(rows)
    if change:
        out["numbers"][f"trade.{params.trade_series}.latest"] = {
            "label": f"{params.trade_series} China–NK trade {change['year']}",
            "value": round(change["value"], 2),
            "unit": "US$ m",
        }
    cur = watchlist.current(view.watch_indicators, view.watch_status, params.as_of)
    out["numbers"]["watch.moved"] = {
        "label": "Watch-list items moved",
        "value": watchlist.counts(cur)["moved"],
        "unit": "count",
    }
    return out
