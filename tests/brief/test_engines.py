"""The assembly engines on the mini fixture: real pandoc, typst, pdffonts and Chromium runs.

tests/fixtures/mini_project holds a small brief.qmd, an executed notebook (regenerate it with
its make_notebook.py), a bibliography and the machinery's _changes.md / _colophon.md; the
project's own _quarto.yml is copied beside them, as the render orchestrator does.

Tests that hold for any engine are parametrized over the engines: `builtin` always, `quarto`
when a real `quarto` binary is on PATH (otherwise skipped, with the reason shown). Tests of
page markup say which engine they are about. The Quarto adapter's own tests run against
tests/fixtures/mini_project/stand_in_quarto.py (imitating Quarto 1.10.18).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from brief.engines import (
    FORMATS,
    AssemblyError,
    assemble,
    choose_engine,
    engine_version,
    quarto_binary,
)
from tests.support import browser

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "mini_project"
FONTS = ROOT / "assets" / "fonts"
NOTEBOOK = "notebooks/01_mini.ipynb"
WHEN = datetime(2025, 1, 2, 12, 0, 0)
META = {"subtitle": "Edition fixture", "date": "2025-01-02"}
HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
    "#set text(red) $x^2$ *bold* @smith2020 \\ back_slash [link](http://evil.example) ]"
)
CHARTS = 2  # chart outputs (text/html + image/svg+xml) the fixture's brief.qmd embeds
STAND_IN = FIXTURE / "stand_in_quarto.py"
REAL_QUARTO = quarto_binary()  # looked up once, before any test puts the stand-in on PATH
ENGINES = [
    "builtin",
    pytest.param(
        "quarto",
        marks=pytest.mark.skipif(
            REAL_QUARTO is None, reason="no `quarto` on PATH: the real-Quarto run is skipped"
        ),
    ),
]


def make_build(where: Path, qmd: str | None = None) -> Path:
    """A build folder like the orchestrator's: fixture + the project's _quarto.yml."""
    ignore = shutil.ignore_patterns("make_notebook.py", STAND_IN.name, "__pycache__")
    shutil.copytree(FIXTURE, where, ignore=ignore)
    shutil.copyfile(ROOT / "_quarto.yml", where / "_quarto.yml")
    if qmd is not None:
        (where / "brief.qmd").write_text(qmd, encoding="utf-8")
    return where


def build(where: Path, qmd: str | None = None, engine: str = "builtin"):
    return assemble(
        make_build(where, qmd), engine=engine, metadata=META, timestamp=WHEN, fonts_dir=FONTS
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The built-in engine's assembly of the fixture."""
    return build(tmp_path_factory.mktemp("engines") / "build")


@pytest.fixture(scope="module", params=ENGINES)
def any_built(request, tmp_path_factory):
    """The fixture assembled by each available engine (the built-in one is reused)."""
    if request.param == "builtin":
        return request.getfixturevalue("built")
    return build(tmp_path_factory.mktemp("quarto") / "build", engine=request.param)


def parsed(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def html(built) -> str:
    return built.html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html) -> Page:
    parser = Page()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def pdf_text(built) -> str:
    reader = PdfReader(built.pdf)
    return "\n".join(p.extract_text() for p in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


class Page(HTMLParser):
    """What the tests look at: tags with attributes, script bodies, visible text, elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"
        self._in_style = tag == "style"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in_script = self._in_style = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        elif not self._in_style:
            self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    @property
    def visible(self) -> str:
        return flat("".join(self.text))


def element_html(html: str, element_id: str, tag: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index(f"</{tag}>", start)]


# --- engine choice ---------------------------------------------------------------------------


def fake_quarto(folder: Path) -> None:
    exe = folder / "quarto"
    exe.write_text("#!/bin/sh\necho 1.10.7\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)


def test_choose_engine_without_quarto_is_builtin(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert choose_engine() == "builtin"
    assert choose_engine("auto") == "builtin"
    assert choose_engine("builtin") == "builtin"


def test_requesting_quarto_when_absent_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AssemblyError, match=r"quarto.*PATH.*builtin"):
        choose_engine("quarto")
    with pytest.raises(AssemblyError, match="quarto"):
        assemble(make_build(tmp_path / "b"), engine="quarto", metadata=META, timestamp=WHEN)


def test_choose_engine_prefers_quarto_on_path(tmp_path, monkeypatch):
    fake_quarto(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert choose_engine() == "quarto"
    assert choose_engine("quarto") == "quarto"
    assert choose_engine("builtin") == "builtin"
    assert engine_version("quarto") == "quarto 1.10.7"


def test_unknown_engine_is_an_error():
    with pytest.raises(AssemblyError, match="unknown engine 'latex'"):
        choose_engine("latex")


def test_builtin_version_names_pandoc_and_the_typst_compiler():
    """The compiler inside the typst wheel (0.15.1), not the Python binding's version (0.15.2)."""
    assert re.fullmatch(r"pandoc 3\.9(\.\d+)* \+ typst 0\.15\.1", engine_version("builtin"))


def test_the_engine_registry_and_the_format_table():
    from brief.engines import engines

    assert set(engines.names()) >= {"builtin", "quarto"}
    assert [(f.name, f.extension, f.quarto) for f in FORMATS.values()] == [
        ("html", ".html", "html"),
        ("pdf", ".pdf", "typst"),
    ]
    with pytest.raises(AssemblyError, match="unknown output format 'docx'"):
        assemble(ROOT, engine="builtin", metadata=META, timestamp=WHEN, formats=["docx"])


# --- HTML ------------------------------------------------------------------------------------


def test_outputs_land_in_the_build_folder(any_built):
    assert set(any_built.outputs) == set(FORMATS)
    assert [p.name for p in any_built.outputs.values()] == ["brief.html", "brief.pdf"]
    assert any_built.html.parent == any_built.pdf.parent
    assert (any_built.html.parent / "_vega-header.html").is_file()


def test_only_the_html_format_when_asked(tmp_path):
    where = make_build(tmp_path / "b")
    done = assemble(
        where, engine="builtin", metadata=META, timestamp=WHEN, fonts_dir=FONTS, formats=["html"]
    )
    assert list(done.outputs) == ["html"] and not (where / "brief.pdf").exists()


def test_html_is_self_contained(any_built):
    html = any_built.html.read_text(encoding="utf-8")
    page = parsed(any_built.html)
    for tag, attrs in page.tags:
        for name in ("src", "srcset", "data", "poster"):
            assert not re.match(r"\s*(https?:)?//", attrs.get(name, "")), (tag, attrs)
        if tag == "link":  # stylesheets, icons, preloads: all would be fetched
            assert not re.match(r"\s*(https?:)?//", attrs.get("href", "")), attrs
    assert not page.find("link", rel="stylesheet"), "stylesheets must be inlined"
    assert all("src" not in a for t, a in page.tags if t == "script")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html), "no CSS url() to the network"
    assert "mathjax" not in html.lower()
    # one copy of the Vega bundle, in the head, spliced where its placeholder stood
    assert html.count("window.vegaEmbed=") == 1
    assert html.index("window.vegaEmbed=") < html.rindex("<body")
    assert "brief: the Vega bundle is spliced in here" not in html


def test_no_table_markup_reaches_pandoc_or_quarto_from_the_vega_header(built):
    """Quarto warned "Unable to parse table from raw html block" at the bundle's `<table>`:
    the header holds only a placeholder now; the bundle is spliced into the written page."""
    header = (built.html.parent / "_vega-header.html").read_text(encoding="utf-8")
    assert "<table" not in header.lower() and len(header) < 1000
    assert "<table" in built.html.read_text(encoding="utf-8")  # the bundle did arrive


def test_chart_html_bypasses_pandoc_and_is_spliced_back_whole(built):
    """A chart's raw HTML names no resource, so pandoc gets a placeholder for it (parsing
    inline chart data made pandoc's HTML pass grow with the data); the page gets it back."""
    markdown = (built.html.parent / "_brief.html.md").read_text(encoding="utf-8")
    html = built.html.read_text(encoding="utf-8")
    assert "vegaEmbed(" not in markdown
    assert markdown.count("brief: raw HTML block") == CHARTS
    assert "brief: raw HTML block" not in html
    assert html.count('vegaEmbed("#vega-') == CHARTS


def test_raw_html_naming_a_resource_still_has_it_embedded(tmp_path):
    """Raw HTML that names a file goes through pandoc, which inlines the file."""
    where = make_build(tmp_path / "build")
    (where / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>', encoding="utf-8"
    )
    nb_path = where / NOTEBOOK
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c.get("outputs"))
    image = {"text/html": '<p class="brief-test"><img src="dot.svg" alt="dot"></p>'}
    cell["outputs"].append({"output_type": "display_data", "data": image, "metadata": {}})
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    done = assemble(where, engine="builtin", metadata=META, timestamp=WHEN, fonts_dir=FONTS)
    html = done.outputs["html"].read_text(encoding="utf-8")
    assert 'class="brief-test"' in html
    assert 'src="dot.svg"' not in html and "data:image/svg+xml" in html


def test_html_has_a_csp_forbidding_the_network(any_built):
    html = any_built.html.read_text(encoding="utf-8")
    page = parsed(any_built.html)
    metas = page.find("meta", http_equiv="Content-Security-Policy")
    assert len(metas) == 1
    policy = metas[0]["content"]
    assert "default-src 'none'" in policy
    for directive in ("connect-src", "frame-src"):
        assert directive not in policy  # falls back to default-src 'none'
    assert not re.search(r"https?:|\*", policy)
    assert html.index("Content-Security-Policy") < html.index("window.vegaEmbed=")


def test_html_has_title_block_and_toc(page, html):
    assert page.find("h1", **{"class": "title"})
    assert "Edition fixture" in page.visible
    toc = element_html(html, "TOC", "nav")
    for target in ("sec-overview", "sec-trade", "sec-summary", "sec-method", "sec-colophon"):
        assert f'href="#{target}"' in toc
    assert "Contents" in toc


def test_html_sections_are_numbered(html):
    assert re.search(r'<h1 id="sec-overview"><span class="header-section-number">1</span>', html)
    assert re.search(r'<h2 id="sec-summary"><span class="header-section-number">2.1</span>', html)
    assert re.search(r'<h1 class="unnumbered" id="references">References</h1>', html)


def test_html_figures_and_tables_are_numbered_with_captions(html):
    trade = element_html(html, "fig-trade", "figure")
    assert 'class="vega-chart"' in trade
    assert re.search(r"<figcaption>\s*Figure 1: Recorded trade by year", trade)
    events = element_html(html, "fig-events", "figure")
    assert re.search(r"<figcaption>\s*Figure 2: Events per year", events)
    table = element_html(html, "tbl-summary", "figure")
    assert re.search(r"<figcaption>\s*Table 1: Trade summary", table)
    assert table.index("<figcaption>") < table.index("<table")  # table captions go above


def test_html_cross_references_resolve(html, page):
    assert '<a href="#fig-trade" class="quarto-xref">Figure 1</a>' in html
    assert '<a href="#fig-events" class="quarto-xref">Figure 2</a>' in html
    assert '<a href="#tbl-summary" class="quarto-xref">Table 1</a>' in html
    assert '<a href="#sec-method" class="quarto-xref">Section 3</a>' in html
    assert '<a href="#fig-trade" class="quarto-xref">1</a> for the lead chart' in html  # -@
    assert "@fig-" not in page.visible and "?@" not in page.visible


def test_html_citations_and_bibliography(html, page):
    assert "(Smith 2020, 4)" in page.visible  # from the .qmd
    assert "(KOTRA 2024)" in page.visible  # inside a figure caption
    assert "in 2023 (Smith 2020)" in page.visible  # from a notebook's Markdown output
    refs = element_html(html, "refs", "main")
    assert 'id="ref-smith2020"' in refs and 'id="ref-kotra2024"' in refs
    assert "Trade of the Northern Neighbour" in refs


def test_html_callouts(html):
    assert re.search(
        r'<div class="callout callout-note"[^>]*>\s*<div class="callout-title">\s*Note\s*</div>',
        html,
    )
    assert re.search(
        r'<div class="callout callout-warning"[^>]*>\s*<div class="callout-title">\s*'
        r"Mind the gap\s*</div>",
        html,
    )
    assert ".callout-note" in html  # styled by the inlined house CSS


def test_html_never_shows_facts_or_option_lines(page):
    assert "facts-only-marker" not in page.visible
    assert "#|" not in page.visible
    assert "{{< embed nothing >}}" in page.visible  # an escaped shortcode prints literally


def test_builtin_html_has_exactly_one_script_per_chart_plus_the_bundle(page):
    """The built-in page's scripts: the Vega bundle, the wait for the page's fonts, and one
    vegaEmbed call per chart."""
    assert len(page.scripts) == 2 + CHARTS
    wait = next(s for s in page.scripts if "document.fonts" in s)
    assert "window.vegaEmbed = function" in wait and "face.load()" in wait


def test_the_edition_line_links_to_the_twin_in_both_formats(tmp_path):
    """The renderer's brief-twin-* metadata becomes a link on the edition line: to the
    twin's page from the HTML (and a rel=alternate in its head), to its PDF from the PDF,
    the path intact (pandoc escapes `_` for Typst markup; the template takes it back)."""
    twin = {
        "brief-edition": "Edition 2025-01-02",
        "brief-twin-html": "../2025-01-02_lang-ko/brief.html",
        "brief-twin-pdf": "../2025-01-02_lang-ko/brief.pdf",
        "brief-twin-lang": "ko",
        "brief-twin-name": "한국어",
    }
    done = assemble(
        make_build(tmp_path / "b"),
        engine="builtin",
        metadata={**META, **twin},
        timestamp=WHEN,
        fonts_dir=FONTS,
    )
    html_text = done.outputs["html"].read_text(encoding="utf-8")
    line = re.search(r'<p class="brief-edition-line">(.*?)</p>', html_text, flags=re.S).group(1)
    assert (
        '<a class="brief-twin" href="../2025-01-02_lang-ko/brief.html" hreflang="ko" '
        'lang="ko">한국어</a>'
    ) in line
    assert (
        '<link rel="alternate" hreflang="ko" href="../2025-01-02_lang-ko/brief.html">'
        in (html_text.split("</head>")[0])
    )
    reader = PdfReader(done.outputs["pdf"])
    uris = [
        a.get_object()["/A"].get("/URI")
        for a in reader.pages[0].get("/Annots") or []
        if "/A" in a.get_object()
    ]
    assert "../2025-01-02_lang-ko/brief.pdf" in uris
    assert "한국어" in reader.pages[0].extract_text()
    # Without the metadata (a name given by --edition), no link.
    plain = build(tmp_path / "plain")
    assert "brief-twin" not in plain.outputs["html"].read_text(encoding="utf-8")


def test_html_hostile_text_stays_text(any_built):
    html = any_built.html.read_text(encoding="utf-8")
    page = parsed(any_built.html)
    assert flat(HOSTILE) in page.visible
    assert all("alert(" not in body for body in page.scripts)
    assert not any(a.get("onerror") for _, a in page.tags)
    assert not any(a.get("src") == "x" for t, a in page.tags if t == "img")
    assert 'href="http://evil.example"' not in html


@pytest.mark.browser
def test_charts_draw_offline_in_chromium(any_built):
    loaded = browser.load(any_built.html)
    assert loaded.page_requests == []

    dom = loaded.dom
    openings = list(re.finditer(r'<div\b[^>]*\bclass="[^"]*\bvega-chart\b[^"]*"[^>]*>', dom))
    assert len(openings) == CHARTS
    drawn = [m for m in openings if dom.startswith("<svg", m.end())]
    assert len(drawn) == CHARTS, loaded.console
    for m in drawn:  # an SVG with marks in it, not an empty frame
        svg = dom[m.end() : dom.index("</svg>", m.end())]
        assert "mark-rect" in svg and "<path" in svg
    assert "Trade Zeta" in loaded.dom and "Events Omega" in loaded.dom  # drawn chart titles


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_text_has_sections_charts_captions_and_references(pdf_text):
    text = flat(pdf_text)
    for expected in (
        "Mini brief",
        "Edition fixture",
        "Contents",
        "1 Overview",
        "2 Trade and events",
        "2.1 Summary",
        "3 Method",
        "Trade Zeta",  # chart titles and axis labels: SVG text, not pictures
        "Events Omega",
        "US$ millions",
        "Figure 1: Recorded trade by year (KOTRA 2024).",
        "Figure 2: Events per year.",
        "Table 1: Trade summary, US$ millions.",
        "are in Figure 1 and Figure 2",
        "in Section 3",
        "(Smith 2020, 4)",
        "Mind the gap",
        "Note",
        "Smith, Jane. 2020. Trade of the Northern Neighbour",
        "{{< embed nothing >}}",
    ):
        assert expected in text, expected
    assert "facts-only-marker" not in text


def test_pdf_sections_and_captions_are_the_same_in_every_engine(any_built, pdf_text):
    """Section titles, figure and table captions and references, as the built-in PDF has them."""
    text = flat("\n".join(p.extract_text() for p in PdfReader(any_built.pdf).pages))
    for line in (
        "Overview",
        "Trade and events",
        "Summary",
        "Method",
        "Figure 1: Recorded trade by year (KOTRA 2024).",
        "Figure 2: Events per year.",
        "Table 1: Trade summary, US$ millions.",
        "Trade Zeta",
        "Smith, Jane. 2020. Trade of the Northern Neighbour",
    ):
        assert line in text and line in flat(pdf_text), line


def test_pdf_hostile_text_stays_text(pdf_text):
    assert flat(HOSTILE) in flat(pdf_text)


def test_pdf_fonts_are_embedded_and_liberation_sans(any_built):
    out = subprocess.run(
        ["pdffonts", str(any_built.pdf)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        assert row[-5] == "yes", f"font not embedded: {row}"
    names = [row[0] for row in rows]
    assert any("LiberationSans" in n for n in names), names
    assert all("Libertinus" not in n and "NewCM" not in n for n in names), names


def test_pdf_dates_come_from_the_timestamp(built):
    meta = PdfReader(built.pdf).metadata
    assert meta["/CreationDate"].startswith("D:20250102120000")
    assert meta["/Title"] == "Mini brief"


# --- determinism -----------------------------------------------------------------------------


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_assemblies_in_two_folders_are_byte_identical(any_built, tmp_path):
    again = build(tmp_path / "again", engine=any_built.engine)
    assert sha(again.html) == sha(any_built.html)
    assert sha(again.pdf) == sha(any_built.pdf)


# --- errors name what is at fault -------------------------------------------------------------


def qmd_with(extra: str) -> str:
    return (FIXTURE / "brief.qmd").read_text(encoding="utf-8") + "\n" + extra + "\n"


def test_missing_notebook_is_named(tmp_path):
    where = tmp_path / "b"
    with pytest.raises(AssemblyError) as err:
        build(where, qmd_with("{{< embed notebooks/99_gone.ipynb#lead >}}"))
    message = str(err.value)
    assert "notebooks/99_gone.ipynb" in message and str(where) in message


def test_missing_label_is_named(tmp_path):
    where = tmp_path / "b"
    with pytest.raises(AssemblyError) as err:
        build(where, qmd_with("{{< embed notebooks/01_mini.ipynb#no-such-label >}}"))
    message = str(err.value)
    assert NOTEBOOK in message and "no-such-label" in message and str(where) in message
    assert "trade-chart" in message  # the labels that do exist


def test_error_output_is_named(tmp_path):
    where = tmp_path / "b"
    with pytest.raises(AssemblyError) as err:
        build(where, qmd_with("{{< embed notebooks/01_mini.ipynb#broken >}}"))
    message = str(err.value)
    assert f"{NOTEBOOK}#broken" in message and "ZeroDivisionError" in message
    assert str(where) in message


def test_unresolved_cross_reference_is_named(tmp_path):
    with pytest.raises(AssemblyError, match="@fig-nowhere"):
        build(tmp_path / "b", qmd_with("See @fig-nowhere."))


def test_missing_include_is_named(tmp_path):
    with pytest.raises(AssemblyError, match=r"_missing\.md"):
        build(tmp_path / "b", qmd_with("{{< include _missing.md >}}"))


def test_unknown_shortcode_is_an_error(tmp_path):
    with pytest.raises(AssemblyError, match="`meta` shortcode"):
        build(tmp_path / "b", qmd_with("{{< meta title >}}"))


def test_figure_without_caption_is_named(tmp_path):
    with pytest.raises(AssemblyError, match="#fig-bare"):
        build(tmp_path / "b", qmd_with("::: {#fig-bare}\n{{< embed " + NOTEBOOK + "#lead >}}\n:::"))


def test_bad_typst_option_is_named(tmp_path):
    where = make_build(tmp_path / "b")
    yml = (where / "_quarto.yml").read_text(encoding="utf-8")
    (where / "_quarto.yml").write_text(yml.replace("x: 2.2cm", "x: 2cm); evil"), "utf-8")
    with pytest.raises(AssemblyError, match=r"format\.typst\.margin\.x"):
        assemble(where, engine="builtin", metadata=META, timestamp=WHEN, fonts_dir=FONTS)


def test_missing_fonts_are_named(tmp_path):
    where = make_build(tmp_path / "b")
    with pytest.raises(AssemblyError, match="Liberation Sans"):
        assemble(where, engine="builtin", metadata=META, timestamp=WHEN)


def test_fonts_default_to_the_build_folder(tmp_path):
    where = make_build(tmp_path / "b")
    shutil.copytree(FONTS, where / "assets" / "fonts")
    done = assemble(where, engine="builtin", metadata=META, timestamp=WHEN)
    assert done.pdf.is_file()


def test_image_only_outputs_become_images(tmp_path):
    """A cell with only image/svg+xml (no HTML view): an <img> inlined in HTML, an image in PDF."""
    where = make_build(tmp_path / "b")
    nb_path = where / NOTEBOOK
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "label: events-chart" in "".join(cell["source"]):
            for out in cell["outputs"]:
                out["data"].pop("text/html", None)
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    done = assemble(where, engine="builtin", metadata=META, timestamp=WHEN, fonts_dir=FONTS)
    text = done.html.read_text(encoding="utf-8")
    events = element_html(text, "fig-events", "figure")
    assert "vega-chart" not in events
    assert "<svg" in events or 'src="data:image/svg+xml' in events
    assert "Events Omega" in flat("\n".join(p.extract_text() for p in PdfReader(done.pdf).pages))


def test_no_network_tools_in_the_environment_needed():
    """The engines find pandoc in the pypandoc wheel, not on PATH."""
    from brief.engines.builtin import pandoc_path

    assert Path(pandoc_path()).is_file()
    assert os.access(pandoc_path(), os.X_OK)


def test_without_number_sections_references_use_titles(tmp_path):
    where = make_build(tmp_path / "b")
    yml = (where / "_quarto.yml").read_text(encoding="utf-8")
    assert "number-sections: true" in yml
    (where / "_quarto.yml").write_text(
        yml.replace("number-sections: true", "number-sections: false"), "utf-8"
    )
    done = assemble(where, engine="builtin", metadata=META, timestamp=WHEN, fonts_dir=FONTS)
    text = done.html.read_text(encoding="utf-8")
    assert '<span class="header-section-number">' not in text
    assert '<a href="#sec-method" class="quarto-xref">Method</a>' in text
    assert '<a href="#fig-trade" class="quarto-xref">Figure 1</a>' in text


def test_callout_title_from_a_heading(tmp_path):
    extra = "::: {.callout-tip}\n## Read this first\n\nTip body.\n:::"
    done = build(tmp_path / "b", qmd_with(extra))
    text = done.html.read_text(encoding="utf-8")
    assert re.search(
        r'<div class="callout callout-tip"[^>]*>\s*<div class="callout-title">\s*'
        r"Read this first\s*</div>",
        text,
    )
    assert "Read this first" not in element_html(text, "TOC", "nav")  # not a section


# --- the quarto adapter, against the stand-in `quarto` (imitating Quarto 1.10.18) ---------


def stand_in_quarto(folder: Path, monkeypatch) -> Path:
    """Put tests/fixtures/mini_project/stand_in_quarto.py on PATH as `quarto`."""
    folder.mkdir()
    exe = folder / "quarto"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{STAND_IN}" "$@"\n', encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    log = folder / "calls.log"
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("QUARTO_LOG", str(log))
    return log


def quarto_build(where: Path) -> object:
    return assemble(
        make_build(where), engine="quarto", metadata=META, timestamp=WHEN, fonts_dir=FONTS
    )


def test_quarto_adapter_renders_each_format_in_its_own_project_copy(tmp_path, monkeypatch):
    log = stand_in_quarto(tmp_path / "bin", monkeypatch)
    where = tmp_path / "b"
    done = quarto_build(where)
    assert (done.engine, done.version) == ("quarto", "quarto 1.10.18")
    assert done.outputs == {"html": where / "brief.html", "pdf": where / "brief.pdf"}
    calls = sorted(line.split("|") for line in log.read_text(encoding="utf-8").splitlines())
    assert sorted(c[2].split(" -M")[0] for c in calls) == [
        "render brief.qmd --to html",
        "render brief.qmd --to typst",
    ]
    # HTML renders in the build folder, typst at the same time in a copy of the project
    assert {Path(c[0]) for c in calls} == {where, where / "_quarto-typst"}
    for _cwd, epoch, args in calls:
        assert epoch == str(int(WHEN.replace(tzinfo=UTC).timestamp()))
        assert "-M date:2025-01-02 -M subtitle:Edition fixture" in args
    # the same support files as the built-in engine, and fonts where font-paths points
    assert (where / "_vega-header.html").is_file() and (where / "_brief.css").is_file()
    assert any((where / "assets" / "fonts").glob("LiberationSans-*.ttf"))


def test_quarto_html_is_finished_like_the_builtin_page(tmp_path, monkeypatch):
    """No absolute build path (Quarto's data-notebook attributes), the bundle spliced in once,
    no "Other Formats" link (format-links: false)."""
    stand_in_quarto(tmp_path / "bin", monkeypatch)
    where = tmp_path / "b"
    html = quarto_build(where).html.read_text(encoding="utf-8")
    assert str(where) not in html and str(where.resolve()) not in html
    assert 'data-notebook="notebooks/01_mini.ipynb"' in html
    assert html.count("window.vegaEmbed=") == 1
    assert "Other Formats" not in html


def test_quarto_html_is_the_same_from_two_folders(tmp_path, monkeypatch):
    stand_in_quarto(tmp_path / "bin", monkeypatch)
    one = quarto_build(tmp_path / "one")
    two = quarto_build(tmp_path / "two")
    assert sha(one.html) == sha(two.html)


def test_without_citeproc_the_typst_bibliography_fails_in_both_engines(tmp_path, monkeypatch):
    """Quarto hands a typst bibliography to Typst's own engine unless `citeproc: true`, and
    Typst reads no CSL-JSON; the built-in engine refuses the same sources, naming the fix."""
    yml = (ROOT / "_quarto.yml").read_text(encoding="utf-8")
    assert "    citeproc: true\n" in yml
    without = yml.replace("    citeproc: true\n", "")
    stand_in_quarto(tmp_path / "bin", monkeypatch)
    for engine in ("quarto", "builtin"):
        where = make_build(tmp_path / engine)
        (where / "_quarto.yml").write_text(without, encoding="utf-8")
        with pytest.raises(AssemblyError) as err:
            assemble(where, engine=engine, metadata=META, timestamp=WHEN, fonts_dir=FONTS)
        message = str(err.value)
        assert "unknown bibliography format" in message and str(where) in message
        if engine == "builtin":
            assert "citeproc: true" in message and "format.typst" in message


def test_quarto_adapter_failure_quotes_quarto(tmp_path, monkeypatch):
    stand_in_quarto(tmp_path / "bin", monkeypatch)
    monkeypatch.setenv("QUARTO_FAIL", "typst")
    where = make_build(tmp_path / "b")
    with pytest.raises(AssemblyError) as err:
        assemble(where, engine="quarto", metadata=META, timestamp=WHEN, fonts_dir=FONTS)
    message = str(err.value)
    assert "--to typst" in message and "typst says no" in message and str(where) in message


def test_hostile_metadata_stays_text(tmp_path):
    hostile = "<script>alert(9)</script> #x $y *z* @smith2020 ]"
    where = make_build(tmp_path / "b")
    done = assemble(
        where,
        engine="builtin",
        metadata={"subtitle": hostile, "date": "2025-01-02"},
        timestamp=WHEN,
        fonts_dir=FONTS,
    )
    parsed = Page()
    parsed.feed(done.html.read_text(encoding="utf-8"))
    assert hostile in parsed.visible
    assert all("alert(" not in body for body in parsed.scripts)
    assert hostile in flat(PdfReader(done.pdf).pages[0].extract_text())


# --- a failed assembly keeps its build folder -------------------------------------------------


@pytest.mark.slow
def test_a_failed_assembly_keeps_its_build_folder_with_the_reason(tmp_path):
    from tests.support.cli import brief, tiny_project

    project = tiny_project(tmp_path)
    qmd = project / "brief.qmd"
    broken = "{{< embed notebooks/01_count.ipynb#no-such-label >}}"
    qmd.write_text(qmd.read_text(encoding="utf-8") + "\n" + broken + "\n", encoding="utf-8")
    done = brief(project, "render", "--engine", "builtin")
    assert done.returncode == 1, done.stderr
    assert "no-such-label" in done.stderr and "Traceback" not in done.stderr
    kept = [p for p in (project / ".brief" / "build").glob("build-*") if (p / ".keep").is_file()]
    assert len(kept) == 1, list((project / ".brief" / "build").iterdir())
    assert str(kept[0]) in done.stderr  # the message names the folder it kept
    assert "no-such-label" in (kept[0] / ".keep").read_text(encoding="utf-8")
    assert (kept[0] / "brief.qmd").is_file() and (kept[0] / "notebooks").is_dir()


@pytest.mark.slow
def test_an_edition_from_the_builtin_engine_is_up_to_date_when_quarto_appears(tmp_path):
    """The engine is not part of an edition's identity: a fresh clone on a machine with
    Quarto (`auto` picks it) finds the shipped edition up to date instead of refusing it."""
    from tests.support.cli import brief, last_line, tiny_project

    project = tiny_project(tmp_path)
    first = brief(project, "render", "--engine", "builtin")
    assert first.returncode == 0, first.stderr
    bin_dir, log = tmp_path / "bin", tmp_path / "bin" / "calls.log"
    bin_dir.mkdir()
    exe = bin_dir / "quarto"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{STAND_IN}" "$@"\n', encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "QUARTO_LOG": str(log)}
    again = brief(project, "render", env=env)  # engine auto: Quarto is on PATH now
    assert again.returncode == 0, again.stderr
    assert last_line(again.stdout) == last_line(first.stdout)
    assert "up to date" in again.stdout + again.stderr
    assert not log.exists(), "Quarto was asked to render an edition that was up to date"


def test_a_third_format_is_one_table_entry_and_one_writer(tmp_path, monkeypatch):
    """The recipe in docs/ARCHITECTURE.md: e.g. Markdown for a newsletter, nothing else."""
    from brief.engines import SHARED_OPTIONS, OutputFormat, builtin

    markdown = OutputFormat(
        "markdown",
        ".md",
        quarto="gfm",
        pandoc_writer="gfm",
        options=SHARED_OPTIONS,
        mime_order=("text/markdown", "text/plain"),
    )

    def write_markdown(job: builtin.Job) -> Path:
        builtin.run_pandoc([*job.pandoc_args(), "--output", job.out.name], job.cfg.root, "md")
        return job.out

    monkeypatch.setitem(FORMATS, "markdown", markdown)
    monkeypatch.setitem(builtin.WRITERS, "markdown", write_markdown)
    done = build(tmp_path / "b")
    assert list(done.outputs) == ["html", "pdf", "markdown"]
    text = flat(done.outputs["markdown"].read_text(encoding="utf-8"))
    assert done.outputs["markdown"].name == "brief.md"
    assert "Figure 1: Recorded trade by year" in text and "Table 1: Trade summary" in text
    assert "[Smith 2020, 4](#ref-smith2020)" in text and "Trade of the Northern Neighbour" in text


# --- languages: the edition's language chosen in the build folder's notebooks --------------

LANGUAGES_MIME = "application/vnd.brief.languages+json"


def _with_variants(nb: dict, variants: dict) -> dict:
    """The fixture notebook with `variants` riding on its first Markdown output."""
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if "text/markdown" in out.get("data", {}):
                out["data"][LANGUAGES_MIME] = variants
                return nb
    raise AssertionError("the fixture notebook has no Markdown output")


def _fixture_notebook() -> dict:
    return json.loads((FIXTURE / NOTEBOOK).read_text(encoding="utf-8"))


def test_select_language_puts_the_variant_in_place():
    from brief.engines.languages import select_language

    ko = {"data": {"text/markdown": "한국어 문장", "text/plain": "한국어 문장"}, "metadata": {}}
    nb = _with_variants(_fixture_notebook(), {"ko": ko})
    assert select_language(nb, "ko", "en", "01_mini.ipynb") == 1
    texts = [
        o.get("data", {}).get("text/markdown") for c in nb["cells"] for o in c.get("outputs", [])
    ]
    assert "한국어 문장" in texts
    assert LANGUAGES_MIME not in json.dumps(nb)


def test_select_language_for_the_default_only_drops_the_variants():
    from brief.engines.languages import select_language

    nb = _with_variants(_fixture_notebook(), {"ko": {"data": {"text/markdown": "x"}}})
    before = [
        o.get("data", {}).get("text/markdown") for c in nb["cells"] for o in c.get("outputs", [])
    ]
    assert select_language(nb, "en", "en", "01_mini.ipynb") == 0
    after = [
        o.get("data", {}).get("text/markdown") for c in nb["cells"] for o in c.get("outputs", [])
    ]
    assert after == before and LANGUAGES_MIME not in json.dumps(nb)


def test_a_language_that_could_not_be_written_stops_the_assembly_with_its_message():
    from brief.engines.languages import select_language

    failed = {"ko": {"error": "TextError: catalogue/ko/trade.yaml: no template 'trade.lead'"}}
    nb = _with_variants(_fixture_notebook(), failed)
    with pytest.raises(AssemblyError, match=r"01_mini\.ipynb#.*'ko'.*no template 'trade\.lead'"):
        select_language(nb, "ko", "en", "01_mini.ipynb")
    nb = _with_variants(_fixture_notebook(), {"ja": {"data": {"text/markdown": "x"}}})
    with pytest.raises(AssemblyError, match="no 'ko' text"):
        select_language(nb, "ko", "en", "01_mini.ipynb")


def test_an_edition_in_a_language_no_notebook_wrote_is_refused(tmp_path):
    from brief.engines.languages import select_in_folder

    folder = make_build(tmp_path / "build") / "notebooks"
    with pytest.raises(AssemblyError, match="carry no 'ko' text"):
        select_in_folder(folder, "ko", "en")


def test_the_document_of_another_language_sits_beside_the_default_one(tmp_path):
    from brief.engines.languages import document_for

    (tmp_path / "brief.qmd").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    assert document_for(tmp_path / "brief.qmd", "en", "en") == tmp_path / "brief.qmd"
    with pytest.raises(AssemblyError, match=r"brief\.ko\.qmd"):
        document_for(tmp_path / "brief.qmd", "ko", "en")
    (tmp_path / "brief.ko.qmd").write_text("---\nlang: ko\n---\n", encoding="utf-8")
    assert document_for(tmp_path / "brief.qmd", "ko", "en") == tmp_path / "brief.ko.qmd"


def test_the_notebooks_document_metadata_reaches_the_page(tmp_path):
    nb = _fixture_notebook()
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    cell.setdefault("outputs", []).append(
        {
            "output_type": "display_data",
            "data": {"application/vnd.brief.metadata+json": {"title": "계산된 제목"}},
            "metadata": {},
        }
    )
    where = make_build(tmp_path / "build")
    (where / NOTEBOOK).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    done = assemble(where, engine="builtin", metadata=META, timestamp=WHEN, fonts_dir=FONTS)
    assert "<title>계산된 제목" in done.html.read_text(encoding="utf-8")


def test_a_korean_document_gets_quartos_korean_crossref_words(tmp_path):
    qmd = (FIXTURE / "brief.qmd").read_text(encoding="utf-8")
    qmd = qmd.replace('title: "Mini brief"', 'title: "Mini brief"\nlang: ko', 1)
    done = build(tmp_path / "ko", qmd=qmd)
    page = done.html.read_text(encoding="utf-8")
    assert "그림 1" in page and "표 1" in page and "섹션 " in page
    assert "Figure 1" not in page
    text = " ".join(p.extract_text() for p in PdfReader(done.pdf).pages)
    assert "그림 1" in text and "Figure 1" not in text


def test_the_twin_is_the_models_one_other_language():
    from typing import Literal

    from pydantic import BaseModel

    from brief.engines.languages import language_choices, language_name, twin_language

    class Two(BaseModel):
        lang: Literal["en", "ko"] = "en"

    class Three(BaseModel):
        lang: Literal["en", "ko", "ja"] = "en"
        free: str = "x"

    assert language_choices(Two, "lang") == ("en", "ko")
    assert twin_language("en", ("en", "ko")) == "ko" and twin_language("ko", ("en", "ko")) == "en"
    assert twin_language("en", language_choices(Three, "lang")) is None  # which one is unsaid
    assert language_choices(Three, "free") == () and language_choices(Three, "none") == ()
    assert twin_language("fr", ("en", "ko")) is None
    assert (language_name("ko"), language_name("en"), language_name("xx")) == (
        "한국어",
        "English",
        "xx",
    )


def test_a_variant_chart_is_drawn_for_the_pdf_measured_in_the_projects_fonts(tmp_path):
    """The Korean variant's static SVG is drawn at assembly; vl-convert measures its text in
    the project's fonts, so a Hangul legend label ends before the next entry's symbol."""
    from analysis.charts import text_width
    from brief.engines.languages import select_in_folder

    project = tmp_path / "project"
    (project / "assets").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(FONTS, project / "assets" / "fonts")
    folder = make_build(project / ".brief" / "build" / "b") / "notebooks"
    labels = ["정상회담", "조약 절차", "군사 협력"]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": [{"k": k, "x": i} for i, k in enumerate(labels)]},
        "mark": "point",
        "encoding": {
            "x": {"field": "x", "type": "quantitative"},
            "shape": {"field": "k", "type": "nominal", "sort": labels},
        },
        "config": {
            "font": "Liberation Sans, NanumGothic",
            "legend": {"orient": "bottom", "labelFontSize": 11, "columnPadding": 10},
        },
    }
    path = next(folder.glob("*.ipynb"))
    nb = _with_variants(
        json.loads(path.read_text(encoding="utf-8")),
        {"ko": {"data": {"application/vnd.vegalite.v6+json": spec}, "metadata": {}}},
    )
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert select_in_folder(folder, "ko", "en") == 1
    svg = next(
        o["data"]["image/svg+xml"]
        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
        for o in c.get("outputs", [])
        if "image/svg+xml" in o.get("data", {})
    )
    legend = svg[svg.index("role-legend") :]
    entry = r'<g transform="translate\(([\d.]+),[\d.]+\)"><path class="background"[^>]*/><g>'
    entries = [float(x) for x in re.findall(entry + r'<g class="mark-symbol', legend)]
    label = r'role-legend-label"[^>]*><text[^>]*transform="translate\(([\d.]+),'
    offsets = [float(x) for x in re.findall(label, legend)]
    assert len(entries) == len(labels) == len(offsets), legend[:600]
    for i in range(len(labels) - 1):
        assert entries[i] + offsets[i] + text_width(labels[i], 11) <= entries[i + 1], legend[:600]


# ------------------------------------------------------------------ the shipped Vega bundle


def test_the_shipped_vega_bundle_is_the_locked_vl_converts_own():
    import gzip
    from importlib.metadata import version

    import vl_convert as vlc

    from brief.engines import builtin

    path = builtin.shipped_bundle_path(version("vl-convert-python"))
    assert path.is_file(), (
        f"no {path.name} for the installed vl-convert: run `bash tasks.sh vega-bundle`"
    )
    shipped = gzip.decompress(path.read_bytes()).decode("utf-8")
    assert shipped == vlc.javascript_bundle(), (
        f"{path.name} is stale: run `bash tasks.sh vega-bundle`"
    )
    assert [p.name for p in path.parent.glob("vega-bundle-*.js.gz")] == [path.name]
    assert builtin.vega_bundle() == shipped


def test_a_damaged_shipped_bundle_is_not_used(tmp_path, monkeypatch, capsys):
    import gzip

    from brief.engines import builtin

    damaged = tmp_path / "vega-bundle-0.js.gz"
    damaged.write_bytes(builtin.shipped_bundle_path("x").parent.joinpath("brief.css").read_bytes())
    monkeypatch.setattr(builtin, "shipped_bundle_path", lambda version: damaged)
    assert builtin._shipped_bundle("0") is None
    assert f"{damaged} is damaged" in capsys.readouterr().err
    damaged.write_bytes(gzip.compress(b"/* a bundle */"))
    assert builtin._shipped_bundle("0") == "/* a bundle */"
    monkeypatch.setenv(builtin.SHIPPED_BUNDLE_ENV, "0")  # turned off: never read
    assert builtin._shipped_bundle("0") is None
