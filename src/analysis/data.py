"""Load and validate the brief's data (`data/`), and give the point-in-time view.

Every table is read as strings first (so an error can quote the raw value and its line),
checked, then typed:

- pre-parse checks (here): file present, not empty, UTF-8, well-formed CSV, the exact
  columns, each row as wide as the header; `references.json` valid JSON, every item with
  an `id`;
- value checks (pandera, lazy, every problem collected): dates, vocabularies, numbers,
  keys, source ids, and the cross-column rules (date precision, publication dates);
- typing: dates become `datetime64`, numbers `float` (years and orders `int`), the rest
  `str` (an empty cell is "").

`load_tables()` raises one `DataValidationError` listing every `DataError`;
`check_data()` returns the list. A validated result is cached per process, keyed by the
files' checksums. When the environment variable `BRIEF_DATA_VALIDATED` equals
`data_fingerprint()`, the (costly) pandera pass is skipped: the renderer validates once
and sets it for every notebook kernel.

`as_of_view(as_of)` hides every row published after `as_of`, and every row whose source
(its `references.json` item) was issued after `as_of`. `data/tables.toml` declares the date
each table is current to and, per partner, from when the record of exchanges is complete
(`Tables.current_to`, `Tables.coverage`); the default `as_of` is the latest date to which
the core tables are all current (`latest_publication_date`).
"""

from __future__ import annotations

import csv
import ctypes
import datetime as dt
import functools
import hashlib
import io
import json
import os
import pickle
import re
import tomllib
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import paths, registry

__all__ = [
    "ACTORS",
    "CATEGORIES",
    "CONFIDENCE",
    "DATA_FILES",
    "DENUCLEARIZATION",
    "EVENT_TYPES",
    "EXCHANGE_TYPES",
    "LEVELS",
    "NAMED_AS",
    "PARTNERS",
    "PERIOD_TYPES",
    "SERIES",
    "SIGNALS",
    "SIGNAL_PARTNERS",
    "STATUSES",
    "VALIDATED_ENV",
    "DataError",
    "DataValidationError",
    "Tables",
    "as_of_view",
    "available_from",
    "check_data",
    "coverage_window",
    "data_checksums",
    "data_fingerprint",
    "latest_publication_date",
    "load_tables",
    "record_end",
    "references_as_of",
]

VALIDATED_ENV = "BRIEF_DATA_VALIDATED"

# --------------------------------------------------------------------------- vocabularies
ACTORS = tuple(registry.ACTORS)  # declared once, in analysis.registry
EVENT_TYPES = (
    "summit",
    "visit",
    "test",
    "sanction",
    "un_vote",
    "statement",
    "economic",
    "border",
    "military",
    "treaty",
)
CONFIDENCE = ("high", "medium", "low")
STATUSES = ("no_movement", "signs_of_movement", "moved", "reversed")
PARTNERS = ("CHN", "RUS")
PERIOD_TYPES = ("annual", "monthly", "partial")
CATEGORIES = tuple(registry.CATEGORIES)
#: trade series allowed for each partner (see data/README.md for what each one is)
SERIES: dict[str, tuple[str, ...]] = {p: registry.series_for(p) for p in PARTNERS}
PRECISIONS = registry.PRECISIONS
#: what an event says about North Korea's tie with `signal_partner` (coding rule: data/README.md)
SIGNALS = ("warming", "cooling", "neutral")
SIGNAL_PARTNERS = ("CHN", "RUS", "USA", "KOR")
#: rank of the highest participant in an exchange (summit or visit)
LEVELS = ("leader", "senior", "official")
#: event types that are exchanges (counted per trip; `level` required)
EXCHANGE_TYPES = ("summit", "visit")
#: whether a readout or statement in the row uses the word "denuclearization"
DENUCLEARIZATION = ("yes", "no")
#: how the naming source presents a watch indicator: a point to watch, or a friction it
#: discusses (empty: tracked from the events, not named as either)
NAMED_AS = ("watch", "friction")

# ------------------------------------------------------------------------------- columns
EVENTS_COLUMNS = (
    "event_id",
    "date",
    "date_precision",
    "published",
    "actor_a",
    "actor_b",
    "event_type",
    "description",
    "signal",
    "signal_partner",
    "level",
    "trip_id",
    "denuclearization",
    "source_id",
    "confidence",
)
TRADE_VALUE_COLUMNS = (
    "exports_to_nk_usd_m",
    "imports_from_nk_usd_m",
    "total_usd_m",
    "nk_total_trade_usd_m",
    "partner_share_pct",
)
TRADE_KEY = ("partner", "series", "period_type", "year", "period")
TRADE_COLUMNS = (
    *TRADE_KEY,
    *TRADE_VALUE_COLUMNS,
    "published",
    "source_id",
    "confidence",
    "notes",
)
INDICATOR_COLUMNS = ("indicator_id", "label", "description", "named_by", "named_as", "order")
STATUS_COLUMNS = (
    "indicator_id",
    "effective",
    "published",
    "status",
    "detail",
    "source_id",
    "confidence",
)
PROVOCATION_COLUMNS = (
    "provocation_id",
    "date",
    "published",
    "category",
    "event",
    "description",
    "source_url",
)


@dataclass(frozen=True)
class _CsvSpec:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]


CSV_SPECS: dict[str, _CsvSpec] = {
    "events": _CsvSpec("events.csv", EVENTS_COLUMNS, ("event_id",)),
    "trade": _CsvSpec("trade.csv", TRADE_COLUMNS, TRADE_KEY),
    "watch_indicators": _CsvSpec("watch_indicators.csv", INDICATOR_COLUMNS, ("indicator_id",)),
    "watch_status": _CsvSpec("watch_status.csv", STATUS_COLUMNS, ("indicator_id", "effective")),
    "provocations": _CsvSpec("provocations.csv", PROVOCATION_COLUMNS, ("provocation_id",)),
}
REFERENCES = "references.json"
DATA_FILES = (*(s.name for s in CSV_SPECS.values()), REFERENCES)
#: table metadata: currency per table, exchange-record coverage per partner
METADATA = "tables.toml"
#: the tables whose currency `data/tables.toml` declares
CURRENT_TABLES = ("events", "trade", "watch_status", "provocations")
#: partners whose exchange-record coverage may be declared
COVERAGE_PARTNERS = SIGNAL_PARTNERS
#: CSL `custom` flag of a reference that is a living database: each row citing it carries
#: its own publication date, and a view cites the database as it stood on its latest row
LIVING = "living-database"
#: the reference the provocations table (which has no source_id column) comes from
PROVOCATIONS_SOURCE = "csis-provocations"


# -------------------------------------------------------------------------------- errors
@dataclass(frozen=True)
class DataError:
    """One problem in the data, with its place: file, 1-based line (header = 1), column."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = []
        if self.column is not None:
            what.append(f"column '{self.column}'")
        if self.value is not None:
            what.append(f"value '{_clip(self.value)}'")
        head = f"{where}: {', '.join(what)}: " if what else f"{where}: "
        return f"{head}{self.message} [rule: {self.rule}]"


class DataValidationError(ValueError):
    """Raised by `load_tables` with every problem found (`.errors`)."""

    def __init__(self, errors: Iterable[DataError]):
        self.errors: list[DataError] = list(errors)
        n = len(self.errors)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the brief's data:"]
        lines += [f"  {e}" for e in self.errors]
        super().__init__("\n".join(lines))


def _clip(value: str, limit: int = 80) -> str:
    value = value.replace("\n", "\\n")
    return value if len(value) <= limit else value[: limit - 1] + "…"


# -------------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Tables:
    """The brief's data, typed. See data/README.md for every column."""

    events: pd.DataFrame
    trade: pd.DataFrame
    watch_indicators: pd.DataFrame
    watch_status: pd.DataFrame
    provocations: pd.DataFrame
    sources: dict[str, dict] = field(default_factory=dict)
    #: per table (events, trade, watch_status, provocations): the date it is current to
    #: (in a view: the earlier of the declared date and `as_of`)
    current_to: dict[str, dt.date] = field(default_factory=dict)
    #: per partner (CHN, RUS, USA, KOR): first day of a complete record of exchanges at
    #: minister level or above, or None when the record is not complete for any period
    coverage: dict[str, dt.date | None] = field(default_factory=dict)
    #: the core tables whose common currency is the default `as_of`
    core: tuple[str, ...] = ()

    def copy(self) -> Tables:
        return Tables(
            events=self.events.copy(),
            trade=self.trade.copy(),
            watch_indicators=self.watch_indicators.copy(),
            watch_status=self.watch_status.copy(),
            provocations=self.provocations.copy(),
            sources={k: json.loads(json.dumps(v)) for k, v in self.sources.items()},
            current_to=dict(self.current_to),
            coverage=dict(self.coverage),
            core=self.core,
        )


# ----------------------------------------------------------------- checksums and the cache
# A frame's content key is remembered while the frame is alive and unchanged: the same
# view's tables are keyed at every memo lookup (at 11,000 events a fresh key takes 20-40
# ms, most of it pickling the text cells; one render asked 78 times for 28 contents).
# "Unchanged" is checked from the frame's layout: its columns, dtypes and index, its
# numbers' bytes and the addresses of its text cells. An address stands for its content
# because the entry keeps every cell it saw alive (a shallow copy of each text column: a
# replaced cell cannot be freed and its address reused) and text cells are immutable
# (a frame with any other kind of object cell is hashed afresh every time).
_KEYS_KEPT = 16


@dataclass
class _KnownKey:
    frame: weakref.ref[pd.DataFrame]
    cells: list[np.ndarray]  # holds the text cells the layout points at
    layout: bytes
    key: str


_KEYS: dict[int, _KnownKey] = {}


def frame_key(frame: pd.DataFrame) -> str:
    """A hash of a frame's content (columns, dtypes, index, values): what the in-process
    memos key on. The pickle of those, column by column (whatever the frame's memory
    layout), is ten times quicker to make than pandas' row hashes; it is remembered for
    a frame that has not changed since (see `_KEYS`)."""
    columns = [frame.iloc[:, i].to_numpy() for i in range(frame.shape[1])]
    layout = _layout(frame, columns)
    known = _KEYS.get(id(frame))
    if known is not None and known.frame() is frame and known.layout == layout:
        return known.key
    key = _content_key(frame, columns)
    text = [c for c in columns if c.dtype == object]
    if all(pd.api.types.infer_dtype(c, skipna=False) == "string" for c in text):
        _remember_key(frame, [c.copy() for c in text], layout, key)
    return key


def _layout(frame: pd.DataFrame, columns: list[np.ndarray]) -> bytes:
    h = hashlib.sha256(pickle.dumps(_shape(frame), protocol=pickle.HIGHEST_PROTOCOL))
    for column in columns:
        flat = np.ascontiguousarray(column)
        # A text column's cells are addresses; a number column's are its values.
        h.update(ctypes.string_at(flat.ctypes.data, flat.nbytes) if flat.size else b"")
    return h.digest()


def _remember_key(frame: pd.DataFrame, cells: list[np.ndarray], layout: bytes, key: str) -> None:
    ident = id(frame)
    if len(_KEYS) >= _KEYS_KEPT and ident not in _KEYS:
        _KEYS.pop(next(iter(_KEYS)))
    # Forgotten with the frame, so a later frame with the same id is never taken for it.
    _KEYS[ident] = _KnownKey(weakref.ref(frame, _forget(ident)), cells, layout, key)


def _forget(ident: int) -> Callable[[weakref.ref], None]:
    def forget(ref: weakref.ref) -> None:
        known = _KEYS.get(ident)
        if known is not None and known.frame is ref:
            del _KEYS[ident]

    return forget


def _shape(frame: pd.DataFrame) -> tuple[Any, ...]:
    return list(frame.columns), [str(t) for t in frame.dtypes], frame.index


def _content_key(frame: pd.DataFrame, columns: list[np.ndarray]) -> str:
    parts = (*_shape(frame), columns)
    return hashlib.sha256(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def view_key(view: Any) -> str:
    """A hash of a view's content (each table as `frame_key`, the rest as JSON): equal for
    equal content whatever object holds it, different once a table is changed in place."""
    h = hashlib.sha256()
    for name, value in sorted(vars(view).items()):
        h.update(name.encode() + b"\0")
        if isinstance(value, pd.DataFrame):
            h.update(frame_key(value).encode())
        else:
            h.update(json.dumps(value, sort_keys=True, default=str).encode())
    return h.hexdigest()


class Kept:
    """Results kept by their inputs' content: `key(first argument)` and the repr of the
    other arguments. The narrative asks for the same numbers many times (each language, each
    section); keyed by content, a table changed in place is computed afresh. A frame result
    is handed out as a copy (callers may change it); any other is shared and must not be
    changed. `computed` counts the times the work was done (tests, the benchmark)."""

    def __init__(self, fn: Callable[..., Any], key: Callable[[Any], str], size: int) -> None:
        functools.update_wrapper(self, fn)
        self.fn, self.key, self.size = fn, key, size
        self.kept: dict[tuple[str, str], Any] = {}
        self.computed = 0

    def __call__(self, first: Any, *rest: Any, **named: Any) -> Any:
        key = (self.key(first), repr((rest, sorted(named.items()))))
        if key not in self.kept:
            if len(self.kept) >= self.size:
                self.kept.pop(next(iter(self.kept)))
            self.kept[key] = self.fn(first, *rest, **named)
            self.computed += 1
        found = self.kept[key]
        return found.copy() if isinstance(found, pd.DataFrame) else found

    def clear(self) -> None:
        self.kept.clear()
        self.computed = 0


def by_view(size: int = 32) -> Callable[[Callable[..., Any]], Kept]:
    """Keep `fn(view, ...)` results by the view's content (`view_key`) and the rest."""
    return lambda fn: Kept(fn, view_key, size)


def by_frame(size: int = 32) -> Callable[[Callable[..., Any]], Kept]:
    """Keep `fn(frame, ...)` results by the frame's content (`frame_key`) and the rest."""
    return lambda fn: Kept(fn, frame_key, size)


def _data_dir(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else paths.data_dir()


def _rel(data_dir: Path, name: str) -> str:
    """A data file's path as the project names it (e.g. data/events.csv)."""
    try:
        base = data_dir.resolve().relative_to(paths.project_root())
        return (base / name).as_posix()
    except (ValueError, FileNotFoundError):
        return f"{data_dir.name}/{name}"


def _data_file_paths(data_dir: Path) -> list[Path]:
    files = {data_dir / n for n in DATA_FILES if (data_dir / n).is_file()}
    if data_dir.is_dir():
        files |= {
            p
            for p in data_dir.rglob("*")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(data_dir).parts)
        }
    return sorted(files)


def _checksums(d: Path) -> dict[str, str]:
    """sha256 of every data file, keyed by its path inside the data folder."""
    return {
        p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in _data_file_paths(d)
    }


def data_checksums(data_dir: Path | None = None) -> dict[str, str]:
    """sha256 (hex) of every file in the data folder, keyed by its project-relative path."""
    d = _data_dir(data_dir)
    return {_rel(d, name): digest for name, digest in _checksums(d).items()}


def data_fingerprint(data_dir: Path | None = None) -> str:
    """One sha256 over all data files (their names inside the folder and their contents).

    A copy of the folder elsewhere has the same fingerprint.
    """
    h = hashlib.sha256()
    for name, digest in sorted(_checksums(_data_dir(data_dir)).items()):
        h.update(name.encode() + b"\0" + digest.encode() + b"\n")
    return h.hexdigest()


_CACHE: dict[tuple[str, str], Tables] = {}


# ---------------------------------------------------------------------------- public API
def load_tables(data_dir: Path | None = None) -> Tables:
    """Read, validate and type every data file; raise `DataValidationError` on any problem."""
    d = _data_dir(data_dir)
    key = _cache_key(d)
    if key in _CACHE:
        return _CACHE[key].copy()
    skip = os.environ.get(VALIDATED_ENV) == key[1]
    raw, errors = _read_all(d, validate=not skip)
    if errors:
        raise DataValidationError(errors)
    tables = _typed(raw)
    _CACHE[key] = tables
    return tables.copy()


def check_data(data_dir: Path | None = None) -> list[DataError]:
    """Every problem in the data (an empty list when it is valid). Never raises for bad data.
    Valid tables are kept as `load_tables` keeps them, so loading them next (the renderer
    asks for the latest publication date) does not validate them again."""
    d = _data_dir(data_dir)
    key = _cache_key(d)  # before reading: a file changed meanwhile never matches it
    raw, errors = _read_all(d, validate=True)
    if not errors:
        _CACHE[key] = _typed(raw)
    return errors


def _cache_key(d: Path) -> tuple[str, str]:
    return str(d.resolve()), data_fingerprint(d)


def as_of_view(
    as_of: dt.date | str | pd.Timestamp,
    data_dir: Path | None = None,
    tables: Tables | None = None,
) -> Tables:
    """The data as it could be known on `as_of`.

    A row is visible when it was published by then and the source it cites was issued by
    then (`available_from`). `watch_status` keeps the visible rows (the latest per
    indicator is the status as of then); `watch_indicators` keeps the indicators whose
    naming source was issued by then and that have at least one visible status row.
    `sources` keeps the references issued by then; a living database is cited as it stood
    on the latest row of the view that cites it. `current_to` is capped at `as_of`.
    """
    t = tables if tables is not None else load_tables(data_dir)
    cut = _as_timestamp(as_of)

    def upto(df: pd.DataFrame) -> pd.DataFrame:
        return df.loc[available_from(df, t.sources) <= cut].reset_index(drop=True)

    status = upto(t.watch_status)
    indicators = t.watch_indicators
    named = indicators["named_by"].map(lambda s: _issued_range(t.sources.get(s))[0])
    indicators = indicators.loc[
        indicators["indicator_id"].isin(set(status["indicator_id"])) & (named <= cut)
    ]
    status = status.loc[status["indicator_id"].isin(set(indicators["indicator_id"]))]
    view = {
        "events": upto(t.events),
        "trade": upto(t.trade),
        "watch_status": status.reset_index(drop=True),
        "provocations": upto(t.provocations),
    }
    return Tables(
        **view,
        watch_indicators=indicators.reset_index(drop=True),
        sources=_sources_as_of(t.sources, view, cut),
        current_to={k: min(v, cut.date()) for k, v in t.current_to.items()},
        coverage=dict(t.coverage),
        core=t.core,
    )


def available_from(frame: pd.DataFrame, sources: dict[str, dict]) -> pd.Series:
    """Per row: the first day an edition may show it (its `published`, or later when the
    source it cites was issued later).

    A source dated only to a month or year counts from the row's `published` day when
    that day falls inside the source's period (the row's date was set from the source),
    otherwise from the period's last day (conservative). A living database's rows count
    from their own `published` day. Rows without a `source_id` column (provocations cite
    the CSIS database) use `published`.
    """
    published = frame["published"]
    if "source_id" not in frame.columns or not len(frame):
        return published
    dated = {k: _issued_range(v) for k, v in sources.items() if not _is_living(v)}
    cited = frame["source_id"]
    first = pd.Series(cited.map({k: r[0] for k, r in dated.items()}), dtype="datetime64[ns]")
    last = pd.Series(cited.map({k: r[1] for k, r in dated.items()}), dtype="datetime64[ns]")
    # (a row without a date counts from its source's last day, as one dated too early does)
    early = first.notna() & ~(published >= first)
    return published.where(~early, last).astype("datetime64[ns]").rename(None)


def coverage_window(tables: Tables, *partners: str) -> tuple[dt.date, dt.date] | None:
    """The period over which the exchange records of all `partners` are complete.

    From the latest of their coverage dates to the date the events table is current to
    (in a view: capped at `as_of`); None when a partner has no complete record or the
    window is empty. Compare exchange counts of partners only inside it.
    """
    starts = [tables.coverage.get(p) for p in partners]
    end = tables.current_to.get("events")
    if not partners or end is None or any(s is None for s in starts):
        return None
    start = max(s for s in starts if s is not None)
    return (start, end) if start <= end else None


def references_as_of(
    as_of: dt.date | str | pd.Timestamp, data_dir: Path | None = None
) -> list[dict]:
    """The CSL-JSON bibliography an edition as of `as_of` may cite, in the file's order.

    The references issued by then, the living database dated to the view's last entry
    (see `as_of_view`); write it with `json.dumps(..., ensure_ascii=False, indent=2)` in
    place of `data/references.json` so that no edition cites a later source.
    """
    return list(as_of_view(as_of, data_dir).sources.values())


# The date column of the tables whose currency bounds the brief's recent windows.
RECORD_DATES = {"events": "date", "watch_status": "effective"}


def record_end(view: Tables, as_of: Any, table: str = "events") -> pd.Timestamp:
    """Where a window ending at an edition's date really ends for `table`: the edition's
    date, or the day the table is current to when that is earlier (a window past it would
    read months nobody searched as months in which nothing happened). A row dated later
    than the declared currency moves the end to it: the record reaches at least that far."""
    end = pd.Timestamp(as_of).normalize()
    stops = (getattr(view, "current_to", None) or {}).get(table)
    if stops is None:
        return end
    frame = getattr(view, table, None)
    column = RECORD_DATES.get(table)
    if isinstance(frame, pd.DataFrame) and column in frame and not frame.empty:
        latest = pd.to_datetime(frame[column].astype(str), errors="coerce", format="mixed").max()
        if pd.notna(latest):
            stops = max(pd.Timestamp(stops), latest)
    return min(end, pd.Timestamp(stops).normalize())


def latest_publication_date(data_dir: Path | None = None) -> dt.date:
    """The default `as_of`: the latest date to which the core tables are all current.

    The core tables and their currency are declared in `data/tables.toml`; an edition
    as of a later date would report as "nothing happened" months in which nothing was
    collected.
    """
    t = load_tables(data_dir)
    return min(t.current_to[name] for name in t.core)


def _is_living(item: dict) -> bool:
    custom = item.get("custom")
    return isinstance(custom, dict) and custom.get(LIVING) is True


def _issued_range(item: dict | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a CSL item's `issued` date (year, month or day precision)."""
    parts = _issued_parts(item)
    if parts is None:  # reported by validation; never hides or shows anything by itself
        return pd.Timestamp.min, pd.Timestamp.min
    year, month, day = [*parts, None, None][:3]
    if day is not None:
        ts = pd.Timestamp(year, month, day)
        return ts, ts
    if month is not None:
        first = pd.Timestamp(year, month, 1)
        return first, first + pd.offsets.MonthEnd(0)
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)


def _issued_parts(item: dict | None) -> list[int] | None:
    """The `issued` date-parts of a CSL item ([year], [year, month] or [year, month, day])
    when they form a real date, else None."""
    if not isinstance(item, dict):
        return None
    issued = item.get("issued")
    parts = issued.get("date-parts") if isinstance(issued, dict) else None
    if not isinstance(parts, list) or len(parts) != 1 or not isinstance(parts[0], list):
        return None
    first = parts[0]
    if not 1 <= len(first) <= 3 or not all(type(x) is int for x in first):
        return None
    try:
        dt.date(first[0], *(first[1:] + [1, 1][len(first) - 1 :]))
    except ValueError:
        return None
    return list(first)


def _sources_as_of(
    sources: dict[str, dict], view: dict[str, pd.DataFrame], cut: pd.Timestamp
) -> dict[str, dict]:
    """The references an edition as of `cut` may cite, living databases dated to the view."""
    out: dict[str, dict] = {}
    for key, item in sources.items():
        if _is_living(item):
            dates = [
                f.loc[f["source_id"] == key, "published"].max()
                for f in view.values()
                if "source_id" in f.columns
            ]
            if key == PROVOCATIONS_SOURCE and len(view["provocations"]):
                dates.append(view["provocations"]["published"].max())
            dates = [d for d in dates if pd.notna(d)]
            if not dates:
                continue
            copy = json.loads(json.dumps(item))
            last = max(dates)
            copy["issued"] = {"date-parts": [[last.year, last.month, last.day]]}
            out[key] = copy
        elif _issued_range(item)[0] <= cut:
            out[key] = json.loads(json.dumps(item))
    return out


def _as_timestamp(value: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


# ============================================================================ reading
@dataclass
class _Raw:
    """Strings as read (index = line number in the file), per table; None if unreadable."""

    frames: dict[str, pd.DataFrame | None]
    sources: dict[str, dict] | None
    meta: _Meta | None = None


@dataclass(frozen=True)
class _Meta:
    """`data/tables.toml`, checked."""

    current_to: dict[str, dt.date]
    core: tuple[str, ...]
    coverage: dict[str, dt.date | None]


def _read_all(d: Path, validate: bool) -> tuple[_Raw, list[DataError]]:
    errors: list[DataError] = []
    if not d.is_dir():
        errors.append(
            DataError(str(d), None, None, None, "file_missing", "the data folder does not exist")
        )
        return _Raw({k: None for k in CSV_SPECS}, None), errors
    sources = _read_references(d, errors)
    frames = {name: _read_csv(d, spec, errors) for name, spec in CSV_SPECS.items()}
    raw = _Raw(frames, sources, _read_metadata(d, errors))
    if validate:
        from analysis.schemas import validate  # pandera: only when validating (kernel start-up)

        validate(d, raw, errors)
    return raw, _sorted(errors)


def _sorted(errors: list[DataError]) -> list[DataError]:
    """By file, line, then column (left to right); duplicates dropped."""
    order = {_name: i for i, _name in enumerate((*DATA_FILES, METADATA))}
    columns = {spec.name: spec.columns for spec in CSV_SPECS.values()}

    def key(e: DataError) -> tuple:
        name = e.file.rsplit("/", 1)[-1]
        cols = columns.get(name, ())
        col = cols.index(e.column) if e.column in cols else len(cols)
        return (order.get(name, len(order)), e.file, e.line or 0, col)

    return sorted(dict.fromkeys(errors), key=key)


def _decode(d: Path, name: str, errors: list[DataError]) -> str | None:
    rel = _rel(d, name)
    path = d / name
    if not path.is_file():
        errors.append(DataError(rel, None, None, None, "file_missing", "file not found"))
        return None
    data = path.read_bytes()
    if not data.strip():
        errors.append(DataError(rel, None, None, None, "file_empty", "the file is empty"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.end].hex(" ")
        errors.append(
            DataError(
                rel,
                line,
                None,
                f"0x{bad}",
                "encoding",
                f"not UTF-8: byte 0x{bad} cannot be decoded (save the file as UTF-8)",
            )
        )
        return None
    return text


def _read_csv(d: Path, spec: _CsvSpec, errors: list[DataError]) -> pd.DataFrame | None:
    rel = _rel(d, spec.name)
    text = _decode(d, spec.name, errors)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                records.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        msg = str(exc)
        if "unexpected end of data" in msg or "EOF" in msg:
            msg = "a quoted field is never closed (unbalanced double quote)"
        elif "expected after" in msg:  # e.g. the quote opened here closes on a later line
            msg = (
                "a quoted field in this row is not closed right before a ',' or the line end "
                '(unbalanced double quote; inside a quoted field write a quote as "")'
            )
        errors.append(DataError(rel, start, None, None, "csv_syntax", f"malformed CSV: {msg}"))
        return None
    if not records:
        errors.append(DataError(rel, None, None, None, "file_empty", "the file has no header"))
        return None
    header_line, header = records[0]
    header = [h.strip() for h in header]
    if len(header) == 1 and len(spec.columns) > 1:
        delim = next((c for c in ";\t|" if c in header[0]), None)
        hint = f" (it uses {delim!r}; the delimiter must be ',')" if delim else ""
        errors.append(
            DataError(
                rel,
                header_line,
                None,
                header[0],
                "csv_syntax",
                f"the header parses to one column{hint}",
            )
        )
        return None
    ok = True
    seen: set[str] = set()
    for col in header:
        if col in seen:
            errors.append(
                DataError(
                    rel,
                    header_line,
                    col,
                    col,
                    "column_duplicate",
                    "column appears twice in the header",
                )
            )
            ok = False
        seen.add(col)
    for col in spec.columns:
        if col not in seen:
            errors.append(
                DataError(
                    rel,
                    header_line,
                    col,
                    None,
                    "column_missing",
                    f"required column is missing (expected: {', '.join(spec.columns)})",
                )
            )
    for col in header:
        if col not in spec.columns:
            errors.append(
                DataError(
                    rel,
                    header_line,
                    col,
                    col,
                    "column_unknown",
                    f"unknown column (expected: {', '.join(spec.columns)})",
                )
            )
    if not ok:
        return None
    rows, lines = [], []
    physical = [ln.rstrip("\r\n") for ln in io.StringIO(text, newline="").readlines()]
    for line, row in records[1:]:
        if len(row) != len(header):
            errors.append(
                DataError(
                    rel,
                    line,
                    None,
                    physical[line - 1],
                    "csv_syntax",
                    f"row has {len(row)} fields, the header has {len(header)}",
                )
            )
            continue
        rows.append(row)
        lines.append(line)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"), dtype=object)
    keep = [c for c in spec.columns if c in frame.columns]  # unknown columns are dropped
    return frame[keep]


def _json_items(text: str) -> list[tuple[int, Any]] | None:
    """The items of a top-level JSON array with the line each starts on (None if not an array)."""
    dec = json.JSONDecoder()
    i = len(text) - len(text.lstrip())
    if not text.startswith("[", i):
        return None
    i += 1
    items: list[tuple[int, Any]] = []
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n or text[i] == "]":
            return items
        obj, end = dec.raw_decode(text, i)
        items.append((text.count("\n", 0, i) + 1, obj))
        i = end


def _read_references(d: Path, errors: list[DataError]) -> dict[str, dict] | None:
    rel = _rel(d, REFERENCES)
    text = _decode(d, REFERENCES, errors)
    if text is None:
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append(
            DataError(
                rel,
                exc.lineno,
                None,
                None,
                "json",
                f"not valid JSON: {exc.msg} (column {exc.colno})",
            )
        )
        return None
    items = _json_items(text)
    if items is None:
        errors.append(
            DataError(
                rel, 1, None, None, "json", "must be a CSL-JSON array of items ([{...}, ...])"
            )
        )
        return None
    sources: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    for line, item in items:
        if not isinstance(item, dict):
            errors.append(
                DataError(
                    rel,
                    line,
                    None,
                    _clip(json.dumps(item)),
                    "json",
                    "each item must be a JSON object",
                )
            )
            continue
        ident = item.get("id")
        if not isinstance(ident, str) or not ident.strip():
            shown = None if ident is None else str(ident)
            errors.append(
                DataError(
                    rel,
                    line,
                    "id",
                    shown,
                    "reference_id",
                    "item has no id (every CSL item needs a non-empty string id)",
                )
            )
            continue
        if ident in sources:
            errors.append(
                DataError(
                    rel,
                    line,
                    "id",
                    ident,
                    "duplicate_key",
                    f"duplicate id (first on line {first_line[ident]})",
                )
            )
            continue
        for fld in ("type", "title"):
            if not isinstance(item.get(fld), str) or not item[fld].strip():
                errors.append(
                    DataError(rel, line, fld, None, "required", f"item '{ident}' has no {fld}")
                )
        if _issued_parts(item) is None:
            shown = None if "issued" not in item else _clip(json.dumps(item["issued"]))
            errors.append(
                DataError(
                    rel,
                    line,
                    "issued",
                    shown,
                    "issued",
                    f"item '{ident}' needs the date its source was published: "
                    '"issued": {"date-parts": [[YYYY, MM, DD]]} (month and day where known), '
                    "a real date",
                )
            )
        sources[ident] = item
        first_line[ident] = line
    return sources


def _toml_line(text: str, key: str) -> int | None:
    """The line where `key = ...` (or the table `[key]`) is written, for error messages."""
    pattern = re.compile(rf"^\s*(\[{re.escape(key)}\]|{re.escape(key)}\s*=)", re.M)
    m = pattern.search(text)
    return None if m is None else text.count("\n", 0, m.start()) + 1


def _read_metadata(d: Path, errors: list[DataError]) -> _Meta | None:
    """`tables.toml`: every table's currency date, the core tables, the coverage per partner."""
    rel = _rel(d, METADATA)
    text = _decode(d, METADATA, errors)
    if text is None:
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = int(where.group(1)) if where else None
        errors.append(DataError(rel, line, None, None, "toml", f"not valid TOML: {exc}"))
        return None
    found = len(errors)

    def err(key: str, value: Any, rule: str, message: str) -> None:
        shown = None if value is None else str(value)
        errors.append(DataError(rel, _toml_line(text, key), key, shown, rule, message))

    def table(name: str) -> dict:
        value = doc.get(name)
        if not isinstance(value, dict):
            err(name, None, "required", f"the [{name}] table is missing")
            return {}
        return value

    def day(key: str, value: Any) -> dt.date | None:
        if type(value) is not dt.date:
            err(key, value, "date", "must be a TOML date (YYYY-MM-DD, no quotes)")
            return None
        return value

    current = table("current_to")
    for key in current:
        if key not in CURRENT_TABLES:
            err(key, key, "vocabulary", f"not a table ({', '.join(CURRENT_TABLES)})")
    current_to = {}
    for name in CURRENT_TABLES:
        if name not in current:
            err("current_to", None, "required", f"[current_to] has no date for {name}")
        elif (value := day(name, current[name])) is not None:
            current_to[name] = value
    core = table("default").get("core")
    if not isinstance(core, list) or not core or not all(c in CURRENT_TABLES for c in core):
        err(
            "core",
            core,
            "vocabulary",
            f"[default] core must list tables from: {', '.join(CURRENT_TABLES)}",
        )
        core = []
    coverage: dict[str, dt.date | None] = dict.fromkeys(COVERAGE_PARTNERS)
    for key, value in table("coverage").items():
        if key not in COVERAGE_PARTNERS:
            err(key, key, "vocabulary", f"not a partner ({', '.join(COVERAGE_PARTNERS)})")
        else:
            coverage[key] = day(key, value)
    if len(errors) > found:
        return None
    return _Meta(current_to, tuple(core), coverage)


# ============================================================================ dates
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTIAL_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _real_day(v: str) -> dt.date | None:
    if not _DAY_RE.match(v):
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


def _date_start(v: str) -> dt.date | None:
    """First day of a YYYY, YYYY-MM or YYYY-MM-DD period; None if not a real date."""
    if not _PARTIAL_RE.match(v):
        return None
    parts = [int(p) for p in v.split("-")]
    try:
        return dt.date(parts[0], *(parts[1:] + [1, 1][len(parts) - 1 :]))
    except ValueError:
        return None


# ============================================================================= typing
def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")


def _floats(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.replace("", None), errors="coerce").astype("float64")


def _strings(df: pd.DataFrame, cols: Iterable[str]) -> pd.DataFrame:
    for c in cols:
        df[c] = df[c].astype("str")
    return df


def _typed(raw: _Raw) -> Tables:
    f = {k: v.reset_index(drop=True).copy() for k, v in raw.frames.items() if v is not None}

    ev = _strings(f["events"], EVENTS_COLUMNS)
    ev["published"] = _dates(ev["published"])
    ev.insert(
        2,
        "date_start",
        pd.to_datetime([_date_start(v) for v in ev["date"]]).astype("datetime64[ns]"),
    )

    tr = _strings(f["trade"], TRADE_COLUMNS)
    tr["year"] = tr["year"].astype("int64")
    for c in TRADE_VALUE_COLUMNS:
        tr[c] = _floats(tr[c])
    tr["published"] = _dates(tr["published"])
    tr = _derive_totals(tr)

    wi = _strings(f["watch_indicators"], INDICATOR_COLUMNS)
    wi["order"] = wi["order"].astype("int64")
    wi = wi.sort_values("order", kind="stable").reset_index(drop=True)

    ws = _strings(f["watch_status"], STATUS_COLUMNS)
    ws["effective"] = _dates(ws["effective"])
    ws["published"] = _dates(ws["published"])
    ws = ws.sort_values(["indicator_id", "effective", "published"], kind="stable")
    ws = ws.reset_index(drop=True)

    pv = _strings(f["provocations"], PROVOCATION_COLUMNS)
    pv["date"] = _dates(pv["date"])
    pv["published"] = _dates(pv["published"])

    meta = raw.meta or _Meta({}, (), dict.fromkeys(COVERAGE_PARTNERS))
    return Tables(
        events=ev,
        trade=tr,
        watch_indicators=wi,
        watch_status=ws,
        provocations=pv,
        sources=dict(raw.sources or {}),
        current_to=dict(meta.current_to),
        coverage=dict(meta.coverage),
        core=meta.core,
    )


def _derive_totals(tr: pd.DataFrame) -> pd.DataFrame:
    """Fill `total_usd_m` where the source gives both flows but no total, and flag it.

    `total_derived` is True on those rows: the total is our sum of the two flows (rounded
    to the flows' precision), not a figure the source states.
    """
    missing = tr["total_usd_m"].isna()
    flows = tr["exports_to_nk_usd_m"].notna() & tr["imports_from_nk_usd_m"].notna()
    derive = missing & flows
    total = tr["exports_to_nk_usd_m"] + tr["imports_from_nk_usd_m"]
    tr["total_usd_m"] = tr["total_usd_m"].where(~derive, total.round(6))
    position = tr.columns.get_loc("total_usd_m") + 1
    tr.insert(position, "total_derived", derive.astype(bool))
    return tr
