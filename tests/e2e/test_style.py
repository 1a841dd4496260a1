"""The prose rules of docs/STYLE.md, checked on rendered editions (what a reader reads).

Two real editions are rendered (the seed dates farthest apart): every paragraph and list
item of the body is scanned for the banned patterns, and the two editions' texts are
compared for word 8-grams they share outside headings and references (the colophon, a
record of software versions and digests like the references, is left out too).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EDITIONS = ("as_of=2024-10-21", "as_of=2026-01-25")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SKIP_TAGS = {"script", "style", "nav", "header", "svg"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = {"p", "li", "td", "th", "figcaption", "dd", "dt"}
CITE = "\u27e6{}\u27e7"  # a citation inside the text, with its number of keys
RECORD_SECTIONS = {"sec-colophon"}  # records, not prose: skipped like the references


class Body(HTMLParser):
    """The reader's text of an edition, block by block, with citations counted."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []  # (tag, text)
        self._stack: list[str] = []
        self._skip = 0  # depth inside skipped elements (scripts, the TOC, references…)
        self._cite = 0  # depth inside a citation span
        self._text: list[str] = []
        self._tag: str | None = None
        self._section = ""  # id of the latest heading

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in HEADINGS and a.get("id"):
            self._section = a["id"]
        skip = (
            tag in SKIP_TAGS
            or tag in HEADINGS
            or a.get("id") == "refs"
            or "vega-chart-frame" in (a.get("class") or "")
        )
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        self._stack.append(tag)
        if self._skip or skip:
            self._skip += 1
            return
        if tag == "span" and (self._cite or "citation" in (a.get("class") or "")):
            # a span inside a citation (a title, say) belongs to it
            if not self._cite:
                self._text.append(" " + CITE.format(len((a.get("data-cites") or "").split())))
            self._cite += 1
            return
        if tag in BLOCKS:
            self._flush()
            self._tag = tag

    def handle_endtag(self, tag):
        if not self._stack or tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        while self._stack:
            top = self._stack.pop()
            if self._skip:
                self._skip -= 1
            elif top == "span" and self._cite:
                self._cite -= 1
            elif top in BLOCKS:
                self._flush()
            if top == tag:
                break

    def handle_data(self, data):
        if not self._skip and not self._cite and self._tag:
            self._text.append(data)

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        if self._tag and text and self._section not in RECORD_SECTIONS:
            self.blocks.append((self._tag, text))
        self._text, self._tag = [], None


def body_of(edition: Path) -> list[tuple[str, str]]:
    parser = Body()
    parser.feed((edition / "brief.html").read_text(encoding="utf-8"))
    parser.close()
    return parser.blocks


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])", text) if s]


@pytest.fixture(scope="module")
def bodies(editions) -> dict[str, list[tuple[str, str]]]:
    return {p: body_of(editions.render(p)) for p in EDITIONS}


def prose(blocks):
    """Paragraphs and list items (table cells are data, not sentences)."""
    return [text for tag, text in blocks if tag in ("p", "li")]


BANNED = {
    "raw code": re.compile(r"\b(?:no_movement|signs_of_movement|no_report|[a-z]+_[a-z]+_[a-z]+)\b"),
    "colon-spliced event": re.compile(rf"\b(?:\d{{1,2}} )?(?:{MONTHS}) \d{{4}}: [A-Z]"),
    "truncated description": re.compile("…"),
    "zero of n": re.compile(r"\b0 of \d+\b"),
    "machine remark": re.compile(
        r"carries no number of its own|empty lane is informative|recomputed from the data"
        r"|each time the brief is built|the prose around them",
        re.I,
    ),
}


@pytest.mark.parametrize("params", EDITIONS)
@pytest.mark.parametrize("rule", sorted(BANNED))
def test_no_banned_pattern_in_the_text(bodies, params, rule):
    hits = [
        text
        for tag, text in bodies[params]
        if BANNED[rule].search(text.replace(CITE.format(""), ""))
    ]
    assert not hits, f"{rule}: {hits[:3]}"


@pytest.mark.parametrize("params", EDITIONS)
def test_no_sentence_opens_with_a_numeral(bodies, params):
    bad = [s for text in prose(bodies[params]) for s in sentences(text) if s[:1].isdigit()]
    assert not bad, bad[:5]


@pytest.mark.parametrize("params", EDITIONS)
def test_a_sentence_carries_at_most_three_citations(bodies, params):
    heavy = []
    for text in prose(bodies[params]):
        for s in sentences(text):
            keys = sum(int(n) for n in re.findall("\u27e6(\\d+)\u27e7", s))
            if keys > 3:
                heavy.append((keys, s[:120]))
    assert not heavy, heavy[:5]


@pytest.mark.parametrize("params", EDITIONS)
def test_the_brief_opens_with_the_bottom_line(editions, params):
    html = (editions.render(params) / "brief.html").read_text(encoding="utf-8")
    summary = html.split('class="brief-summary"', 1)
    assert len(summary) == 2, "no summary box"
    first = re.sub(r"<[^>]+>", "", summary[1].split("</p>", 1)[0])
    assert re.search(r"(likely|even chance).*(warming|cooling|steady).*confidence", first)


def shingles(blocks, n: int = 8) -> set[tuple[str, ...]]:
    words = [
        w
        for _, text in blocks
        for w in re.findall(r"[\w’'-]+", re.sub("\u27e6\\d+\u27e7", " ", text).lower())
    ]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


# Issue #10's target: under a quarter. Measured on this code: 47% before the sections were
# made edition-specific, 33% after, 24% once the fixed framing, captions and repeated
# background were cut and each section framed by the time elapsed to the edition's date.
# What is left is mostly China's record at the Council, the watch list's unchanged rows, the
# trade series table and the source lines and captions at the figures' edges.
SHARED_TEXT_BOUND = 0.25


def test_editions_share_under_a_quarter_of_their_text(bodies):
    a, b = (shingles(bodies[p]) for p in EDITIONS)
    share = max(len(a & b) / len(a), len(a & b) / len(b))
    assert share < SHARED_TEXT_BOUND, f"{share:.0%} of word 8-grams identical"


# Back-tests on the rendered editions (tests/backtests holds the model-level ones): what a
# reader of each seed-date edition reads first, and the computed title of the page.
MOMENTS = {
    "2024-10-21": ("steady", "holding steady despite visible friction", "managed tension"),
    "2025-04-08": ("warming", "warming", "a thaw"),
    "2026-01-25": ("cooling", "cooling", "a renewed chill"),
}


@pytest.mark.parametrize("as_of", sorted(MOMENTS))
def test_each_seed_edition_opens_with_its_moment(editions, as_of):
    state, phrase, title = MOMENTS[as_of]
    folder = editions.render(f"as_of={as_of}")
    facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))["assessment"]
    assert facts["state"] == state
    assert {"direction", "confidence", "label", "title", "subtitle", "indicators"} <= set(facts)
    html = (folder / "brief.html").read_text(encoding="utf-8")
    summary = html.split('class="brief-summary"', 1)[1]
    first = re.sub(r"<[^>]+>", "", summary.split("</p>", 1)[0]).strip()
    assert phrase in first.split(".")[0], first
    assert title in facts["title"]
    assert re.search(r"<title>[^<]*" + re.escape(title), html), "the computed title is the page's"
