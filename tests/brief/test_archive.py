"""The archive page, `latest/`, and `brief list`, over fabricated editions."""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from brief.archive import (
    editions_json,
    format_table,
    list_editions,
    official_editions,
    write_archive,
)
from tests.support import browser
from tests.support.editions import make_edition, write_official

HOSTILE_NAME = "<img src=x onerror=alert(1)>&\"'"
HOSTILE_TITLE = '</title><script>alert("title")</script> & co'
HOSTILE_PARAM = '<b>bold</b>"><script>alert(2)</script>'


class PageParser(HTMLParser):
    """Collects what the tests look at: links, edition items (in order), text, tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.items: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.meta: list[dict[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "li" and "data-edition" in a:
            self.items.append(a)
        if tag == "meta":
            self.meta.append(a)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> PageParser:
    p = PageParser()
    p.feed(text)
    p.close()
    return p


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    out.mkdir()
    make_edition(out, "2024-10-21", as_of="2024-10-21", title="Brief one")
    make_edition(out, "2025-06-30", as_of="2025-06-30", title="Brief two")
    make_edition(
        out,
        "2026-01-25",
        as_of="2026-01-25",
        title="Brief three",
        code={"commit": "fedcba9876543210fedcba9876543210fedcba98", "dirty": False},
        engine={"name": "quarto", "version": "1.10.2"},
    )
    # A local render of the same date, built later: the newest edition.
    make_edition(
        out,
        "2026-01-25-usa",
        as_of="2026-01-25",
        params={"compare_with": "USA"},
        built="2026-01-26T09:30:00+00:00",
        title="Brief three",
        code={"commit": "abcdef0123456789abcdef0123456789abcdef01", "dirty": True},
    )
    write_official(out, ["2024-10-21", "2025-06-30", "2026-01-25"])
    # Not editions: a broken manifest, a folder without one, an in-flight publish, latest/.
    (out / "broken").mkdir()
    (out / "broken" / "manifest.json").write_text("{not json", encoding="utf-8")
    (out / "stray").mkdir()
    make_edition(out, ".staging-x1", as_of="2099-01-01")
    make_edition(out, "latest", as_of="2099-01-01")
    return out


NEWEST_FIRST = ["2026-01-25-usa", "2026-01-25", "2025-06-30", "2024-10-21"]


# --------------------------------------------------------------------------- listing


def test_list_editions_newest_first_with_warnings(output: Path) -> None:
    warnings: list[str] = []
    editions = list_editions(output, warnings)
    assert [e.name for e in editions] == NEWEST_FIRST
    assert any(w.startswith("broken:") and "not valid JSON" in w for w in warnings)
    assert any(w.startswith("stray:") and "no manifest.json" in w for w in warnings)
    assert not any(".staging" in w or "latest" in w for w in warnings)


def test_edition_info_fields(output: Path) -> None:
    by_name = {e.name: e for e in list_editions(output)}
    usa = by_name["2026-01-25-usa"]
    assert usa.as_of == "2026-01-25"
    assert usa.params["compare_with"] == "USA"
    assert usa.non_default == {"compare_with": "USA", "as_of": "2026-01-25"}
    assert usa.shown_params == {"compare_with": "USA"}
    assert usa.built == "2026-01-26T09:30:00+00:00"
    assert usa.engine == {"name": "builtin", "version": "0.1.0"}
    assert usa.title == "Brief three"
    assert usa.official is False
    assert by_name["2026-01-25"].official is True
    expected = sum(f.stat().st_size for f in usa.path.rglob("*") if f.is_file())
    assert usa.size == expected > 0


def test_official_editions_file(tmp_path: Path) -> None:
    assert official_editions(tmp_path) == set()
    (tmp_path / "OFFICIAL").write_text("# official editions\n\na\n  b  \n", encoding="utf-8")
    assert official_editions(tmp_path) == {"a", "b"}


def test_missing_output_dir_lists_nothing(tmp_path: Path) -> None:
    assert list_editions(tmp_path / "nope") == []


def test_ties_break_by_built_then_name(tmp_path: Path) -> None:
    make_edition(tmp_path, "b", as_of="2025-01-01", built="2025-01-02T00:00:00+00:00")
    make_edition(tmp_path, "a", as_of="2025-01-01", built="2025-01-02T00:00:00+00:00")
    # Same instant written with another offset: still a tie on `built`.
    make_edition(tmp_path, "c", as_of="2025-01-01", built="2025-01-02T01:00:00+01:00")
    make_edition(tmp_path, "d", as_of="2025-01-01", built="2025-01-01T23:00:00+00:00")
    assert [e.name for e in list_editions(tmp_path)] == ["c", "b", "a", "d"]


# --------------------------------------------------------------------------- the page


def test_archive_lists_every_edition_newest_first(output: Path) -> None:
    index = write_archive(output)
    assert index == output / "index.html"
    page = parse(index.read_text(encoding="utf-8"))
    assert [item["data-edition"] for item in page.items] == NEWEST_FIRST
    text = " ".join(page.text)
    for date in ("2024-10-21", "2025-06-30", "2026-01-25"):
        assert date in text
    assert "compare_with=USA" in text  # non-default parameter shown
    assert "Brief three" in text
    assert "quarto 1.10.2" in text and "builtin 0.1.0" in text
    assert "2026-01-26 09:30 UTC" in text


def test_archive_links_resolve(output: Path) -> None:
    write_archive(output)
    page = parse((output / "index.html").read_text(encoding="utf-8"))
    assert page.links
    targets = set()
    for href in page.links:
        parts = urlsplit(href)
        assert not parts.scheme and not parts.netloc, f"not a relative link: {href}"
        target = (output / unquote(parts.path)).resolve()
        assert target.is_file(), href
        targets.add(target.relative_to(output.resolve()).as_posix())
    for name in NEWEST_FIRST:
        assert f"{name}/brief.html" in targets
        assert f"{name}/brief.pdf" in targets
    assert "latest/index.html" in targets


def test_latest_marked_and_latest_folder(output: Path) -> None:
    write_archive(output)
    page = parse((output / "index.html").read_text(encoding="utf-8"))
    latest = [i for i in page.items if "latest" in i["class"].split()]
    assert [i["data-edition"] for i in latest] == [NEWEST_FIRST[0]]

    # latest/ was a (fabricated) edition folder: now it holds the pointer only...
    assert (output / "latest" / "EDITION").read_text(encoding="utf-8") == "2026-01-25-usa\n"
    redirect = parse((output / "latest" / "index.html").read_text(encoding="utf-8"))
    refresh = [m["content"] for m in redirect.meta if m.get("http-equiv") == "refresh"]
    assert refresh == ["0; url=../2026-01-25-usa/brief.html"]
    assert "../2026-01-25-usa/brief.html" in redirect.links
    assert (output / "latest" / "../2026-01-25-usa/brief.html").resolve().is_file()
    assert not any(p.is_symlink() for p in output.rglob("*"))


def test_official_and_local_distinguished(output: Path) -> None:
    write_archive(output)
    text = (output / "index.html").read_text(encoding="utf-8")
    page = parse(text)
    kinds = {i["data-edition"]: set(i["class"].split()) for i in page.items}
    assert "local" in kinds["2026-01-25-usa"] and "official" not in kinds["2026-01-25-usa"]
    for name in ("2026-01-25", "2025-06-30", "2024-10-21"):
        assert "official" in kinds[name] and "local" not in kinds[name]
    words = " ".join(page.text)
    assert words.count("Official") >= 3 and "Local render" in words


def test_provenance_line(output: Path) -> None:
    write_archive(output)
    text = " ".join(parse((output / "index.html").read_text(encoding="utf-8")).text)
    assert "code abcdef0123+dirty" in text
    assert "code fedcba9876 " in text or "code fedcba9876·" in text.replace(" · ", "·")
    assert "engine quarto 1.10.2" in text
    assert "data " in text and "(2 files)" in text


def test_archive_is_self_contained_html(output: Path) -> None:
    text = write_archive(output).read_text(encoding="utf-8")
    page = parse(text)
    assert "script" not in page.tags
    for tag in ("link", "img", "iframe", "object", "embed"):
        if tag == "link":
            assert 'rel="icon" href="data:,"' in text  # the only <link>: no favicon request
            continue
        assert tag not in page.tags
    assert "http://" not in text and "https://" not in text
    assert str(output) not in text  # no absolute paths: the folder can move


def test_hostile_names_titles_params_escaped(tmp_path: Path) -> None:
    out = tmp_path / "output"
    make_edition(
        out,
        HOSTILE_NAME,
        as_of="2026-02-01",
        title=HOSTILE_TITLE,
        params={"compare_with": HOSTILE_PARAM},
        engine={"name": "<i>eng</i>", "version": '1"><script>x()</script>'},
    )
    make_edition(out, "plain", as_of="2026-01-01")
    write_archive(out)
    text = (out / "index.html").read_text(encoding="utf-8")
    page = parse(text)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "i" not in page.tags
    assert "<script" not in text and "<img" not in text
    words = "".join(page.text)
    assert HOSTILE_NAME in words and HOSTILE_TITLE in words and HOSTILE_PARAM in words
    assert [i["data-edition"] for i in page.items] == [HOSTILE_NAME, "plain"]
    for href in page.links:
        assert (out / unquote(href)).resolve().is_file(), href
    latest = (out / "latest" / "index.html").read_text(encoding="utf-8")
    assert "<script" not in latest and "<img" not in latest
    redirect = parse(latest)
    target = redirect.links[0]
    assert (out / "latest" / unquote(target)).resolve() == (out / HOSTILE_NAME / "brief.html")
    assert (out / "latest" / "EDITION").read_text(encoding="utf-8") == HOSTILE_NAME + "\n"


def test_deterministic_bytes(output: Path, tmp_path: Path) -> None:
    write_archive(output)
    first = (output / "index.html").read_bytes()
    first_latest = (output / "latest" / "index.html").read_bytes()
    for path in output.rglob("*"):  # new timestamps must not matter
        os.utime(path, (1, 1))
    write_archive(output)
    assert (output / "index.html").read_bytes() == first
    assert (output / "latest" / "index.html").read_bytes() == first_latest
    # The same editions elsewhere give the same bytes.
    moved = tmp_path / "elsewhere" / "out"
    shutil.copytree(output, moved)
    write_archive(moved)
    assert (moved / "index.html").read_bytes() == first


def test_atomic_writes_leave_no_temp_files(output: Path) -> None:
    write_archive(output)
    write_archive(output)
    leftovers = [p.name for p in [*output.iterdir(), *(output / "latest").iterdir()]]
    assert not [n for n in leftovers if n.endswith(".tmp")], leftovers
    assert sorted(p.name for p in (output / "latest").iterdir()) == ["EDITION", "index.html"]


def test_latest_symlink_is_replaced_by_folder(tmp_path: Path) -> None:
    make_edition(tmp_path, "e1", as_of="2025-01-01")
    (tmp_path / "latest").symlink_to("e1", target_is_directory=True)
    write_archive(tmp_path)
    assert (tmp_path / "latest").is_dir() and not (tmp_path / "latest").is_symlink()
    assert (tmp_path / "latest" / "EDITION").read_text(encoding="utf-8") == "e1\n"
    assert (tmp_path / "e1" / "manifest.json").is_file()  # the edition itself untouched


def test_empty_archive(tmp_path: Path) -> None:
    write_archive(tmp_path)
    assert "No editions published yet." in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert not (tmp_path / "latest" / "EDITION").exists()


def test_missing_pdf_is_not_linked(tmp_path: Path) -> None:
    make_edition(tmp_path, "nopdf", as_of="2025-01-01", pdf=False)
    write_archive(tmp_path)
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "nopdf/brief.pdf" not in text and "PDF missing" in text


# --------------------------------------------------------------------------- brief list


def test_format_table(output: Path) -> None:
    table = format_table(list_editions(output))
    lines = table.splitlines()
    assert lines[0].split() == ["EDITION", "AS", "OF", "PARAMETERS", "BUILT", "SIZE"]
    assert [line.split()[0] for line in lines[1:]] == NEWEST_FIRST
    assert "compare_with=USA" in lines[1] and "latest, local" in lines[1]
    assert "(defaults)" in lines[2] and "official" in lines[2]
    assert "2024-10-21 12:00 UTC" in lines[4]
    assert format_table([]) == "No editions published yet.\n"


def test_format_table_escapes_control_characters(tmp_path: Path) -> None:
    make_edition(tmp_path, "evil\x1b[31mred", as_of="2025-01-01", params={"x": "a\nb"})
    table = format_table(list_editions(tmp_path))
    assert "\x1b" not in table and "\\x1b[31mred" in table
    assert len(table.splitlines()) == 2


def test_editions_json(output: Path) -> None:
    records = json.loads(editions_json(list_editions(output)))
    assert [r["name"] for r in records] == NEWEST_FIRST
    assert [r["latest"] for r in records] == [True, False, False, False]
    first = records[0]
    assert first["official"] is False and first["non_default"]["compare_with"] == "USA"
    assert first["as_of"] == "2026-01-25" and first["size"] > 0
    assert set(first) >= {"path", "params", "built", "engine", "title", "provenance"}
    assert json.loads(editions_json([])) == []


# --------------------------------------------------------------------------- in a browser


@pytest.mark.browser
def test_network_detector_sees_external_requests(tmp_path: Path) -> None:
    # Control: the check below would catch a page that fetches from the network.
    page = tmp_path / "leaky.html"
    page.write_text(
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '<img src="http://127.0.0.1:8000/i.png"><p id="ok">ok</p>',
        encoding="utf-8",
    )
    loaded = browser.load(page, budget_ms=2000)
    assert 'id="ok"' in loaded.dom
    assert "https://cdn.example.com/x.css" in loaded.page_requests
    assert "http://127.0.0.1:8000/i.png" in loaded.page_requests


@pytest.mark.browser
def test_archive_in_browser_offline(output: Path, tmp_path: Path) -> None:
    index = write_archive(output)
    loaded = browser.load(index, budget_ms=3000, screenshot_to=tmp_path / "archive.png")
    assert loaded.page_requests == []
    assert loaded.console == []
    dom = parse(loaded.dom)
    assert [i["data-edition"] for i in dom.items] == NEWEST_FIRST
    png = (tmp_path / "archive.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 2000

    # Follow every edition link as the browser resolves it, and open the pages.
    base = index.resolve().as_uri()
    opened = []
    for href in dict.fromkeys(h for h in dom.links if h.endswith("brief.html")):
        page = browser.load(_join(base, href), budget_ms=2000)
        assert page.page_requests == []
        shown = parse(page.dom)
        opened.append("".join(shown.text).split("Edition ", 1)[1].split(",", 1)[0])
    assert opened == NEWEST_FIRST


@pytest.mark.browser
def test_latest_redirects_in_browser(output: Path) -> None:
    write_archive(output)
    page = browser.load(output / "latest" / "index.html", budget_ms=3000)
    assert page.page_requests == []
    assert '<span id="edition">2026-01-25-usa</span>' in page.dom


@pytest.mark.browser
def test_hostile_archive_in_browser(tmp_path: Path) -> None:
    make_edition(tmp_path, HOSTILE_NAME, as_of="2026-02-01", title=HOSTILE_TITLE)
    index = write_archive(tmp_path)
    page = browser.load(index, budget_ms=2000)
    assert page.console == []  # no script ran
    dom = parse(page.dom)
    assert "script" not in dom.tags and "img" not in dom.tags
    href = next(h for h in dom.links if h.endswith("brief.html"))
    edition = browser.dump_dom(_join(index.resolve().as_uri(), href), budget_ms=2000)
    assert "".join(parse(edition).text).count(HOSTILE_NAME) >= 1


def _join(base: str, href: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, href)
