"""Event dates with their precision, actor pairs, windows, mentions."""

import pandas as pd

from analysis import timeline
from tests.analysis import sample_tables as st


def test_prepare_reads_partial_dates():
    ev = timeline.prepare(st.events())
    row = ev[ev["event_id"] == "e20"].iloc[0]
    assert row["precision"] == "year" and row["when"] == pd.Timestamp("2024-01-01")
    assert timeline.dated(row) == "in 2024"
    assert list(ev["when"]) == sorted(ev["when"])


def test_between_is_symmetric_and_headline_drops_low():
    ev = timeline.prepare(st.events())
    assert len(timeline.between(ev, "PRK", "CHN")) == len(timeline.between(ev, "CHN", "PRK"))
    assert "e20" not in set(timeline.headline(ev)["event_id"])


def test_mention_and_facts():
    ev = timeline.prepare(st.events())
    row = ev[ev["event_id"] == "e30"].iloc[0]
    assert timeline.mention(row).startswith("on 4 September 2025: 6th Kim\\-Xi summit")
    assert timeline.mention(row).endswith("[@src-c]")
    assert timeline.facts(ev[ev["event_id"] == "e30"]) == {
        "e30": "2025-09-04 — 6th Kim-Xi summit, Beijing - first in six years"
    }
    assert timeline.sentence_name("USA") == "the United States"
