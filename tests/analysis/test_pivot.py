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
    assert "the record holds one warming signal bearing on Pyongyang's ties with Moscow" in text


def test_none_recent_falls_back_to_latest():
    text = pivot.signals_text(st.events(), "2026-06-30")
    assert "no event bearing on Pyongyang's ties with Moscow in the 90 days to 30 June 2026" in text
    assert "the latest dates from 5 January 2026 (" in text


def test_milestones_text_and_figure():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = pivot.text(view, params)
    # the text lists only the year's treaty and military steps; the history is the figure's
    assert "in the year to 1 February 2026" in text
    assert "Putin in Pyongyang" not in text
    fig = pivot.milestones_figure(view, params)
    kinds = {r.get("kind") for r in charts.data_of(fig.chart)}
    assert {"Summit", "Treaty step", "Military cooperation"} <= kinds
    # compared only since both records are complete (sample: Russia from 2019)
    title = str(fig.spec()["title"])
    assert "Treaty and military steps since January 2019: Russia 2, China 0" in title
    assert "2013" not in title
    facts = pivot.facts(view, params)
    assert st.ID["e25"] in facts["events"]


def test_signals_are_counted_by_their_code():
    ev = st.events()
    ev["signal"], ev["signal_partner"] = "neutral", ""
    ev.loc[ev["event_id"] == st.ID["e31"], ["signal", "signal_partner"]] = ["warming", "CHN"]
    text = pivot.signals_text(ev, "2026-01-05")
    assert "the record holds one warming signal bearing on Pyongyang's ties with Beijing" in text
    assert "| 9 October 2025 | Premier Li Qiang visits Pyongyang" in text


def test_no_comparison_of_summits_without_coverage():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    view.coverage["RUS"] = None
    assert "not complete enough to compare" in pivot.text(view, params)


def test_kims_summit_counts_are_the_leader_charts_title_not_the_text():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = pivot.text(view, params)
    assert "Kim held" not in text  # stated once, by the chart's title
    title = pivot.leader_figure(view, params).spec()["title"]["text"]
    assert title == "Kim's summits 2024–2026: Russia 2, China 1"
