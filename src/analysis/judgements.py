"""Key judgements: the edition's scope and the published readings it is tested against.

The bottom line and the summary points are the assessment's (`analysis.assessment`); this
module adds what frames them: what the edition knows (its date, window, series, partner)
and how each published reading of the relationship available by the edition's date stands
against the brief's own indicators, at the reading's date and at the edition's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis import assessment, narrative, registry
from analysis.text import join, say


@dataclass(frozen=True)
class PublishedReading:
    """A reading of the relationship, coded from its text: the state it finds and why."""

    source_id: str
    state: str  # warming | steady | cooling, in the brief's vocabulary
    indicators: tuple[str, ...]  # the assessment indicators its argument rests on


# The seeds, coded once from their texts (what each argues is in catalogue readings.yaml).
READINGS = (
    PublishedReading("sejong-2024-11", "steady", ("friction", "contact")),
    PublishedReading("joongang-2025-04-thaw", "warming", ("costly_steps", "goodwill")),
    PublishedReading("joongang-2026-01-chill", "cooling", ("friction", "partner")),
)


def scope(params: Any) -> str:
    """What this edition is: its date, lead series and comparison partner (the window's start
    is in the sections' counts)."""
    return say(
        "judgements.scope",
        as_of=narrative.fmt_date(params.as_of),
        series=registry.series_label(params.trade_series),
        partner=registry.in_sentence(params.compare_with),
    )


def available(view: Any, params: Any) -> list[tuple[PublishedReading, Any]]:
    """The readings whose source was issued by the edition's date, with that date."""
    out = []
    for reading in READINGS:
        if reading.source_id not in view.sources:
            continue
        when = narrative.issued(view.sources, reading.source_id)
        if when is not None and when <= narrative.as_date(params.as_of):
            out.append((reading, when))
    return out


def _state_phrase(a: assessment.Assessment) -> str:
    return say(
        "judgements.state." + ("steady_friction" if assessment.with_friction(a) else a.state)
    )


def _indicator_clause(a: assessment.Assessment, keys: tuple[str, ...]) -> str:
    return join([assessment.driver_phrase(a, k) for k in keys if _known(a, k)])


def _known(a: assessment.Assessment, key: str) -> bool:
    return key == "momentum" or a.readings[key].known


def adjudicate(
    reading: PublishedReading, when: Any, view: Any, params: Any, now: assessment.Assessment
) -> str:
    """One reading: what it argues, whether the indicators agreed then, what they say now."""
    then = assessment.assess(view, params, at=when)
    same_day = then.as_of == now.as_of
    key = reading.source_id.replace("-", "_")
    summary = f"readings.{key}" if same_day else f"readings.past.{key}"
    sentences = [
        narrative.with_cite(say(summary, date=narrative.fmt_date(when)), [reading.source_id])
    ]
    verdict = "agrees" if then.state == reading.state else "departs"
    if same_day:  # this edition's own moment: the evidence in full
        sentences.append(
            say(
                f"judgements.then.{verdict}",
                state=_state_phrase(then),
                evidence=_indicator_clause(then, reading.indicators),
            )
        )
    else:  # an earlier moment: its verdict in brief (that edition gives the evidence)
        key = "still" if now.state == then.state else "now"
        sentences.append(
            say(
                f"judgements.past.{verdict}.{key}",
                then=_state_phrase(then),
                now=_state_phrase(now),  # with or without friction, as read today
            )
        )
    return " ".join(sentences)


def readings(view: Any, params: Any, now: assessment.Assessment) -> str:
    """The published readings available by the edition date, each adjudicated."""
    items = [adjudicate(r, when, view, params, now) for r, when in available(view, params)]
    if not items:
        return say("judgements.no_readings")
    return narrative.bullets(items)


def facts(view: Any, params: Any, now: assessment.Assessment) -> dict[str, Any]:
    """How each available reading stands against the indicators (for the diff)."""
    out = {}
    for reading, when in available(view, params):
        then = assessment.assess(view, params, at=when)
        out[reading.source_id] = {
            "state": reading.state,
            "indicators_then": then.state,
            "verdict": "agrees" if then.state == reading.state else "departs",
            "indicators_now": now.state,
        }
    return {"readings": out}
