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
    # the record is framed by the time since the last vote and since China's latest step
    assert (
        "China last voted for a sanctions resolution eight years before this edition's date,"
        " with Resolution 2397 of December 2017" in text
    )
    assert "the latest 22 months before this edition" in text
    # the title counts the launches since; the text does not count them again
    assert "Since then CSIS has recorded" not in text
    assert "vetoed a draft resolution that would have tightened them (May 2022)" in text
    assert "abstained in a sanctions-related vote (March 2024)" in text
    assert "[@csis-provocations]" in text
    # the seed's claim is a claim, tested against the record
    assert "The Sejong brief's claim that Beijing now tolerates missile launches" in text
    assert "therefore holds" in text
    assert "Its claim that Beijing still draws a line at nuclear tests is untested" in text
    assert "more than eight years after the last one, on 3 September 2017" in text
    assert text.count("Sejong brief") == 1  # the claim is stated once (the framing states it)
    title = security.title(security.summary(view, params))
    assert title.startswith("Three of four nuclear tests since 2013 drew UN sanctions China")


def _launch(prov, day):
    return st.with_row(
        prov,
        provocation_id=f"{day}-9",
        date=day,
        published=day,
        category="missile",
        event="Missile launch",
        description="Missile launch.",
        source_url="https://example.org/csis",
    )


def _with_2094(events):
    return st.with_row(
        events,
        event_id="2013-03-07-e94",
        date="2013-03-07",
        date_precision="day",
        published="2013-03-07",
        actor_a="UNSC",
        actor_b="PRK",
        event_type="sanction",
        description="UNSC unanimously adopts Resolution 2094 after the third nuclear test.",
        signal="cooling",
        signal_partner="CHN",
        source_id="src-b",
        confidence="high",
    )


def test_every_nuclear_test_answered_once_the_record_has_2094():
    view = st.view("2026-02-01", events=_with_2094(st.events()))
    params = st.params("2026-02-01")
    s = security.summary(view, params)
    assert s["answered"] == s["nuclear"] == 4
    text = security.text(view, params)
    # the figure's title states the answered record; the text does not say it again
    assert security.title(s).startswith("Every nuclear test since 2013 drew UN sanctions")
    assert "Each of the four nuclear tests" not in text
    answered = security.response_sentence(s)
    assert "Each of the four nuclear tests in the window drew a sanctions resolution" in answered
    assert "Resolutions 2094, 2270" in answered


def test_missile_triggered_resolutions_are_named():
    prov = st.provocations()
    prov = _launch(prov, "2017-11-29")
    view, params = st.view("2026-02-01", provocations=prov), st.params("2026-02-01")
    s = security.summary(view, params)
    names = list(s["launch_resolutions"]["resolution"])
    assert "2397" in names and "2375" not in names and "2270" not in names
    assert "with Resolution 2397 of December 2017, the one it backed after launches" in (
        security.text(view, params)
    )


def test_prose_standard():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = security.text(view, params)
    for sentence in text.replace("\n\n", " ").split(". "):
        assert not sentence[:1].isdigit(), sentence
        assert sentence.count("@") <= 3, sentence


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
    prov = _launch(prov, "2025-06-01")
    view, params = st.view("2026-02-01", provocations=prov), st.params("2026-02-01")
    assert security.trend(view.provocations, params.as_of)["2025"] == 2
    assert "CSIS records two missile events in 2025" in security.text(view, params)


def test_trend_sentence_says_the_day_and_month_once_after_the_year():
    from analysis import text

    with text.language("ko"):
        korean = security.trend_sentence(st.provocations(), "2026-01-25")
    assert "2026년에는 1월 25일까지" in korean
    assert "2026년 1월까지" not in korean
    with text.language("en"):
        english = security.trend_sentence(st.provocations(), "2026-01-25")
    assert "in 2026 up to 25 January" in english
