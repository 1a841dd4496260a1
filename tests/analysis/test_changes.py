"""analysis.changes: "What changed since the previous edition", from two editions' facts."""

from __future__ import annotations

import re

import pytest

from analysis.changes import what_changed
from analysis.locales import korean_particles
from analysis.text import catalogue_keys


def facts(state: str, score: float, statuses: dict, numbers: dict, events: dict) -> dict:
    return {
        "assessment": {
            "as_of": "2025-04-08" if state == "warming" else "2026-01-25",
            "state": state,
            "confidence": "moderate",
            "indicators": {"friction": {"score": score, "weight": 0.25}},
        },
        "statuses": statuses,
        "numbers": numbers,
        "events": events,
    }


def status(code: str, since: str) -> dict:
    return {"label": "New Yalu River Bridge opens", "status": code, "since": since}


def figure(value: float, unit: str = "count") -> dict:
    return {"label": "an English label the text must not use", "value": value, "unit": unit}


OLD = facts(
    "warming",
    1.0,
    {"new-yalu-bridge": status("no_movement", "2024-10-21")},
    {
        "exchanges.chn.trips.2018": figure(5),  # a year both editions saw complete
        "exchanges.chn.trips.2025": figure(1),  # still running at the old edition's date
        "trade.gacc.2023": figure(2295.38, "US$ m"),
        "outlook.open_items": figure(6),  # not year-keyed: windows move, never "revised"
    },
    {
        "2025-01-10-a": "2025-01-10 — An event both editions state",
        "2025-02-01-b": "2025-02-01 — An event described one way",
    },
)
NEW = facts(
    "cooling",
    -1.0,
    {"new-yalu-bridge": status("signs_of_movement", "2025-12-11")},
    {
        "exchanges.chn.trips.2018": figure(6),
        "exchanges.chn.trips.2025": figure(3),
        "trade.gacc.2023": figure(2295.38, "US$ m"),
        "outlook.open_items": figure(4),
    },
    {
        "2025-01-10-a": "2025-01-10 — An event both editions state",
        "2025-02-01-b": "2025-02-01 — An event described another way",
        "2024-12-01-c": "2024-12-01 — An earlier event now mentioned",
        "2025-10-09-d": "2025-10-09 — A new event",
        "2026-01-04-e": "2026-01-04 — Another new event",
    },
)


def test_opens_with_what_moved_the_assessment_then_the_watch_list_events_and_revisions():
    text = what_changed(OLD, NEW, previous_date="2025-04-08", date="2026-01-25")
    paragraphs = text.strip().split("\n\n")
    assert paragraphs[0].startswith("The assessment has moved from warming")
    assert "cooling" in paragraphs[0] and "8 April 2025" in paragraphs[0]
    assert "Friction signals moved toward cooling" in paragraphs[0]
    assert "went from no movement to signs of movement on 11 December 2025" in paragraphs[1]
    # only the two events dated after the previous edition are "new"; one was re-described
    assert "draws on two events recorded since 8 April 2025" in paragraphs[2]
    assert "The description of one earlier event was corrected." in paragraphs[2]
    assert "High-level exchanges with China in 2018 now stands at 6, against 5" in text.replace(
        "\\", ""
    )


def test_compares_like_with_like_only():
    text = what_changed(OLD, NEW, previous_date="2025-04-08", date="2026-01-25")
    assert "2025 now stands" not in text  # the year was still running in the old edition
    assert "English label" not in text  # figures are named from their key, in the language
    assert "open watch" not in text.lower()  # windowed counts move with the date
    assert "2,295" not in text  # an unchanged figure is not news


def test_reads_as_prose_not_as_codes():
    text = what_changed(OLD, NEW, previous_date="2025-04-08", date="2026-01-25")
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), "no ISO dates in the reader's text"
    assert "no_movement" not in text and "signs_of_movement" not in text
    assert "→" not in text and "{" not in text


def test_a_previous_edition_without_an_assessment_is_said_plainly():
    old = {k: v for k, v in OLD.items() if k != "assessment"}
    text = what_changed(old, NEW, previous_date="2025-04-08", date="2026-01-25")
    assert text.startswith("The previous edition, as of 8 April 2025, made no assessment")


def test_nothing_moved_on_the_watch_list_is_stated():
    text = what_changed(NEW, NEW, previous_date="2026-01-25", date="2026-01-25")
    assert "No item on the watch list changed status." in text
    assert "still reads the relationship as cooling" in text


def test_korean_twin_is_in_korean():
    text = what_changed(OLD, NEW, lang="ko", previous_date="2025-04-08", date="2026-01-25")
    letters = [c for c in text if c.isalpha()]
    hangul = [c for c in letters if "가" <= c <= "힣"]
    assert len(hangul) / len(letters) > 0.8, text
    assert "2025년 12월 11일에 ‘변화 없음’에서 ‘진전 조짐’으로 바뀌었다" in text
    assert "(으)로" not in text and "은(는)" not in text  # every particle resolved


def test_the_korean_catalogue_has_every_key_of_the_english_one():
    english = {k for k in catalogue_keys("en") if k.startswith("changes.")}
    korean = {k for k in catalogue_keys("ko") if k.startswith("changes.")}
    assert english and english == korean


@pytest.mark.parametrize(
    ("written", "read"),
    [("−1(으)로", "−1로"), ("+0.75(으)로", "+0.75로"), ("6(으)로", "6으로"), ("3(으)로", "3으로")],
)
def test_korean_particle_after_a_digit_follows_how_it_is_read(written, read):
    assert korean_particles(written) == read


def test_events_given_with_their_window_count_like_plain_ones_and_odd_entries_are_skipped():
    new = {
        **NEW,
        "events": {**NEW["events"], "2026-01-10-f": {"label": "2026-01-10 — X", "window": 90}},
    }
    new["events"]["broken"] = 7  # a hand-edited facts.json: left out, never a crash
    text = what_changed(OLD, new, previous_date="2025-04-08", date="2026-01-25")
    assert "draws on three events recorded since 8 April 2025" in text
