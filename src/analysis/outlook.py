"""Outlook and method: what to watch next (the open watch-list items) and the limits of
the data (coverage gaps, series differences, incomplete databases, low-confidence rows)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import narrative, security, timeline, trade, watchlist

ORDER = {"signs_of_movement": 0, "reversed": 1, "no_movement": 2, "no_report": 3}


def watch_next(view: Any, params: Any) -> str:
    cur = watchlist.current(view.watch_indicators, view.watch_status, params.as_of)
    open_ = cur[cur["status"].isin(watchlist.OPEN)].copy()
    if open_.empty:
        return (
            f"Every watch-list item had moved by {narrative.fmt_date(params.as_of)}; the list "
            "needs new indicators."
        )
    open_["rank"] = open_["status"].map(ORDER)
    open_ = open_.sort_values(["rank", "order"], kind="stable")
    items = []
    for _, r in open_.iterrows():
        since = f" since {narrative.fmt_date(r['since'])}" if pd.notna(r["since"]) else ""
        mark = f" {watchlist.MARK}" if r["named_by"] == watchlist.SEJONG else ""
        detail = narrative.md_escape(r["detail"])
        ref = narrative.cite([r["source_id"]])
        items.append(
            f"**{narrative.md_escape(r['label'])}**{mark} — "
            f"{watchlist.STATUS_NAMES[r['status']].lower()}{since}. {detail} {ref}".rstrip()
        )
    head = (
        f"{narrative.plural(len(open_), 'watch-list item')} {'is' if len(open_) == 1 else 'are'} "
        f"still open as of {narrative.fmt_date(params.as_of)}, those showing signs of movement "
        "first:"
    )
    return head + "\n\n" + narrative.bullets(items)


def coverage_gaps(view: Any, params: Any) -> list[str]:
    out = []
    series = params.trade_series
    rows = trade.in_years(trade.annual(view.trade, series=series), params.start, params.as_of)
    if not rows.empty:
        span = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        missing = [str(y) for y in span if y not in set(rows["year"])]
        if missing:
            out.append(
                f"The {series} series has no annual total for {narrative.join_words(missing)} "
                "in the window."
            )
        else:
            out.append(
                f"The {series} series covers every year from {span.start} to {span.stop - 1}."
            )
    months = trade.monthly(view.trade, "GACC")
    months = months[
        (months["when"] >= pd.Timestamp(params.start))
        & (months["when"] <= pd.Timestamp(params.as_of))
    ]
    if not months.empty:
        first = months["when"].min()
        possible = (pd.Timestamp(params.as_of).year - first.year) * 12 + (
            pd.Timestamp(params.as_of).month - first.month
        )
        out.append(
            f"Monthly GACC totals were found for {narrative.plural(len(months), 'month')} out of "
            f"about {possible} since {narrative.fmt_date(first, 'month')}."
        )
    rus = trade.russia(view.trade)
    rus = rus[rus["year"] <= pd.Timestamp(params.as_of).year]
    if not rus.empty:
        years = sorted(set(rus["year"]))
        span = range(years[0], years[-1] + 1)
        missing = [str(y) for y in span if y not in years]
        text = (
            f"Russia–North Korea totals come from {len(set(rus['series']))} different series "
            f"for {narrative.plural(len(years), 'year')} between {years[0]} and {years[-1]}"
        )
        if missing:
            text += f", with none for {narrative.join_words(missing)}"
        out.append(text + ".")
    return out


def series_difference(view: Any, params: Any) -> str:
    gap = trade.series_gap(view.trade)
    gap = gap[(gap["year"] <= pd.Timestamp(params.as_of).year) & ~gap["low"]]
    gap = gap[gap["year"] >= pd.Timestamp(params.start).year]
    if gap.empty:
        return ""
    lo, hi = gap.loc[gap["gap"].idxmin()], gap.loc[gap["gap"].idxmax()]
    return (
        f"Across the {narrative.plural(len(gap), 'year')} with both series since "
        f"{int(gap['year'].min())}, KOTRA minus GACC ranges from {narrative.fmt_usd_m(lo['gap'])} "
        f"({int(lo['year'])}) to {narrative.fmt_usd_m(hi['gap'])} ({int(hi['year'])})."
    )


def unmatched_tests(
    events: pd.DataFrame, provocations: pd.DataFrame, start: Any, as_of: Any
) -> pd.DataFrame:
    """Test events in the event table with no CSIS entry within a day of their date."""
    ev = timeline.window(timeline.prepare(events), start, as_of)
    ev = ev[(ev["event_type"] == "test") & (ev["precision"] == "day")]
    prov = security.provocations_in(provocations, start, as_of)
    dates = set(prov["when"])
    keep = [
        not any(r["when"] + pd.Timedelta(days=d) in dates for d in (-1, 0, 1))
        for _, r in ev.iterrows()
    ]
    return ev[keep].reset_index(drop=True)


def database_gaps(view: Any, params: Any) -> list[str]:
    out = []
    missing = unmatched_tests(view.events, view.provocations, params.start, params.as_of)
    csis = narrative.cite([security.PROVOCATIONS_SOURCE])
    for _, r in missing.iterrows():
        out.append(
            f"The CSIS database has no entry for the test {timeline.mention(r)}; CSIS counts are "
            f"event-days and undercount {csis}."
        )
    resp = security.nuclear_responses(view.provocations, view.events, params.start, params.as_of)
    for _, r in resp[resp["resolution"] == ""].iterrows():
        out.append(
            f"The event table holds no Security Council resolution after the nuclear test of "
            f"{narrative.fmt_date(r['test'])}, so the brief's count of tests answered by "
            f"sanctions is a floor {csis}."
        )
    return out


def low_confidence(view: Any, params: Any) -> str:
    parts = []
    for name, frame in (
        ("event", view.events),
        ("trade row", view.trade),
        ("watch-list report", view.watch_status),
    ):
        if "confidence" in frame.columns:
            parts.append(narrative.plural(int((frame["confidence"] == "low").sum()), name))
    return (
        f"Rows marked low confidence as of {narrative.fmt_date(params.as_of)}: "
        f"{narrative.join_words(parts)}. They appear in charts and tables with their flag but "
        "never carry a headline statement."
    )


def limits(view: Any, params: Any) -> str:
    items = [
        *coverage_gaps(view, params),
        series_difference(view, params),
        *database_gaps(view, params),
        low_confidence(view, params),
    ]
    return narrative.bullets(i for i in items if i)


def facts(view: Any, params: Any) -> dict[str, Any]:
    cur = watchlist.current(view.watch_indicators, view.watch_status, params.as_of)
    open_ = cur[cur["status"].isin(watchlist.OPEN)]
    numbers = {
        "outlook.open_items": {
            "label": "Open watch-list items",
            "value": len(open_),
            "unit": "count",
        },
        "outlook.low_confidence_events": {
            "label": "Low-confidence events",
            "value": int((view.events["confidence"] == "low").sum()),
            "unit": "count",
        },
    }
    return {"numbers": numbers}
