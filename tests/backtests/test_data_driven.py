"""The judgement moves with the data, through the real loaders, in a temporary copy of data/.

Nothing about the state is gated on a calendar date: take evidence away and the judgement
at the same date changes; add warming evidence and it moves toward warming.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from analysis import assessment as A
from analysis import paths
from analysis.data import as_of_view, load_tables
from analysis.params import BriefParams

ORDER = {"cooling": 0, "steady": 1, "warming": 2}


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(paths.data_dir(), target)
    return target


def read_events(data: Path) -> tuple[list[str], list[dict[str, str]]]:
    with (data / "events.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_events(data: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    rows = sorted(rows, key=lambda r: (r["date"], r["event_id"]))
    with (data / "events.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def assess(data: Path | None, as_of: str) -> A.Assessment:
    tables = load_tables(data)
    params = BriefParams(as_of=dt.date.fromisoformat(as_of))
    return A.assess(as_of_view(as_of, tables=tables), params)


def test_removing_the_autumn_2025_china_exchanges_changes_the_december_assessment(data_copy):
    fields, rows = read_events(data_copy)
    autumn = [
        r
        for r in rows
        if r["event_type"] in ("summit", "visit")
        and {r["actor_a"], r["actor_b"]} == {"PRK", "CHN"}
        and r["date"][:7] in ("2025-09", "2025-10")
    ]
    assert len(autumn) >= 3  # Kim's trip (one trip, three rows), Choe Son Hui, Li Qiang
    write_events(data_copy, fields, [r for r in rows if r not in autumn])
    before, after = assess(None, "2025-12-01"), assess(data_copy, "2025-12-01")
    assert before.readings["contact"].score > after.readings["contact"].score
    assert after.state != before.state
    assert ORDER[after.state] < ORDER[before.state]


def test_warming_events_in_the_month_before_move_the_state_toward_warming(data_copy):
    fields, rows = read_events(data_copy)
    base = assess(None, "2026-01-25")
    template = next(r for r in rows if r["event_id"] == "2024-10-06-75th-anniversary-messages")
    added = []
    for day, kind, level, text in (
        ("2026-01-16", "visit", "senior", "A Chinese vice-premier visits Pyongyang."),
        ("2026-01-18", "statement", "", "Xi and Kim exchange warm messages."),
        ("2026-01-20", "statement", "", "Rodong Sinmun praises the friendship on page one."),
        ("2026-01-22", "statement", "", "Beijing and Pyongyang announce a friendship year."),
    ):
        row = dict(template)
        row.update(
            event_id=f"{day}-test-warming-{kind}",
            date=day,
            published=day,
            actor_a="CHN",
            actor_b="PRK",
            event_type=kind,
            description=text,
            signal="warming",
            signal_partner="CHN",
            level=level,
            trip_id="",
            denuclearization="",
        )
        added.append(row)
    write_events(data_copy, fields, rows + added)
    warmer = assess(data_copy, "2026-01-25")
    assert warmer.score > base.score
    assert ORDER[warmer.state] > ORDER[base.state]


def test_the_same_date_with_the_same_data_gives_the_same_assessment(data_copy):
    assert A.facts(assess(None, "2025-04-08")) == A.facts(assess(data_copy, "2025-04-08"))
