"""Back-tests: an edition as of each seed's date reaches that seed's judgement from the data.

Sejong (21 Oct 2024): managed tension, a war of nerves, not a rift. JoongAng (8 Apr 2025):
a tentative thaw. JoongAng (25 Jan 2026): a renewed chill as Pyongyang leans on Moscow.
Each test runs the real model on the real data's as-of view, and checks the state, the
first paragraph and that the evidence the seed used (friction and chill included, not
only the friendly signals) is surfaced by the edition's evidence table.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analysis import assessment as A
from analysis.data import as_of_view, load_tables
from analysis.params import BriefParams


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def moment(tables, as_of: str):
    params = BriefParams(as_of=dt.date.fromisoformat(as_of))
    view = as_of_view(as_of, tables=tables)
    return A.assess(view, params), view, params


def surfaced(a, view) -> dict[str, str]:
    rows = A.evidence_rows(a, view)
    return dict(zip(rows["event_id"], rows["description"], strict=True))


def test_2024_10_21_reads_steady_with_friction_not_a_rift(tables):
    a, view, _ = moment(tables, "2024-10-21")
    assert a.state == "steady" and A.with_friction(a)
    first = A.bottom_line(a)
    assert first.startswith("Relations between China and North Korea are")
    assert "holding steady despite visible friction" in first
    assert A.title(a) == "China and North Korea: managed tension"
    shown = surfaced(a, view)
    # the friction the Sejong brief weighs, not only the friendly signals
    assert "2024-07-11-treaty-anniversary-unmarked" in shown  # the unmarked treaty anniversary
    assert "2024-07-09-china-denies-rift" in shown  # the spokesman's denial of a rift
    assert any("workers" in text for text in shown.values())  # the dispute over workers
    assert "2024-10-06-75th-anniversary-messages" in shown  # and the messages that continued


def test_2024_10_21_surfaces_the_dip_in_trade(tables):
    a, view, params = moment(tables, "2024-10-21")
    comparisons = A.trade_comparisons(view, params.trade_series, A.pd.Timestamp(params.as_of))
    partial = [c for c in comparisons if c["period_type"] == "partial"]
    if not partial:
        pytest.xfail(
            "data: no GACC partial-year row for 2023 to set against Jan–Jun 2024 (971), so "
            "the 2024 dip the Sejong brief saw cannot be computed like for like yet"
        )
    assert partial[-1]["change_pct"] < 0
    assert a.readings["trade"].measures["period_type"] == "partial"
    assert a.readings["trade"].score < 0


def test_2025_04_08_reads_a_tentative_thaw(tables):
    a, view, _ = moment(tables, "2025-04-08")
    assert a.state == "warming" and a.direction == "improving"
    assert a.confidence in ("low", "moderate")  # a thaw from a low base, not a settled one
    first = A.bottom_line(a)
    assert "warming" in first.split(".")[0]
    assert "costly economic steps" in first
    shown = surfaced(a, view)
    assert "2025-03-31-chinese-personnel-enter" in shown or (
        "chinese-personnel-entry" in a.readings["costly_steps"].evidence
    )
    assert "2025-03-25-nk-marks-summit-anniversary" in shown
    # the tension of the months before is surfaced too
    assert "2024-12-friendship-year-ends-quietly" in shown


def test_2026_01_25_reads_a_renewed_chill_toward_moscow(tables):
    a, view, _ = moment(tables, "2026-01-25")
    assert a.state == "cooling" and a.direction == "deteriorating"
    first = A.bottom_line(a)
    assert "cooling" in first.split(".")[0]
    assert "public friction" in first and "Russia" in first
    assert "high-level contact above its long-run rate" in first  # the summit is weighed
    assert A.title(a) == "China and North Korea: a renewed chill"
    shown = surfaced(a, view)
    assert "2026-01-04-missile-launch-lee-in-beijing" in shown  # launch as Lee arrived in Beijing
    assert "2026-01-14-kim-yo-jong-mocks-lee" in shown  # Kim Yo Jong against Seoul's diplomacy
    assert "2026-01-08-new-year-cards-xi-by-title" in shown  # the New Year card snub
    assert "2026-01-05-kim-visits-war-memorial-site" in shown  # the turn to Moscow
    assert {"friction", "partner"} <= set(a.drivers())


@pytest.mark.parametrize(
    ("as_of", "source_id", "verdict"),
    [
        ("2024-10-21", "sejong-2024-11", "agrees"),
        ("2025-04-08", "joongang-2025-04-thaw", "agrees"),
        ("2026-01-25", "joongang-2026-01-chill", "agrees"),
    ],
)
def test_each_seed_is_adjudicated_on_its_own_date(tables, as_of, source_id, verdict):
    from analysis import judgements

    a, view, params = moment(tables, as_of)
    facts = judgements.facts(view, params, a)["readings"]
    assert facts[source_id]["verdict"] == verdict
    later = [r.source_id for r in judgements.READINGS if r.source_id not in facts]
    text = judgements.readings(view, params, a)
    assert all(f"@{s}" not in text for s in later)  # nothing published after the edition
