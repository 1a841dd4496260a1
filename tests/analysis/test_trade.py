"""Trade: lead series, the other series beside it, share, monthly, Russia, markers."""

import pandas as pd

from analysis import charts, trade
from tests.analysis import sample_tables as st


def test_lead_sentence_names_the_series_and_change():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = trade.text(view, params)
    # both 2025 and 2024 are rounded figures: the change is stated approximately
    assert "trade at about US$2,735 million in 2025, up about a quarter on 2024" in text
    assert "25.5%" not in text
    assert "[@t-gacc25; @t-gacc]" in text
    # years after the closure's fall: the latest year against the last one before it
    assert "That is close to its 2019 level, before the border closed" in text
    assert "fell from" not in text  # the fall itself is the chart's


def test_changed_trade_value_reaches_sentence_and_chart():
    frame = st.trade()
    hit = (frame["series"] == "GACC") & (frame["year"] == 2025) & (frame["period_type"] == "annual")
    frame.loc[hit, "total_usd_m"] = 3141.0
    view, params = st.view("2026-02-01", trade=frame), st.params("2026-02-01")
    assert "about US$3,141 million in 2025" in trade.text(view, params)
    fig = trade.lead_figure(view, params)
    values = [r.get("value") for r in charts.data_of(fig.chart)]
    assert 3141.0 in values
    assert "US$3,141 million" in fig.alt
    assert "US$3,141 million in 2025" in str(fig.spec()["title"])


def test_gap_is_explained_and_both_series_are_listed():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = trade.gap_text(view, params)
    assert "crude oil" in text
    assert "| 2023 | US$2,295 million | US$2,721 million | US$426 million | 98.3%" in text


def test_kotra_as_lead_series_changes_title_and_sentence():
    view = st.view("2026-02-01")
    params = st.params("2026-02-01", trade_series="KOTRA")
    fig = trade.lead_figure(view, params)
    assert "China–North Korea trade (KOTRA)" in str(fig.spec()["title"])
    assert trade.text(view, params).startswith("KOTRA's reconstruction of North Korea's trade put")
    labels = {r.get("series_label") for r in charts.data_of(fig.chart)}
    assert {"KOTRA (lead)", "GACC (comparison)"} <= labels


def test_as_of_hides_later_figures():
    view, params = st.view("2024-10-21"), st.params("2024-10-21")
    text = trade.text(view, params)
    assert "GACC) put China–North Korea trade at US$2,295 million in 2023" in text
    assert "2025" not in text and "2024" not in text.replace("2024-", "")


def test_low_confidence_rows_stay_out_of_headlines():
    frame = st.trade()
    hit = (frame["series"] == "GACC") & (frame["year"] == 2025) & (frame["period_type"] == "annual")
    frame.loc[hit, "confidence"] = "low"
    change = trade.latest_change(trade.annual(frame, series="GACC"))
    assert change["year"] == 2024


def test_markers_join_resolutions_per_year_and_keep_one_closure():
    marks = trade.markers(st.events(), "2013-01-01", "2026-02-01")
    tags = [t for t in marks["tag"] if t]
    assert tags == ["UNSCR 2270, 2321", "UNSCR 2375, 2397", "Border closed"]


def test_russia_sentence_carries_its_caveat():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = trade.russia_text(view, params)
    assert "US$34.4 million in 2023" in text
    assert "Recorded Russia–North Korea trade, which leaves out arms and troops, was" in text


def test_monthly_and_share():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = trade.share_text(view, params)
    assert "98.0% in 2024" in text and "November 2025" in text
    fig = trade.monthly_figure(view, params)
    assert {r["total_usd_m"] for r in charts.data_of(fig.chart)} == {227.0, 281.0}
    assert fig.source.startswith("Source: ") and "[@t-month]" in fig.source


def test_facts_numbers():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    numbers = trade.facts(view, params)["numbers"]
    assert numbers["trade.gacc.2025"]["value"] == 2735.0
    assert numbers["trade.gacc.change.2024-2025"]["value"] == 25  # rounded figures
    assert "approximate" in numbers["trade.gacc.change.2024-2025"]["label"]
    assert numbers["trade.kotra.china_share.2024"]["value"] == 98.0


def test_reopenings_are_not_marked_as_closures():
    ev = st.events()
    ev = st.with_row(
        ev,
        event_id="2022-01-16-e99",
        date="2022-01-16",
        date_precision="day",
        published="2022-01-16",
        actor_a="PRK",
        actor_b="CHN",
        event_type="border",
        description="Rail freight resumes, the first since the 2020 closure.",
        signal="warming",
        signal_partner="CHN",
        source_id="src-e",
        confidence="high",
    )
    marks = trade.markers(ev, "2013-01-01", "2026-02-01")
    assert list(marks[marks["kind"] == "Border closure"]["when"].dt.year) == [2020]


def test_low_confidence_month_is_shown_pale_but_not_headlined():
    frame = st.trade()
    hit = (frame["period_type"] == "monthly") & (frame["period"] == "11")
    frame.loc[hit, "confidence"] = "low"
    view, params = st.view("2026-02-01", trade=frame), st.params("2026-02-01")
    fig = trade.monthly_figure(view, params)
    assert "US$227 million in October 2025" in str(fig.spec()["title"])
    assert 281.0 in {r["total_usd_m"] for r in charts.data_of(fig.chart)}
    text = trade.share_text(view, params)
    assert "one of them low-confidence and left out" in text and "US$281" not in text


def _annual(frame, series, year):
    return (
        (frame["series"] == series) & (frame["year"] == year) & (frame["period_type"] == "annual")
    )


def test_growth_is_precise_only_between_exact_figures():
    frame = st.trade()
    frame.loc[_annual(frame, "GACC", 2025), "total_usd_m"] = 2734.62
    frame.loc[_annual(frame, "GACC", 2024), "total_usd_m"] = 2179.55
    view, params = st.view("2026-02-01", trade=frame), st.params("2026-02-01")
    text = trade.text(view, params)
    assert "at US$2,735 million in 2025, up 25.5% on 2024 (US$2,180 million)" in text
    change = {"change_pct": 137.0, "exact": True, "prev_exact": False}
    assert trade.change_phrase(change) == "more than double"
    assert trade.approx_change(-4.9) == "down about 5% on"
    assert trade.approx_change(33.0) == "up about a third on"


def test_derived_total_is_said_as_derived():
    frame = st.trade()
    frame = st.with_row(
        frame,
        partner="CHN",
        series="GACC",
        period_type="monthly",
        year=2025,
        period="12",
        exports_to_nk_usd_m=257.4,
        imports_from_nk_usd_m=52.7,
        total_usd_m=310.1,
        total_derived=True,
        published="2026-01-20",
        source_id="t-month",
        confidence="high",
    )
    view, params = st.view("2026-02-01", trade=frame), st.params("2026-02-01")
    text = trade.share_text(view, params)
    assert "The latest, for December 2025, is US$310 million, derived from its exports" in text
    title = trade.monthly_title(
        trade.monthly_window(frame, "GACC", params.start, params.as_of),
        "GACC",
        pd.Timestamp("2024-01-01"),
        pd.Timestamp(params.as_of),
    )
    assert "US$310 million (derived) in December 2025" in title


def test_kotra_is_called_higher_only_where_it_is():
    frame = st.trade()
    frame.loc[_annual(frame, "KOTRA", 2024), "total_usd_m"] = 2000.0
    view, params = st.view("2026-02-01", trade=frame), st.params("2026-02-01")
    text = trade.gap_text(view, params)
    assert "For 2024, KOTRA's figure is US$180 million below GACC's" in text
    assert "mainly because" not in text
    assert "(not in 2024)" in text
