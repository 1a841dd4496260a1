"""The data layer: the real files, every validation rule, the as-of view, the seeds' facts.

Rule tests corrupt a temporary copy of `data/` and check that the problem is reported with
its file, line, column, value and rule, and that every problem is listed, not only the
first (each case also breaks an unrelated row of provocations.csv).
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.data import (
    DATA_FILES,
    VALIDATED_ENV,
    DataError,
    DataValidationError,
    Tables,
    as_of_view,
    available_from,
    check_data,
    data_checksums,
    data_fingerprint,
    latest_publication_date,
    load_tables,
)

DATA = paths.data_dir()


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_tables()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


# ----------------------------------------------------------------------- helpers
def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines), encoding="utf-8")


def line_no(path: Path, startswith: str) -> int:
    """1-based line of the first line starting with `startswith`."""
    for i, line in enumerate(lines_of(path), start=1):
        if line.startswith(startswith):
            return i
    raise AssertionError(f"{startswith!r} not in {path}")


def edit_line(path: Path, startswith: str, old: str, new: str) -> int:
    lines = lines_of(path)
    n = line_no(path, startswith)
    assert old in lines[n - 1], (old, lines[n - 1])
    lines[n - 1] = lines[n - 1].replace(old, new, 1)
    write_lines(path, lines)
    return n


def set_field(path: Path, startswith: str, column: str, value: str) -> int:
    """Set one cell (by column name) of the row starting with `startswith`."""
    import csv
    import io

    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    n = line_no(path, startswith)
    # the data files have no embedded newlines: line n is record n - 1
    row = rows[n - 1]
    row[header.index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    lines = lines_of(path)
    lines[n - 1] = buf.getvalue()
    write_lines(path, lines)
    return n


Expected = tuple[str, int | None, str | None, str | None, str]  # file, line, column, value, rule


def assert_reported(errors: list[DataError], expected: Expected) -> DataError:
    file, line, column, value, rule = expected
    for e in errors:
        if (e.file, e.line, e.column, e.value, e.rule) == (file, line, column, value, rule):
            text = str(e)
            assert text.startswith(file + (f":{line}" if line else "")), text
            assert f"[rule: {rule}]" in text
            if column:
                assert f"column '{column}'" in text
            if value:
                assert value[:40] in text
            return e
    listing = "\n".join(repr(e) for e in errors)
    raise AssertionError(f"{expected} not reported; got:\n{listing}")


# ---------------------------------------------------------------- the real data
def test_real_data_is_valid():
    assert check_data() == []


def test_load_tables_types(tables: Tables):
    ev = tables.events
    assert len(ev) == 110 and ev["event_id"].is_unique
    assert str(ev["published"].dtype) == "datetime64[ns]"
    assert str(ev["date_start"].dtype) == "datetime64[ns]"
    assert ev["date"].map(type).eq(str).all()  # the original string is kept
    month = ev.set_index("event_id").loc["2018-01-china-implements-unscr-2397"]
    assert month["date"] == "2018-01" and month["date_start"] == pd.Timestamp("2018-01-01")
    year = ev.set_index("event_id").loc["2024-nk-workers-repatriation-reports"]
    assert year["date_start"] == pd.Timestamp("2024-01-01")
    assert (ev["published"] >= ev["date_start"]).all()

    tr = tables.trade
    for col in (
        "exports_to_nk_usd_m",
        "imports_from_nk_usd_m",
        "total_usd_m",
        "nk_total_trade_usd_m",
        "partner_share_pct",
    ):
        assert tr[col].dtype == "float64"
    assert tr["year"].dtype == "int64"
    assert str(tr["published"].dtype) == "datetime64[ns]"
    assert not tr.duplicated(["partner", "series", "period_type", "year", "period"]).any()

    ws = tables.watch_status
    assert str(ws["effective"].dtype) == "datetime64[ns]"
    assert (ws["published"] >= ws["effective"]).all()
    pv = tables.provocations
    assert len(pv) == 493 and pv["provocation_id"].is_unique
    assert (pv["published"] == pv["date"]).all()
    assert set(pv["category"]) == {"missile", "nuclear", "other"}


def test_every_source_id_resolves(tables: Tables):
    ids = set(tables.sources)
    used = (
        set(tables.events["source_id"])
        | set(tables.trade["source_id"])
        | set(tables.watch_status["source_id"])
        | set(tables.watch_indicators["named_by"])
    )
    assert used <= ids, used - ids
    for seed in (
        "joongang-2025-04-thaw",
        "sejong-2024-11",
        "joongang-2026-01-chill",
        "csis-provocations",
    ):
        assert seed in ids
    for item in tables.sources.values():
        assert item["title"] and item["URL"].startswith("http")
        assert item.get("container-title") or item.get("publisher")
        assert item["issued"]["date-parts"][0][0] >= 2004


def test_seed_trade_figures(tables: Tables):
    tr = tables.trade
    annual = tr[(tr["partner"] == "CHN") & (tr["period_type"] == "annual") & (tr["year"] == 2023)]
    gacc = annual[annual["series"] == "GACC"]
    assert gacc["total_usd_m"].tolist() == [2295.38]
    kotra = annual[annual["series"] == "KOTRA"]
    assert kotra["total_usd_m"].tolist() == [2721.10]
    assert kotra["partner_share_pct"].tolist() == [98.3]
    assert kotra["nk_total_trade_usd_m"].tolist() == [2769.12]
    # GACC published in January, KOTRA in July
    assert gacc["published"].iloc[0] == pd.Timestamp("2024-01-18")
    assert kotra["published"].iloc[0] == pd.Timestamp("2024-07-21")
    # the conflicting low-confidence 2012 alternative stays out
    assert 6033.9 not in tr["total_usd_m"].tolist()
    g2012 = tr[(tr["series"] == "GACC") & (tr["year"] == 2012)]
    assert g2012["total_usd_m"].tolist() == [5932.0]


SUMMITS = [
    ("2018-03-25", "Beijing"),
    ("2018-05-07", "Dalian"),
    ("2018-06-19", "Beijing"),
    ("2019-01-07", "Beijing"),
    ("2019-06-20", "Pyongyang"),
]


def test_seed_events(tables: Tables):
    ev = tables.events
    kim_xi = ev[
        (ev["event_type"] == "summit")
        & (ev[["actor_a", "actor_b"]].apply(set, axis=1) == {"CHN", "PRK"})
    ]
    early = kim_xi[kim_xi["date"] < "2020"]
    assert list(zip(early["date"], strict=True)) == [(d,) for d, _ in SUMMITS]
    for (_, place), desc in zip(SUMMITS, early["description"], strict=True):
        assert place in desc
    assert "2025-09-04" in set(kim_xi["date"])
    treaty = ev[(ev["date"] == "2024-06-19") & (ev["actor_a"] == "RUS")]
    assert len(treaty) == 1 and "Treaty" in treaty["description"].iloc[0]
    assert treaty["actor_b"].iloc[0] == "PRK"
    personnel = ev.set_index("event_id").loc["2025-03-31-chinese-personnel-enter"]
    assert personnel["published"] == pd.Timestamp("2025-04-07")
    # the unverified June 2026 "Xi visit" stays out
    assert not ev["date"].str.startswith("2026-06").any()


# ----------------------------------------------------------------- as-of view
def test_as_of_sejong_date_hides_later_rows(tables: Tables):
    view = as_of_view("2024-10-21", tables=tables)
    cut = pd.Timestamp("2024-10-21")
    for df in (view.events, view.trade, view.watch_status, view.provocations):
        assert len(df) and (df["published"] <= cut).all()
    assert len(view.events) < len(tables.events)
    # the watch list holds the indicators named by then (the two named by the April 2025
    # JoongAng piece do not exist yet), all untouched
    assert set(view.watch_indicators["indicator_id"]) == {
        "kim-visit-china",
        "tumen-navigation",
        "new-yalu-bridge",
        "chinese-tourism",
        "nk-workers-china",
    }
    latest = view.watch_status.sort_values("effective").groupby("indicator_id").last()
    assert set(latest["status"]) == {"no_movement"}
    # KOTRA 2023 (July 2024) is known; the 2024 GACC total (Jan 2025) is not
    tr = view.trade
    assert ((tr["series"] == "KOTRA") & (tr["year"] == 2023)).any()
    assert not (
        (tr["series"] == "GACC") & (tr["year"] == 2024) & (tr["period_type"] == "annual")
    ).any()


def test_as_of_chill_date(tables: Tables):
    view = as_of_view(dt.date(2026, 1, 25), tables=tables)
    ids = set(view.events["event_id"])
    assert "2025-09-04-kim-xi-summit-beijing" in ids
    assert "2026-02-23-xi-congratulates-kim-reelection" not in ids
    latest = (
        view.watch_status.sort_values("effective")
        .groupby("indicator_id")["status"]
        .last()
        .to_dict()
    )
    assert latest["kim-visit-china"] == "moved"
    assert latest["chinese-personnel-entry"] == "moved"
    assert latest["new-yalu-bridge"] == "signs_of_movement"
    assert latest["chinese-tourism"] == "no_movement"


def test_as_of_announcement_date(tables: Tables):
    before = as_of_view(pd.Timestamp("2025-04-06"), tables=tables)
    after = as_of_view("2025-04-07", tables=tables)
    key = "2025-03-31-chinese-personnel-enter"
    assert key not in set(before.events["event_id"])
    assert key in set(after.events["event_id"])


def test_as_of_accepts_date_str_timestamp(tables: Tables):
    a = as_of_view("2025-09-05", tables=tables)
    b = as_of_view(dt.date(2025, 9, 5), tables=tables)
    c = as_of_view(pd.Timestamp("2025-09-05 15:30"), tables=tables)
    assert len(a.events) == len(b.events) == len(c.events)
    # the summit of 4 Sep is known from KBS's report of Xinhua's readout, dated 5 Sep
    assert "2025-09-04-kim-xi-summit-beijing" in set(c.events["event_id"])
    before = as_of_view("2025-09-04", tables=tables)
    assert "2025-09-04-kim-xi-summit-beijing" not in set(before.events["event_id"])


def test_as_of_loads_when_no_tables_given():
    view = as_of_view("2019-12-31")
    assert view.events["published"].max() <= pd.Timestamp("2019-12-31")
    # an indicator appears once the source naming it exists: every one is named in 2024-25
    assert view.watch_indicators.empty and view.watch_status.empty
    later = as_of_view("2024-10-21")
    assert "new-yalu-bridge" in set(later.watch_indicators["indicator_id"])
    # then its history comes with it (the 2014 postponement)
    bridge = later.watch_status[later.watch_status["indicator_id"] == "new-yalu-bridge"]
    assert pd.Timestamp("2014-10-31") in set(bridge["effective"])


def test_latest_publication_date_is_the_core_tables_common_currency(tables: Tables):
    # the default as_of: the latest date to which events, trade and the watch list are
    # all current (the CSIS copy runs further, but it is not a core table)
    assert latest_publication_date() == min(tables.current_to[t] for t in tables.core)
    assert set(tables.core) == {"events", "trade", "watch_status"}
    assert latest_publication_date() < tables.current_to["provocations"]


# ---------------------------------------------------- checksums, cache, env skip
def test_checksums_and_fingerprint(data_copy: Path):
    sums = data_checksums()
    for name in DATA_FILES:
        assert re.fullmatch(r"[0-9a-f]{64}", sums[f"data/{name}"])
    assert data_checksums(data_copy) == sums  # a copy named data/ reads the same
    fp = data_fingerprint()
    assert re.fullmatch(r"[0-9a-f]{64}", fp) and data_fingerprint(data_copy) == fp
    (data_copy / "events.csv").write_text(
        (data_copy / "events.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert data_fingerprint(data_copy) != fp


def test_reading_validated_data_does_not_import_pandera(data_copy: Path):
    # Notebook kernels read data the renderer validated: they must not pay pandera's import.
    code = (
        "import os, sys; from analysis.data import load_tables, data_fingerprint; "
        f"os.environ['{VALIDATED_ENV}'] = data_fingerprint({str(data_copy)!r}); "
        f"load_tables({str(data_copy)!r}); print('pandera' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_cache_returns_independent_copies(data_copy: Path):
    a = load_tables(data_copy)
    a.events.loc[0, "description"] = "changed"
    b = load_tables(data_copy)
    assert b.events.loc[0, "description"] != "changed"


def test_env_skips_validation(data_copy: Path, monkeypatch: pytest.MonkeyPatch):
    calls = []
    import analysis.schemas as schemas

    monkeypatch.setattr(schemas, "validate", lambda *a: calls.append(a))
    monkeypatch.setenv(VALIDATED_ENV, data_fingerprint(data_copy))
    t = load_tables(data_copy)
    assert calls == [] and str(t.events["published"].dtype) == "datetime64[ns]"
    # a stale fingerprint validates again
    monkeypatch.setenv(VALIDATED_ENV, "0" * 64)
    (data_copy / "README.md").write_text("changed\n", encoding="utf-8")
    load_tables(data_copy)
    assert len(calls) == 1


def test_error_format():
    e = DataError("data/events.csv", 14, "date", "2025-02-30", "date", "not a real calendar date")
    assert str(e) == (
        "data/events.csv:14: column 'date', value '2025-02-30': "
        "not a real calendar date [rule: date]"
    )
    assert (
        str(DataError("data/trade.csv", None, None, None, "file_missing", "file not found"))
        == "data/trade.csv: file not found [rule: file_missing]"
    )


# ----------------------------------------------------------------- rule cases
Case = Callable[[Path], list[Expected]]

EV, TR, WI, WS, PV, REF = (f"data/{n}" for n in DATA_FILES)
SUMMIT = "2018-03-25-kim-xi-summit-beijing"
DALIAN = "2018-05-07-kim-xi-summit-dalian"
GACC23 = "CHN,GACC,annual,2023,"
KOTRA23 = "CHN,KOTRA,annual,2023,"


def _missing(d: Path) -> list[Expected]:
    (d / "events.csv").unlink()
    (d / "watch_status.csv").unlink()
    return [(EV, None, None, None, "file_missing"), (WS, None, None, None, "file_missing")]


def _empty(d: Path) -> list[Expected]:
    (d / "trade.csv").write_text("", encoding="utf-8")
    (d / "watch_indicators.csv").write_text("\n  \n", encoding="utf-8")
    return [(TR, None, None, None, "file_empty"), (WI, None, None, None, "file_empty")]


def _not_utf8(d: Path) -> list[Expected]:
    p = d / "events.csv"
    n = line_no(p, SUMMIT)
    raw = p.read_bytes().split(b"\n")
    raw[n - 1] = raw[n - 1].replace(b"Beijing", b"Beij\xe9ing", 1)  # Latin-1 é
    p.write_bytes(b"\n".join(raw))
    return [(EV, n, None, "0xe9", "encoding")]


def _unbalanced_quote(d: Path) -> list[Expected]:
    p = d / "watch_indicators.csv"
    n = len([x for x in lines_of(p) if x])  # the last row
    lines = lines_of(p)
    lines[n - 1] = lines[n - 1].replace(",joongang", ',"joongang', 1)
    write_lines(p, lines)
    return [(WI, n, None, None, "csv_syntax")]


def _wrong_delimiter(d: Path) -> list[Expected]:
    p = d / "watch_status.csv"
    lines = lines_of(p)
    lines[0] = lines[0].replace(",", ";")
    write_lines(p, lines)
    return [(WS, 1, None, lines[0], "csv_syntax")]


def _row_width(d: Path) -> list[Expected]:
    p = d / "events.csv"
    n = edit_line(p, SUMMIT, ",high", ",high,extra")
    m = edit_line(p, DALIAN, ",high", ",high,extra")
    return [
        (EV, n, None, lines_of(p)[n - 1], "csv_syntax"),
        (EV, m, None, lines_of(p)[m - 1], "csv_syntax"),
    ]


def _renamed_column(d: Path) -> list[Expected]:
    p = d / "events.csv"
    edit_line(p, "event_id,", ",confidence", ",conf")
    return [
        (EV, 1, "confidence", None, "column_missing"),
        (EV, 1, "conf", "conf", "column_unknown"),
    ]


def _extra_column(d: Path) -> list[Expected]:
    p = d / "trade.csv"
    lines = lines_of(p)
    lines = [
        line + (",region" if i == 0 else ",x") if line else line for i, line in enumerate(lines)
    ]
    write_lines(p, lines)
    return [(TR, 1, "region", "region", "column_unknown")]


def _non_numeric(d: Path) -> list[Expected]:
    p = d / "trade.csv"
    n = set_field(p, GACC23, "total_usd_m", "2.3bn")
    m = set_field(p, KOTRA23, "imports_from_nk_usd_m", "n/a")
    return [
        (TR, n, "total_usd_m", "2.3bn", "type"),
        (TR, m, "imports_from_nk_usd_m", "n/a", "type"),
    ]


def _non_integer_year(d: Path) -> list[Expected]:
    p = d / "trade.csv"
    n = set_field(p, GACC23, "year", "2023.5")
    m = set_field(p, KOTRA23, "year", "twenty")
    return [(TR, n, "year", "2023.5", "type"), (TR, m, "year", "twenty", "type")]


def _impossible_date(d: Path) -> list[Expected]:
    ev, ws = d / "events.csv", d / "watch_status.csv"
    n = set_field(ev, SUMMIT, "date", "2025-02-30")
    m = set_field(ws, "kim-visit-china,2025-09-02", "published", "2025-09-31")
    return [(EV, n, "date", "2025-02-30", "date"), (WS, m, "published", "2025-09-31", "date")]


def _partial_date_form(d: Path) -> list[Expected]:
    p = d / "events.csv"
    n = set_field(p, "2018-01-china", "date", "2018/01")
    m = set_field(p, "2013-12-jang", "date", "12-2013")
    return [(EV, n, "date", "2018/01", "date"), (EV, m, "date", "12-2013", "date")]


def _precision_mismatch(d: Path) -> list[Expected]:
    p = d / "events.csv"
    n = set_field(p, "2018-01-china", "date_precision", "day")
    m = set_field(p, SUMMIT, "date_precision", "month")
    return [
        (EV, n, "date_precision", "day", "date_precision"),
        (EV, m, "date_precision", "month", "date_precision"),
    ]


def _published_before_event(d: Path) -> list[Expected]:
    p = d / "events.csv"
    n = set_field(p, SUMMIT, "published", "2018-03-24")
    m = set_field(p, "2013-12-jang", "published", "2013-11-30")  # before the month began
    return [
        (EV, n, "published", "2018-03-24", "published_before_event"),
        (EV, m, "published", "2013-11-30", "published_before_event"),
    ]


def _negative(d: Path) -> list[Expected]:
    p = d / "trade.csv"
    n = set_field(p, GACC23, "exports_to_nk_usd_m", "-2003.50")
    m = set_field(p, KOTRA23, "total_usd_m", "-1")
    return [
        (TR, n, "exports_to_nk_usd_m", "-2003.50", "negative"),
        (TR, m, "total_usd_m", "-1", "negative"),
    ]


def _share_range(d: Path) -> list[Expected]:
    p = d / "trade.csv"
    n = set_field(p, KOTRA23, "partner_share_pct", "198.3")
    m = set_field(p, "CHN,KOTRA,annual,2022,", "partner_share_pct", "100.5")
    return [
        (TR, n, "partner_share_pct", "198.3", "range"),
        (TR, m, "partner_share_pct", "100.5", "range"),
    ]


def _duplicate_key(d: Path) -> list[Expected]:
    ev, tr = d / "events.csv", d / "trade.csv"
    lines = lines_of(ev)
    lines.insert(len(lines) - 1, lines[line_no(ev, SUMMIT) - 1])
    write_lines(ev, lines)
    dup_line = len([x for x in lines if x])
    t = lines_of(tr)
    first = line_no(tr, GACC23)
    t.insert(len(t) - 1, t[first - 1].replace("2295.38", "2300"))
    write_lines(tr, t)
    tdup = len([x for x in t if x])
    return [
        (EV, dup_line, "event_id", SUMMIT, "duplicate_key"),
        (
            TR,
            tdup,
            "partner, series, period_type, year, period",
            "CHN|GACC|annual|2023|",
            "duplicate_key",
        ),
    ]


def _unknown_source(d: Path) -> list[Expected]:
    n = set_field(d / "events.csv", SUMMIT, "source_id", "yonhap-2019-06-21")
    m = set_field(d / "trade.csv", GACC23, "source_id", "nobody")
    k = set_field(d / "watch_indicators.csv", "kim-visit-china", "named_by", "sejong-2024-12")
    return [
        (EV, n, "source_id", "yonhap-2019-06-21", "unknown_source"),
        (TR, m, "source_id", "nobody", "unknown_source"),
        (WI, k, "named_by", "sejong-2024-12", "unknown_source"),
    ]


def _signal_without_partner(d: Path) -> list[Expected]:
    n = set_field(d / "events.csv", SUMMIT, "signal_partner", "")
    m = set_field(d / "events.csv", "2017-05-03-kcna", "signal_partner", "")
    return [
        (EV, n, "signal_partner", "", "signal_partner"),
        (EV, m, "signal_partner", "", "signal_partner"),
    ]


def _level_rule(d: Path) -> list[Expected]:
    n = set_field(d / "events.csv", SUMMIT, "level", "")  # a summit needs its level
    m = set_field(d / "events.csv", "2017-05-03-kcna", "level", "senior")  # a statement has none
    return [(EV, n, "level", "", "level"), (EV, m, "level", "senior", "level")]


def _trip_actors(d: Path) -> list[Expected]:
    p = d / "events.csv"
    first = line_no(p, "2025-09-02-kim-arrives-beijing")
    n = set_field(p, "2025-09-03-kim-putin-meeting-beijing", "trip_id", "2025-09-kim-beijing")
    m = set_field(p, DALIAN, "trip_id", "Kim Trip")
    errors = check_data(d)
    trip = next(e for e in errors if e.rule == "trip_actors")
    assert f"line {first}" in trip.message  # points to the trip's first row
    return [
        (EV, n, "trip_id", "2025-09-kim-beijing", "trip_actors"),
        (EV, m, "trip_id", "Kim Trip", "id_format"),
    ]


def _vocab(file: str, startswith: str, column: str, value: str) -> Case:
    def case(d: Path) -> list[Expected]:
        n = set_field(d / file, startswith, column, value)
        return [(f"data/{file}", n, column, value, "vocabulary")]

    return case


def _bad_json(d: Path) -> list[Expected]:
    p = d / "references.json"
    lines = lines_of(p)
    lines[4] = lines[4].rstrip(",")  # drop a comma between two members of the first item
    write_lines(p, lines)
    return [(REF, 6, None, None, "json")]


def _item_without_id(d: Path) -> list[Expected]:
    import json

    p = d / "references.json"
    items = json.loads(p.read_text(encoding="utf-8"))
    del items[0]["id"]
    items[3]["id"] = ""
    p.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    text_lines = lines_of(p)
    starts = [i for i, line in enumerate(text_lines, start=1) if line == "  {"]
    return [
        (REF, starts[0], "id", None, "reference_id"),
        (REF, starts[3], "id", "", "reference_id"),
    ]


CASES: dict[str, Case] = {
    "file_missing": _missing,
    "file_empty": _empty,
    "not_utf8": _not_utf8,
    "unbalanced_quote": _unbalanced_quote,
    "wrong_delimiter": _wrong_delimiter,
    "row_width": _row_width,
    "renamed_column": _renamed_column,
    "extra_column": _extra_column,
    "non_numeric_trade_value": _non_numeric,
    "non_integer_year": _non_integer_year,
    "impossible_date": _impossible_date,
    "partial_date_wrong_form": _partial_date_form,
    "precision_mismatch": _precision_mismatch,
    "published_before_event": _published_before_event,
    "negative_trade_value": _negative,
    "share_out_of_range": _share_range,
    "duplicate_key": _duplicate_key,
    "unknown_source_id": _unknown_source,
    "unknown_event_type": _vocab("events.csv", SUMMIT, "event_type", "meeting"),
    "unknown_actor": _vocab("events.csv", SUMMIT, "actor_b", "JPN"),
    "unknown_confidence": _vocab("events.csv", SUMMIT, "confidence", "certain"),
    "unknown_signal": _vocab("events.csv", SUMMIT, "signal", "positive"),
    "unknown_signal_partner": _vocab("events.csv", SUMMIT, "signal_partner", "JPN"),
    "unknown_level": _vocab("events.csv", SUMMIT, "level", "minister"),
    "unknown_denuclearization": _vocab("events.csv", SUMMIT, "denuclearization", "maybe"),
    "unknown_named_as": _vocab("watch_indicators.csv", "kim-visit-china", "named_as", "point"),
    "signal_without_partner": _signal_without_partner,
    "level_rule": _level_rule,
    "trip_actors": _trip_actors,
    "unknown_status": _vocab("watch_status.csv", "kim-visit-china,2025", "status", "open"),
    "unknown_series": _vocab("trade.csv", GACC23, "series", "COMTRADE"),
    "unknown_partner": _vocab("trade.csv", GACC23, "partner", "JPN"),
    "unknown_period_type": _vocab("trade.csv", GACC23, "period_type", "quarterly"),
    "unknown_category": _vocab("provocations.csv", "2017-09-03", "category", "bomb"),
    "references_not_json": _bad_json,
    "reference_without_id": _item_without_id,
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rule_is_reported_with_its_place(case: Case, data_copy: Path):
    expected = case(data_copy)
    # an unrelated second problem elsewhere: every problem is listed, not only the first
    other_line = set_field(data_copy / "provocations.csv", "2016-01-06", "category", "rocket")
    other: Expected = (PV, other_line, "category", "rocket", "vocabulary")
    if any(e[0] == PV and e[2] == "category" for e in expected):
        other = expected[0]

    errors = check_data(data_copy)
    for exp in [*expected, other]:
        assert_reported(errors, exp)

    with pytest.raises(DataValidationError) as info:
        load_tables(data_copy)
    assert isinstance(info.value, ValueError)
    assert info.value.errors == errors
    report = str(info.value)
    for e in errors:
        assert str(e) in report


def test_messages_say_what_is_wrong(data_copy: Path):
    set_field(data_copy / "events.csv", SUMMIT, "date", "2025-02-30")
    set_field(data_copy / "events.csv", DALIAN, "date", "2025/03")
    errors = check_data(data_copy)
    msgs = {e.value: e.message for e in errors}
    assert msgs["2025-02-30"] == "not a real calendar date"
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in msgs["2025/03"]
    assert str(errors[0]).startswith("data/events.csv:")


def test_missing_folder_is_one_error(tmp_path: Path):
    errors = check_data(tmp_path / "nowhere")
    assert [e.rule for e in errors] == ["file_missing"]


def test_cross_file_rules(data_copy: Path):
    n = set_field(
        data_copy / "watch_status.csv", "kim-visit-china,2025", "indicator_id", "kim-visit"
    )
    m = set_field(data_copy / "trade.csv", GACC23, "series", "RUS-FCS")  # a Russian series
    k = set_field(data_copy / "trade.csv", "CHN,GACC,monthly,2025,11", "period", "13")
    j = set_field(data_copy / "trade.csv", KOTRA23, "published", "2023-12-31")
    errors = check_data(data_copy)
    assert_reported(errors, (WS, n, "indicator_id", "kim-visit", "unknown_indicator"))
    assert_reported(errors, (TR, m, "series", "RUS-FCS", "vocabulary"))
    assert_reported(errors, (TR, k, "period", "13", "period"))
    assert_reported(errors, (TR, j, "published", "2023-12-31", "published_before_period"))


# ------------------------------------------------ contracts 2, 3, 9: currency, totals, coverage
def test_tables_declare_currency_and_coverage(tables: Tables):
    assert set(tables.current_to) == {"events", "trade", "watch_status", "provocations"}
    assert all(isinstance(d, dt.date) for d in tables.current_to.values())
    assert set(tables.coverage) == {"CHN", "RUS", "USA", "KOR"}
    assert isinstance(tables.coverage["RUS"], dt.date)
    assert tables.coverage["USA"] is None  # no complete record: no comparison
    view = as_of_view("2024-10-21", tables=tables)
    assert set(view.current_to.values()) == {dt.date(2024, 10, 21)}  # capped at as_of
    assert view.coverage == tables.coverage


def test_derived_totals_are_flagged(tables: Tables):
    tr = tables.trade.set_index(["partner", "series", "period_type", "year", "period"])
    dec = tr.loc[("CHN", "GACC", "monthly", 2025, "12")]
    assert dec["total_derived"] and dec["total_usd_m"] == pytest.approx(310.1)
    stated = tr.loc[("CHN", "GACC", "monthly", 2025, "11")]
    assert not stated["total_derived"] and stated["total_usd_m"] == 281  # the source's own
    assert tables.trade["total_derived"].dtype == bool
    derived = tables.trade[tables.trade["total_derived"]]
    assert (
        derived["total_usd_m"]
        .sub(derived["exports_to_nk_usd_m"] + derived["imports_from_nk_usd_m"])
        .abs()
        .lt(1e-9)
        .all()
    )


def test_view_holds_back_rows_whose_source_is_later(tables: Tables):
    for as_of in ("2024-10-21", "2025-04-08", "2026-01-25"):
        view = as_of_view(as_of, tables=tables)
        cut = pd.Timestamp(as_of)
        for name in ("events", "trade", "watch_status"):
            frame = getattr(view, name)
            assert (available_from(frame, tables.sources) <= cut).all(), (as_of, name)
            for sid in frame["source_id"]:
                assert sid in view.sources, (as_of, sid)  # every cited source is in the view
        for item in view.sources.values():  # no reference dated after the edition
            year, *rest = item["issued"]["date-parts"][0]
            first = dt.date(year, *(rest + [1, 1][len(rest) :]))
            assert first <= cut.date(), (as_of, item["id"])


def test_living_database_is_cited_as_it_stood(tables: Tables):
    view = as_of_view("2024-10-21", tables=tables)
    csis = view.sources["csis-provocations"]
    last = view.provocations["published"].max()
    assert csis["issued"]["date-parts"] == [[last.year, last.month, last.day]]
    assert "2026" not in csis["title"] + csis.get("publisher", "")
    # each provocation carries its own date: nothing later is shown
    assert view.provocations["published"].max() <= pd.Timestamp("2024-10-21")


def test_metadata_errors_have_their_place(data_copy: Path):
    p = data_copy / "tables.toml"
    text = p.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^trade = (\S+)$", r'trade = "2026-01-20"', text).replace(
        "RUS = 2023", "JPN = 2023"
    )
    p.write_text(text, encoding="utf-8")
    errors = check_data(data_copy)
    lines = text.split("\n")
    trade_line = next(i for i, x in enumerate(lines, 1) if x.startswith("trade ="))
    jpn_line = next(i for i, x in enumerate(lines, 1) if x.startswith("JPN ="))
    assert_reported(errors, ("data/tables.toml", trade_line, "trade", "2026-01-20", "date"))
    assert_reported(errors, ("data/tables.toml", jpn_line, "JPN", "JPN", "vocabulary"))
    (data_copy / "tables.toml").unlink()
    assert_reported(check_data(data_copy), ("data/tables.toml", None, None, None, "file_missing"))


def test_reference_without_issued_date(data_copy: Path):
    import json

    p = data_copy / "references.json"
    items = json.loads(p.read_text(encoding="utf-8"))
    del items[1]["issued"]
    items[2]["issued"] = {"date-parts": [[2024, 13]]}
    p.write_text(json.dumps(items, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    starts = [i for i, line in enumerate(lines_of(p), start=1) if line == "  {"]
    errors = check_data(data_copy)
    assert_reported(errors, (REF, starts[1], "issued", None, "issued"))
    assert_reported(errors, (REF, starts[2], "issued", '{"date-parts": [[2024, 13]]}', "issued"))


def test_malformed_metadata_names_its_line(data_copy: Path):
    p = data_copy / "tables.toml"
    lines = lines_of(p)
    n = next(i for i, x in enumerate(lines, 1) if x.startswith("trade ="))
    lines[n - 1] = "trade = "
    write_lines(p, lines)
    errors = check_data(data_copy)
    assert_reported(errors, ("data/tables.toml", n, None, None, "toml"))


def test_a_frames_key_is_remembered_until_the_frame_changes_or_dies(monkeypatch):
    """An unchanged frame's content key is computed once; a frame changed in place (a text
    cell, a number, a new column) gets a new key; a dead frame's entry goes with it."""
    from analysis import data

    computed = []
    content_key = data._content_key
    monkeypatch.setattr(data, "_content_key", lambda *a: computed.append(1) or content_key(*a))
    frame = pd.DataFrame({"n": [1, 2], "text": ["a", "b"]})
    first = data.frame_key(frame)
    assert data.frame_key(frame) == first and len(computed) == 1
    assert data.frame_key(frame.copy()) == first and len(computed) == 2  # equal content
    frame.loc[0, "text"] = "c"
    assert data.frame_key(frame) != first
    frame.loc[0, "text"] = "a"  # the old content again: the old key
    assert data.frame_key(frame) == first
    frame.loc[0, "n"] = 5
    assert data.frame_key(frame) != first
    frame["more"] = 0
    assert len({first, data.frame_key(frame)}) == 2
    known = len(data._KEYS)
    del frame
    gc.collect()
    assert len(data._KEYS) == known - 1


def test_a_frame_with_other_objects_is_hashed_every_time(monkeypatch):
    """A list in a cell can change without a new address: such a frame is never remembered."""
    from analysis import data

    computed = []
    content_key = data._content_key
    monkeypatch.setattr(data, "_content_key", lambda *a: computed.append(1) or content_key(*a))
    frame = pd.DataFrame({"items": [[1], [2]]})
    first = data.frame_key(frame)
    frame["items"].iloc[0].append(3)
    assert data.frame_key(frame) != first and len(computed) == 2
