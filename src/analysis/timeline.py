"""Shared helpers on the events table: dates with their precision, pairs of actors, windows.

`events` rows carry `date` as `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with `date_precision`; here
each row gets `when` (the first day the date can mean), `year`, and a short plain-text
`label`. Every topic module reads events through `prepare`, so all sections agree on dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from analysis import narrative

SUBJECT = "PRK"
CHINA = "CHN"
UNSC = "UNSC"
NAMES = {
    "CHN": "China",
    "PRK": "North Korea",
    "RUS": "Russia",
    "USA": "United States",
    "KOR": "South Korea",
    "UNSC": "UN Security Council",
}


def name(code: str) -> str:
    return NAMES.get(code, code)


def sentence_name(code: str) -> str:
    """The name as it reads inside a sentence: 'the United States', 'the UN Security Council'."""
    return {"USA": "the United States", "UNSC": "the UN Security Council"}.get(code, name(code))


def _precision(value: Any) -> str:
    text = str(value).strip()
    return {4: "year", 7: "month"}.get(len(text), "day")


def _when(value: Any) -> pd.Timestamp:
    if isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value)
    text = str(value).strip()
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    return pd.Timestamp(text)


def to_timestamp(value: Any) -> pd.Timestamp:
    return _when(value)


def prepare(events: pd.DataFrame) -> pd.DataFrame:
    """A copy of `events` with `when`, `precision`, `year`, `label`, sorted by date."""
    out = events.copy()
    if out.empty:
        for col in ("when", "precision", "year", "label"):
            out[col] = pd.Series(dtype="object")
        return out
    if "date_precision" in out.columns:
        out["precision"] = out["date_precision"].fillna("").astype(str)
        missing = ~out["precision"].isin(["year", "month", "day"])
        out.loc[missing, "precision"] = out.loc[missing, "date"].map(_precision)
    else:
        out["precision"] = out["date"].map(_precision)
    out["when"] = pd.to_datetime(out["date"].map(_when))
    out["year"] = out["when"].dt.year.astype(int)
    out["label"] = out["description"].map(narrative.short_label)
    for col in ("actor_b", "source_id", "confidence"):
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
    return {fact_key(r): fact_text(r) for _, r in rows.iterrows()}


def dated(row: Any) -> str:
    """'on 4 September 2025', 'in November 2021' or 'in 2024', by the date's precision."""
    return ("on " if row["precision"] == "day" else "in ") + when_text(row)


def mention(row: Any) -> str:
    """An event as inline Markdown: 'on 4 September 2025: <label> [@src]'."""
    ref = narrative.cite([row["source_id"]])
    return f"{dated(row)}: {narrative.md_escape(row['label'])} {ref}".rstrip()


def item(row: Any) -> str:
    """An event as a list item: '4 September 2025: <label> [@src]'."""
    ref = narrative.cite([row["source_id"]])
    return f"{when_text(row)}: {narrative.md_escape(row['label'])} {ref}".rstrip()
