"""High-level exchanges: lanes, counts, Kim–Xi summits, the empty comparison lane."""

from analysis import charts, exchanges
from tests.analysis import sample_tables as st


def test_summits_are_numbered_and_grouped_in_runs():
    summits = exchanges.kim_xi_summits(st.events())
    assert list(summits["number"]) == [1, 2, 3, 4, 5, 6]
    runs = exchanges.runs(summits)
    assert [len(r) for r in runs] == [5, 1]
    params = st.params("2026-02-01")
    text = exchanges.summit_sentence(st.events(), params)
    assert "6 Kim–Xi summits" in text and "25 March 2018 to 20 June 2019" in text


def test_counts_per_year_zero_fill_both_partners():
    counts = exchanges.counts_per_year(st.events(), ["CHN", "USA"], "2013-01-01", "2026-02-01")
    assert len(counts) == 2 * 14
    assert counts[counts["partner"] == "USA"]["total"].sum() == 0
    assert (
        int(counts[(counts["partner"] == "CHN") & (counts["year"] == 2018)]["total"].iloc[0]) == 3
    )


def test_empty_comparison_lane_is_shown_and_said():
    view, params = st.view("2026-02-01"), st.params("2026-02-01", compare_with="USA")
    text = exchanges.text(view, params)
    assert "No summit or senior visit between North Korea and the United States" in text
    fig = exchanges.timeline_figure(view, params)
    spec = fig.spec()
    assert "United States" in str(spec)
    assert any(
        "No recorded summit or senior visit with United States" in str(r.get("msg"))
        for r in charts.data_of(spec)
    )
    assert "0 with the United States" in str(spec["title"])


def test_as_of_2025_04_08_has_no_kim_visit_since_2019():
    view, params = st.view("2025-04-08"), st.params("2025-04-08")
    text = exchanges.text(view, params)
    assert "no Kim visit to China since January 2019" in text
    assert "Zhao Leji" in text
    assert "2025-09" not in text and "September 2025" not in text


def test_as_of_2026_names_the_sixth_summit_and_li_qiang():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = exchanges.text(view, params)
    assert "4 September 2025" in text and "Li Qiang" in text
    facts = exchanges.facts(view, params)
    assert facts["events"]["e30"].startswith("2025-09-04 — ")
    assert facts["numbers"]["exchanges.CHN.summits"]["value"] == 6


def test_changed_event_date_moves_sentence_and_chart():
    ev = st.events()
    ev.loc[ev["event_id"] == "e31", ["date", "published"]] = "2025-11-20"
    view, params = st.view("2026-02-01", events=ev), st.params("2026-02-01")
    assert "20 November 2025" in exchanges.text(view, params)
    rows = charts.data_of(exchanges.timeline_figure(view, params).chart)
    assert "2025-11-20" in {r.get("when") for r in rows}


def test_data_text_is_escaped():
    ev = st.events()
    ev.loc[ev["event_id"] == "e31", "description"] = "<script>alert(1)</script> visit"
    view, params = st.view("2026-02-01", events=ev), st.params("2026-02-01")
    text = exchanges.text(view, params)
    assert "<script>" not in text and "\\<script\\>" in text
