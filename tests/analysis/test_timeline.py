"""Event dates with their precision, actor pairs, windows, facts, the memo."""

import pandas as pd

from analysis import timeline
from tests.analysis import sample_tables as st


def test_prepare_reads_partial_dates():
    ev = timeline.prepare(st.events())
    row = ev[ev["event_id"] == st.ID["e20"]].iloc[0]
    assert row["precision"] == "year" and row["when"] == pd.Timestamp("2024-01-01")
    assert timeline.when_text(row) == "2024"
    assert list(ev["when"]) == sorted(ev["when"])


def test_between_is_symmetric_and_headline_drops_low():
    ev = timeline.prepare(st.events())
    assert len(timeline.between(ev, "PRK", "CHN")) == len(timeline.between(ev, "CHN", "PRK"))
    assert st.ID["e20"] not in set(timeline.headline(ev)["event_id"])


def test_when_and_facts():
    ev = timeline.prepare(st.events())
    row = ev[ev["event_id"] == st.ID["e30"]].iloc[0]
    assert timeline.when_text(row) == "4 September 2025"
    assert not hasattr(timeline, "mention")  # no colon-spliced "on <date>: <event>" strings
    assert timeline.facts(ev[ev["event_id"] == st.ID["e30"]]) == {
        st.ID["e30"]: "2025-09-04 — 6th Kim-Xi summit, Beijing - first in six years"
    }
    assert timeline.sentence_name("USA") == "the United States"


def test_prepare_runs_once_per_view():
    """Issue #18: every section reads events through `prepare`; a view pays for it once."""
    from analysis import exchanges, pivot, security, trade, watchlist

    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    timeline.prepare.clear()
    for section in (exchanges, trade, security, pivot):
        section.text(view, params)
        section.facts(view, params)
    exchanges.timeline_figure(view, params)
    exchanges.counts_figure(view, params)
    trade.lead_figure(view, params)
    security.figure(view, params)
    pivot.milestones_figure(view, params)
    pivot.leader_figure(view, params)
    watchlist.text_of(view, params)
    assert timeline.prepare.computed == 1


def test_prepare_sees_a_frame_changed_in_place():
    ev = st.events()
    first = timeline.prepare(ev)
    ev.loc[ev["event_id"] == st.ID["e30"], "date"] = "2025-09-05"
    again = timeline.prepare(ev)
    when = again.loc[again["event_id"] == st.ID["e30"], "when"].iloc[0]
    assert when == pd.Timestamp("2025-09-05")
    assert first.loc[first["event_id"] == st.ID["e30"], "when"].iloc[0] == pd.Timestamp(
        "2025-09-04"
    )
    # callers get copies: changing one does not change the memo
    again["label"] = "x"
    assert timeline.prepare(ev)["label"].iloc[0] != "x"
