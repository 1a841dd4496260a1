"""Shared helpers on the events table: dates with their precision, pairs of actors, windows.

`events` rows carry `date` as `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with `date_precision`; here
each row gets `when` (the first day the date can mean), `year`, and a short plain-text
`label`. Every topic module reads events through `prepare`, so all sections agree on dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from analysis import data, narrative, registry

SUBJECT = registry.SUBJECT
CHINA = registry.CHINA
UNSC = registry.UNSC

PRECISIONS = registry.PRECISIONS  # the one home of date precision


def name(code: str) -> str:
    return registry.name(code)


def sentence_name(code: str) -> str:
    """The name as it reads inside a sentence: 'the United States', 'the UN Security Council'."""
    return registry.in_sentence(code)


def precision_of(value: Any) -> str:
    """'year', 'month' or 'day', from the length of a `YYYY[-MM[-DD]]` date."""
    length = len(str(value).strip())
    return next((p for p, n in PRECISIONS.items() if n == length), "day")


def first_day(value: Any) -> pd.Timestamp:
    """The first day a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date can mean."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value)
    text = str(value).strip()
    return pd.Timestamp(text + {"year": "-01-01", "month": "-01"}.get(precision_of(text), ""))


@data.by_frame(size=8)
def prepare(events: pd.DataFrame) -> pd.DataFrame:
    """A copy of `events` with `when`, `precision`, `year`, `label`, sorted by date.

    Every section reads events through here, dozens of times per render on the same frame:
    kept by the frame's content (`data.by_frame`), so each view pays once."""
    out = events.copy()
    if out.empty:
        for col in ("when", "precision", "year", "label"):
            out[col] = pd.Series(dtype="object")
        return out
    if "date_precision" in out.columns:
        out["precision"] = out["date_precision"].fillna("").astype(str)
        missing = ~out["precision"].isin(list(PRECISIONS))
        out.loc[missing, "precision"] = out.loc[missing, "date"].map(precision_of)
    else:
        out["precision"] = out["date"].map(precision_of)
    out["when"] = pd.to_datetime(out["date"].map(first_day))
    out["year"] = out["when"].dt.year.astype(int)
    out["label"] = out["description"].map(narrative.first_clause)
    for col in ("actor_b", "source_id", "confidence", "trip_id", "level", "signal"):
        if col in out.columns:
            out[col] = out[col].fillna("").astype(str)
    sort = ["when", "event_id"] if "event_id" in out.columns else ["when"]
    return out.sort_values(sort, kind="stable").reset_index(drop=True)


def between(events: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Rows whose two actors are `a` and `b`, in either order."""
    ab = (events["actor_a"] == a) & (events["actor_b"] == b)
    ba = (events["actor_a"] == b) & (events["actor_b"] == a)
    return events[ab | ba]


def involving(events: pd.DataFrame, *actors: str) -> pd.DataFrame:
    return events[events["actor_a"].isin(actors) | events["actor_b"].isin(actors)]


def window(frame: pd.DataFrame, start: Any, as_of: Any, column: str = "when") -> pd.DataFrame:
    lo, hi = pd.Timestamp(start), pd.Timestamp(as_of)
    return frame[(frame[column] >= lo) & (frame[column] <= hi)]


def headline(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows fit for headline statements: low-confidence rows are left out."""
    if "confidence" not in frame.columns:
        return frame
    return frame[frame["confidence"] != "low"]


def when_text(row: Any) -> str:
    return narrative.fmt_date(row["when"], row["precision"])


def fact_key(row: Any) -> str:
    return str(row["event_id"]) if "event_id" in row else narrative.iso(row["when"])


def fact_text(row: Any) -> str:
    return f"{narrative.iso(row['when'], row['precision'])} — {row['label']}"


def facts(rows: pd.DataFrame) -> dict[str, str]:
    """The `events` part of a section's facts: {event_id: "date — label"}."""
    return {fact_key(r): fact_text(r) for r in rows.to_dict("records")}
