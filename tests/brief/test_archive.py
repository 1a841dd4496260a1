"""The catalogue, the archive page, `latest/` and `brief list`, over fabricated editions.

Official = listed in output/OFFICIAL; drafts live in output/drafts/ and never reach the
archive; a revision is listed above the edition it corrects; a stale archive is repaired.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from brief.editions import Catalogue, verify
from brief.editions.archive import archive_is_stale, repair_archive, write_archive
from brief.editions.views import list_json, list_table
from tests.support import browser
from tests.support.editions import make_edition, write_official

HOSTILE = '</title><script>alert("x")</script> & <b>co</b>'


def facts(label: str, events: dict[str, str] | None = None) -> dict:
    return {
        "assessment": {"state": "cooling", "confidence": "moderate", "label": label},
        "events": events or {},
    }


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "li" and "data-edition" in a:
            self.items.append(a["data-edition"])
        if tag == "a":
            self.links.append(a.get("href") or "")

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    make_edition(out, "2024-10-21", as_of="2024-10-21", facts=facts("Managed tension."))
    make_edition(
        out,
        "2025-04-08",
        as_of="2025-04-08",
        previous="2024-10-21",
        facts=facts("A thaw, on the surface.", {"e1": "2025-04-01 — a visit"}),
    )
    make_edition(
        out,
        "2025-04-08.r2",
        as_of="2025-04-08",
        previous="2024-10-21",
        erratum="The visit was in April, not March.",
        facts=facts("A thaw, on the surface.", {"e1": "2025-04-02 — a visit"}),
    )
    make_edition(out, "2026-01-25", as_of="2026-01-25", previous="2025-04-08.r2", title=HOSTILE)
    # Newer than every official edition, yet never Latest: not listed in OFFICIAL, or a draft.
    make_edition(out, "unlisted", as_of="2026-08-20")
    make_edition(out, "draft", as_of="2026-08-20", draft=True)
    write_official(out, ["2024-10-21", "2025-04-08", "2025-04-08.r2", "2026-01-25"])
    return out


def test_latest_and_previous_come_from_the_official_editions_only(output):
    catalogue = Catalogue(output)
    assert [e.name for e in catalogue.official()] == [
        "2026-01-25",
        "2025-04-08.r2",
        "2025-04-08",
        "2024-10-21",
    ]
    assert catalogue.latest().name == "2026-01-25"
    assert catalogue.previous("2026-01-25").name == "2025-04-08.r2"  # the newest revision
    assert catalogue.previous("2025-04-08").name == "2024-10-21"
    assert catalogue.previous("2024-10-21") is None
    assert catalogue.superseded_by(catalogue.revisions("2025-04-08")[0]).name == "2025-04-08.r2"
    statuses = {e.name: e.status for e in catalogue.entries()}
    assert statuses["unlisted"] == "unlisted" and statuses["draft"] == "draft"


def test_the_archive_lists_official_editions_newest_first_revision_above_original(output):
    index = write_archive(output)
    page = parse(index)
    assert page.items == ["2026-01-25", "2025-04-08.r2", "2025-04-08", "2024-10-21"]
    text = " ".join(page.text)
    assert "The visit was in April, not March." in text and "Superseded by" in text
    assert (output / "latest" / "EDITION").read_text() == "2026-01-25\n"
    assert "url=../2026-01-25/brief.html" in (output / "latest" / "index.html").read_text()
    for href in [h for h in page.links if not h.startswith(("http", "data:"))]:
        assert (output / href).exists(), href
    assert "unlisted" not in page.items and "draft" not in page.items


def test_each_card_carries_bottom_line_as_of_what_is_new_and_publication_date(output):
    page = (write_archive(output)).read_text(encoding="utf-8")
    card = re.search(r'<li[^>]*data-edition="2025-04-08".*?</li>', page, flags=re.S).group(0)
    assert '<p class="bottom-line">A thaw, on the surface.</p>' in card
    assert '<dd class="as-of">2025-04-08</dd>' in card
    assert "Since 2024-10-21: " in card and "1 event stated for the first time." in card
    assert "Stated facts" not in card  # the counts per kind are brief diff's, not a card's
    assert "2025-04-08 15:30 UTC" in card  # published, not the as-of date
    first = re.search(r'<li[^>]*data-edition="2024-10-21".*?</li>', page, flags=re.S).group(0)
    assert "first edition in the archive" in first


@pytest.mark.browser
def test_the_archive_escapes_hostile_text_and_loads_nothing(output):
    index = write_archive(output)
    page = index.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    loaded = browser.load(index, budget_ms=2000)
    assert loaded.page_requests == []


def test_a_stale_archive_is_detected_and_repaired_and_a_fresh_one_left_alone(output):
    write_archive(output)
    assert not archive_is_stale(output)
    before = (output / "index.html").stat().st_mtime_ns
    assert not repair_archive(output)
    assert (output / "index.html").stat().st_mtime_ns == before
    make_edition(output, "2026-08-20", as_of="2026-08-20", previous="2026-01-25")
    write_official(
        output, ["2024-10-21", "2025-04-08", "2025-04-08.r2", "2026-01-25", "2026-08-20"]
    )
    assert archive_is_stale(output)  # published, then killed before the archive was written
    assert repair_archive(output)
    assert (output / "latest" / "EDITION").read_text() == "2026-08-20\n"
    assert not archive_is_stale(output)


def test_verification_finds_edited_missing_and_extra_files_and_the_views_flag_them(output):
    edition = output / "2025-04-08"
    assert verify(edition) == []
    (edition / "brief.html").write_text("edited")
    (edition / "brief.pdf").unlink()
    (edition / "stray.txt").write_text("x")
    problems = verify(edition)
    assert "brief.html differs from its checksum in the manifest" in problems
    assert "brief.pdf is missing" in problems and "stray.txt is not in the manifest" in problems
    manifest = json.loads((output / "2024-10-21" / "manifest.json").read_text())
    manifest["digest"] = "0" * 64
    (output / "2024-10-21" / "manifest.json").write_text(json.dumps(manifest))
    assert any("digest" in p for p in verify(output / "2024-10-21"))
    catalogue = Catalogue(output)
    assert "FAILS VERIFICATION" in list_table(catalogue, catalogue.entries())
    records = {r["name"]: r for r in json.loads(list_json(catalogue, catalogue.entries()))}
    assert records["2025-04-08"]["verified"] is False and records["2026-01-25"]["verified"]
    assert "Fails verification" in write_archive(output).read_text()


def test_list_shows_official_then_unlisted_then_drafts_with_their_flags(output):
    catalogue = Catalogue(output)
    table = list_table(catalogue, catalogue.entries()).splitlines()
    assert table[0].split()[:2] == ["EDITION", "AS"]
    names = [line.split()[0] for line in table[1:]]
    assert names == ["2026-01-25", "2025-04-08.r2", "2025-04-08", "2024-10-21", "unlisted", "draft"]
    assert "latest, official" in table[1]
    assert "superseded by 2025-04-08.r2" in table[3] and "correction" in table[2]
    records = json.loads(list_json(catalogue, catalogue.official()))
    assert [r["latest"] for r in records] == [True, False, False, False]
    assert records[1]["erratum"] == "The visit was in April, not March."


def test_unreadable_folders_are_warnings_never_editions(output):
    (output / "broken").mkdir()
    (output / "broken" / "manifest.json").write_text("{not json")
    (output / ".staging-1-x").mkdir()
    write_official(output, ["2024-10-21", "missing"])
    catalogue = Catalogue(output)
    names = {e.name for e in catalogue.entries()}
    assert "broken" not in names and ".staging-1-x" not in names
    assert any("broken" in w for w in catalogue.warnings)
    assert any("missing" in w for w in catalogue.warnings)


# --- editions in two languages ------------------------------------------------------------


def _lang(lang: str) -> dict:
    return {"inputs": {"language": {"param": "lang", "value": lang, "default": "en"}}}


def _twin(out: Path, name: str, as_of: str, lang: str, **kwargs) -> Path:
    return make_edition(
        out,
        name,
        as_of=as_of,
        params={"lang": lang},
        defaults=["lang"] if lang == "en" else [],
        extra_manifest=_lang(lang),
        facts=facts(f"Bottom line ({lang})."),
        **kwargs,
    )


def twin_lang(name: str) -> str:
    return "ko" if name.endswith("_lang-ko") else "en"


class Rows(HTMLParser):
    """The archive's rows: for each `li.row`, the editions of its cards, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and "row" in (a.get("class") or "").split():
            self.rows.append([])
        elif tag == "li" and "data-edition" in a:
            self.rows[-1].append(a["data-edition"])


def test_the_archive_sets_each_edition_beside_its_twin_in_the_other_language(tmp_path):
    out = tmp_path / "output"
    _twin(out, "2025-04-08_lang-ko", "2025-04-08", "ko")
    _twin(out, "2025-04-08", "2025-04-08", "en")
    _twin(out, "2026-01-25", "2026-01-25", "en")
    _twin(out, "2026-01-25_lang-ko", "2026-01-25", "ko")
    # A correction of the English edition published after its Korean twin.
    _twin(out, "2026-01-25.r2", "2026-01-25", "en", erratum="A date was wrong.")
    names = ["2025-04-08_lang-ko", "2025-04-08", "2026-01-25", "2026-01-25_lang-ko"]
    write_official(out, [*names, "2026-01-25.r2"])
    page = write_archive(out)
    rows = Rows()
    rows.feed(page.read_text(encoding="utf-8"))
    # Newest first; one row per edition and its twin, the default language first, then the
    # other, then a superseded revision, whatever order they were published in.
    assert rows.rows == [
        ["2026-01-25.r2", "2026-01-25_lang-ko", "2026-01-25"],
        ["2025-04-08", "2025-04-08_lang-ko"],
    ]
    text = page.read_text(encoding="utf-8")
    for name, twin in (
        ("2025-04-08", "2025-04-08_lang-ko"),
        ("2025-04-08_lang-ko", "2025-04-08"),
        ("2026-01-25.r2", "2026-01-25_lang-ko"),
        ("2026-01-25_lang-ko", "2026-01-25.r2"),  # the twin's latest revision stands for it
    ):
        card = text.split(f'data-edition="{name}"', 1)[1].split("</li>", 1)[0]
        assert f'class="twin-html" hreflang="{twin_lang(twin)}" href="{twin}/brief.html"' in card
    assert 'lang="ko"' in text and "한국어" in text


def test_the_archive_embeds_the_projects_fallback_font_for_korean_text(tmp_path):
    import shutil

    from tests.support.cli import REPO

    project = tmp_path / "project"
    (project / "assets").mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(REPO / "assets" / "fonts", project / "assets" / "fonts")
    out = project / "output"
    _twin(out, "2026-01-25", "2026-01-25", "en")
    _twin(out, "2026-01-25_lang-ko", "2026-01-25", "ko", title="북중 관계: 다시 찾아온 냉각")
    write_official(out, ["2026-01-25", "2026-01-25_lang-ko"])
    text = write_archive(out).read_text(encoding="utf-8")
    head = text.split("</head>", 1)[0]
    assert "font-src data:" in head and '<style id="brief-fallback-fonts">' in head
    covered = set()
    for part in re.search(r"unicode-range: ([^;]+);", head).group(1).split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        covered |= set(range(int(first, 16), int(last or first, 16) + 1))
    assert {ord(char) for char in "북중관계한국어"} <= covered
    assert 'rel="preload"' in head and "--brief-fallback" in head
    assert "&#34;" not in head  # the page's CSS is written as CSS, not HTML-escaped
    # Without a project around the output folder there is no font to cut: the page is plain.
    bare = tmp_path / "bare"
    _twin(bare, "2026-01-25_lang-ko", "2026-01-25", "ko")
    write_official(bare, ["2026-01-25_lang-ko"])
    assert "brief-fallback-fonts" not in write_archive(bare).read_text(encoding="utf-8")


def test_latest_is_the_default_language_edition_even_when_its_twin_came_later(tmp_path):
    out = tmp_path / "output"
    _twin(out, "2026-01-25", "2026-01-25", "en")
    _twin(out, "2026-01-25_lang-ko", "2026-01-25", "ko")  # published second
    write_official(out, ["2026-01-25", "2026-01-25_lang-ko"])
    assert Catalogue(out).latest().name == "2026-01-25"
    # with only the other language on the newest date, that edition is the latest
    _twin(out, "2026-02-01_lang-ko", "2026-02-01", "ko")
    write_official(out, ["2026-01-25", "2026-01-25_lang-ko", "2026-02-01_lang-ko"])
    assert Catalogue(out).latest().name == "2026-01-25"
    only = tmp_path / "only"
    _twin(only, "2026-02-01_lang-ko", "2026-02-01", "ko")
    write_official(only, ["2026-02-01_lang-ko"])
    assert Catalogue(only).latest().name == "2026-02-01_lang-ko"


def test_a_twin_card_speaks_its_pages_language_and_latest_stays_in_the_default(tmp_path):
    out = tmp_path / "output"
    _twin(out, "2026-01-25", "2026-01-25", "en")
    page = '<html><head><title>북중 관계: 냉각</title></head><body><p class="subtitle">평가</p>'
    _twin(out, "2026-01-25_lang-ko", "2026-01-25", "ko", html_text=page + "</body></html>")
    write_official(out, ["2026-01-25", "2026-01-25_lang-ko"])  # the twin published last
    text = write_archive(out).read_text(encoding="utf-8")
    korean = text.split('data-edition="2026-01-25_lang-ko"', 1)[1].split("</li>", 1)[0]
    assert "북중 관계: 냉각" in korean and '<p class="bottom-line">평가</p>' in korean
    assert "Bottom line (ko)." not in korean  # the facts' words are the default language's
    english = text.split('data-edition="2026-01-25"', 1)[1].split("</li>", 1)[0]
    assert "Bottom line (en)." in english and 'class="badge latest"' in english
    assert 'class="badge latest"' not in korean
    assert 'Latest: <a href="latest/index.html">2026-01-25</a>' in text
