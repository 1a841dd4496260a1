"""Security signals: CSIS counts beside China's Security Council record."""

import pandas as pd

from analysis import charts, security
from tests.analysis import sample_tables as st


def _row(**kw):
    base = {"actor_a": "CHN", "actor_b": "UNSC", "event_type": "un_vote", "description": ""}
    return pd.Series({**base, **kw})


def test_stance_classification():
    assert security.stance(_row(description="China and Russia veto a US draft")) == "Vetoed"
    assert (
        security.stance(_row(actor_a="RUS", description="Russia vetoes; China abstains"))
        == "Abstained"
    )
    assert (
        security.stance(_row(actor_a="UNSC", actor_b="PRK", event_type="sanction"))
        == "Voted for sanctions"
    )
    assert security.stance(_row(actor_b="PRK", event_type="sanction")) == "Applied sanctions"
    assert (
        security.stance(_row(event_type="statement", description="draft to ease sanctions"))
        == "Proposed easing"
    )
    assert (
        security.stance(_row(actor_b="PRK", event_type="statement", description="messages")) is None
    )


def test_nuclear_tests_are_matched_to_resolutions():
    resp = security.nuclear_responses(st.provocations(), st.events(), "2013-01-01", "2026-02-01")
    assert list(resp["resolution"]) == ["", "2270", "2321", "2375"]
    assert list(resp["days"])[1:] == [56, 82, 8]


def test_text_makes_the_claim_testable():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = security.text(view, params)
    assert "The last new sanctions resolution China voted for was Resolution 2397" in text
    assert "China cast a veto on 26 May 2022" in text
    assert "China abstained on 28 March 2024" in text
    assert "[@csis-provocations]" in text
    title = security.title(security.summary(view, params))
    assert title.startswith("3 of 4 nuclear tests drew UNSC sanctions China voted for")


def test_per_year_zero_fills_and_chart_holds_counts():
    counts = security.per_year(st.provocations(), "2013-01-01", "2026-02-01")
    assert (
        int(counts[(counts["year"] == 2022) & (counts["category"] == "missile")]["count"].iloc[0])
        == 3
    )
    assert int(counts[(counts["year"] == 2018)]["count"].sum()) == 0
    fig = security.figure(st.view("2026-02-01"), st.params("2026-02-01"))
    assert any(r.get("stance") == "Vetoed" for r in charts.data_of(fig.chart))
    assert "[@csis-provocations" in fig.source


def test_added_missile_event_changes_the_count():
    prov = st.provocations()
    prov.loc[len(prov)] = ["p99", "2025-06-01", "missile", "SRBM", "2025-06-01", "SRBM", "u"]
    view, params = st.view("2026-02-01", provocations=prov), st.params("2026-02-01")
    assert security.trend(view.provocations, params.as_of)["2025"] == 2
    assert "Missile events numbered 2 in 2025" in security.text(view, params)
