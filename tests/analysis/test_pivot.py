"""The Moscow pivot: milestones, Kim's summit time, recent signals."""

from analysis import charts, pivot
from tests.analysis import sample_tables as st


def test_summits_per_year_by_partner():
    per = pivot.summits_per_year(st.events(), "2013-01-01", "2026-02-01")
    total = per.groupby("partner")["summits"].sum().to_dict()
    assert total == {"CHN": 6, "RUS": 4}


def test_leader_time_over_last_three_years():
    lt = pivot.leader_time(st.events(), "2026-02-01")
    assert (lt["from"], lt["to"]) == (2024, 2026)
    assert lt["totals"] == {"China": 1, "Russia": 2}


def test_recent_signals_towards_moscow_in_january_2026():
    text = pivot.signals_text(st.events(), "2026-01-25")
    assert "5 January 2026" in text and "memorial" in text
    assert "Signals between Pyongyang and Moscow" in text


def test_none_recent_falls_back_to_latest():
    text = pivot.signals_text(st.events(), "2026-06-30")
    assert "none recorded. The latest came on 5 January 2026" in text


def test_milestones_text_and_figure():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = pivot.text(view, params)
    assert "Putin in Pyongyang" in text
    assert "Treaty enters into force" in text
    fig = pivot.milestones_figure(view, params)
    kinds = {r.get("kind") for r in charts.data_of(fig.chart)}
    assert {"Summit", "Treaty step", "Military cooperation"} <= kinds
    assert "Treaty and military steps: 2 with Russia, 0 with China" in str(fig.spec()["title"])
    facts = pivot.facts(view, params)
    assert "e25" in facts["events"]
