"""The watch list: each tracked indicator's status as of the edition date, the date it last
changed, and which items the Sejong brief named as points to watch.
"""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd

from analysis import charts, narrative

SEJONG = "sejong-2024-11"  # the seed brief whose points to watch are marked in the table
STATUS_NAMES = {
    "no_movement": "No movement",
    "signs_of_movement": "Signs of movement",
    "moved": "Moved",
    "reversed": "Reversed",
    "no_report": "No report yet",
}
OPEN = ("no_movement", "signs_of_movement", "reversed", "no_report")
MARK = "†"
RECENT_DAYS = 120


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
    return pd.DataFrame(rows, columns=cols)


def counts(cur: pd.DataFrame) -> dict[str, int]:
    return {s: int((cur["status"] == s).sum()) for s in STATUS_NAMES}


def scorecard(cur: pd.DataFrame, sources: dict | None = None, as_of: Any = None) -> str:
    """The scorecard as a Markdown pipe table (data text escaped, sources cited).

    A "raised by" source issued after `as_of` is not cited: the edition cannot know it.
    """
    sources = sources or {}

    def known(key: str) -> bool:
        return bool(key) and (as_of is None or narrative.known_by(sources, key, as_of))

    rows = []
    for _, r in cur.iterrows():
        label = narrative.md_escape(r["label"])
        if r["named_by"] == SEJONG and known(SEJONG):
            label += f" {MARK}"
        since = narrative.fmt_date(r["since"], short=True) if pd.notna(r["since"]) else "—"
        detail = narrative.md_escape(r["detail"])
        if r["confidence"] == "low":
            detail += " (low confidence)"
        if r["source_id"]:
            detail += f" {narrative.cite([r['source_id']])}"
        raised = narrative.cite([r["named_by"]]) if known(r["named_by"]) else "—"
        status = charts.status_mark(r["status"], STATUS_NAMES[r["status"]])
        rows.append([label, status, since, detail.strip(), raised])
    table = narrative.md_table(
        ["Indicator", "Status", "Since", "Latest report", "Raised by"],
        rows,
        align="lllll",
        widths=[21, 13, 11, 41, 14],
    )
    ids = [*cur["source_id"], *[n for n in cur["named_by"] if known(n)]]
    key = charts.status_legend(STATUS_NAMES, cur["status"])
    source = charts.source_line("the brief's watch-list table", ids)
    tail = f"{key}\n\n{source}"
    if not known(SEJONG) or not (cur["named_by"] == SEJONG).any():
        return f"{table}\n\n{tail}"
    ref = narrative.cite([SEJONG])
    note = f"{MARK} Named as a point to watch by the Sejong Institute brief {ref}."
    return f"{table}\n\n{note}\n\n{tail}"


def _verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def text(cur: pd.DataFrame, as_of: Any) -> str:
    c = counts(cur)
    quiet = c["no_movement"] + c["no_report"]
    head = (
        f"As of {narrative.fmt_date(as_of)}, {c['moved']} of "
        f"{narrative.plural(len(cur), 'watch-list item')} {_verb(c['moved'], 'has', 'have')} "
        f"moved, {c['signs_of_movement']} {_verb(c['signs_of_movement'], 'shows', 'show')} "
        f"signs of movement and {quiet} {_verb(quiet, 'shows', 'show')} no movement"
    )
    if c["reversed"]:
        head += f"; {c['reversed']} moved and then reversed"
    out = [head + "."]
    sej = cur[cur["named_by"] == SEJONG]
    if not sej.empty:
        moved = int((sej["status"] == "moved").sum())
        out.append(
            f"Of the {narrative.plural(len(sej), 'item')} the Sejong brief named (marked {MARK}), "
            f"{moved} {'has' if moved == 1 else 'have'} moved {narrative.cite([SEJONG])}."
        )
    changed = cur[(cur["changes"] > 0) & cur["since"].notna()]
    changed = changed[changed["since"] >= pd.Timestamp(as_of) - pd.Timedelta(days=RECENT_DAYS)]
    items = [
        f"{narrative.md_escape(r['label'])}: {STATUS_NAMES[r['status']].lower()} since "
        f"{narrative.fmt_date(r['since'])} {narrative.cite([r['source_id']])}".rstrip()
        for _, r in changed.sort_values("since").iterrows()
    ]
    if items:
        out.append(
            f"Changed in the {RECENT_DAYS} days to {narrative.fmt_date(as_of)}:\n\n"
            + narrative.bullets(items)
        )
    else:
        out.append(
            f"No item changed status in the {RECENT_DAYS} days to {narrative.fmt_date(as_of)}."
        )
    return "\n\n".join(out)


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
        "watch.moved": {"label": "Watch-list items moved", "value": c["moved"], "unit": "count"},
        "watch.signs": {
            "label": "Watch-list items with signs of movement",
            "value": c["signs_of_movement"],
            "unit": "count",
        },
    }
    return {"statuses": statuses, "numbers": numbers}


def table_of(view: Any, params: Any) -> str:
    return scorecard(status_of(view, params), view.sources, params.as_of)


def status_of(view: Any, params: Any) -> pd.DataFrame:
    """The current watch list of an as-of view."""
    return current(view.watch_indicators, view.watch_status, params.as_of)
