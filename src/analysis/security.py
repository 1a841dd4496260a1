"""Security signals: North Korea's missile and nuclear events (CSIS) beside China's record
at the UN Security Council (sanctions it voted for or applied, vetoes, abstentions, drafts
to ease sanctions).

It makes one claim testable from the data: nuclear tests were followed by sanctions that
China voted for, while the missile tests since the last resolution drew none, and China
has since blocked new sanctions.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import pandas as pd

from analysis import charts, narrative, timeline

PROVOCATIONS_SOURCE = "csis-provocations"
RESPONSE_DAYS = 120  # a resolution within this many days of a test counts as its response
SHOWN = ("missile", "nuclear")
STANCES = {
    "Voted for sanctions": charts.OKABE_ITO["bluish_green"],
    "Applied sanctions": charts.OKABE_ITO["sky_blue"],
    "Proposed easing": charts.OKABE_ITO["orange"],
    "Abstained": charts.OKABE_ITO["reddish_purple"],
    "Vetoed": charts.OKABE_ITO["vermillion"],
}
_RESOLUTION = re.compile(r"Resolution (\d{4})")


def provocations_in(provocations: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    out = provocations.copy()
    out["when"] = pd.to_datetime(out["date"])
    out["year"] = out["when"].dt.year
    return timeline.window(out, start, as_of).sort_values("when").reset_index(drop=True)


def per_year(provocations: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    """Missile and nuclear event counts per calendar year, zero-filled over the window."""
    rows = provocations_in(provocations, start, as_of)
    years = range(pd.Timestamp(start).year, pd.Timestamp(as_of).year + 1)
    out = [
        {
            "year": y,
            "category": c,
            "count": int(((rows["year"] == y) & (rows["category"] == c)).sum()),
        }
        for y in years
        for c in SHOWN
    ]
    frame = pd.DataFrame(out, columns=["year", "category", "count"])
    frame["when"] = pd.to_datetime(frame["year"].astype(str) + "-01-01")
    return frame


def stance(row: Any) -> str | None:
    """China's position in one Security Council–related event, or None if not one."""
    desc = str(row["description"])
    actors = {row["actor_a"], row["actor_b"]}
    etype = row["event_type"]
    if etype == "un_vote":
        if re.search(r"China abstain", desc, re.I):
            return "Abstained"
        if re.search(r"\bveto", desc, re.I) and (
            timeline.CHINA in actors or re.search(r"China[^.;]*veto", desc)
        ):
            return "Vetoed"
        return None
    if etype == "sanction" and row["actor_a"] == timeline.UNSC:
        return "Voted for sanctions"
    if etype == "sanction" and timeline.CHINA in actors:
        return "Applied sanctions"
    easing = re.search(r"\b(ease|lift|relief)", desc, re.I)
    if etype == "statement" and {timeline.UNSC, timeline.CHINA} <= actors and easing:
        return "Proposed easing"
    return None


def china_record(events: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    """Sanctions, UN votes and UNSC statements involving China or the Council, with a stance."""
    ev = timeline.window(timeline.prepare(events), start, as_of)
    ev = ev[ev["event_type"].isin(["sanction", "un_vote", "statement"])]
    ev = timeline.involving(ev, timeline.CHINA, timeline.UNSC).copy()
    ev["stance"] = [stance(r) for _, r in ev.iterrows()]
    ev = ev[ev["stance"].notna()]
    ev["resolution"] = ev["description"].map(
        lambda d: m.group(1) if (m := _RESOLUTION.search(str(d))) else ""
    )
    return ev.reset_index(drop=True)


def resolutions(record: pd.DataFrame) -> pd.DataFrame:
    return record[record["stance"] == "Voted for sanctions"].reset_index(drop=True)


def nuclear_responses(
    provocations: pd.DataFrame,
    events: pd.DataFrame,
    start: Any,
    as_of: Any,
    days: int = RESPONSE_DAYS,
) -> pd.DataFrame:
    """Each nuclear test in the window and the first resolution adopted within `days` after it."""
    tests = provocations_in(provocations, start, as_of)
    tests = tests[tests["category"] == "nuclear"]
    res = resolutions(china_record(events, start, as_of))
    rows = []
    for _, t in tests.iterrows():
        after = res[
            (res["when"] > t["when"]) & (res["when"] <= t["when"] + pd.Timedelta(days=days))
        ]
        hit = after.iloc[0] if not after.empty else None
        rows.append(
            {
                "test": t["when"],
                "resolution_date": hit["when"] if hit is not None else pd.NaT,
                "resolution": hit["resolution"] if hit is not None else "",
                "days": int((hit["when"] - t["when"]).days) if hit is not None else -1,
                "source_id": hit["source_id"] if hit is not None else "",
            }
        )
    return pd.DataFrame(
        rows, columns=["test", "resolution_date", "resolution", "days", "source_id"]
    )


def summary(view: Any, params: Any) -> dict[str, Any]:
    """The numbers the section states, computed once."""
    prov = provocations_in(view.provocations, params.start, params.as_of)
    record = china_record(view.events, params.start, params.as_of)
    res = resolutions(record)
    responses = nuclear_responses(view.provocations, view.events, params.start, params.as_of)
    last_res = res.iloc[-1] if not res.empty else None
    since = prov[prov["when"] > last_res["when"]] if last_res is not None else prov.iloc[0:0]
    return {
        "missiles": int((prov["category"] == "missile").sum()),
        "nuclear": int((prov["category"] == "nuclear").sum()),
        "responses": responses,
        "answered": int(responses["resolution"].ne("").sum()) if not responses.empty else 0,
        "last_resolution": last_res,
        "missiles_since": int((since["category"] == "missile").sum()),
        "nuclear_since": int((since["category"] == "nuclear").sum()),
        "blocks": record[record["stance"].isin(["Vetoed", "Abstained"])],
        "easing": record[record["stance"] == "Proposed easing"],
        "record": record,
    }


# --------------------------------------------------------------------------- figure


def title(s: dict[str, Any]) -> str:
    if s["nuclear"] == 0 and s["last_resolution"] is None:
        return (
            f"{narrative.plural(s['missiles'], 'missile event')} and no nuclear test in the window"
        )
    head = (
        f"{s['answered']} of {narrative.plural(s['nuclear'], 'nuclear test')} drew UNSC sanctions "
        "China voted for"
    )
    if s["last_resolution"] is not None:
        head += (
            f"; {narrative.plural(s['missiles_since'], 'missile event')} since "
            f"{narrative.fmt_date(s['last_resolution']['when'], 'month')} drew none"
        )
    return head


def figure(view: Any, params: Any) -> charts.Figure:
    s = summary(view, params)
    counts = per_year(view.provocations, params.start, params.as_of)
    domain = [narrative.iso(params.start), narrative.iso(params.as_of)]
    x_scale = alt.Scale(domain=domain)
    cat_scale = charts.color_scale(charts.CATEGORY_COLORS, list(SHOWN))
    bars = (
        alt.Chart(charts.records(counts))
        .mark_bar(clip=True)
        .encode(
            x=alt.X(
                "when:T",
                timeUnit="year",
                title=None,
                scale=x_scale,
                axis=alt.Axis(format="%Y", labels=False, ticks=False),
            ),
            y=alt.Y("sum(count):Q", title="Events per year", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "category:N",
                title="CSIS category",
                scale=cat_scale,
                legend=alt.Legend(orient="top", direction="horizontal"),
            ),
            order=alt.Order("category:N", sort="descending"),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("count:Q", title="Events"),
            ],
        )
        .properties(width=charts.WIDTH, height=170)
    )
    record = s["record"][["when", "precision", "stance", "label", "source_id"]].copy()
    record["date_text"] = [
        narrative.fmt_date(w, p) for w, p in zip(record["when"], record["precision"], strict=True)
    ]
    stance_domain = list(STANCES)
    dots = (
        alt.Chart(charts.records(record))
        .mark_point(filled=True, size=110, opacity=0.9)
        .encode(
            x=alt.X(
                "when:T", title=None, scale=x_scale, axis=alt.Axis(format="%Y", tickCount="year")
            ),
            y=alt.Y("stance:N", title=None, scale=alt.Scale(domain=stance_domain)),
            color=alt.Color(
                "stance:N",
                legend=None,
                scale=alt.Scale(domain=stance_domain, range=list(STANCES.values())),
            ),
            shape=alt.Shape(
                "stance:N",
                legend=None,
                scale=alt.Scale(
                    domain=stance_domain,
                    range=["circle", "square", "triangle-up", "diamond", "cross"],
                ),
            ),
            tooltip=[
                alt.Tooltip("date_text:N", title="Date"),
                alt.Tooltip("stance:N", title="China's position"),
                alt.Tooltip("label:N", title="Event"),
                alt.Tooltip("source_id:N", title="Source"),
            ],
        )
        .properties(
            width=charts.WIDTH,
            height=130,
            title=alt.TitleParams(
                "China at the Security Council", fontSize=11, fontWeight="normal", anchor="start"
            ),
        )
    )
    chart = alt.vconcat(bars, dots, spacing=8).resolve_scale(x="shared", color="independent")
    head = title(s)
    chart = charts.house(
        chart,
        head,
        "Top: CSIS missile and nuclear events per year (event-days, not missiles). "
        "Bottom: China's votes and positions on North Korea sanctions.",
    )
    alt_text = (
        "Two aligned panels: bars of North Korean missile and nuclear events per year, and "
        "below them dated marks for China's Security Council votes and positions. "
        f"{head}."
    )
    src = charts.source_line(
        "CSIS Beyond Parallel, Database of North Korean Provocations; the brief's event table",
        narrative.cite([PROVOCATIONS_SOURCE, *record["source_id"]]),
    )
    return charts.Figure(chart, "security-signals", alt_text, src)


# --------------------------------------------------------------------------- sentences


def text(view: Any, params: Any) -> str:
    s = summary(view, params)
    counts = per_year(view.provocations, params.start, params.as_of)
    missiles = counts[counts["category"] == "missile"]
    csis = narrative.cite([PROVOCATIONS_SOURCE])
    out = []
    first = (
        f"From {narrative.fmt_date(params.start)} to {narrative.fmt_date(params.as_of)}, the CSIS "
        f"database records {narrative.plural(s['missiles'], 'missile event')} and "
        f"{narrative.plural(s['nuclear'], 'nuclear test')}"
    )
    if s["missiles"]:
        top = missiles.loc[missiles["count"].idxmax()]
        first += f"; missile events peaked at {int(top['count'])} in {int(top['year'])}"
    out.append(f"{first} {csis}. " + trend_sentence(view.provocations, params.as_of))
    answers = []
    for _, r in s["responses"].iterrows():
        when = narrative.fmt_date(r["test"])
        if r["resolution"] or pd.notna(r["resolution_date"]):
            label = f"Resolution {r['resolution']}" if r["resolution"] else "a sanctions resolution"
            answers.append(
                narrative.with_cite(
                    f"The nuclear test of {when} was followed {int(r['days'])} days later by "
                    f"{label}, adopted with China's vote.",
                    [PROVOCATIONS_SOURCE, r["source_id"]],
                )
            )
        else:
            answers.append(
                f"For the nuclear test of {when}, the event table records no sanctions "
                f"resolution within {RESPONSE_DAYS} days {csis}."
            )
    out.append(" ".join(answers))
    record = []
    last = s["last_resolution"]
    if last is not None:
        label = f"Resolution {last['resolution']}" if last["resolution"] else "a resolution"
        text_ = (
            f"The last new sanctions resolution China voted for was {label}, on "
            f"{narrative.fmt_date(last['when'])}. Since then CSIS records "
            f"{narrative.plural(s['missiles_since'], 'missile event')} and "
            f"{narrative.plural(s['nuclear_since'], 'nuclear test')}, and the event table "
            "records no further sanctions resolution."
        )
        record.append(narrative.with_cite(text_, [last["source_id"], PROVOCATIONS_SOURCE]))
    for _, r in s["easing"].iterrows():
        record.append(f"China proposed easing sanctions {timeline.mention(r)}.")
    for _, r in s["blocks"].iterrows():
        verb = "cast a veto" if r["stance"] == "Vetoed" else "abstained"
        record.append(f"China {verb} {timeline.mention(r)}.")
    out.append(" ".join(record))
    return "\n\n".join(p for p in out if p)


def trend_sentence(provocations: pd.DataFrame, as_of: Any) -> str:
    """Missile events in the latest full year against the year before, and so far this year."""
    year = pd.Timestamp(as_of).year
    rows = provocations_in(provocations, f"{year - 2}-01-01", as_of)
    rows = rows[rows["category"] == "missile"]
    n = {y: int((rows["year"] == y).sum()) for y in (year - 2, year - 1, year)}
    csis = narrative.cite([PROVOCATIONS_SOURCE])
    change = (
        "the same as"
        if n[year - 1] == n[year - 2]
        else ("more than" if n[year - 1] > n[year - 2] else "fewer than")
    )
    return (
        f"Missile events numbered {n[year - 1]} in {year - 1}, {change} the {n[year - 2]} of "
        f"{year - 2}, and {n[year]} in {year} up to {narrative.fmt_date(as_of)} {csis}."
    )


def trend(provocations: pd.DataFrame, as_of: Any) -> dict[str, int]:
    year = pd.Timestamp(as_of).year
    rows = provocations_in(provocations, f"{year - 2}-01-01", as_of)
    rows = rows[rows["category"] == "missile"]
    return {str(y): int((rows["year"] == y).sum()) for y in (year - 2, year - 1, year)}


def facts(view: Any, params: Any) -> dict[str, Any]:
    s = summary(view, params)
    numbers = {
        "security.missile_events": {
            "label": f"CSIS missile events since {narrative.iso(params.start)}",
            "value": s["missiles"],
            "unit": "count",
        },
        "security.nuclear_tests": {
            "label": f"CSIS nuclear tests since {narrative.iso(params.start)}",
            "value": s["nuclear"],
            "unit": "count",
        },
        "security.missile_events_since_last_resolution": {
            "label": "CSIS missile events since the last UNSC sanctions resolution",
            "value": s["missiles_since"],
            "unit": "count",
        },
    }
    return {"events": timeline.facts(s["record"]), "numbers": numbers}
