"""The data's rules, as pandera schemas: every problem collected, each with its place.

Kept apart from `analysis.data` so that notebook kernels, which read data the renderer
has already validated, do not pay for importing pandera.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from analysis.data import (
    _DAY_RE,
    _PARTIAL_RE,
    ACTORS,
    CATEGORIES,
    CONFIDENCE,
    CSV_SPECS,
    DENUCLEARIZATION,
    EVENT_TYPES,
    EXCHANGE_TYPES,
    LEVELS,
    NAMED_AS,
    PARTNERS,
    PERIOD_TYPES,
    PRECISIONS,
    SERIES,
    SIGNAL_PARTNERS,
    SIGNALS,
    STATUSES,
    TRADE_VALUE_COLUMNS,
    DataError,
    _date_start,
    _Raw,
    _real_day,
    _rel,
)

Row = Mapping[str, Any]  # one row of a table, as the row checks read it
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_INT_RE = re.compile(r"^-?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _date_message(v: str, partial: bool = False) -> str:
    form = "YYYY, YYYY-MM or YYYY-MM-DD" if partial else "YYYY-MM-DD"
    if (_PARTIAL_RE if partial else _DAY_RE).match(v):
        return "not a real calendar date"
    return f"not a date in the form {form}"


def _is_float(v: str) -> bool:
    return v == "" or bool(_FLOAT_RE.match(v.strip()))


def _num(v: str) -> float | None:
    return float(v) if v != "" and _is_float(v) else None


@dataclass(frozen=True)
class _Rule:
    rule: str
    message: Callable[[str], str]
    column: str | None = None  # for row-wise checks: the column the error is reported on


_RULES: dict[str, _Rule] = {}
_TABLE = [""]  # the table whose schema is being built: check names are "<table>.<name>"


def _key(name: str) -> str:
    return f"{_TABLE[0]}.{name}"


def _check(
    name: str,
    rule: str,
    fn: Callable[[str], bool],
    message: str | Callable[[str], str],
) -> pa.Check:
    """An element-wise pandera check on raw strings, registered with its rule and message."""
    _RULES[_key(name)] = _Rule(rule, message if callable(message) else (lambda _v, m=message: m))
    return pa.Check(lambda v: bool(fn(v)), element_wise=True, name=_key(name))


def _row_check(
    name: str,
    rule: str,
    column: str,
    fn: Callable[[Row], bool],
    message: str | Callable[[str], str],
) -> pa.Check:
    """A row-wise check (several columns) reported on `column`."""
    _RULES[_key(name)] = _Rule(
        rule, message if callable(message) else (lambda _v, m=message: m), column
    )

    def frame_check(df: pd.DataFrame) -> pd.Series:
        # Each row as a plain dict: DataFrame.apply builds a Series per row, ten times slower
        # (and to_dict boxes every value).
        names = list(df.columns)
        rows = (
            dict(zip(names, values, strict=True))
            for values in zip(*(df[c].tolist() for c in names), strict=True)
        )
        return pd.Series([bool(fn(row)) for row in rows], index=df.index, dtype=bool)

    return pa.Check(frame_check, name=_key(name))


def _required(col: str) -> pa.Check:
    return _check(f"{col}:required", "required", lambda v: v.strip() != "", "a value is required")


def _vocab(col: str, allowed: Iterable[str], optional: bool = False) -> pa.Check:
    allowed = tuple(allowed)
    return _check(
        f"{col}:vocabulary",
        "vocabulary",
        lambda v: (optional and v == "") or v in allowed,
        f"not in the vocabulary ({', '.join(allowed)})",
    )


def _day(col: str) -> pa.Check:
    return _check(f"{col}:date", "date", lambda v: _real_day(v) is not None, _date_message)


def _source(col: str, sources: dict[str, dict] | None) -> list[pa.Check]:
    if sources is None:  # references.json unreadable: reported there, not on every row
        return []
    ids = frozenset(sources)
    return [
        _check(
            f"{col}:unknown_source",
            "unknown_source",
            lambda v: v == "" or v in ids,
            "unknown source id (not in data/references.json)",
        )
    ]


def _col(*checks: pa.Check | list[pa.Check]) -> pa.Column:
    flat: list[pa.Check] = []
    for c in checks:
        flat.extend(c if isinstance(c, list) else [c])
    return pa.Column(object, checks=flat, nullable=False, required=False)


def _events_schema(sources: dict[str, dict] | None) -> pa.DataFrameSchema:
    def precision_ok(r: Row) -> bool:
        if _date_start(r["date"]) is None or r["date_precision"] not in PRECISIONS:
            return True  # reported by the column checks
        return PRECISIONS[r["date_precision"]] == len(r["date"])

    def published_ok(r: Row) -> bool:
        start, pub = _date_start(r["date"]), _real_day(r["published"])
        return start is None or pub is None or pub >= start

    def id_ok(r: Row) -> bool:
        if not _SLUG_RE.match(r["event_id"]) or _date_start(r["date"]) is None:
            return True
        return r["event_id"].startswith(r["date"] + "-")

    def partner_ok(r: Row) -> bool:
        return r["signal_partner"] != "" or r["signal"] not in ("warming", "cooling")

    def level_ok(r: Row) -> bool:
        if r["event_type"] not in EVENT_TYPES:
            return True  # reported by the column check
        return (r["level"] != "") == (r["event_type"] in EXCHANGE_TYPES)

    return pa.DataFrameSchema(
        {
            "event_id": _col(
                _required("event_id"),
                _check(
                    "event_id:id_format",
                    "id_format",
                    lambda v: v == "" or _SLUG_RE.match(v),
                    "event_id must be a lowercase slug (a-z, 0-9, hyphens)",
                ),
            ),
            "date": _col(
                _check(
                    "date:date",
                    "date",
                    lambda v: _date_start(v) is not None,
                    lambda v: _date_message(v, partial=True),
                )
            ),
            "date_precision": _col(_vocab("date_precision", PRECISIONS)),
            "published": _col(_day("published")),
            "actor_a": _col(_vocab("actor_a", ACTORS)),
            "actor_b": _col(_vocab("actor_b", ACTORS, optional=True)),
            "event_type": _col(_vocab("event_type", EVENT_TYPES)),
            "description": _col(_required("description")),
            "signal": _col(_vocab("signal", SIGNALS)),
            "signal_partner": _col(_vocab("signal_partner", SIGNAL_PARTNERS, optional=True)),
            "level": _col(_vocab("level", LEVELS, optional=True)),
            "trip_id": _col(
                _check(
                    "trip_id:id_format",
                    "id_format",
                    lambda v: v == "" or _SLUG_RE.match(v),
                    "trip_id must be a lowercase slug (a-z, 0-9, hyphens)",
                )
            ),
            "denuclearization": _col(_vocab("denuclearization", DENUCLEARIZATION, optional=True)),
            "source_id": _col(_required("source_id"), _source("source_id", sources)),
            "confidence": _col(_vocab("confidence", CONFIDENCE)),
        },
        checks=[
            _row_check(
                "events:signal_partner",
                "signal_partner",
                "signal_partner",
                partner_ok,
                "a warming or cooling signal needs a signal_partner (CHN, RUS, USA, KOR); "
                "an event that bears on no partner is neutral",
            ),
            _row_check(
                "events:level",
                "level",
                "level",
                level_ok,
                "level (leader, senior, official) is required for summit and visit rows "
                "and must be empty for other event types",
            ),
            _row_check(
                "events:date_precision",
                "date_precision",
                "date_precision",
                precision_ok,
                "date_precision does not match the form of date "
                "(year = YYYY, month = YYYY-MM, day = YYYY-MM-DD)",
            ),
            _row_check(
                "events:published",
                "published_before_event",
                "published",
                published_ok,
                "published before the first day of the event's date",
            ),
            _row_check(
                "events:id_date",
                "id_format",
                "event_id",
                id_ok,
                "event_id must start with the event's date followed by '-'",
            ),
        ],
    )


def _period_end(r: Row) -> dt.date | None:
    try:
        year = int(r["year"])
        if r["period_type"] == "annual":
            return dt.date(year, 12, 31)
        month = int(r["period"].split("-")[-1])
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    except (ValueError, TypeError, IndexError, calendar.IllegalMonthError):
        return None


def _period_ok(r: Row) -> bool:
    p, kind = r["period"], r["period_type"]
    if kind == "annual":
        return p == ""
    if kind == "monthly":
        return bool(re.fullmatch(r"(0[1-9]|1[0-2])", p))
    if kind == "partial":
        m = re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|1[0-2])", p)
        return bool(m) and m.group(1) < m.group(2)
    return True  # unknown period_type: reported by its column check


def _trade_schema(sources: dict[str, dict] | None) -> pa.DataFrameSchema:
    def number(col: str, upper: float | None = None) -> pa.Column:
        checks = [
            _check(f"{col}:type", "type", _is_float, "not a number (US$ millions, '.' decimal)"),
            _check(
                f"{col}:negative",
                "negative",
                lambda v: (_num(v) or 0) >= 0,
                "negative value: trade values are never below zero",
            ),
        ]
        if upper is not None:
            checks.append(
                _check(
                    f"{col}:range",
                    "range",
                    lambda v: (_num(v) or 0) <= upper,
                    f"a share must be 0–{upper:g}",
                )
            )
        return _col(checks)

    def series_ok(r: Row) -> bool:
        allowed = SERIES.get(r["partner"])
        return allowed is None or r["series"] in allowed

    def published_ok(r: Row) -> bool:
        end, pub = _period_end(r), _real_day(r["published"])
        return end is None or pub is None or not _period_ok(r) or pub > end

    def has_value(r: Row) -> bool:
        return any(r[c] != "" for c in TRADE_VALUE_COLUMNS if c in r)

    all_series = sorted({s for v in SERIES.values() for s in v})
    return pa.DataFrameSchema(
        {
            "partner": _col(_vocab("partner", PARTNERS)),
            "series": _col(_vocab("series", all_series)),
            "period_type": _col(_vocab("period_type", PERIOD_TYPES)),
            "year": _col(
                _check(
                    "year:type",
                    "type",
                    lambda v: bool(re.fullmatch(r"\d{4}", v)),
                    "year must be an integer (YYYY)",
                )
            ),
            "period": _col(),
            "exports_to_nk_usd_m": number("exports_to_nk_usd_m"),
            "imports_from_nk_usd_m": number("imports_from_nk_usd_m"),
            "total_usd_m": number("total_usd_m"),
            "nk_total_trade_usd_m": number("nk_total_trade_usd_m"),
            "partner_share_pct": number("partner_share_pct", 100.0),
            "published": _col(_day("published")),
            "source_id": _col(_required("source_id"), _source("source_id", sources)),
            "confidence": _col(_vocab("confidence", CONFIDENCE)),
            "notes": _col(),
        },
        checks=[
            _row_check(
                "trade:series",
                "vocabulary",
                "series",
                series_ok,
                "series not used for this partner "
                f"(CHN: {', '.join(SERIES['CHN'])}; RUS: {', '.join(SERIES['RUS'])})",
            ),
            _row_check(
                "trade:period",
                "period",
                "period",
                _period_ok,
                "period must be empty for annual, MM for monthly, MM-MM for partial",
            ),
            _row_check(
                "trade:published",
                "published_before_period",
                "published",
                published_ok,
                "published on or before the end of the period it reports",
            ),
            _row_check(
                "trade:value", "required", "total_usd_m", has_value, "the row has no value at all"
            ),
        ],
    )


def _indicators_schema(sources: dict[str, dict] | None) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "indicator_id": _col(
                _required("indicator_id"),
                _check(
                    "indicator_id:id_format",
                    "id_format",
                    lambda v: v == "" or _SLUG_RE.match(v),
                    "indicator_id must be a lowercase slug (a-z, 0-9, hyphens)",
                ),
            ),
            "label": _col(_required("label")),
            "description": _col(_required("description")),
            "named_by": _col(_required("named_by"), _source("named_by", sources)),
            "named_as": _col(_vocab("named_as", NAMED_AS, optional=True)),
            "order": _col(
                _check(
                    "order:type",
                    "type",
                    lambda v: bool(_INT_RE.match(v)),
                    "order must be an integer",
                )
            ),
        }
    )


def _status_schema(sources: dict[str, dict] | None, indicators: frozenset[str] | None):
    def published_ok(r: Row) -> bool:
        eff, pub = _real_day(r["effective"]), _real_day(r["published"])
        return eff is None or pub is None or pub >= eff

    ind_checks = []
    if indicators is not None:
        ind_checks.append(
            _check(
                "watch_status:indicator",
                "unknown_indicator",
                lambda v: v in indicators,
                "unknown indicator_id (not in data/watch_indicators.csv)",
            )
        )
    return pa.DataFrameSchema(
        {
            "indicator_id": _col(_required("indicator_id"), ind_checks),
            "effective": _col(_day("effective")),
            "published": _col(_day("published")),
            "status": _col(_vocab("status", STATUSES)),
            "detail": _col(_required("detail")),
            "source_id": _col(_required("source_id"), _source("source_id", sources)),
            "confidence": _col(_vocab("confidence", CONFIDENCE)),
        },
        checks=[
            _row_check(
                "watch_status:published",
                "published_before_event",
                "published",
                published_ok,
                "published before the status took effect",
            )
        ],
    )


def _provocations_schema() -> pa.DataFrameSchema:
    def published_ok(r: Row) -> bool:
        d, pub = _real_day(r["date"]), _real_day(r["published"])
        return d is None or pub is None or pub >= d

    return pa.DataFrameSchema(
        {
            "provocation_id": _col(_required("provocation_id")),
            "date": _col(_day("date")),
            "published": _col(_day("published")),
            "category": _col(_vocab("category", CATEGORIES)),
            "event": _col(_required("event")),
            "description": _col(),
            "source_url": _col(),
        },
        checks=[
            _row_check(
                "provocations:published",
                "published_before_event",
                "published",
                published_ok,
                "published before the provocation's date",
            )
        ],
    )


def validate(d: Path, raw: _Raw, errors: list[DataError]) -> None:
    ind = raw.frames.get("watch_indicators")
    indicator_ids = (
        frozenset(ind["indicator_id"]) if ind is not None and "indicator_id" in ind else None
    )
    builders: dict[str, Callable[[], pa.DataFrameSchema]] = {
        "events": lambda: _events_schema(raw.sources),
        "trade": lambda: _trade_schema(raw.sources),
        "watch_indicators": lambda: _indicators_schema(raw.sources),
        "watch_status": lambda: _status_schema(raw.sources, indicator_ids),
        "provocations": _provocations_schema,
    }
    schemas = {}
    for name, build in builders.items():
        _TABLE[0] = name
        schemas[name] = build()
    for name, frame in raw.frames.items():
        if frame is None:
            continue
        spec = CSV_SPECS[name]
        schema = schemas[name]
        present = set(frame.columns)
        if present != set(spec.columns):
            # some columns missing (already reported): check what is there, skip row rules
            kept = {c: col for c, col in schema.columns.items() if c in present}
            schema = pa.DataFrameSchema(kept)
        _run_schema(_rel(d, spec.name), frame, schema, errors)
        if set(spec.key) <= present:
            _check_unique(_rel(d, spec.name), frame, spec.key, errors)
        if name == "events" and {"trip_id", "actor_a", "actor_b"} <= present:
            _check_trips(_rel(d, spec.name), frame, errors)


def _run_schema(
    rel: str, frame: pd.DataFrame, schema: pa.DataFrameSchema, errors: list[DataError]
) -> None:
    if frame.empty:
        return
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.to_dict("records"):
            err = _to_error(rel, frame, case)
            if err is not None:
                errors.append(err)


def _to_error(rel: str, frame: pd.DataFrame, case: dict[str, Any]) -> DataError | None:
    check = str(case.get("check"))
    column = case.get("column")
    index = case.get("index")
    line = None if index is None or pd.isna(index) else int(index)
    rule = _RULES.get(check)
    if rule is None:  # pandera's own checks (should not happen on string frames)
        value = case.get("failure_case")
        return DataError(
            rel, line, column, None if value is None else str(value), "schema", f"failed {check}"
        )
    if rule.column is not None and column != rule.column:
        return None  # a row-wise check: reported once, on its own column
    value = str(frame.at[line, column]) if line is not None and column in frame else None
    return DataError(rel, line, column, value, rule.rule, rule.message(value or ""))


def _check_unique(
    rel: str, frame: pd.DataFrame, key: tuple[str, ...], errors: list[DataError]
) -> None:
    first: dict[tuple, int] = {}
    for line, values in zip(frame.index, frame[list(key)].itertuples(index=False), strict=True):
        k = tuple(values)
        if k in first:
            shown = k[0] if len(k) == 1 else "|".join(k)
            what = key[0] if len(key) == 1 else "(" + ", ".join(key) + ")"
            errors.append(
                DataError(
                    rel,
                    int(line),
                    ", ".join(key),
                    shown,
                    "duplicate_key",
                    f"duplicate key {what} (first on line {first[k]})",
                )
            )
        else:
            first[k] = int(line)


def _check_trips(rel: str, frame: pd.DataFrame, errors: list[DataError]) -> None:
    """Rows sharing a trip_id are one trip: the same two actors (in either order)."""
    first: dict[str, tuple[int, frozenset[str]]] = {}
    for line, trip, a, b in zip(
        frame.index, frame["trip_id"], frame["actor_a"], frame["actor_b"], strict=True
    ):
        if trip == "":
            continue
        pair = frozenset((a, b))
        if trip not in first:
            first[trip] = (int(line), pair)
        elif first[trip][1] != pair:
            errors.append(
                DataError(
                    rel,
                    int(line),
                    "trip_id",
                    trip,
                    "trip_actors",
                    f"rows of one trip must have the same two actors as its first row "
                    f"(line {first[trip][0]}: {' and '.join(sorted(first[trip][1] - {''}))})",
                )
            )
