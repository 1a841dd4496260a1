"""Security signals: North Korea's missile and nuclear events (CSIS) beside China's record
at the UN Security Council (sanctions it voted for or applied, vetoes, abstentions, drafts
to ease sanctions).

The Sejong brief's claim (Beijing tolerates missile launches but draws a line at nuclear
tests) is stated as a claim and tested against the record: which nuclear tests drew a
resolution China voted for, which resolutions answered launches instead, and what China
has done at the Council since its last vote for sanctions.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from analysis import charts, data, narrative, timeline
from analysis.data import Tables
from analysis.params import BriefParams
from analysis.text import join as join_words
from analysis.text import number, say, span

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


# China's positions as `stance` names them, and the catalogue key that words each.
STANCE_KEYS = {
    "Voted for sanctions": "voted",
    "Applied sanctions": "applied",
    "Proposed easing": "easing",
    "Abstained": "abstained",
    "Vetoed": "vetoed",
}


def stance_name(stance: str) -> str:
    """A position as the figure names it, in the language being written."""
    return say(f"security.stance.{STANCE_KEYS[stance]}")


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


STANCE_FIELDS = ["description", "actor_a", "actor_b", "event_type"]  # what `stance` reads


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
    ev["stance"] = [stance(r) for r in ev[STANCE_FIELDS].to_dict("records")]
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


def launch_resolutions(
    record: pd.DataFrame, responses: pd.DataFrame, provocations: pd.DataFrame
) -> pd.DataFrame:
    """Resolutions China voted for that answered launches rather than a nuclear test.

    A resolution answers a nuclear test when it is the first within RESPONSE_DAYS after it
    (`nuclear_responses`); each other one with CSIS missile events in the RESPONSE_DAYS
    before it followed launches (`launches` counts them).
    """
    res = resolutions(record)
    answered = res["when"].isin(set(responses["resolution_date"].dropna()))
    # Missile events in [resolution - RESPONSE_DAYS, resolution), counted by bisection in
    # the sorted missile dates rather than a filter of every event per resolution.
    missiles = pd.to_datetime(provocations["date"])[provocations["category"] == "missile"]
    days = np.sort(missiles.to_numpy())
    when = res["when"].to_numpy()
    lo = when - np.timedelta64(RESPONSE_DAYS, "D")
    launches = np.searchsorted(days, when, "left") - np.searchsorted(days, lo, "left")
    keep = ~answered.to_numpy() & (launches > 0)
    out = res[keep].assign(launches=launches[keep].astype(int))
    return out.reset_index(drop=True)


@data.by_view()
def summary(view: Tables, params: BriefParams) -> dict[str, Any]:
    """The numbers the section states, computed once per view (shared: never changed)."""
    prov = provocations_in(view.provocations, params.start, params.as_of)
    record = china_record(view.events, params.start, params.as_of)
    res = resolutions(record)
    responses = nuclear_responses(view.provocations, view.events, params.start, params.as_of)
    # A test whose RESPONSE_DAYS have not yet passed is pending, not unanswered.
    tests = pd.to_datetime(responses["test"])
    waiting = (pd.Timestamp(params.as_of) - tests).dt.days < RESPONSE_DAYS
    pending = responses[responses["resolution_date"].isna() & waiting]
    responses = responses.drop(pending.index).reset_index(drop=True)
    last_res = res.iloc[-1] if not res.empty else None
    since = prov[prov["when"] > last_res["when"]] if last_res is not None else prov.iloc[0:0]
    after = record[record["when"] > last_res["when"]] if last_res is not None else record
    nuclear = prov[prov["category"] == "nuclear"]
    return {
        "missiles": int((prov["category"] == "missile").sum()),
        "nuclear": len(nuclear),
        "last_test": nuclear.iloc[-1] if not nuclear.empty else None,
        "responses": responses,
        "pending": pending.reset_index(drop=True),
        "as_of": pd.Timestamp(params.as_of),
        "answered": int(responses["resolution"].ne("").sum()) if not responses.empty else 0,
        "launch_resolutions": launch_resolutions(record, responses, view.provocations),
        "last_resolution": last_res,
        "missiles_since": int((since["category"] == "missile").sum()),
        "nuclear_since": int((since["category"] == "nuclear").sum()),
        "blocks": after[after["stance"].isin(["Vetoed", "Abstained"])],
        "easing": after[after["stance"] == "Proposed easing"],
        "record": record,
    }


# --------------------------------------------------------------------------- figure


def _count(key: str, n: int) -> str:
    """'19 missile events', 'one nuclear test'; none is 'no missile event' (never 'zero …')."""
    if n == 0 and key == "security.missile_events":
        return say("security.no_missiles")
    if n == 0 and key == "security.nuclear_tests":
        return say("security.no_nuclear")
    return say(key, n=n, count=number(n))


def title_counts_the_record(s: dict[str, Any]) -> bool:
    """Whether the chart's title states the tests answered and the launches since the last
    resolution (then the text does not state them again)."""
    return bool(
        s["pending"].empty
        and s["nuclear"]
        and s["last_resolution"] is not None
        and not s["responses"].empty
    )


def title(s: dict[str, Any]) -> str:
    """The chart's finding: how many nuclear tests drew sanctions, and the launches since."""
    if not s["pending"].empty:
        return say(
            "security.title_pending",
            test=narrative.fmt_date(s["pending"].iloc[-1]["test"]),
            as_of=narrative.fmt_date(s["as_of"]),
        )
    if s["nuclear"] == 0 or s["last_resolution"] is None or s["responses"].empty:
        return say(
            "security.title_quiet", missiles=_count("security.missile_events", s["missiles"])
        )
    values = {
        "y0": int(s["responses"]["test"].min().year),
        "missiles": _count("security.missile_events", s["missiles_since"]),
        "since": narrative.fmt_date(s["last_resolution"]["when"], "month"),
    }
    if s["answered"] == len(s["responses"]):
        return say("security.title_all", **values)
    return say(
        "security.title_some",
        answered=narrative.capital(number(s["answered"])),
        tests=_count("security.nuclear_tests", len(s["responses"])),
        **values,
    )


def figure(view: Tables, params: BriefParams) -> charts.Figure:
    s = summary(view, params)
    counts = per_year(view.provocations, params.start, params.as_of)
    counts = charts.slots(charts.annual(counts, params.as_of).assign(band=0), "band", [0])
    # Stacked by hand (nuclear on missile), so the bars keep their year band.
    counts = counts.sort_values(["year", "category"], kind="stable")
    counts["y1"] = counts.groupby("year")["count"].cumsum()
    counts["y0"] = counts["y1"] - counts["count"]
    # The legend names each category in the language being written; colours go by code.
    legend = {c: say(f"security.legend.{c}") for c in SHOWN}
    counts["category_name"] = counts["category"].map(legend)
    cat_scale = alt.Scale(
        domain=[legend[c] for c in SHOWN], range=[charts.CATEGORY_COLORS[c] for c in SHOWN]
    )
    bars = (
        alt.Chart(charts.records(counts))
        .mark_bar(stroke=charts.INK)
        .encode(
            x=charts.time_x(params.start, params.as_of, "slot_start:T"),
            x2=alt.X2("slot_end:T"),
            **charts.partial_encoding(),
            y=alt.Y("y0:Q", title=say("axes.events_per_year"), axis=alt.Axis(tickMinStep=1)),
            y2=alt.Y2("y1:Q"),
            color=alt.Color(
                "category_name:N",
                title=say("axes.csis_category"),
                scale=cat_scale,
                legend=alt.Legend(orient="top", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("year:O", title=say("axes.year")),
                alt.Tooltip("category_name:N", title=say("axes.category")),
                alt.Tooltip("count:Q", title=say("axes.events")),
            ],
        )
        .properties(width=charts.WIDTH, height=170)
    )
    record = s["record"][["when", "precision", "stance", "label", "source_id"]].copy()
    record["stance"] = record["stance"].map(stance_name)
    record["date_text"] = [
        narrative.fmt_date(w, p) for w, p in zip(record["when"], record["precision"], strict=True)
    ]
    stance_domain = [stance_name(code) for code in STANCES]
    dots = (
        alt.Chart(charts.records(record))
        .mark_point(filled=True, size=110, opacity=0.9)
        .encode(
            x=charts.time_x(params.start, params.as_of),
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
                alt.Tooltip("date_text:N", title=say("axes.date")),
                alt.Tooltip("stance:N", title=say("axes.china_s_position")),
                alt.Tooltip("label:N", title=say("axes.event")),
                alt.Tooltip("source_id:N", title=say("axes.source")),
            ],
        )
        .properties(
            width=charts.WIDTH,
            height=130,
            title=alt.TitleParams(
                say("security.panel_council"), fontSize=11, fontWeight="normal", anchor="start"
            ),
        )
    )
    chart = alt.vconcat(bars, dots, spacing=8).resolve_scale(x="shared", color="independent")
    head = title(s)
    chart = charts.house(
        chart,
        head,
        charts.with_note(
            say("security.subtitle"),
            charts.partial_note(params.as_of, counts),
        ),
    )
    alt_text = say("security.alt", title=head)
    src = charts.source_line(
        say("security.source"),
        [PROVOCATIONS_SOURCE, *record["source_id"]],
    )
    return charts.Figure(chart, "security-signals", alt_text, src)


# --------------------------------------------------------------------------- sentences

SEJONG = "sejong-2024-11"


def text(view: Tables, params: BriefParams) -> str:
    """Counts and trend, the tests and the resolutions, the record since, the claim tested."""
    s = summary(view, params)
    titled = title_counts_the_record(s)
    record = (
        [since_last_sentence(s)]
        if titled
        else [
            response_sentence(s),
            launch_sentence(s),
            last_resolution_sentence(s),
            since_sentence(s),
        ]
    )
    paragraphs = [
        " ".join([count_sentence(view, params), trend_sentence(view.provocations, params.as_of)]),
        " ".join(filter(None, record)),
        claim_sentences(s, view.sources, params.as_of),
    ]
    return "\n\n".join(p for p in paragraphs if p)


def count_sentence(view: Tables, params: BriefParams) -> str:
    s = summary(view, params)
    counts = per_year(view.provocations, params.start, params.as_of)
    missiles = counts[counts["category"] == "missile"]
    nuclear = (
        _count("security.nuclear_tests", s["nuclear"])
        if s["nuclear"]
        else say("security.no_nuclear")
    )
    out = say(
        "security.counts",
        start=narrative.fmt_date(params.start),
        as_of=narrative.fmt_date(params.as_of),
        missiles=_count("security.missile_events", s["missiles"]),
        nuclear=nuclear,
        cite=narrative.cite([PROVOCATIONS_SOURCE]),
    )
    top = missiles.loc[missiles["count"].idxmax()] if s["missiles"] else None
    # a peak in one of the years the trend sentence compares is said there, not twice
    if top is not None and int(top["year"]) < pd.Timestamp(params.as_of).year - 2:
        out += " " + say("security.peak", year=int(top["year"]), count=int(top["count"]))
    return out


def pending_sentence(s: dict[str, Any]) -> str:
    out = []
    for _, r in s["pending"].iterrows():
        out.append(
            say(
                "security.pending",
                test=narrative.fmt_date(r["test"]),
                as_of=narrative.fmt_date(s["as_of"]),
                days=int((s["as_of"] - r["test"]).days),
            )
        )
    return " ".join(out)


def response_sentence(s: dict[str, Any]) -> str:
    responses = s["responses"]
    if responses.empty:
        return pending_sentence(s)
    hit = responses[responses["resolution_date"].notna()]
    items = []
    for _, r in hit.iterrows():
        # the number alone: the tests' dates and the days between are in the figure
        if r["resolution"]:
            items.append(say("security.answer", number=r["resolution"]))
        else:
            values = {"test": narrative.fmt_date(r["test"]), "days": int(r["days"])}
            items.append(say("security.answer_unnumbered", **values))
    tests = _count("security.nuclear_tests", len(responses))
    ids = list(dict.fromkeys(hit["source_id"]))
    listed = say("security.resolutions", n=len(items), list=join_words(items))
    if len(hit) == len(responses):
        out = say(
            "security.all_answered", n=len(responses), tests=tests, days=RESPONSE_DAYS, list=listed
        )
    elif hit.empty:
        out = say("security.none_answered", n=len(responses), tests=tests, days=RESPONSE_DAYS)
        return " ".join(filter(None, [out, pending_sentence(s)]))
    else:
        missed = responses[responses["resolution_date"].isna()]["test"]
        out = say(
            "security.some_answered",
            tests=tests,
            answered=number(len(hit)),
            unanswered=join_words([narrative.fmt_date(t) for t in missed]),
            days=RESPONSE_DAYS,
            list=listed,
        )
    out = narrative.with_cite(out, ids[:3])
    return " ".join(filter(None, [out, pending_sentence(s)]))


def launch_sentence(s: dict[str, Any]) -> str:
    rows = s["launch_resolutions"]
    if rows.empty:
        return ""
    items = [
        say("security.resolution_item", number=r["resolution"] or "?") for _, r in rows.iterrows()
    ]
    return say(
        "security.missile_resolutions",
        n=len(rows),
        count=number(len(rows)),
        list=say("security.resolutions", n=len(items), list=join_words(items)),
        cite=narrative.cite(list(dict.fromkeys(rows["source_id"]))[:3]),
    )


def last_resolution_sentence(s: dict[str, Any]) -> str:
    last = s["last_resolution"]
    if last is None:
        return say("security.no_resolution")
    nuclear = (
        _count("security.nuclear_tests", s["nuclear_since"])
        if s["nuclear_since"]
        else say("security.no_nuclear")
    )
    values = {
        "date": narrative.fmt_date(last["when"]),
        "cite": narrative.cite([last["source_id"]]),
        "missiles": _count("security.missile_events", s["missiles_since"]),
        "nuclear": nuclear,
    }
    if last["resolution"]:
        return say("security.last_resolution", number=last["resolution"], **values)
    return say("security.last_resolution_unnumbered", **values)


def since_last_sentence(s: dict[str, Any]) -> str:
    """How long ago China last voted for sanctions and what it has done at the Council
    since, in this edition's terms (the time elapsed to its date), when the chart's title
    already counts the tests answered and the launches since (each fact once)."""
    last = s["last_resolution"]
    as_of = s["as_of"]
    acts, ids = _acts(s)
    values = {
        "span": span((as_of - last["when"]).days),
        "date": narrative.fmt_date(last["when"], "month"),
        "cite": narrative.cite([last["source_id"]]),
    }
    named = "" if last["resolution"] else "_unnumbered"
    if last["resolution"]:
        values["number"] = last["resolution"]
    launches = s["launch_resolutions"]
    if not launches.empty and last["when"] in set(launches["when"]):
        # the resolutions' numbers are the chart's; the sentence counts them
        values["count"] = number(len(launches))
        cites = [last["source_id"], *launches["source_id"]]
        values["cite"] = narrative.cite(list(dict.fromkeys(cites))[:3])
        out = [say(f"security.last_vote_launches{named}", n=len(launches), **values)]
    else:
        out = [launch_sentence(s), say(f"security.last_vote{named}", **values)]
    if not acts:
        out.append(say("security.none_since"))
    else:
        latest = max([*s["easing"]["when"], *s["blocks"]["when"]])
        out.append(
            say(
                "security.since_acts",
                acts=join_words(acts),
                ago=span((as_of - latest).days),
                cite=narrative.cite(ids[:3]),
            )
        )
    return " ".join(filter(None, out))


def since_sentence(s: dict[str, Any]) -> str:
    """What China did at the Council after its last vote for sanctions, one clause per kind."""
    acts, ids = _acts(s)
    if not acts:
        return ""
    return say("security.since_then", acts=join_words(acts), cite=narrative.cite(ids[:3]))


def _acts(s: dict[str, Any]) -> tuple[list[str], list[str]]:
    """China's positions after its last vote for sanctions (clauses) and their sources."""
    acts, ids = [], []
    kinds = (
        ("easing", s["easing"]),
        ("veto", s["blocks"][s["blocks"]["stance"] == "Vetoed"]),
        ("abstain", s["blocks"][s["blocks"]["stance"] == "Abstained"]),
    )
    for key, rows in kinds:
        if rows.empty:
            continue
        dates = join_words(
            [
                narrative.fmt_date(w, p if p != "day" else "month")
                for w, p in zip(rows["when"], rows["precision"], strict=True)
            ]
        )
        acts.append(say(f"security.act.{key}", dates=dates))
        ids.append(rows.iloc[0]["source_id"])
    return acts, ids


def claim_sentences(s: dict[str, Any], sources: dict[str, Any], as_of: Any) -> str:
    """The Sejong brief's claim, where the edition can know it, put to the record.

    The claim itself is stated once, in the section's framing (brief.qmd); here each half
    is tested: launches since the last resolution, and the latest nuclear test's answer.
    """
    if SEJONG not in sources or not narrative.known_by(sources, SEJONG, as_of):
        return ""  # an edition before the brief cannot test it
    last = s["last_resolution"]
    out = []
    if last is not None:
        values = {
            "since": narrative.fmt_date(last["when"], "month"),
            "cite": narrative.cite([SEJONG]),
        }
        if s["missiles_since"]:  # the count itself is stated once, by last_resolution
            out.append(say("security.claim_missiles_held", cite=values["cite"]))
        else:
            out.append(say("security.claim_missiles_open", **values))
    test = s["last_test"]
    if out and test is not None:
        when = narrative.fmt_date(test["when"])
        answer = s["responses"][s["responses"]["test"] == test["when"]]
        answered = not answer.empty and pd.notna(answer.iloc[0]["resolution_date"])
        recent = (pd.Timestamp(as_of) - test["when"]).days <= RESPONSE_DAYS
        if answered and s["nuclear_since"] == 0:
            gap = span((pd.Timestamp(as_of) - test["when"]).days)
            out.append(say("security.claim_nuclear_untested", last_test=when, span=gap))
        elif answered:
            number = answer.iloc[0]["resolution"]
            out.append(say("security.claim_nuclear_held", last_test=when, number=number))
        elif not recent:
            out.append(say("security.claim_nuclear_failed", last_test=when, days=RESPONSE_DAYS))
    return " ".join(out)


def trend_sentence(provocations: pd.DataFrame, as_of: Any) -> str:
    """Missile events in the latest full year against the year before, and so far this year."""
    n = trend(provocations, as_of)
    y2 = pd.Timestamp(as_of).year
    y1, y0 = y2 - 1, y2 - 2
    a, b = n[str(y1)], n[str(y0)]
    kind = "same" if a == b else ("more" if a > b else "fewer")
    change = say(f"security.change.{kind}", **({} if kind == "same" else {"count": number(b)}))
    return say(
        "security.trend",
        last=_count("security.missile_events", a),
        y1=y1,
        change=change,
        y0=y0,
        now=_count("security.missile_events", n[str(y2)]),
        y2=y2,
        day=pd.Timestamp(as_of).day,
        month=narrative.month_name(pd.Timestamp(as_of).month),
        cite=narrative.cite([PROVOCATIONS_SOURCE]),
    )


def trend(provocations: pd.DataFrame, as_of: Any) -> dict[str, int]:
    year = pd.Timestamp(as_of).year
    rows = provocations_in(provocations, f"{year - 2}-01-01", as_of)
    rows = rows[rows["category"] == "missile"]
    return {str(y): int((rows["year"] == y).sum()) for y in (year - 2, year - 1, year)}


def facts(view: Tables, params: BriefParams) -> dict[str, Any]:
    """Year-keyed missile counts, tests answered, launches since the last resolution (by name)."""
    s = summary(view, params)
    numbers: dict[str, Any] = {}
    for year, n in trend(view.provocations, params.as_of).items():
        numbers[f"security.missile_events.{year}"] = {
            "label": say("security.fact.missiles", year=year),
            "value": n,
            "unit": "count",
        }
    y0 = pd.Timestamp(params.start).year
    numbers[f"security.nuclear_tests_answered.since_{y0}"] = {
        "label": say("security.fact.answered", year=y0),
        "value": s["answered"],
        "unit": "count",
    }
    last = s["last_resolution"]
    if last is not None:
        name = last["resolution"] or narrative.iso(last["when"])
        numbers[f"security.missile_events_since.unscr_{name}"] = {
            "label": say("security.fact.since", name=name),
            "value": s["missiles_since"],
            "unit": "count",
        }
    return {"events": timeline.facts(s["record"]), "numbers": numbers}
