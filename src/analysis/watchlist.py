"""The watch list: each tracked indicator's status as of the edition date, the date it last
changed, and which items the Sejong brief named as points to watch.

The Sejong brief names four points to watch and discusses a fifth item (North Korean workers
in China) as a friction. An optional `named_as` column of watch_indicators.csv (`watch`,
`friction`) tells the two apart; without it the items are said to be drawn from the brief,
which is true of both, and no count of its points is claimed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from analysis import charts, data, narrative
from analysis.data import Tables
from analysis.params import BriefParams
from analysis.text import join as join_words
from analysis.text import number, say

SEJONG = "sejong-2024-11"  # the seed brief whose points to watch are marked in the table
STATUS_CODES = ("no_movement", "signs_of_movement", "moved", "reversed", "no_report")


class _StatusNames(Mapping[str, str]):
    """Status words, looked up when used: they follow the language being written."""

    def __getitem__(self, code: str) -> str:
        return say(f"watchlist.status.{code}")

    def __iter__(self) -> Iterator[str]:
        return iter(STATUS_CODES)

    def __len__(self) -> int:
        return len(STATUS_CODES)


STATUS_NAMES = _StatusNames()
OPEN = ("no_movement", "signs_of_movement", "reversed", "no_report")
MARK = "†"
RECENT_DAYS = 120
WORKERS = "nk-workers-china"  # the one item that UN sanctions bear on (new work permits)
_WORKERS_RE = re.compile(r"\bworkers?\b", re.I)
_RESOLUTION = re.compile(r"Resolution (\d{4})")


def current(indicators: pd.DataFrame, status: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """One row per indicator: status, `since` (start of the current status), latest report."""
    st = status.copy()
    st["effective"] = pd.to_datetime(st["effective"])
    st["published"] = pd.to_datetime(st["published"])
    st = st[(st["published"] <= pd.Timestamp(as_of)) & (st["effective"] <= pd.Timestamp(as_of))]
    st = st.sort_values(["indicator_id", "effective", "published"], kind="stable")
    rows = []
    ind = indicators.copy()
    ind["order"] = pd.to_numeric(ind["order"], errors="coerce")
    for _, i in ind.sort_values("order", kind="stable").iterrows():
        hist = st[st["indicator_id"] == i["indicator_id"]]
        row = {
            "indicator_id": i["indicator_id"],
            "label": i["label"],
            "named_by": str(i.get("named_by") or ""),
            "order": i["order"],
        }
        if "named_as" in ind.columns:
            row["named_as"] = str(i.get("named_as") or "")
        if hist.empty:
            row.update(
                status="no_report",
                since=pd.NaT,
                effective=pd.NaT,
                detail="",
                source_id="",
                confidence="",
                changes=0,
            )
        else:
            last = hist.iloc[-1]
            statuses = list(hist["status"])
            k = len(statuses) - 1
            while k > 0 and statuses[k - 1] == statuses[-1]:
                k -= 1
            row.update(
                status=last["status"],
                since=hist.iloc[k]["effective"],
                effective=last["effective"],
                detail=str(last["detail"] or ""),
                source_id=str(last["source_id"] or ""),
                confidence=str(last.get("confidence") or ""),
                changes=sum(1 for a, b in itertools.pairwise(statuses) if a != b),
            )
        rows.append(row)
    cols = [
        "indicator_id",
        "label",
        "named_by",
        "order",
        "status",
        "since",
        "effective",
        "detail",
        "source_id",
        "confidence",
        "changes",
    ]
    if "named_as" in ind.columns:
        cols.insert(3, "named_as")
    return pd.DataFrame(rows, columns=cols)


def counts(cur: pd.DataFrame) -> dict[str, int]:
    return {s: int((cur["status"] == s).sum()) for s in STATUS_NAMES}


def _sejong_points(cur: pd.DataFrame) -> pd.DataFrame | None:
    """The Sejong brief's points to watch, where the data says which items they are."""
    if "named_as" not in cur.columns:
        return None
    return cur[(cur["named_by"] == SEJONG) & (cur["named_as"] == "watch")]


def scorecard(cur: pd.DataFrame, sources: dict | None = None, as_of: Any = None) -> str:
    """The scorecard as a Markdown pipe table (data text escaped, sources cited).

    A "raised by" source issued after `as_of` is not cited: the edition cannot know it.
    """
    sources = sources or {}

    def known(key: str) -> bool:
        return bool(key) and (as_of is None or narrative.known_by(sources, key, as_of))

    points = _sejong_points(cur)
    rows = []
    for _, r in cur.iterrows():
        label = narrative.md_escape(r["label"])
        marked = r["named_by"] == SEJONG and (
            points is None or r["indicator_id"] in set(points["indicator_id"])
        )
        if marked and known(SEJONG):
            label += f" {MARK}"
        since = narrative.fmt_date(r["since"], short=True) if pd.notna(r["since"]) else "—"
        detail = narrative.md_escape(r["detail"])
        if r["confidence"] == "low":
            detail += " " + say("watchlist.low_confidence")
        if r["source_id"]:
            detail += f" {narrative.cite([r['source_id']])}"
        raised = narrative.cite([r["named_by"]]) if known(r["named_by"]) else "—"
        status = charts.status_mark(r["status"], STATUS_NAMES[r["status"]])
        rows.append([label, status, since, detail.strip(), raised])
    header = [
        say(f"watchlist.col.{c}") for c in ("indicator", "status", "since", "report", "raised")
    ]
    table = narrative.md_table(header, rows, align="lllll", widths=[21, 13, 11, 41, 14])
    # The key to the status marks and the one source line (charts: the house style).
    ids = [*cur["source_id"], *[n for n in cur["named_by"] if known(n)]]
    tail = [
        charts.status_legend(STATUS_NAMES, cur["status"]),
        charts.source_line(say("charts.source.watch"), ids),
    ]
    # the mark is explained once, by the section's text (`sejong_sentences`)
    return "\n\n".join([table, *tail])


def _count(key: str, n: int, **values: Any) -> str:
    return say(key, n=n, count=number(n), **values)


def head_sentence(cur: pd.DataFrame, as_of: Any) -> str:
    """'As of 25 January 2026, three of the seven have moved, one shows signs …' (no zeros)."""
    c = counts(cur)
    total = number(len(cur))
    quiet = c["no_movement"] + c["no_report"]
    if c["moved"] == c["signs_of_movement"] == c["reversed"] == 0:
        parts = [say("watchlist.all_quiet", total=total)]
    else:
        parts = [
            _count("watchlist.part.moved", c["moved"], total=total)
            if c["moved"]
            else say("watchlist.none_moved", total=total)
        ]
        if c["signs_of_movement"]:
            parts.append(_count("watchlist.part.signs", c["signs_of_movement"]))
        if quiet:
            parts.append(_count("watchlist.part.quiet", quiet))
        if c["reversed"]:
            parts.append(_count("watchlist.part.reversed", c["reversed"]))
    return say("watchlist.head", as_of=narrative.fmt_date(as_of), parts=join_words(parts))


def sejong_sentences(cur: pd.DataFrame) -> str:
    sej = cur[cur["named_by"] == SEJONG]
    if sej.empty:
        return ""
    points = _sejong_points(cur)
    shown = sej if points is None else points
    moved = int((shown["status"] == "moved").sum())
    moved_text = (
        _count("watchlist.sejong_moved", moved) if moved else say("watchlist.sejong_none_moved")
    )
    cite = narrative.cite([SEJONG])
    if points is None:
        return say("watchlist.sejong_drawn", mark=MARK, moved=moved_text, cite=cite)
    return say(
        "watchlist.sejong_points",
        points=number(len(points)),
        mark=MARK,
        moved=moved_text,
        cite=cite,
    )


def sanctions_sentence(cur: pd.DataFrame, events: pd.DataFrame | None) -> str:
    """Which open item UN sanctions bear on: new workers (the resolutions from the events)."""
    if events is None or events.empty:
        return ""
    is_open = cur["status"].isin(OPEN)
    if WORKERS not in set(cur.loc[is_open, "indicator_id"]):
        return ""
    res = events[
        (events["event_type"] == "sanction")
        & (events["actor_a"] == "UNSC")
        & events["description"].astype(str).str.contains(_WORKERS_RE)
    ]
    numbers = [m.group(1) for d in res["description"] if (m := _RESOLUTION.search(str(d)))]
    if not numbers:
        return ""
    n_open = int(is_open.sum())
    out = say(
        "watchlist.sanctions",
        n=n_open,
        open=number(n_open),
        resolutions=say(
            "watchlist.resolutions",
            n=len(set(numbers)),
            list=join_words(list(dict.fromkeys(numbers))),
        ),
        cite=narrative.cite(list(dict.fromkeys(res["source_id"]))[:2]),
        sejong=narrative.cite([SEJONG]),
    )
    return out


def changed_sentence(cur: pd.DataFrame, as_of: Any) -> str:
    """The items whose status changed in the last RECENT_DAYS, as one plain sentence (the
    reports themselves are the table's)."""
    changed = cur[(cur["changes"] > 0) & cur["since"].notna()]
    changed = changed[changed["since"] >= pd.Timestamp(as_of) - pd.Timedelta(days=RECENT_DAYS)]
    values = {"days": RECENT_DAYS, "as_of": narrative.fmt_date(as_of)}
    if changed.empty:
        return say("watchlist.changed_none", **values)
    items = [
        say(
            f"watchlist.changed.{r['status']}",
            label=narrative.md_escape(r["label"]),
            since=narrative.fmt_date(r["since"]),
        )
        for _, r in changed.sort_values("since").iterrows()
    ]
    return say("watchlist.changed_sentence", changes=join_words(items), **values)


def text(cur: pd.DataFrame, as_of: Any, events: pd.DataFrame | None = None) -> str:
    head = " ".join(filter(None, [head_sentence(cur, as_of), sejong_sentences(cur)]))
    out = [head, sanctions_sentence(cur, events), changed_sentence(cur, as_of)]
    return "\n\n".join(p for p in out if p)


def facts(cur: pd.DataFrame) -> dict[str, Any]:
    statuses = {
        r["indicator_id"]: {
            "label": r["label"],
            "status": r["status"],
            "since": narrative.iso(r["since"]) if pd.notna(r["since"]) else None,
        }
        for _, r in cur.iterrows()
    }
    c = counts(cur)
    numbers = {
        "watch.moved": {
            "label": say("watchlist.fact.moved"),
            "value": c["moved"],
            "unit": "count",
        },
        "watch.signs": {
            "label": say("watchlist.fact.signs"),
            "value": c["signs_of_movement"],
            "unit": "count",
        },
    }
    return {"statuses": statuses, "numbers": numbers}


def table_of(view: Tables, params: BriefParams) -> str:
    return scorecard(status_of(view, params), view.sources, params.as_of)


def facts_of(view: Tables, params: BriefParams) -> dict[str, Any]:
    """The section's facts for an as-of view (the notebook's call)."""
    return facts(status_of(view, params))


def text_of(view: Tables, params: BriefParams) -> str:
    """The section's prose for an as-of view (the notebook's call)."""
    # changes are counted as far as the watch list was searched (data/tables.toml)
    as_of = data.record_end(view, params.as_of, "watch_status")
    return text(status_of(view, params), as_of, view.events)


def status_of(view: Tables, params: BriefParams) -> pd.DataFrame:
    """The current watch list of an as-of view."""
    return current(view.watch_indicators, view.watch_status, params.as_of)
