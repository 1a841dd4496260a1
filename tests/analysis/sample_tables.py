"""A small sample record for the topic tests, read through the real loader and as-of view.

The files are in `tests/analysis/fixtures/sample_data/` (the same layout, rules and
dictionary as `data/`, see data/README.md): `load_tables` validates them and `as_of_view`
cuts them, so the tests exercise the code an edition runs, not a second implementation.
The values follow the research fact base closely enough for the sentences to read true,
but the tests never depend on the real data files.

Event ids are `<date>-eNN`; `ID["e30"]` gives the full id of the sample's event e30.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from analysis.data import Tables, as_of_view, load_tables
from analysis.params import BriefParams

FIXTURE = Path(__file__).with_name("fixtures") / "sample_data"


def tables() -> Tables:
    """The whole sample record, validated and typed (a fresh copy each time)."""
    return load_tables(FIXTURE)


def events() -> pd.DataFrame:
    return tables().events


def trade() -> pd.DataFrame:
    return tables().trade


def watch_indicators() -> pd.DataFrame:
    return tables().watch_indicators


def watch_status() -> pd.DataFrame:
    return tables().watch_status


def provocations() -> pd.DataFrame:
    return tables().provocations


ID = {event_id.rsplit("-", 1)[1]: event_id for event_id in events()["event_id"]}


def view(as_of: str = "2026-02-01", **changes: pd.DataFrame) -> Tables:
    """The sample's as-of view (`analysis.data.as_of_view`), with any table replaced."""
    return as_of_view(as_of, tables=dataclasses.replace(tables(), **changes))


def params(as_of: str = "2026-02-01", **values: str) -> BriefParams:
    return BriefParams(as_of=as_of, **values)


def with_row(frame: pd.DataFrame, **values: object) -> pd.DataFrame:
    """`frame` with one more row: the given values, dates typed like the loader's, the
    other cells empty (text) or missing (numbers)."""
    row: dict[str, object] = {}
    for col in frame.columns:
        if col in values:
            value = values[col]
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                value = pd.Timestamp(value)
            row[col] = value
        elif pd.api.types.is_bool_dtype(frame[col]):
            row[col] = False
        elif pd.api.types.is_numeric_dtype(frame[col]):
            row[col] = float("nan")
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            row[col] = pd.NaT
        else:
            row[col] = ""
    if "date_start" in frame.columns and "date" in values and "date_start" not in values:
        row["date_start"] = pd.Timestamp(str(values["date"]))
    extra = set(values) - set(frame.columns)
    if extra:
        raise KeyError(f"no such column(s): {sorted(extra)}")
    added = pd.DataFrame([row]).astype(frame.dtypes.to_dict())
    return pd.concat([frame, added], ignore_index=True)
