"""Sentence builders: formatting numbers, dates and citations, and escaping data text.

Every sentence of the brief that states a number, a date, a count or a status is built
here or in a topic module from the as-of data. Text that comes from the data (event
descriptions, status details, labels) enters Markdown only through `md_escape`; source
ids enter only through `cite`, which refuses anything that is not a plain citation key.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from analysis import locales
from analysis.text import number, say

# Characters that mean something to Markdown (pandoc), HTML or Typst: each is
# backslash-escaped, which pandoc turns back into the literal character in every writer.
_SPECIAL = set("\\`*_{}[]<>#+-!|$@~^&")
_SPACE = re.compile(r"\s+")
_CITE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def md_escape(text: Any) -> str:
    """Data text as inert Markdown: one line, every significant character escaped."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    flat = locales.data_text(_SPACE.sub(" ", str(text)).strip())  # in the language written
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in flat)


def cite(ids: Iterable[Any]) -> str:
    """Pandoc citation for the given source ids, in order of first appearance: `[@a; @b]`."""
    keys: list[str] = []
    for value in ids:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        key = str(value).strip()
        if not key:
            continue
        if not _CITE_KEY.match(key):
            raise ValueError(f"not a citation key: {key!r}")
        if key not in keys:
            keys.append(key)
    return "[" + "; ".join("@" + k for k in keys) + "]" if keys else ""


def with_cite(sentence: str, ids: Iterable[Any]) -> str:
    """Attach a citation before the sentence's final full stop."""
    ref = cite(ids)
    if not ref:
        return sentence
    if sentence.endswith("."):
        return f"{sentence[:-1]} {ref}."
    return f"{sentence} {ref}"


def fmt_usd_m(value: float, *, prefix: str = "US$") -> str:
    """US$ millions as words: 2295.38 -> 'US$2,295 million', 34.4 -> 'US$34.4 million'."""
    if (other := locales.forms()) is not None:  # another language's units (analysis.locales)
        return other.usd_m(value)
    value = float(value)
    if value < 0:
        return "−" + fmt_usd_m(-value, prefix=prefix)
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".removesuffix(".0")
    return f"{prefix}{text} million"


def fmt_pct(value: float, digits: int = 1) -> str:
    return f"{float(value):.{digits}f}%"


def fmt_change(pct: float) -> str:
    """A percentage change as words: 'up 25.5%', 'down 4.9%', 'unchanged'."""
    if (other := locales.forms()) is not None:
        return other.change(pct)
    if round(pct, 1) == 0:
        return "unchanged"
    return f"{'up' if pct > 0 else 'down'} {abs(pct):.1f}%"


def fmt_int(value: int) -> str:
    return f"{int(value):,}"


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def fmt_date(value: Any, precision: str = "day", short: bool = False) -> str:
    """'4 September 2025', 'September 2025' or '2025' by precision ('4 Sep 2025' if short)."""
    day = as_date(value)
    if (other := locales.forms()) is not None:
        return other.date(day, precision, short)
    month = MONTHS[day.month - 1][:3] if short else MONTHS[day.month - 1]
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{month} {day.year}"
    return f"{day.day} {month} {day.year}"


def month_name(month: int, short: bool = False) -> str:
    """'September' ('Sep' if short) in the language being written ('9월')."""
    if (other := locales.forms()) is not None:
        return other.month(month, short)
    return MONTHS[month - 1][:3] if short else MONTHS[month - 1]


def iso(value: Any, precision: str = "day") -> str:
    day = as_date(value)
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{fmt_int(n)} {word if n == 1 else (words or word + 's')}"


def join_words(items: Sequence[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def first_clause(description: Any) -> str:
    """The first clause of a description (up to its first semicolon outside brackets),
    whole: never cut. Plain text, unescaped; descriptions are written so that it stands alone.
    """
    text = _SPACE.sub(" ", str(description or "")).strip()
    if ";" not in text:  # most descriptions: one clause, no need to walk the brackets
        return text.rstrip(" .;,")
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == ";" and depth <= 0 and text[i + 1 : i + 2] == " ":
            text = text[:i]
            break
    return text.rstrip(" .;,")


def capital(text: str) -> str:
    """First letter upper-case (for a clause that starts a bullet or sentence)."""
    return text[:1].upper() + text[1:]


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items if item)


# A table of events lists at most this many rows, the latest, and a sentence under it
# counts the others: the brief stays a brief however long the record grows.
TABLE_ROWS = 20


def latest(rows: pd.DataFrame, limit: int = TABLE_ROWS) -> pd.DataFrame:
    """The rows a table lists: the last `limit` of a frame in date order."""
    return rows.tail(limit)


def listed_table(
    rows: pd.DataFrame, render: Callable[[pd.DataFrame], str]
) -> tuple[str, pd.DataFrame]:
    """`render` of the rows a table lists (`latest`), with the sentence under it that counts
    the others when there are more; and the rows it lists (what counts as printed)."""
    listed = latest(rows)
    table = render(listed)
    n = len(rows) - len(listed)
    if n:
        values = {"count": number(n), "listed": number(len(listed)), "total": number(len(rows))}
        table += "\n\n" + say("common.unlisted", n=n, **values)
    return table, listed


def chronology(rows: Iterable[tuple[str, str]]) -> str:
    """Dated events as a two-column table (date | event): a chronology item is a table row,
    never a line that opens with a numeral."""
    header = [say("common.chronology.date"), say("common.chronology.event")]
    return md_table(header, rows, widths=[2, 9])


def md_table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    align: str | None = None,
    widths: Sequence[int] | None = None,
) -> str:
    """A pipe table; cells must already be Markdown (escape data text first).

    `widths` (relative) set the dashes of the separator line, which pandoc reads as
    relative column widths once a row is longer than a line.
    """
    align = align or "l" * len(header)
    widths = widths or [2] * len(header)

    def mark(a: str, w: int) -> str:
        dashes = "-" * max(2, w)
        return {"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}[a]

    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(mark(a, w) for a, w in zip(align, widths, strict=True)) + "|",
    ]
    for row in rows:
        cells = [str(c).replace("\n", " ") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def issued(sources: dict[str, Any], key: str) -> dt.date | None:
    """The CSL `issued` date of a source (first day of its month or year when partial)."""
    item = sources.get(key) or {}
    parts = ((item.get("issued") or {}).get("date-parts") or [[]])[0]
    if not parts:
        return None
    year, month, day = [*parts, 1, 1][:3]
    return dt.date(int(year), int(month or 1), int(day or 1))


def known_by(sources: dict[str, Any], key: str, as_of: Any) -> bool:
    """Whether a source was issued by `as_of` (unknown sources and dates count as known)."""
    if not sources or key not in sources:
        return True
    when = issued(sources, key)
    return when is None or when <= as_date(as_of)
