"""The assessment model on small hand-made tables: each indicator, the state rule, the words."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import assessment as A
from analysis.params import BriefParams

COLUMNS = ("event_id", "date", "date_precision", "published", "actor_a", "actor_b")
COLUMNS += ("event_type", "description", "signal", "signal_partner", "level", "trip_id")
COLUMNS += ("denuclearization", "source_id", "confidence")


def event(date, a="PRK", b="CHN", kind="statement", signal="warming", partner="CHN", **kw):
    row = {
        "event_id": kw.pop("event_id", f"{date}-{kind}-{a}-{b}-{signal}"),
        "date": date,
        "date_precision": kw.pop("precision", "day"),
        "published": pd.Timestamp(kw.pop("published", date)),
        "actor_a": a,
        "actor_b": b,
        "event_type": kind,
        "description": kw.pop("description", f"{kind} {date}"),
        "signal": signal,
        "signal_partner": partner,
        "level": kw.pop("level", ""),
        "trip_id": kw.pop("trip_id", ""),
        "denuclearization": kw.pop("denuclearization", ""),
        "source_id": kw.pop("source_id", "src"),
        "confidence": "high",
    }
    assert not kw, kw
    return row


def tables(events=(), trade=None, indicators=None, status=None):
    trade_cols = ["partner", "series", "period_type", "year", "period", "total_usd_m"]
    trade_cols += ["published", "source_id", "confidence"]
    return SimpleNamespace(
        events=pd.DataFrame(list(events), columns=list(COLUMNS)),
        trade=pd.DataFrame(trade or [], columns=trade_cols),
        watch_indicators=indicators
        if indicators is not None
        else pd.DataFrame(columns=["indicator_id", "label", "description", "named_by", "order"]),
        watch_status=status
        if status is not None
        else pd.DataFrame(
            columns=["indicator_id", "effective", "published", "status", "detail", "source_id"]
        ).astype({"effective": "datetime64[ns]", "published": "datetime64[ns]"}),
        provocations=pd.DataFrame(),
        sources={},
    )


def params(as_of="2026-01-25", **kw):
    return BriefParams(as_of=dt.date.fromisoformat(as_of), **kw)


def ctx(view, as_of="2026-01-25"):
    return A.context(view, params(as_of))


def trip(date, level, trip_id="", a="PRK", b="CHN"):
    kind = "summit" if level == "leader" else "visit"
    return event(date, a, b, kind, "warming", b if a == "PRK" else a, level=level, trip_id=trip_id)


def test_weights_sum_to_one_and_every_indicator_states_its_window():
    assert sum(A.WEIGHTS.values()) == pytest.approx(1.0)
    for ind in A.INDICATORS:
        assert ind.window and ind.direction and ind.weight > 0


def test_one_trip_counts_once_at_its_highest_level():
    rows = [
        trip("2025-09-02", "leader", "kim-beijing"),
        trip("2025-09-03", "leader", "kim-beijing"),
        trip("2025-09-04", "leader", "kim-beijing"),
        trip("2025-10-09", "senior"),
    ]
    r = A.contact(ctx(tables(rows)))
    assert r.measures["trips_12m"] == 2 and r.measures["leader_12m"] == 1
    assert r.score == pytest.approx(1.0)  # far above a baseline of a few points since 2013


def test_contact_below_its_baseline_scores_down():
    rows = [trip(f"{y}-05-01", "leader") for y in range(2014, 2020)]
    r = A.contact(ctx(tables(rows)))
    assert r.measures["trips_12m"] == 0 and r.score == -1.0


def test_friction_weighs_the_last_three_months_double():
    recent = event("2026-01-10", signal="cooling", kind="test", a="PRK", b="")
    older = event("2025-09-01", signal="cooling")
    assert A.friction(ctx(tables([recent]))).score == -0.5
    assert A.friction(ctx(tables([older]))).score == -0.25
    assert A.friction(ctx(tables([recent, older]))).measures["count"] == 2


def test_goodwill_leaves_practical_steps_to_the_watch_list():
    words = event("2026-01-10", kind="statement")
    step = event("2026-01-12", kind="economic")
    r = A.goodwill(ctx(tables([words, step])))
    assert r.evidence == (words["event_id"],)


def test_anniversaries_read_the_treatment_of_the_shared_dates():
    marked = event("2025-10-10", kind="visit", a="CHN", b="PRK", level="senior")
    slighted = event("2025-07-11", signal="cooling")
    other_day = event("2025-08-20", signal="cooling")
    r = A.anniversaries(ctx(tables([marked, slighted, other_day])))
    # the senior attendance counts double: (2 - 1) / 3
    assert r.score == pytest.approx(1 / 3, abs=1e-3)
    assert other_day["event_id"] not in r.evidence


def test_readouts_read_the_denuclearization_column():
    rows = [
        event("2025-06-01", denuclearization="yes"),
        event("2025-07-01", denuclearization="no"),
        event("2025-08-01", denuclearization="no"),
    ]
    assert A.readouts(ctx(tables(rows))).score == pytest.approx(1 / 3, abs=1e-3)
    assert A.readouts(ctx(tables([]))).score is None


def test_costly_steps_count_movement_in_the_last_twelve_months_only():
    ind = pd.DataFrame(
        [
            ("bridge", "Bridge opens", "", "s", 1),
            ("tourism", "Tourism resumes", "", "s", 2),
            ("kim-visit-china", "Kim visits China", "", "s", 3),
        ],
        columns=["indicator_id", "label", "description", "named_by", "order"],
    )
    status = pd.DataFrame(
        [
            ("bridge", "2024-10-21", "no_movement"),
            ("bridge", "2025-12-11", "signs_of_movement"),
            ("tourism", "2023-01-01", "moved"),
            ("kim-visit-china", "2025-09-02", "moved"),
        ],
        columns=["indicator_id", "effective", "status"],
    )
    status["effective"] = pd.to_datetime(status["effective"])
    status["published"] = status["effective"]
    r = A.costly_steps(ctx(tables(indicators=ind, status=status)))
    assert r.evidence == ("bridge",)  # tourism moved too long ago; Kim's visit is contact
    assert r.score == 0.25


def test_trade_compares_like_with_like_and_goes_stale():
    def row(year, period_type, period, total, published):
        return (
            "CHN",
            "GACC",
            period_type,
            year,
            period,
            total,
            pd.Timestamp(published),
            "s",
            "high",
        )

    rows = [
        row(2024, "annual", "", 2180.0, "2025-01-20"),
        row(2025, "annual", "", 2735.0, "2026-01-18"),
        row(2024, "partial", "01-06", 971.0, "2024-07-31"),
        row(2025, "partial", "01-06", 1260.0, "2025-07-31"),
    ]
    r = A.trade_momentum(ctx(tables(trade=rows), "2025-10-01"))
    assert r.measures["period_type"] == "partial" and r.measures["change_pct"] == 29.8
    r = A.trade_momentum(ctx(tables(trade=rows), "2026-01-25"))
    assert r.measures["year"] == 2025 and r.measures["period_type"] == "annual"
    old = [rows[0], row(2023, "annual", "", 2295.38, "2024-01-18")]
    assert A.trade_momentum(ctx(tables(trade=old), "2026-06-01")).score is None


def test_partner_momentum_sets_the_partner_against_china():
    rows = [trip("2025-12-01", "leader", a="PRK", b="RUS"), trip("2025-12-05", "senior")]
    r = A.partner_momentum(ctx(tables(rows)))
    assert r.measures["other"] == 2.0 and r.measures["china"] == 1.0 and r.score < 0


def test_warming_needs_a_deed_and_cooling_needs_friction():
    words = [event(f"2026-01-{d:02d}") for d in (5, 10, 15, 20)]
    a = A.assess(tables(words), params())
    assert a.score >= A.STATE_THRESHOLD and a.state == "steady" and a.gated
    with_visit = [*words, trip("2026-01-12", "leader")]
    assert A.assess(tables(with_visit), params()).state == "warming"
    # warm words three to six months ago, silence since, contact below its baseline
    quiet = [trip(f"{y}-05-01", "leader") for y in range(2014, 2020)]
    quiet += [event(f"2025-{m:02d}-15") for m in (8, 9, 10)]
    a = A.assess(tables(quiet), params())
    assert a.score <= -A.STATE_THRESHOLD and a.state == "steady" and a.gated
    snubs = [*quiet, event("2026-01-08", signal="cooling"), event("2026-01-14", signal="cooling")]
    assert A.assess(tables(snubs), params()).state == "cooling"


def test_an_assessment_is_remembered_by_content_and_redone_when_a_view_changes():
    quiet = [trip(f"{y}-05-01", "leader") for y in range(2014, 2020)]
    snubs = [*quiet, event("2026-01-08", signal="cooling"), event("2026-01-14", signal="cooling")]
    view = tables(snubs)
    first = A.assess(view, params())
    assert first.state == "cooling"
    assert A.assess(tables(snubs), params()) is first  # equal content: not computed again
    assert A.assess(view, params("2026-01-26")) is not first  # another date: computed
    earlier = A.assess(view, params(), at="2025-06-01")  # a window's end, by keyword
    assert earlier is not first and A.assess(view, params(), at="2025-06-01") is earlier
    view.events.loc[view.events.index[-2:], "signal"] = "neutral"  # the snubs, in place
    assert A.assess(view, params()).state != "cooling"


def test_the_words_come_from_the_catalogue_and_follow_the_state():
    rows = [
        trip("2025-09-02", "leader"),
        event("2026-01-04", signal="cooling", kind="test"),
        event("2026-01-08", signal="cooling"),
        event("2026-01-14", signal="cooling"),
    ]
    a = A.assess(tables(rows), params())
    assert a.state == "cooling"
    line = A.bottom_line(a)
    assert line.startswith("Relations between China and North Korea are") or line.startswith(
        "There is a roughly even chance"
    )
    assert "cooling" in line and "confidence" in line
    assert A.title(a).startswith("China and North Korea: ")
    facts = A.facts(a)["assessment"]
    assert {"state", "direction", "confidence", "label", "title", "subtitle", "indicators"} <= set(
        facts
    )
    assert set(A.INDICATOR_KEYS) | {"momentum"} == set(facts["indicators"])


@pytest.mark.parametrize(
    ("pct", "words"),
    [
        (25.5, "up about a quarter"),
        (-5.0, "down about 5%"),
        (1.0, "roughly unchanged"),
        (123.3, "more than double the year before"),
        (-11.0, "down about a tenth"),
    ],
)
def test_changes_are_approximate_words(pct, words):
    assert A.approx_change(pct) == words


def test_no_calendar_date_decides_anything_in_the_model():
    """The judgement comes from the data: the module holds no date literal to switch on."""
    source = Path(A.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    dated = [s for s in strings if re.search(r"\b(19|20)\d\d-\d\d", s)]
    assert not dated
    assert not re.search(r"\b(date|Timestamp)\((19|20)\d\d", source)
    assert "today" not in source and "now()" not in source


def test_what_moved_compares_two_editions_facts():
    warm = [trip("2026-01-12", "leader"), event("2026-01-05"), event("2026-01-10")]
    cold = [
        trip("2025-09-02", "leader"),
        event("2026-01-04", signal="cooling", kind="test"),
        event("2026-01-08", signal="cooling"),
        event("2026-01-14", signal="cooling"),
    ]
    before = A.facts(A.assess(tables(warm), params()))
    after = A.facts(A.assess(tables(cold), params()))
    text = A.what_moved(before, after)
    assert text.startswith("The assessment has moved from warming")
    assert "Friction signals moved toward cooling" in text
    assert A.what_moved({}, after) == ""
    same = A.what_moved(after, after)
    assert same.startswith("The assessment still reads the relationship as cooling")


def test_an_event_the_watch_list_reports_is_told_once():
    """The evidence table points to the watch-list item whose latest report the event is;
    the other rows keep their description; the rows the readings rest on are unchanged."""
    from analysis.data import as_of_view

    params = BriefParams(as_of="2025-04-08")
    view = as_of_view(params.as_of)
    a = A.assess(view, params)
    assert A.watch_reports(a, view) == {
        "2025-03-31-chinese-personnel-enter": "Chinese personnel enter North Korea"
    }
    table = A.evidence_table(a, view)
    assert "Reported under the watch-list item “Chinese personnel enter North Korea”" in table
    assert "Fourteen Chinese officials" not in table
    assert "2025-03-31-chinese-personnel-enter" in set(A.evidence_rows(a, view)["event_id"])


def test_an_edition_past_the_end_of_its_event_record_reads_the_record_as_of_its_end():
    """Months nobody searched are not months of silence: the windows end where the record
    does, the bottom line says so, and the judgement is held with less confidence."""
    rows = [event(f"2025-{m:02d}-10", signal="cooling") for m in (10, 11, 12)]
    rows += [trip("2025-09-02", "leader"), trip("2025-10-09", "senior")]
    view = tables(rows)
    current = A.assess(view, params("2026-01-25"))
    view.current_to = {"events": dt.date(2026, 1, 25)}
    stale = A.assess(view, params("2026-08-20"))
    assert stale.as_of == dt.date(2026, 1, 25) and stale.edition_date == dt.date(2026, 8, 20)
    assert stale.state == current.state and stale.score == current.score
    assert stale.confidence == A.LOWER[current.confidence]
    assert "stops on 25 January 2026, seven months before this edition" in A.bottom_line(stale)
    facts = A.facts(stale)["assessment"]
    assert (facts["as_of"], facts["read_at"]) == ("2026-08-20", "2026-01-25")
    assert "20 August 2026" in facts["subtitle"]
    # without the record's end, the same view reads six empty months as calm
    view.current_to = {}
    assert A.assess(view, params("2026-08-20")).readings["friction"].measures["count"] == 0
    # a record current to the edition's date changes nothing
    view.current_to = {"events": dt.date(2026, 1, 25)}
    same = A.assess(view, params("2026-01-25"))
    assert same.confidence == current.confidence and "stops on" not in A.bottom_line(same)


def test_the_evidence_table_lists_the_latest_rows_and_counts_the_others():
    """However long the record grows, the table lists `narrative.TABLE_ROWS` rows (the
    latest), says how many it leaves out, and only what it lists counts as printed."""
    from analysis import narrative, text

    rows = [event(f"2025-{8 + d // 28:02d}-{1 + d % 28:02d}", signal="cooling") for d in range(90)]
    view = tables(rows)
    a = A.assess(view, params())
    everything = A.evidence_rows(a, view)
    assert len(everything) > narrative.TABLE_ROWS
    table = A.evidence_table(a, view)
    body = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(body) == narrative.TABLE_ROWS + 1  # the header and the listed rows
    latest = everything.tail(narrative.TABLE_ROWS)
    assert all(narrative.md_escape(d) in table for d in latest["description"])
    assert narrative.md_escape(everything.iloc[0]["description"]) not in table
    left = len(everything) - narrative.TABLE_ROWS
    assert table.endswith(
        f"Only the latest {narrative.TABLE_ROWS} of {len(everything)} are listed here; "
        f"the other {left} are in the brief's event table."
    )
    assert A.evidence_keys(view, params()) == set(latest["event_id"])
    with text.language("ko"):
        assert A.evidence_table(a, view).endswith(f"나머지 {left}건은 이 브리프의 사건 표에 있다.")
