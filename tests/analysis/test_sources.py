"""The bibliography: original publishers, a URL and a date for every source, and an
edition's bibliography holding only what was published by its as-of date.

A story read in a republication names the original publisher (the wire, the ministry,
the UN) as author and container and says where it was read in a CSL `note`, so the
in-text citation reads "(Reuters 2025)", never "(CNA (Reuters) 2025)".
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from analysis import paths
from analysis.data import as_of_view, load_tables
from brief.project import load_project

DATA = paths.data_dir()
REFERENCES = json.loads((DATA / "references.json").read_text(encoding="utf-8"))

#: how a field names a second outlet: a wire in brackets, a republication, a mirror
REPUBLISHER = re.compile(
    r"\((?:Reuters|AFP|AP|Associated Press|Yonhap|Kyodo|Xinhua|TASS|UPI|Bloomberg|RFA|"
    r"NK News|News1|RBC)\b"
    r"|republish|reposted|\bvia\b|mirror|\bcopy\b| / |\bread in\b",
    re.IGNORECASE,
)


def _named(item: dict) -> dict[str, str]:
    """The fields that name who published an item (what the citation prints)."""
    found = {k: str(item[k]) for k in ("publisher", "container-title") if item.get(k)}
    for i, author in enumerate(item.get("author", [])):
        found[f"author[{i}]"] = " ".join(str(v) for v in author.values())
    return found


def _first_day(item: dict) -> dt.date:
    year, month, day = [*item["issued"]["date-parts"][0], 1, 1][:3]
    return dt.date(year, month, day)


def test_no_reference_names_a_republisher_as_its_publisher():
    offenders = [
        f"{item['id']}: {field} = {value!r}"
        for item in REFERENCES
        for field, value in _named(item).items()
        if REPUBLISHER.search(value)
    ]
    assert not offenders, "\n".join(offenders)


#: the original publishers we cite by name, and the sites that are their own pages
OWN_SITES = {
    "Reuters": ("reuters.com",),
    "AFP": ("afp.com",),
    "Associated Press": ("apnews.com",),
    "Kyodo News": ("kyodonews.net", "kyodonews.jp"),
    "Yonhap News Agency": ("yna.co.kr",),
    "Xinhua": ("news.cn", "xinhuanet.com"),
    "TASS": ("tass.com", "tass.ru"),
    "UPI": ("upi.com",),
    "Bloomberg": ("bloomberg.com",),
    "KCNA": ("kcna.kp",),
    "News1": ("news1.kr",),
    "United Nations": ("un.org",),
    "NK News": ("nknews.org",),
    "The Korea Times": ("koreatimes.co.kr",),
}


def _host(url: str) -> str:
    return re.sub(r"^https?://([^/:]+).*$", r"\1", url).lower()


def test_a_copy_names_the_original_and_says_where_it_was_read():
    """A wire story kept in a republication cites the wire and records the page read."""
    copies = 0
    for item in REFERENCES:
        for author in item.get("author", []):
            sites = OWN_SITES.get(author.get("literal", ""))
            host = _host(item["URL"])
            if sites is None or any(host == s or host.endswith("." + s) for s in sites):
                continue
            copies += 1
            assert re.search(r"\bRead (in|on) \S", item.get("note", "")), item["id"]
    assert copies, "the wires' stories read in republications are recognised"
    for item in REFERENCES:
        if "Read in the copy republished by" in item.get("note", ""):
            assert item.get("author"), f"{item['id']}: the original publisher is its author"


def test_the_pattern_catches_the_republisher_forms_it_is_for():
    for value in [
        "CNA (Reuters)",
        "Kyodo News (republished by news.charm-retirement.com)",
        "The Diplomat (via Pacific Sentinel blog)",
        "Asia Economy / Yonhap / Kyodo",
        "Yonhap News Agency (reposted on defence.pk forum)",
        "KCNA (read via KCNA Watch)",
    ]:
        assert REPUBLISHER.search(value), value
    for value in ["Reuters", "Yonhap News Agency", "Daily NK", "KCNA"]:
        assert not REPUBLISHER.search(value), value


def test_every_reference_has_a_url_and_an_issued_date():
    for item in REFERENCES:
        assert re.match(r"https?://\S+$", item.get("URL", "")), item["id"]
        parts = item.get("issued", {}).get("date-parts")
        assert parts and 1 <= len(parts[0]) <= 3, item["id"]
        _first_day(item)  # a real date


def test_every_reference_is_cited_by_a_row_or_names_one():
    """An id is a key: renaming one means renaming it in every row that cites it."""
    t = load_tables()
    ids = {i["id"] for i in REFERENCES}
    cited = set()
    for frame in (t.events, t.trade, t.watch_status):
        cited |= set(frame["source_id"])
    cited |= set(t.watch_indicators["named_by"])
    assert cited <= ids, sorted(cited - ids)


@pytest.mark.parametrize("as_of", ["2024-10-21", "2025-04-08", "2026-01-25"])
def test_the_edition_bibliography_holds_no_later_source(as_of):
    """What the renderer writes to the build folder: `[tool.brief] bibliography`."""
    bibliography = load_project(paths.data_dir().parent).subject("bibliography")
    items = bibliography(as_of, DATA)
    cut = dt.date.fromisoformat(as_of)
    late = [i["id"] for i in items if _first_day(i) > cut]
    assert not late, late
    # ...and it still holds every source a row of the edition's view cites
    view = as_of_view(as_of, DATA)
    cited = set(view.events["source_id"]) | set(view.trade["source_id"])
    assert cited <= {i["id"] for i in items}
    json.dumps(items, ensure_ascii=False)  # written as CSL-JSON
