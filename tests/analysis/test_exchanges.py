"""High-level exchanges: trips counted once, Kim–Xi summits, coverage-bound comparison."""

import pandas as pd

from analysis import charts, exchanges
from tests.analysis import sample_tables as st


def test_summits_are_numbered_and_grouped_in_runs():
    summits = exchanges.kim_xi_summits(st.events())
    assert list(summits["number"]) == [1, 2, 3, 4, 5, 6]
    runs = exchanges.runs(summits)
    assert [len(r) for r in runs] == [5, 1]
    text = exchanges.text(st.view("2026-02-01"), st.params("2026-02-01"))
    # the count of summits is said once, with their dates folded in
    assert text.startswith(
        "North Korea and China held six summits (five between March 2018 and June 2019 and one"
        " in September 2025) and"
    )
    assert text.count("six summits") == 1 and "Kim–Xi summits" not in text


def test_one_trip_counts_once():
    rows = exchanges.exchanges(st.events(), "CHN")
    sept = rows[rows["when"].dt.strftime("%Y-%m") == "2025-09"]
    assert len(sept) == 1 and sept.iloc[0]["event_type"] == "summit"
    assert sept.iloc[0]["event_id"] == st.ID["e30"] and sept.iloc[0]["level"] == "leader"
    counts = exchanges.counts_per_year(st.events(), ["CHN"], "2013-01-01", "2026-02-01")
    assert int(counts.loc[counts["year"] == 2025, "total"].iloc[0]) == 2  # trip + Li Qiang


def test_counts_per_year_leave_out_uncovered_years():
    covered = {"CHN": pd.Timestamp("2013-01-01"), "RUS": pd.Timestamp("2019-01-01")}
    counts = exchanges.counts_per_year(
        st.events(), ["CHN", "RUS"], "2013-01-01", "2026-02-01", covered
    )
    assert counts[counts["partner"] == "RUS"]["year"].min() == 2019
    assert counts[counts["partner"] == "CHN"]["year"].min() == 2013


def test_no_comparison_without_a_complete_partner_record():
    view, params = st.view("2026-02-01"), st.params("2026-02-01", compare_with="USA")
    text = exchanges.text(view, params)
    assert "no complete record of exchanges between North Korea and the United States" in text
    assert "against" not in text.split("\n\n")[0]
    title = exchanges.timeline_title(view, params)
    assert "United States" not in title
    fig = exchanges.timeline_figure(view, params)
    assert "United States" in str(fig.spec())  # the lane is still drawn
    facts = exchanges.facts(view, params)
    assert not [k for k in facts["numbers"] if k.startswith("exchanges.usa")]


def test_comparison_only_over_the_covered_window():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = exchanges.text(view, params).split("\n\n")[0]
    assert "The record of exchanges with Russia is complete from January 2019" in text
    # 2019-2026: Kim-Putin 2019, 2023, 2024 and Beijing 2025 against the Chinese trips since.
    assert "in that span four summits with Russia compare with" in text
    facts = exchanges.facts(view, params)["numbers"]
    assert "exchanges.rus.trips.2018" not in facts and "exchanges.rus.trips.2019" in facts
    assert facts["exchanges.chn.trips.2025"]["value"] == 2


def test_seniority_is_computed_from_level():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = exchanges.text(view, params)
    assert "senior Chinese visit to Pyongyang on 9 October 2025" in text
    assert "first senior Chinese visit to Pyongyang since April 2024" in text
    assert "no Chinese visitor of higher rank had come since June 2019" in text
    ev = st.events()
    ev.loc[ev["event_id"] == st.ID["e22"], "level"] = "official"
    text = exchanges.text(st.view("2026-02-01", events=ev), params)
    assert "No Chinese visitor of higher rank had come to Pyongyang since June 2019" in text


def test_as_of_2025_04_08_has_no_kim_visit_since_2019():
    view, params = st.view("2025-04-08"), st.params("2025-04-08")
    text = exchanges.text(view, params)
    # how long ago, counted to the edition's date
    assert "has not been back to China since his summit there on" in text
    assert "more than six years before this edition's date" in text
    # Zhao Leji's visit is among the events behind the assessment: printed there, once
    assert "Zhao Leji" not in text and "| 19 June 2024 | Putin in Pyongyang." in text
    assert "2025-09" not in text and "September 2025" not in text


def test_prose_has_no_colon_spliced_events_or_cut_labels():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = exchanges.text(view, params)
    assert "…" not in text
    for sentence in text.split("\n\n")[:4]:
        assert not any(f"{m} 2025: " in sentence for m in ("September", "October"))
    # the year's exchanges are all among the events behind the assessment: not listed again
    assert "| 9 October 2025 |" not in text
    assert "All three high-level exchanges of the year to 1 February 2026 are among" in text


def test_changed_event_date_moves_sentence_and_chart():
    ev = st.events()
    ev.loc[ev["event_id"] == st.ID["e31"], ["date", "published"]] = "2025-11-20"
    view, params = st.view("2026-02-01", events=ev), st.params("2026-02-01")
    assert "20 November 2025" in exchanges.text(view, params)
    rows = charts.data_of(exchanges.timeline_figure(view, params).chart)
    assert "2025-11-20" in {r.get("when") for r in rows}


def test_data_text_is_escaped():
    ev = st.events()
    ev.loc[ev["event_id"] == st.ID["e31"], "description"] = "<script>alert(1)</script> visit"
    view, params = st.view("2026-02-01", events=ev), st.params("2026-02-01")
    text = exchanges.text(view, params, listed=set())  # the exchange listed here, not in T2
    assert "<script>" not in text and "\\<script\\>" in text


def test_kept_trips_never_carry_one_languages_names_into_another():
    from analysis import text

    exchanges._trips.clear()
    for first, second in (("en", "ko"), ("ko", "en")):
        exchanges._trips.clear()
        with text.language(first):
            exchanges.exchanges(st.events(), "CHN")
        with text.language(second):
            rows = exchanges.exchanges(st.events(), "CHN")
        assert not rows.empty
        assert set(rows["partner_name"]) == {"China" if second == "en" else "중국"}
    # the kept rows themselves hold no language-dependent name
    assert all("partner_name" not in kept.columns for kept in exchanges._trips.kept.values())
