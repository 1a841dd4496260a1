"""Outlook and method: scenarios with signposts and likelihoods, limits of the data."""

from __future__ import annotations

import pytest

from analysis import assessment, outlook
from tests.analysis import sample_tables as st


def test_unmatched_tests_find_events_missing_from_csis():
    missing = outlook.unmatched_tests(st.events(), st.provocations(), "2013-01-01", "2026-02-01")
    assert list(missing["event_id"]) == []
    prov = st.provocations()
    prov = prov[prov["date"] != "2017-09-03"]
    missing = outlook.unmatched_tests(st.events(), prov, "2013-01-01", "2026-02-01")
    assert list(missing["event_id"]) == [st.ID["e07"]]


def test_limits_state_gaps_series_difference_and_low_confidence():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = outlook.limits(view, params)
    assert "The GACC series has no annual total for 2015, 2016, 2018 and 2021" in text
    assert "KOTRA's figure minus GACC's" not in text  # the trade section states the gap
    assert "one event" in text and "marked low confidence" in text
    assert "no Security Council resolution after the nuclear test of 12 February 2013" in text
    assert "not collected" in text  # months the brief lacks are not "unpublished"


@pytest.mark.parametrize(
    ("state", "direction", "first"),
    [
        ("cooling", "deteriorating", "chill"),
        ("warming", "improving", "thaw"),
        ("steady", "holding", "managed"),
    ],
)
def test_likelihoods_follow_the_state_and_sum_to_one(state, direction, first):
    a = type("A", (), {"state": state, "direction": direction})()
    odds = outlook.scenario_likelihoods(a)
    assert sum(odds.values()) == pytest.approx(1.0)
    assert max(odds, key=odds.get) == first
    assert all(0 <= p <= 1 for p in odds.values())


def test_icd_terms_cover_the_scale():
    assert outlook.icd_term(0.6) == "likely"
    assert outlook.icd_term(0.5) == "even_chance"
    assert outlook.icd_term(0.35) == "unlikely"
    assert outlook.icd_term(0.1) == "very_unlikely"


def test_scenarios_tie_signposts_to_the_open_watch_list_and_the_calendar():
    from analysis.data import as_of_view
    from analysis.params import BriefParams

    params = BriefParams(as_of="2026-01-25")
    view = as_of_view(params.as_of)
    a = assessment.assess(view, params)
    text = outlook.scenarios(view, params, a)
    blocks = [b for b in text.split("\n\n") if b.startswith("**")]
    # the very unlikely future is left out: two scenarios, the likeliest first
    assert len(blocks) == 2 and text.startswith("**A deeper chill")
    assert text.count("11 July 2026") == 1  # the anniversary is named once, then "that"
    assert "the anniversary of the 1961 treaty of friendship on 11 July 2026" in blocks[0]
    assert "that anniversary" in blocks[1]
    # a step already moving is named as the one to stall; the stalled ones counted
    assert "“New Yalu River Bridge opens” stalling" in blocks[1]
    assert "no movement on the three stalled watch-list steps" in blocks[1]
    assert text.split("\n\n")[-1].startswith("If the likeliest future comes, for Seoul")
    assert blocks[0].startswith("**A deeper chill (likely).**")  # the state leads
    # an open watch-list step is a signpost of the thaw (left out here as very unlikely)
    assert any(
        "New Yalu River Bridge opens" in x for x in outlook.signposts(view, params, a)["thaw"]
    )
    assert "thaw" not in text.lower()
    assert "11 July 2026" in text  # the next shared anniversary after the edition date
    assert text.count("for Seoul") == 1 and text.count("For Washington") == 1
    # framing only: no figure in a scenario's description or its consequences
    bodies = [b.split("**")[2].split("Watch for")[0] for b in blocks]
    assert not any(ch.isdigit() for part in [*bodies, text.split("\n\n")[-1]] for ch in part)
