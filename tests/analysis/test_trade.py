"""Trade: lead series, the other series beside it, share, monthly, Russia, markers."""

from analysis import charts, trade
from tests.analysis import sample_tables as st


def test_lead_sentence_names_the_series_and_change():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = trade.text(view, params)
    assert "GACC: US$2,735 million in 2025, up 25.5% on 2024" in text
    assert "[@t-gacc25; @t-gacc]" in text
    assert "After the border closed in January 2020" in text


def test_changed_trade_value_reaches_sentence_and_chart():
    frame = st.trade()
    hit = (frame["series"] == "GACC") & (frame["year"] == 2025) & (frame["period_type"] == "annual")
    frame.loc[hit, "total_usd_m"] = 3141.0
    view, params = st.view("2026-02-01", trade=frame), st.params("2026-02-01")
    assert "GACC: US$3,141 million in 2025" in trade.text(view, params)
    fig = trade.lead_figure(view, params)
    values = [r.get("value") for r in charts.data_of(fig.chart)]
    assert 3141.0 in values
    assert "US$3,141 million" in fig.alt
    assert "US$3,141 million in 2025" in str(fig.spec()["title"])


def test_gap_is_explained_and_both_series_are_listed():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = trade.gap_text(view, params)
    assert "crude oil" in text
    assert (
        "GACC: US$2,295 million in 2023; KOTRA: US$2,721 million, 98.3% of North Korea's trade"
        in text
    )


def test_kotra_as_lead_series_changes_title_and_sentence():
    view = st.view("2026-02-01")
    params = st.params("2026-02-01", trade_series="KOTRA")
    fig = trade.lead_figure(view, params)
    assert "China–North Korea trade (KOTRA)" in str(fig.spec()["title"])
    assert "The lead series is KOTRA" in trade.text(view, params)
    labels = {r.get("series_label") for r in charts.data_of(fig.chart)}
    assert {"KOTRA (lead)", "GACC (comparison)"} <= labels


def test_as_of_hides_later_figures():
    view, params = st.view("2024-10-21"), st.params("2024-10-21")
    text = trade.text(view, params)
    assert "GACC: US$2,295 million in 2023" in text
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
    assert "military transfers" in text


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
    assert numbers["trade.GACC.latest"]["value"] == 2735.0
    assert numbers["trade.KOTRA.china_share"]["value"] == 98.0


def test_reopenings_are_not_marked_as_closures():
    ev = st.events()
    ev.loc[len(ev)] = [
        "e99",
        "2022-01-16",
        "2022-01-16",
        "PRK",
        "CHN",
        "border",
        "Rail freight resumes, the first since the 2020 closure.",
        "src-e",
        "high",
        "day",
        "",
        "",
    ]
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
    assert "1 of them flagged as low confidence" in text and "US$281" not in text
