"""Outlook and method: open watch items first by movement, limits of the data."""

from analysis import outlook
from tests.analysis import sample_tables as st


def test_watch_next_lists_open_items_signs_first():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = outlook.watch_next(view, params)
    assert text.startswith("3 watch-list items are still open")
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert items[0].startswith(
        "- **New Yalu River Bridge opens** † — signs of movement since 11 December 2025"
    )
    assert all("Kim visit" not in i for i in items)


def test_unmatched_tests_find_events_missing_from_csis():
    missing = outlook.unmatched_tests(st.events(), st.provocations(), "2013-01-01", "2026-02-01")
    assert list(missing["event_id"]) == []
    prov = st.provocations()
    prov = prov[prov["date"] != "2017-09-03"]
    missing = outlook.unmatched_tests(st.events(), prov, "2013-01-01", "2026-02-01")
    assert list(missing["event_id"]) == ["e07"]


def test_limits_state_gaps_series_difference_and_low_confidence():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = outlook.limits(view, params)
    assert "The GACC series has no annual total for 2015, 2016, 2018 and 2021" in text
    assert "KOTRA minus GACC ranges from" in text
    assert "1 event" in text
    assert "no Security Council resolution after the nuclear test of 12 February 2013" in text
