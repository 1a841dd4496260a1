"""Outlook and method: scenarios for the next 6–12 months with their signposts, and the
limits of the data (coverage gaps, series differences, incomplete databases, low-confidence
rows)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import assessment, narrative, registry, security, timeline, trade, watchlist
from analysis.text import fill, join, number, say

# Scenarios for the next 6 to 12 months. The rough likelihoods come from the assessment's
# state, shifted by its direction: a model choice, written here once and stated in words
# (ICD 203 terms), never as figures in the brief.
SCENARIOS = ("thaw", "managed", "chill")
REMOTE = ("very_unlikely", "almost_no_chance")  # ICD 203 terms of a future not drawn out
BASE_LIKELIHOOD = {
    "warming": {"thaw": 0.50, "managed": 0.35, "chill": 0.15},
    "steady": {"thaw": 0.20, "managed": 0.60, "chill": 0.20},
    "cooling": {"thaw": 0.15, "managed": 0.35, "chill": 0.50},
}
DIRECTION_SHIFT = 0.10  # improving moves this much from chill to thaw; deteriorating back
# ICD 203: the upper bound of each term's range.
ICD_TERMS = (
    (0.05, "almost_no_chance"),
    (0.20, "very_unlikely"),
    (0.45, "unlikely"),
    (0.55, "even_chance"),
    (0.80, "likely"),
    (0.95, "very_likely"),
    (1.01, "almost_certain"),
)


def scenario_likelihoods(a: assessment.Assessment) -> dict[str, float]:
    odds = dict(BASE_LIKELIHOOD[a.state])
    shift = {"improving": DIRECTION_SHIFT, "deteriorating": -DIRECTION_SHIFT}.get(a.direction, 0)
    move = min(shift, odds["chill"]) if shift > 0 else -min(-shift, odds["thaw"])
    odds["thaw"] += move
    odds["chill"] -= move
    return {k: round(v, 2) for k, v in odds.items()}


def icd_term(p: float) -> str:
    return next(name for bound, name in ICD_TERMS if p < bound)


def _open_steps(view: Any, params: Any) -> pd.DataFrame:
    cur = watchlist.current(view.watch_indicators, view.watch_status, params.as_of)
    steps = cur[~cur["indicator_id"].isin(assessment.CONTACT_ITEMS)]
    return steps[steps["status"].isin(watchlist.OPEN)]


def signposts(
    view: Any, params: Any, a: assessment.Assessment, named: str | None = None
) -> dict[str, list[str]]:
    """What would show each scenario arriving, tied to the watch list and the calendar.

    The next shared anniversary is named in full in the signposts of `named` (the first
    future drawn out) and is "that anniversary" in the others; with no `named`, in all.
    """
    name, when = assessment.next_anniversary(pd.Timestamp(params.as_of))
    full = say(
        "outlook.anniversary",
        name=say(f"outlook.anniversary_name.{name}"),
        date=narrative.fmt_date(when),
    )

    def anniversary(key: str) -> str:
        return full if named in (None, key) else say("outlook.that_anniversary")

    # Steps already moving are named; the stalled ones (listed in the watch table) counted.
    open_steps = _open_steps(view, params)
    stalled = open_steps["status"].isin(["no_movement", "no_report"])
    moving = open_steps[~stalled]
    n = int(stalled.sum())
    steps = [
        say(f"outlook.step.{r['status']}", label=narrative.md_escape(r["label"]))
        for _, r in moving.iterrows()
    ]
    if n:
        steps.append(say("outlook.sign.stalled_steps", n=n, count=number(n)))
    partner = registry.in_sentence(a.partner)
    thaw = [*steps, say("outlook.sign.senior_visit", anniversary=anniversary("thaw"))]
    managed = [say("outlook.sign.messages_only", anniversary=anniversary("managed"))]
    managed += [
        say("outlook.sign.step_stalls", label=narrative.md_escape(r["label"]))
        for _, r in moving.iterrows()
    ]
    if n:
        managed.append(say("outlook.sign.steps_stall", n=n, count=number(n)))
    chill = [
        say("outlook.sign.timed_launch"),
        say("outlook.sign.partner_exchanges", partner=partner),
        say("outlook.sign.unmarked", anniversary=anniversary("chill")),
    ]
    return {"thaw": thaw, "managed": managed, "chill": chill, "anniversary": [full]}


def scenarios(view: Any, params: Any, a: assessment.Assessment) -> str:
    """Two or three futures for the next 6–12 months, their signposts and what they mean."""
    odds = scenario_likelihoods(a)
    partner = registry.in_sentence(a.partner)
    ranked = sorted(SCENARIOS, key=lambda k: -odds[k])
    # A future the indicators make very unlikely is left out (two are always kept).
    shown = [k for k in ranked if icd_term(odds[k]) not in REMOTE] or ranked
    ranked = (shown + [k for k in ranked if k not in shown])[: max(2, len(shown))]
    signs = signposts(view, params, a, named=ranked[0])  # the anniversary named once
    blocks = []
    for key in ranked:
        head = say(
            f"outlook.scenario.{key}.head",
            likelihood=say(f"outlook.icd.{icd_term(odds[key])}"),
        )
        body = fill(f"outlook.scenario.{key}.body", {"partner": partner})
        watch = say("outlook.signposts", items=join(signs[key]))
        blocks.append(f"**{head}** {body} {watch}")
    # What it means for Seoul and Washington: for the future the indicators favour.
    lead = ranked[0]
    blocks.append(
        " ".join(
            fill(f"outlook.scenario.{lead}.{who}", {"partner": partner})
            for who in ("seoul", "washington")
        )
    )
    return "\n\n".join(blocks)


def coverage_gaps(view: Any, params: Any) -> list[str]:
    out = []
    series = params.trade_series
    rows = trade.in_years(trade.annual(view.trade, series=series), params.start, params.as_of)
    if not rows.empty:
        span = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        missing = [str(y) for y in span if y not in set(rows["year"])]
        if missing:
            out.append(say("outlook.limits.annual_gaps", series=series, years=join(missing)))
        else:
            out.append(
                say(
                    "outlook.limits.annual_complete",
                    series=series,
                    first=str(span.start),
                    last=str(span.stop - 1),
                )
            )
    months = trade.monthly(view.trade, trade.CUSTOMS)
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
            say(
                "outlook.limits.monthly",
                n=len(months),
                count=number(len(months)),
                possible=number(possible),
                since=narrative.fmt_date(first, "month"),
            )
        )
    rus = trade.russia(view.trade)
    rus = rus[rus["year"] <= pd.Timestamp(params.as_of).year]
    if not rus.empty:
        years = sorted(set(rus["year"]))
        span = range(years[0], years[-1] + 1)
        missing = [str(y) for y in span if y not in years]
        pool = {
            "series": number(len(set(rus["series"]))),
            "years": number(len(years)),
            "first": str(years[0]),
            "last": str(years[-1]),
            "missing": join(missing),
        }
        out.append(fill(f"outlook.limits.russia.{'gaps' if missing else 'complete'}", pool))
    return out


def unmatched_tests(
    events: pd.DataFrame, provocations: pd.DataFrame, start: Any, as_of: Any
) -> pd.DataFrame:
    """Test events in the event table with no CSIS entry within a day of their date."""
    ev = timeline.window(timeline.prepare(events), start, as_of)
    ev = ev[(ev["event_type"] == "test") & (ev["precision"] == "day")]
    prov = security.provocations_in(provocations, start, as_of)
    dates = prov["when"]
    near = pd.Series(False, index=ev.index)
    for days in (-1, 0, 1):
        near |= (ev["when"] + pd.Timedelta(days=days)).isin(dates)
    return ev[~near].reset_index(drop=True)


def database_gaps(view: Any, params: Any) -> list[str]:
    out = []
    missing = unmatched_tests(view.events, view.provocations, params.start, params.as_of)
    csis = security.PROVOCATIONS_SOURCE
    for _, r in missing.iterrows():
        text = say("outlook.limits.csis_missing", date=narrative.fmt_date(r["when"]))
        out.append(narrative.with_cite(text, [r["source_id"], csis]))
    resp = security.nuclear_responses(view.provocations, view.events, params.start, params.as_of)
    for _, r in resp[resp["resolution"] == ""].iterrows():
        text = say("outlook.limits.no_resolution", date=narrative.fmt_date(r["test"]))
        out.append(narrative.with_cite(text, [csis]))
    return out


def low_confidence(view: Any, params: Any) -> str:
    counts = {
        key: int((frame["confidence"] == "low").sum())
        for key, frame in (
            ("events", view.events),
            ("trade", view.trade),
            ("watch", view.watch_status),
        )
        if "confidence" in frame.columns
    }
    parts = [
        say(f"outlook.limits.low_item.{key}", n=n, count=number(n))
        for key, n in counts.items()
        if n
    ]
    if not parts:
        return say("outlook.limits.low_none", date=narrative.fmt_date(params.as_of))
    return say("outlook.limits.low", date=narrative.fmt_date(params.as_of), items=join(parts))


def limits(view: Any, params: Any) -> str:
    items = [
        *coverage_gaps(view, params),
        low_confidence(view, params),
        *database_gaps(view, params),
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
