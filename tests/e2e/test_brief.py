"""The real brief, end to end: render, read it in Chromium and in the PDF, back-test it.

Back-tests in the spirit of the public-sector RAP templates: editions rendered as of the
seed documents' dates must state what was knowable then, computed from the data alone.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.support import browser
from tests.support.cli import REPO, brief, copy_project, last_line

pytestmark = pytest.mark.slow

SECTIONS = [
    "Key judgements",
    "What changed since the previous edition",
    "High-level exchanges",
    "Trade and dependence",
    "Security signals",
    "The Moscow pivot",
    "Watch list",
    "Outlook and method",
    "References",
]


def text_of(page: str) -> str:
    """Visible text of an HTML page, whitespace folded (scripts and styles dropped)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))


def html_text(edition: Path) -> str:
    return text_of((edition / "brief.html").read_text(encoding="utf-8"))


def pdf_text(edition: Path) -> str:
    reader = PdfReader(edition / "brief.pdf")
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def facts(edition: Path) -> dict:
    return json.loads((edition / "facts.json").read_text())


def table_row(page: str, header: list[str], first_cell: str) -> dict[str, str]:
    """The row opening with `first_cell` of the table whose headings include `header`, as
    {column heading: cell text}."""
    for table in re.findall(r"<table\b.*?</table>", page, flags=re.S):
        cells = [
            [text_of(c).strip() for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr\b.*?</tr>", table, flags=re.S)
        ]
        if cells and set(header) <= set(cells[0]):
            rows = [dict(zip(cells[0], r, strict=True)) for r in cells[1:] if r[0] == first_cell]
            assert len(rows) == 1, f"{len(rows)} rows open with {first_cell!r}"
            return rows[0]
    raise AssertionError(f"no table headed {header}")


def figures(page: str) -> list[str]:
    """The built-in engine's figures (Quarto writes `<figure class="quarto-float …">`)."""
    return re.findall(r'<figure id="fig-[^"]+".*?</figure>', page, flags=re.S)


# --- the edition as published ------------------------------------------------------------


def test_the_default_edition_has_every_part_and_a_complete_manifest(editions):
    edition = editions.default
    assert edition.name == "2026-02-23"  # the core tables' common currency (data/tables.toml)
    for name in ["brief.html", "brief.pdf", "manifest.json", "facts.json"]:
        assert (edition / name).is_file()
    assert len(list((edition / "notebooks").glob("*.ipynb"))) == len(
        list((REPO / "notebooks").glob("*.ipynb"))
    )
    manifest = json.loads((edition / "manifest.json").read_text())
    assert manifest["params"] == {
        "as_of": "2026-02-23",
        "start": "2013-01-01",
        "compare_with": "RUS",
        "trade_series": "GACC",
        "lang": "en",  # the edition's language is a parameter too ([tool.brief] language_param)
    }
    data_files = {
        p.relative_to(editions.project).as_posix()
        for p in (editions.project / "data").rglob("*")
        if p.is_file()
    }
    assert set(manifest["data"]) == data_files
    for path, digest in manifest["data"].items():
        assert hashlib.sha256((editions.project / path).read_bytes()).hexdigest() == digest
    assert set(manifest["notebooks"]) == {p.name for p in (REPO / "notebooks").glob("*.ipynb")}
    for package in [
        "python",
        "papermill",
        "pandas",
        "altair",
        "vl-convert-python",
        "pandoc",
        "typst",
    ]:
        assert manifest["versions"][package] not in ("", "not installed", "not found"), package
    assert {"commit", "dirty"} <= set(manifest["code"])
    assert manifest["engine"]["name"] == "builtin" and "pandoc" in manifest["engine"]["version"]
    for path, digest in manifest["files"].items():
        assert hashlib.sha256((edition / path).read_bytes()).hexdigest() == digest, path


def test_html_is_self_contained_and_every_chart_draws_offline(editions):
    page_path = editions.default / "brief.html"
    page = page_path.read_text(encoding="utf-8")
    # Links to sources are fine; anything the page would *load* must be inline.
    loads = re.findall(
        r'(?:\bsrc\s*=\s*["\']?|<link\b[^>]*href\s*=\s*["\']?|url\()\s*(?:https?:)?//', page
    )
    assert loads == [], "the page loads a resource from the web"
    assert "Content-Security-Policy" in page
    charts = page.count('class="vega-chart"')
    assert charts >= 6
    result = browser.load(page_path, budget_ms=20000)
    drawn = re.findall(r'<div class="vega-chart[^"]*"[^>]*>\s*<svg', result.dom)
    assert len(drawn) == charts, f"{len(drawn)} of {charts} charts drew"
    assert result.page_requests == [], f"the page asked the network for {result.page_requests}"


def test_html_has_contents_numbered_captioned_sourced_figures_and_references(editions):
    page = (editions.default / "brief.html").read_text(encoding="utf-8")
    assert '<nav id="TOC"' in page
    found = figures(page)
    assert len(found) >= 6
    for number, figure in enumerate(found, start=1):
        caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, flags=re.S)
        assert caption and text_of(caption.group(1)).strip().startswith(f"Figure {number}:"), (
            figure[:200]
        )
        assert re.search(r"Sources?: ", text_of(figure)), f"figure {number} has no source line"
        assert 'role="img" aria-label="' in figure, f"figure {number} has no alt text"
    ids = re.findall(r'<figure id="(fig-[^"]+)"', page)
    for fig_id in ids:
        assert re.search(rf'href="#{fig_id}"[^>]*>(Figure|Fig\.)\s*\d+', page), (
            f"{fig_id} is never cross-referenced"
        )
    assert "<table" in page and 'id="tbl-' in page
    # the bottom line is the brief's one boxed part (its callouts were cut as repeated frames;
    # callout rendering itself is tested in tests/brief/test_engines.py)
    assert re.search(r'<div class="brief-summary">\s*<p>[^<]*likely', page)
    assert len(re.findall(r'class="csl-entry"', page)) >= 20
    text = text_of(page)
    for section in SECTIONS:
        assert section in text, section


def test_pdf_has_the_sections_every_figure_and_embedded_fonts(editions):
    edition = editions.default
    text = pdf_text(edition)
    for section in SECTIONS:
        assert section in text, section
    page = (edition / "brief.html").read_text(encoding="utf-8")
    for number in range(1, len(figures(page)) + 1):
        assert f"Figure {number}:" in text, f"figure {number} missing from the PDF"
    specs = re.findall(r'vegaEmbed\("#[^"]+", (\{.*?\}), \{"actions"', page)
    titles = [
        json.loads(s.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")).get(
            "title"
        )
        for s in specs
    ]
    for title in titles:
        words = title["text"] if isinstance(title, dict) else title
        words = " ".join(words) if isinstance(words, list) else words
        assert words.split()[0] in text  # the chart's own title is text in the PDF
    fonts = subprocess.run(
        ["pdffonts", str(edition / "brief.pdf")], capture_output=True, text=True, check=True
    )
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts.stdout
    assert "LiberationSans" in fonts.stdout
    assert "NanumGothic" in fonts.stdout  # Korean source titles are set, not tofu boxes


def test_pdf_pages_render_as_images(editions, tmp_path):
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "30",
            "-png",
            "-f",
            "1",
            "-l",
            "3",
            str(editions.default / "brief.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3 and all(p.stat().st_size > 5000 for p in pages)


def test_same_inputs_give_the_same_bytes_from_another_folder(editions, tmp_path):
    other = copy_project(REPO, tmp_path / "elsewhere" / "checkout")
    done = brief(other, "render", "--engine", "builtin")
    assert done.returncode == 0, done.stderr
    edition = Path(last_line(done.stdout))
    for name in ["brief.html", "brief.pdf", "facts.json"]:
        assert (edition / name).read_bytes() == (editions.default / name).read_bytes(), name


# --- back-tests at the seed documents' dates ----------------------------------------------


def test_as_of_2024_10_21_shows_no_2025_event_and_an_untouched_watch_list(editions):
    edition = editions.render("as_of=2024-10-21")
    found = facts(edition)
    assert found["events"] and all(label[:4] <= "2024" for label in found["events"].values())
    assert "2025" not in html_text(edition)
    assert all(s["status"] == "no_movement" for s in found["statuses"].values())
    # the Sejong brief's four points plus the workers it discusses; the two items JoongAng
    # named in April 2025 are not yet on the list (an item joins when its namer is published)
    assert len(found["statuses"]) == 5
    assert (
        "none of the five items on the watch list has moved or shows signs of movement"
        in html_text(edition)
    )


def test_as_of_2024_10_21_cites_no_source_published_after_it(editions):
    """The References hold only what existed on the edition's date: the renderer writes the
    subject's as-of bibliography (the living CSIS database as it stood then), not the file."""
    from analysis.data import references_as_of

    edition = editions.render("as_of=2024-10-21")
    page = (edition / "brief.html").read_text(encoding="utf-8")
    entry = r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>'
    entries = dict(re.findall(entry, page, flags=re.S))
    allowed = {i["id"] for i in references_as_of("2024-10-21", editions.project / "data")}
    assert entries and set(entries) <= allowed, sorted(set(entries) - allowed)
    later = {k: text_of(v) for k, v in entries.items() if re.search(r"\b202[5-9]\b", text_of(v))}
    assert not later, later


def test_as_of_2025_04_08_shows_the_personnel_entry_and_anniversary_but_no_kim_visit(editions):
    edition = editions.render("as_of=2025-04-08")
    text, found = html_text(edition), facts(edition)
    # the corrected record: the first memorial staff since 2020, not the first Chinese entry
    # (the ambassador and official delegations had entered since 2023)
    assert "the first return of such staff since 2020" in text  # the watch list's report
    # told once: the evidence table points to the watch-list item rather than retelling it
    assert "the first such memorial staff to return since the 2020 border closure" not in text
    assert "Reported under the watch-list item “Chinese personnel enter North Korea”" in text
    assert "first Chinese personnel entry since" not in text
    assert "‘milestone’ on its anniversary" in text
    assert found["statuses"]["chinese-personnel-entry"]["status"] == "moved"
    assert found["statuses"]["kim-visit-china"]["status"] == "no_movement"
    assert not any(label.startswith("2025-09") for label in found["events"].values())
    assert "Sixth Kim–Xi summit" not in text


def test_as_of_2026_01_25_shows_the_beijing_summit_li_qiang_the_unopened_bridge_and_moscow(
    editions,
):
    edition = editions.render("as_of=2026-01-25")
    text, found = html_text(edition), facts(edition)
    labels = list(found["events"].values())
    assert any(label.startswith("2025-09-04") and "Kim–Xi summit" in label for label in labels)
    # the trip is printed once, among the events behind the assessment; the exchanges
    # section counts the summit with its month
    assert "Kim arrives in Beijing by train" in text and "Sixth Kim–Xi summit" not in text
    assert "and one in September 2025" in text
    assert "Premier Li Qiang arrives in Pyongyang" in text  # the watch list's report, once
    assert "Premier Li Qiang in Pyongyang" not in text
    bridge = found["statuses"]["new-yalu-bridge"]
    assert bridge["status"] == "signs_of_movement" and "Still unopened" in text
    kim_visit = found["statuses"]["kim-visit-china"]
    assert kim_visit["status"] == "moved" and kim_visit["since"] == "2025-09-02"  # Kim in Beijing
    assert "5 January 2026" in text and "fighting for Russia" in text


def test_the_three_seed_editions_differ(editions):
    texts = {
        d: html_text(editions.render(f"as_of={d}"))
        for d in ["2024-10-21", "2025-04-08", "2026-01-25"]
    }
    assert len({re.sub(r"Edition \S+", "", t) for t in texts.values()}) == 3


def test_the_default_edition_states_the_seed_figures_with_their_series(editions):
    page = (editions.default / "brief.html").read_text(encoding="utf-8")
    year_2023 = table_row(page, ["Year", "GACC", "KOTRA", "China’s share (KOTRA)"], "2023")
    assert year_2023["GACC"] == "US$2,295 million"
    assert year_2023["KOTRA"] == "US$2,721 million"
    assert year_2023["China’s share (KOTRA)"].startswith("98.3% ")  # then its citation
    summits = [
        label for label in facts(editions.default)["events"].values() if "Kim–Xi summit" in label
    ]
    assert {label[:10] for label in summits} >= {
        "2018-03-25",
        "2018-05-07",
        "2018-06-19",
        "2019-01-07",
        "2019-06-20",
    }
    for place in ["Beijing", "Dalian", "Pyongyang"]:  # the five 2018-19 summits' places
        assert any(place in label for label in summits), place


def test_compare_with_changes_the_comparison_lane(editions):
    usa = editions.render("as_of=2026-01-25", "compare_with=USA")
    rus = editions.render("as_of=2026-01-25")
    assert "the comparison partner is the United States" in html_text(usa)
    assert "the comparison partner is Russia" in html_text(rus)
    lane = re.search(
        r'id="vega-exchanges-timeline".*?</script>', (usa / "brief.html").read_text(), flags=re.S
    )
    assert (
        lane
        and "United States" in lane.group(0)
        and "Russia" not in lane.group(0).split("title")[0]
    )
    assert html_text(usa) != html_text(rus)


def test_trade_series_changes_the_lead_series(editions):
    kotra = editions.render("trade_series=KOTRA")
    text = html_text(kotra)
    assert re.search(r"The lead series is KOTRA", text) or "lead trade series is KOTRA" in text
    chart = re.search(
        r'id="vega-trade[^"]*".*?</script>', (kotra / "brief.html").read_text(), flags=re.S
    )
    assert chart and "KOTRA (lead)" in chart.group(0)


def test_a_changed_trade_value_reaches_the_narrative_and_the_chart(tmp_path):
    project = copy_project(REPO, tmp_path / "project")
    trade = project / "data" / "trade.csv"
    rows = trade.read_text(encoding="utf-8").splitlines()
    changed = [
        re.sub(r",2735(\.0+)?,", ",2799.5,", row)
        if row.startswith("CHN,GACC,annual,2025,")
        else row
        for row in rows
    ]
    assert changed != rows, "the GACC 2025 row was not found"
    trade.write_text("\n".join(changed) + "\n", encoding="utf-8")
    done = brief(project, "render", "--engine", "builtin")
    assert done.returncode == 0, done.stderr
    page = (Path(last_line(done.stdout)) / "brief.html").read_text()
    assert "US$2,800 million in 2025" in text_of(page) or "US$2,799.5 million in 2025" in text_of(
        page
    )
    chart = re.search(r'id="vega-trade[^"]*".*?</script>', page, flags=re.S)
    assert chart and "2799.5" in chart.group(0)


# --- reading editions: archive, diff, list -------------------------------------------------


def test_diff_between_the_first_and_third_seed_editions(editions):
    a = editions.render("as_of=2024-10-21")
    b = editions.render("as_of=2026-01-25")
    done = brief(editions.project, "diff", a.name, b.name)
    assert done.returncode == 0, done.stderr
    assert "2025-09-04" in done.stdout and "Kim–Xi summit" in done.stdout
    assert "Kim Jong Un visits China" in done.stdout
    as_json = brief(editions.project, "diff", a.name, b.name, "--json")
    report = json.loads(as_json.stdout)
    assert report


def test_list_shows_every_edition_and_the_archive_links_resolve(editions):
    editions.render("as_of=2024-10-21")
    published = brief(editions.project, "publish", "-p", "as_of=2024-10-21")
    assert published.returncode == 0, published.stderr
    done = brief(editions.project, "list", "--json")
    listed = {(e["name"], e["status"]) for e in json.loads(done.stdout)}

    def on_disk(folder: Path, status: str) -> set[tuple[str, str]]:
        return {(p.name, status) for p in folder.iterdir() if (p / "manifest.json").is_file()}

    official = on_disk(editions.output, "official")
    assert official == {("2024-10-21", "official")}
    assert listed == official | on_disk(editions.output / "drafts", "draft")
    index = (editions.output / "index.html").read_text()
    local = [
        h for h in re.findall(r'href="([^"#]+)"', index) if not h.startswith(("data:", "http"))
    ]
    assert len(local) >= 2 * len(official)  # HTML and PDF of every official edition
    for href in local:
        assert (editions.output / href).exists(), href


def test_shipped_official_editions_still_match_their_manifests():
    from brief.editions import read_official

    names = sorted(read_official(REPO / "output"))
    assert {"2024-10-21", "2025-04-08", "2026-01-25"} <= set(names)
    for name in names:
        edition = REPO / "output" / name
        manifest = json.loads((edition / "manifest.json").read_text())
        for path, digest in manifest["files"].items():
            assert hashlib.sha256((edition / path).read_bytes()).hexdigest() == digest, (
                f"{name}/{path}"
            )
    index = (REPO / "output" / "index.html").read_text()
    assert all(f'href="{name}/brief.html"' in index for name in names)


def test_rendering_a_shipped_edition_from_this_checkout_is_a_no_op_or_a_clear_refusal(tmp_path):
    project = copy_project(REPO, tmp_path / "project")
    shutil.copytree(REPO / "output", project / "output")
    before = (project / "output" / "2025-04-08" / "brief.pdf").read_bytes()
    draft = brief(project, "render", "-p", "as_of=2025-04-08")  # a draft: always works
    assert draft.returncode == 0, draft.stderr
    assert Path(last_line(draft.stdout)) == project / "output" / "drafts" / "2025-04-08"
    done = brief(project, "publish", "-p", "as_of=2025-04-08")
    assert done.returncode in (0, 2), done.stderr  # up to date, or refused: never replaced
    if done.returncode != 0:
        assert "never replaced" in done.stderr and "--erratum" in done.stderr
    assert (project / "output" / "2025-04-08" / "brief.pdf").read_bytes() == before


@pytest.mark.skipif(
    shutil.which("quarto") is None, reason="no `quarto` on PATH: the real-Quarto edition is skipped"
)
def test_a_quarto_edition_draws_every_chart_offline_and_has_the_builtin_pdfs_sections(editions):
    """`--engine quarto`: the same charts drawn offline, a page under 1.5 MB, and the PDF's
    section titles and figure captions as in the built-in engine's PDF."""
    builtin = editions.default
    done = brief(editions.project, "render", "--engine", "quarto", "--edition", "quarto-check")
    assert done.returncode == 0, done.stderr
    edition = Path(last_line(done.stdout))
    page_path = edition / "brief.html"
    page = page_path.read_text(encoding="utf-8")
    charts = page.count('class="vega-chart"')
    assert charts == (builtin / "brief.html").read_text(encoding="utf-8").count(
        'class="vega-chart"'
    )
    result = browser.load(page_path, budget_ms=20000)
    drawn = re.findall(r'<div class="vega-chart[^"]*"[^>]*>\s*<svg', result.dom)
    assert len(drawn) == charts, f"{len(drawn)} of {charts} charts drew"
    assert result.page_requests == [], f"the page asked the network for {result.page_requests}"
    assert page_path.stat().st_size < 1_500_000
    quarto_text, builtin_text = pdf_text(edition), pdf_text(builtin)
    for section in SECTIONS:
        assert section in quarto_text, section
    captions = re.findall(r"Figure \d+: [^.]{10,60}", builtin_text)
    assert len(captions) >= 6
    for caption in captions:
        assert caption in quarto_text, caption
