"""Regression tests for the text errors of issue #11, on the real record (data/).

Each test reads what a section says at a seed date from the project's own data, the way an
edition does, and would have caught one of the errors a fact-check found in the shipped
editions. The last tests hold every section's prose to the prose standard (issue #10).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import exchanges, pivot, security, trade, watchlist
from analysis.data import as_of_view
from analysis.params import BriefParams

SEED_DATES = ("2024-10-21", "2025-04-08", "2026-01-25")


def _at(as_of: str, **values: str):
    params = BriefParams(as_of=as_of, **values)
    return as_of_view(params.as_of), params


def test_every_nuclear_test_drew_a_resolution_china_voted_for():
    view, params = _at("2026-01-25")
    s = security.summary(view, params)
    assert s["nuclear"] == 4 and s["answered"] == 4
    assert list(s["responses"]["resolution"]) == ["2094", "2270", "2321", "2375"]
    text = security.text(view, params)
    assert "Each of the four nuclear tests in the window drew a sanctions resolution" in (
        security.response_sentence(s)
    )
    assert "Each of the four nuclear tests" not in text  # the figure's title states it
    assert security.title(s).startswith("Every nuclear test since 2013 drew UN sanctions")
    assert "3 of 4" not in text + security.title(s)


def test_china_also_voted_for_missile_triggered_resolutions_then_broke_off():
    view, params = _at("2026-01-25")
    s = security.summary(view, params)
    assert set(s["launch_resolutions"]["resolution"]) >= {"2087", "2356", "2371", "2397"}
    text = security.text(view, params)
    assert "proposed easing sanctions (December 2019 and November 2021)" in text
    assert "vetoed a draft resolution that would have tightened them (May 2022)" in text
    # the seed's claim is a claim put to the record, not a premise
    assert "The Sejong brief's claim that Beijing now tolerates missile launches therefore" in text
    assert "Its claim that Beijing still draws a line at nuclear tests is untested" in text


def test_a_trip_counts_once():
    view, params = _at("2026-01-25")
    rows = exchanges.exchanges(view.events, "CHN")
    sept = rows[rows["when"].dt.strftime("%Y-%m") == "2025-09"]
    beijing = sept[sept["actor_a"] == "PRK"]
    # arrival, parade and summit are one trip; Choe Son Hui's later visit is another
    assert (beijing["event_type"] == "summit").sum() == 1
    assert len(beijing[beijing["when"] < pd.Timestamp("2025-09-10")]) == 1
    facts = exchanges.facts(view, params)["numbers"]
    trips_2025 = facts["exchanges.chn.trips.2025"]["value"]
    raw = view.events[
        view.events["event_type"].isin(["summit", "visit"])
        & view.events["date"].astype(str).str.startswith("2025")
        & (
            ((view.events["actor_a"] == "PRK") & (view.events["actor_b"] == "CHN"))
            | ((view.events["actor_a"] == "CHN") & (view.events["actor_b"] == "PRK"))
        )
    ]
    assert trips_2025 < len(raw)  # rows of one trip no longer inflate the year


def test_seniority_of_li_qiang_is_computed_from_level():
    view, params = _at("2026-01-25")
    text = exchanges.text(view, params)
    assert "senior Chinese visit to Pyongyang on 9 October 2025" in text
    assert "no Chinese visitor of higher rank had come since June 2019" in text
    assert "since Liu Yunshan" not in text.split("\n\n- ")[0]


def test_no_china_partner_comparison_outside_the_covered_window():
    view, params = _at("2026-01-25")
    text = exchanges.text(view, params)
    covered = view.coverage["RUS"]
    assert covered is not None
    assert f"The record of exchanges with Russia is complete from {covered:%B %Y}" in text
    numbers = exchanges.facts(view, params)["numbers"]
    rus_years = [int(k.rsplit(".", 1)[1]) for k in numbers if k.startswith("exchanges.rus.")]
    assert rus_years and min(rus_years) >= covered.year
    usa = exchanges.text(*_at("2026-01-25", compare_with="USA"))
    assert "no complete record of exchanges between North Korea and the United States" in usa
    assert "Kim's summits" in pivot.leader_title(
        pivot.leader_time(view.events, params.as_of, since=pivot.covered_since(view, params))
    )


def test_growth_from_rounded_figures_is_stated_approximately():
    view, params = _at("2026-01-25")
    text = trade.text(view, params)
    assert "up about a quarter on 2024" in text
    assert "25.5%" not in text and "25.5%" not in str(trade.lead_figure(view, params).spec())


def test_derived_december_total_is_said_as_derived():
    view, params = _at("2026-01-25")
    text = trade.share_text(view, params)
    assert "The latest, for December 2025, is US$310 million, derived from its exports" in text
    assert "November 2025" not in text.split("The latest")[1]


def test_kotra_is_not_called_higher_where_it_is_not():
    view, params = _at("2026-01-25")
    gap = trade.series_gap(view.trade)
    lower = sorted(int(y) for y in gap.loc[gap["gap"] <= 0, "year"])
    assert 2013 in lower
    text = trade.gap_text(view, params)
    assert "(not in " in text and "2013" in text.split("(not in ")[1].split(")")[0]


def test_tourism_is_not_said_to_be_sanctioned():
    view, params = _at("2026-01-25")
    text = watchlist.text_of(view, params)
    assert "only new work permits for North Korean workers would breach UN sanctions" in text
    assert "tourism is not under UN sanctions" in text
    assert "tourists and workers" not in text


def test_sejong_is_not_said_to_name_five_points():
    for as_of in SEED_DATES:
        text = watchlist.text_of(*_at(as_of))
        assert "five items the Sejong brief named" not in text
        assert "Of the 5 items" not in text


def test_march_2025_staff_entry_is_stated_accurately():
    view, params = _at("2025-04-08")
    text = watchlist.text_of(view, params) + watchlist.table_of(view, params)
    assert "first Chinese personnel since 2020" not in text
    assert "the first return of such staff since 2020" in text


# --------------------------------------------------------------------------- prose standard

CODES = ("no_movement", "signs_of_movement", "no_report", "un_vote", "RUS-FCS", "RUS-ESTIMATE")


def _section_texts(as_of: str) -> dict[str, str]:
    view, params = _at(as_of)
    return {
        "exchanges": exchanges.text(view, params),
        "trade": " ".join(
            f(view, params)
            for f in (trade.text, trade.gap_text, trade.share_text, trade.russia_text)
        ),
        "security": security.text(view, params),
        "pivot": pivot.text(view, params),
        "watchlist": watchlist.text_of(view, params),
    }


def _sentences(text: str) -> list[str]:
    prose = [line for line in text.splitlines() if line and not line.startswith(("|", "- "))]
    flat = " ".join(prose)
    return [s.strip() for s in re.split(r"(?<=[.:])\s+(?=[A-Z0-9])", flat) if s.strip()]


@pytest.mark.parametrize("as_of", SEED_DATES)
def test_sections_meet_the_prose_standard(as_of):
    for name, text in _section_texts(as_of).items():
        assert "…" not in text, name
        assert not re.search(r"\b0 of \d", text), name
        assert not re.search(r"\band 0 \w", text), name
        for code in CODES:
            assert code not in text, (name, code)
        for remark in ("carries no number of its own", "an empty lane is informative"):
            assert remark not in text, name
        for sentence in _sentences(text):
            assert not sentence[0].isdigit(), (name, sentence)
            assert sentence.count("@") <= 3, (name, sentence)
        # no colon-spliced event strings: "on 9 October 2025: Premier …"
        assert not re.search(r"\b(?:on|came|in) \d{1,2} [A-Z][a-z]+ \d{4}: [A-Z]", text), name


@pytest.mark.parametrize("as_of", ["2013-03-01", "2016-02-01", "2018-04-01", "2020-06-01"])
@pytest.mark.parametrize("compare_with", ["RUS", "USA"])
def test_early_editions_say_what_they_can_know(as_of, compare_with):
    """Editions before the partner's record is complete, or days after a nuclear test."""
    view, params = _at(as_of, compare_with=compare_with)
    for section in (exchanges, trade, security, pivot):
        section.text(view, params)
        section.facts(view, params)
    pivot.leader_figure(view, params)
    text = security.text(view, params)
    assert "Sejong" not in text  # the brief (October 2024) is not known yet
    if as_of == "2016-02-01":
        assert "No sanctions resolution had yet followed the nuclear test of 6 January 2016" in text
        assert "2270" not in text
    if as_of < "2023-01-01":
        assert "not complete enough to compare" in pivot.text(view, params)
        fig = pivot.leader_figure(view, params)
        assert "Russia" not in str(fig.spec()["title"])
