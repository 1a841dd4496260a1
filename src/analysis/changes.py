""" "What changed since the previous edition", worded from two editions' stated facts.

The machinery calls `what_changed` (`[tool.brief] changes`) with the previous and the new
edition's `facts.json` and their edition dates; it never reads the data, so the section
says only what the two editions themselves stated. Like is compared with like: the
assessment with the assessment, a watch-list item's status with its own earlier status,
a figure for a calendar year with the same year's figure, and only for years both
editions saw complete (a year still running is not "revised", it is counted further).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from analysis import narrative, registry
from analysis.assessment import what_moved
from analysis.locales import data_text
from analysis.text import capital, language, number, say

# Year-keyed figures a reader may see revised, by the shape of their facts key: the
# template naming the figure and how its value reads. A key of another shape is left to
# `brief diff` (the machinery's full listing), never described from its English label.
FIGURES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"exchanges\.(?P<partner>[a-z]+)\.trips\.(?P<year>\d{4})$"), "trips"),
    (re.compile(r"pivot\.summits\.(?P<partner>[a-z]+)\.(?P<year>\d{4})$"), "summits"),
    (re.compile(r"security\.missile_events\.(?P<year>\d{4})$"), "missiles"),
    (re.compile(r"trade\.gap\.(?P<year>\d{4})$"), "gap"),
    (re.compile(r"trade\.kotra\.china_share\.(?P<year>\d{4})$"), "share"),
    (re.compile(r"trade\.rus\.(?P<year>\d{4})$"), "russia_trade"),
    (re.compile(r"trade\.(?P<series>[a-z]+)\.(?P<year>\d{4})$"), "trade"),
)
MOST_REVISIONS = 4  # revised figures named in the text; the rest are counted


def _entries(facts: dict[str, Any], kind: str, shape: Any = dict) -> dict[str, Any]:
    """One kind of a facts document, keeping only entries of the expected `shape` (a
    hand-edited or older facts.json must not break the section: what cannot be read is
    left out)."""
    found = facts.get(kind) if isinstance(facts, dict) else None
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(v, shape)}


def _assessed(facts: dict[str, Any]) -> bool:
    entry = facts.get("assessment") if isinstance(facts, dict) else None
    return isinstance(entry, dict) and {"state", "confidence", "as_of"} <= entry.keys()


def _value(entry: dict[str, Any]) -> str:
    value, unit = entry.get("value"), entry.get("unit")
    if unit == "US$ m":
        return narrative.fmt_usd_m(float(value))
    if unit == "%":
        return narrative.fmt_pct(float(value))
    return narrative.fmt_int(int(value)) if float(value).is_integer() else str(value)


def _figure_name(kind: str, found: re.Match[str]) -> str:
    values = {"year": found["year"]}
    if "partner" in found.groupdict():
        values["partner"] = registry.name(found["partner"].upper())
    if "series" in found.groupdict():
        values["series"] = registry.series_label(found["series"].upper())
    return say(f"changes.figure.{kind}", **values)


def _figure(key: str) -> Callable[[], str] | None:
    for pattern, kind in FIGURES:
        if found := pattern.match(key):
            return lambda kind=kind, found=found: _figure_name(kind, found)
    return None


def _year(value: str) -> int | None:
    return int(value[:4]) if value[:4].isdigit() else None


def opening(previous: dict[str, Any], current: dict[str, Any], previous_date: str) -> str:
    """What moved the assessment; a plain statement when the previous edition made none."""
    if _assessed(previous) and _assessed(current):
        return what_moved(previous, current)
    return say("changes.no_previous_assessment", date=narrative.fmt_date(previous_date))


def watch_moves(previous: dict[str, Any], current: dict[str, Any]) -> str:
    """Watch-list items whose status changed, each with the date of the change."""
    old, new = _entries(previous, "statuses"), _entries(current, "statuses")
    moves = []
    for key in sorted(new.keys() & old.keys()):
        before, after = old[key], new[key]
        if before.get("status") == after.get("status"):
            continue
        moves.append(
            say(
                "changes.watch.item" if after.get("since") else "changes.watch.item_undated",
                item=data_text(after.get("label") or key),
                old=say(f"changes.status.{before.get('status')}"),
                new=say(f"changes.status.{after.get('status')}"),
                **({"date": narrative.fmt_date(after["since"])} if after.get("since") else {}),
            )
        )
    if not moves:
        return say("changes.watch.none") if new else ""
    lead = say("changes.watch.moved", n=len(moves), count=number(len(moves)))
    return " ".join([lead, *moves])


def new_events(previous: dict[str, Any], current: dict[str, Any], previous_date: str) -> str:
    """How many events the edition draws on that happened after the previous edition."""
    # an event is its "date — text" string, or {"label": that string, "window": days}
    old, new = (
        {k: v if isinstance(v, str) else str(v.get("label") or "") for k, v in e.items()}
        for e in (_entries(f, "events", str | dict) for f in (previous, current))
    )
    after = [k for k in new.keys() - old.keys() if new[k][:10] > previous_date]
    corrected = [k for k in new.keys() & old.keys() if new[k] != old[k]]
    sentences = []
    if after:
        sentences.append(
            say(
                "changes.events.new",
                n=len(after),
                count=number(len(after)),
                date=narrative.fmt_date(previous_date),
            )
        )
    if corrected:
        sentences.append(
            say("changes.events.corrected", n=len(corrected), count=number(len(corrected)))
        )
    return " ".join(sentences)


def revisions(previous: dict[str, Any], current: dict[str, Any], previous_date: str) -> str:
    """Figures for calendar years both editions saw complete whose value changed."""
    old, new = _entries(previous, "numbers"), _entries(current, "numbers")
    complete_before = _year(previous_date)
    found = []
    for key in sorted(new.keys() & old.keys()):
        name = _figure(key)
        year = _year(key.rsplit(".", 1)[-1])
        a, b = old[key], new[key]
        if name is None or year is None or complete_before is None or year >= complete_before:
            continue
        numeric = all(isinstance(e.get("value"), int | float) for e in (a, b))
        if not numeric or a.get("unit") != b.get("unit") or a.get("value") == b.get("value"):
            continue
        found.append(
            capital(say("changes.revised.item", figure=name(), new=_value(b), old=_value(a)))
        )
    if not found:
        return ""
    shown = found[:MOST_REVISIONS]
    lead = say("changes.revised.lead", n=len(found), count=number(len(found)))
    rest = len(found) - len(shown)
    more = [say("changes.revised.more", n=rest, count=number(rest))] if rest else []
    return " ".join([lead, *shown, *more])


def what_changed(
    previous: dict[str, Any],
    current: dict[str, Any],
    *,
    lang: str = "en",
    previous_date: str = "",
    date: str = "",
) -> str:
    """The section's Markdown: what moved the assessment, then the watch list, the record
    of events and revised figures, one short paragraph each (empty ones left out)."""
    with language(lang):
        paragraphs = [
            opening(previous, current, previous_date) if previous_date else "",
            watch_moves(previous, current),
            new_events(previous, current, previous_date) if previous_date else "",
            revisions(previous, current, previous_date) if previous_date else "",
        ]
        return "\n\n".join(narrative.md_escape(p) for p in paragraphs if p) + "\n"
