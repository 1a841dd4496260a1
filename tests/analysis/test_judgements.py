"""Key judgements: the edition's scope and the published readings, adjudicated."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import assessment, judgements
from analysis.data import as_of_view, load_tables
from analysis.params import BriefParams


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def at(tables, as_of, **kw):
    params = BriefParams(as_of=as_of, **kw)
    view = as_of_view(as_of, tables=tables)
    return view, params, assessment.assess(view, params)


def test_scope_names_the_date_series_and_partner(tables):
    _, params, _ = at(tables, "2026-01-25", trade_series="KOTRA", compare_with="USA")
    text = judgements.scope(params)
    assert "published by 25 January 2026" in text
    assert "1 January 2013" not in text  # the window's start is in the sections' counts
    assert "the lead trade series is KOTRA" in text
    assert "the comparison partner is the United States" in text


def test_readings_are_gated_by_publication_and_adjudicated(tables):
    view, params, a = at(tables, "2024-10-21")
    text = judgements.readings(view, params, a)
    assert "@sejong-2024-11" in text and "@joongang" not in text
    assert "war of nerves" in text and "agree" in text
    view, params, a = at(tables, "2026-01-25")
    text = judgements.readings(view, params, a)
    assert text.count("\n- ") == 2  # three readings, one bullet each
    assert "by this edition's date they read it as cooling." in text
    # an earlier reading gives its verdict, not its evidence again (that edition gives it)
    assert text.count("On that date the brief's indicators") == 1


def test_an_earlier_reading_whose_state_still_holds_is_said_so(tables):
    # 30 November 2024: the Sejong reading's state (steady) still holds
    view, params, a = at(tables, "2024-11-30")
    text = judgements.readings(view, params, a)
    assert a.state == "steady"
    assert "and still read the relationship as steady" in text


def test_before_any_reading_the_edition_says_so(tables):
    view, params, a = at(tables, "2024-01-31")
    assert judgements.readings(view, params, a).startswith("No published reading")


def test_each_claim_attributed_to_a_seed_is_one_the_seed_makes():
    """The paraphrases name the seeds' own points (checked against the seed texts)."""
    from analysis.text import say

    sejong = say("readings.sejong_2024_11", date="x")
    assert (
        "war of nerves" in sejong
        and "economic aid" in sejong
        and "strategic communication" in sejong
    )
    thaw = say("readings.joongang_2025_04_thaw", date="x")
    assert "Chinese personnel" in thaw and "economic needs" in thaw
    chill = say("readings.joongang_2026_01_chill", date="x")
    assert "not materialised" in chill and "Moscow" in chill


SEEDS = Path("/work/shared/seeds")
# Each claim the brief attributes to a seed (brief.qmd and the readings), with the words in
# the seed's own text that make it.
SEED_CLAIMS = {
    "002_2686b1cff7a16847.txt": [  # Sejong, 21 Oct 2024
        "war of nerves",
        "China’s economic aid",
        "strategic communication and cooperation",
        "occurred immediately after the failed Hanoi summit",
        "Even while borders were closed",
        "tolerating missile provocations while only preventing further nuclear tests",
        "opposed the passage of additional sanctions resolutions",
        "demonstrates the resilience and closeness",
        "Key points to watch include",
    ],
    "000_e9cc1f58b883393d.txt": [  # JoongAng, 8 Apr 2025
        "Chinese personnel returned to North Korea",
        "driven by economic necessity",
        "milestone",
    ],
    "004_9d9e780287183df9.txt": [  # JoongAng, 25 Jan 2026
        "improved relations have not materialized",
        "pivot toward Moscow",
    ],
}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed texts live in ../shared/seeds")
@pytest.mark.parametrize("name", sorted(SEED_CLAIMS))
def test_the_seeds_make_the_claims_the_brief_attributes_to_them(name):
    text = (SEEDS / name).read_text(encoding="utf-8")
    for words in SEED_CLAIMS[name]:
        assert words in text, words


def test_brief_qmd_no_longer_carries_the_false_sentences():
    qmd = (Path(__file__).resolve().parents[2] / "brief.qmd").read_text(encoding="utf-8")
    assert "falls silent when" not in qmd  # the Sejong brief argues the opposite
    assert "The KOTRA figure for China is therefore higher" not in qmd  # not true for 2013
    assert "loosen sanctions in practice" not in qmd  # tourism is not sanctioned
    assert "managed, lopsided partnership" not in qmd  # the title is computed now
