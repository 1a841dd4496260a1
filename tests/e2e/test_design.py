"""The brief as a reader sees it: the first page, the PDF's pages, the page on a phone.

Real renders (the session's `editions` fixture), real PDF text, fonts and page images
(pypdf, pdffonts, pdftoppm), and the real page in headless Chromium with the network
blocked (tests/support/browser.py) at a 390 × 844 phone viewport.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.support import browser

pytestmark = pytest.mark.slow

AS_OF = "2026-01-25"  # the Jan 2026 seed edition: a partial year, Korean sources, the treaty
PHONE = (390, 844)
BLANK_LIMIT = 1 / 3
MAX_PAGE_BYTES = 1_500_000
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def edition(editions) -> Path:
    return editions.render(f"as_of={AS_OF}")


QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def fold(text: str) -> str:
    """Whitespace folded, typographic quotes made plain (pandoc's smart quotes)."""
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip()


def pdf_pages(edition: Path) -> list[str]:
    return [fold(page.extract_text() or "") for page in PdfReader(edition / "brief.pdf").pages]


def embedded_markdown(edition: Path, notebook: str, label: str) -> str:
    """The Markdown a labelled cell of an executed notebook hands the brief."""
    nb = json.loads((edition / "notebooks" / notebook).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell.get("source", ""))
        if re.match(
            rf"#\|\s*label:\s*{re.escape(label)}\s*$", source.splitlines()[0] if source else ""
        ):
            parts = []
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown")
                if md:
                    parts.append("".join(md) if isinstance(md, list) else md)
            return "\n".join(parts)
    raise AssertionError(f"{notebook} has no cell labelled {label}")


def plain(markdown: str) -> str:
    """What a Markdown sentence reads as on the page: no citations, escapes or markup."""
    text = re.sub(r"\s*\[[^\]]*@[^\]]*\]", "", markdown)
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    return fold(text)


def summary(edition: Path) -> tuple[str, list[str]]:
    bottom = plain(embedded_markdown(edition, "01_key_judgements.ipynb", "summary-bottom-line"))
    points = embedded_markdown(edition, "01_key_judgements.ipynb", "summary-points")
    items = [plain(p) for p in re.split(r"^\s*[-*]\s+", points, flags=re.M) if p.strip()]
    return bottom, items


def opening(text: str, words: int = 9) -> str:
    """The first words of a sentence: enough to find it, short of any line-end quirk."""
    return " ".join(text.split()[:words])


# --- the PDF -----------------------------------------------------------------------------


def test_the_first_pdf_page_carries_the_title_edition_line_bottom_line_and_key_points(edition):
    first = pdf_pages(edition)[0]
    bottom, points = summary(edition)
    assert bottom and 3 <= len(points) <= 5, points
    assert opening(bottom) in first
    for point in points:
        assert opening(point) in first, point
    assert AS_OF in first and "built" in first
    facts = json.loads((edition / "facts.json").read_text(encoding="utf-8"))
    label = facts.get("assessment", {}).get("label")
    if label:
        assert opening(plain(label), 6) in first or opening(bottom) in first
    # The lead figure is on the first page too, after the summary.
    assert "Figure 1" in first and first.index("Figure 1") > first.index(opening(bottom))


def test_every_pdf_font_is_embedded(edition):
    out = subprocess.run(
        ["pdffonts", str(edition / "brief.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = [line for line in out[2:] if line.strip()]
    assert rows, out
    for row in rows:
        # name type encoding emb sub uni object-id: 'emb' is the 4th field from the end.
        assert row.split()[-5] == "yes", f"font not embedded: {row}"


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    fields = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert fields, path
    width, height = int(fields.group(1)), int(fields.group(2))
    return width, height, data[fields.end() :]


def blank_fraction(path: Path, top: float, bottom: float, min_run: int) -> float:
    """The share of the page's text area (between `top` and `bottom`, as fractions of the
    height) in runs of at least `min_run` all-white rows."""
    width, height, pixels = read_pgm(path)
    lo, hi = int(height * top), int(height * bottom)
    blank = run = 0
    for y in range(lo, hi):
        row = pixels[y * width : (y + 1) * width]
        if min(row) >= 240:
            run += 1
            continue
        blank += run if run >= min_run else 0
        run = 0
    blank += run if run >= min_run else 0
    return blank / (hi - lo)


def section_ends(edition: Path) -> set[int]:
    """Pages (0-based) that end a section: the last page, the first page when the contents
    start on the next, and every page followed by one that opens with a top-level heading."""
    reader = PdfReader(edition / "brief.pdf")
    ends = {len(reader.pages) - 1}
    height = float(reader.pages[0].mediabox.height)
    for item in reader.outline:
        if isinstance(item, list):
            continue  # a nested (level-2+) entry
        page = reader.get_destination_page_number(item)
        if page > 0 and float(item.top or 0) > height * 0.8:
            ends.add(page - 1)
    texts = pdf_pages(edition)
    if len(texts) > 1 and "Contents" in texts[1][:400]:
        ends.add(0)
    return ends


def test_no_pdf_page_but_a_sections_last_is_more_than_a_third_blank(edition, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is required (apt-get install poppler-utils)")
    subprocess.run(
        ["pdftoppm", "-r", "24", "-gray", str(edition / "brief.pdf"), str(tmp_path / "p")],
        check=True,
    )
    pages = sorted(tmp_path.glob("p-*.pgm"))
    assert len(pages) == len(pdf_pages(edition))
    exempt = section_ends(edition)
    # The text area: inside the 2.4 cm top and bottom margins of A4 (29.7 cm).
    top, bottom = 2.4 / 29.7, 1 - 2.4 / 29.7
    too_blank = {
        i + 1: round(f, 2)
        for i, page in enumerate(pages)
        if i not in exempt and (f := blank_fraction(page, top, bottom, min_run=6)) > BLANK_LIMIT
    }
    assert too_blank == {}, f"pages more than a third blank (page: share): {too_blank}"


def test_the_colophons_digests_appear_only_after_the_references_heading(edition):
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    digests = [d[:16] for d in manifest["data"].values()]
    reader = PdfReader(edition / "brief.pdf")
    refs = [
        reader.get_destination_page_number(item)
        for item in reader.outline
        if not isinstance(item, list) and item.title.strip().endswith("References")
    ]
    assert refs, "the PDF has no References heading in its outline"
    texts = pdf_pages(edition)
    before = " ".join(texts[: refs[0]])
    on_page = texts[refs[0]]
    heading_at = on_page.find("References")
    assert heading_at >= 0
    found = 0
    for digest in digests:
        assert digest not in before, f"digest {digest} is printed before the References"
        assert digest not in on_page[:heading_at], f"digest {digest} comes before the References"
        found += " ".join(texts[refs[0] :]).count(digest)
    assert found >= len(digests), "the colophon's digests are missing after the References"


# --- the HTML page in Chromium -------------------------------------------------------------

PROBE = """
<script>
window.addEventListener("load", function () {
  document.fonts.ready.then(function () {
    setTimeout(function () {
      var korean = Array.from(document.querySelectorAll("#refs .csl-entry, #refs *"))
        .filter(function (el) { return /[\\uac00-\\ud7a3]/.test(el.textContent); });
      var sample = korean.length ? korean[0].textContent.match(/[\\uac00-\\ud7a3]+/)[0] : "";
      var faces = [];
      document.fonts.forEach(function (f) { faces.push({family: f.family, status: f.status}); });
      function top(sel) { var el = document.querySelector(sel);
        return el ? el.getBoundingClientRect().top + window.scrollY : null; }
      var charts = Array.from(document.querySelectorAll(".vega-chart"));
      var out = (window.parent !== window ? window.parent.document : document);
      out.getElementById("brief-probe").textContent = JSON.stringify({
        scrollWidth: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        charts: charts.length,
        drawn: charts.filter(function (c) {
          var svg = c.querySelector("svg");
          return svg && svg.querySelectorAll("path, rect, text").length > 10;
        }).length,
        korean: korean.length,
        koreanFamily: korean.length ? getComputedStyle(korean[0]).fontFamily : "",
        koreanCheck: sample ? document.fonts.check('16px "NanumGothic"', sample) : false,
        faces: faces,
        order: {title: top("#title-block-header .title"), summary: top(".brief-summary"),
                lead: top(".brief-summary + figure"), toc: top("nav#TOC")},
        tocPosition: getComputedStyle(document.querySelector("nav#TOC") || document.body).position
      });
    }, 800);
  });
});
</script>
"""


def probe(edition: Path, tmp_path: Path, viewport: tuple[int, int]) -> dict:
    """Open the page, with a probe script appended, in an iframe of exactly `viewport`
    pixels (headless Chromium will not make its window narrower than 500 px), and read
    what the probe measured. The iframe is `srcdoc`, so it shares the wrapper's origin and
    the probe can hand its results to the wrapper's DOM."""
    import html

    page = (edition / "brief.html").read_text(encoding="utf-8")
    head, found, tail = page.rpartition("</body>")  # the last one: the Vega bundle has others
    assert found
    inner = head + PROBE + "</body>" + tail
    width, height = viewport
    wrapper = (
        '<!DOCTYPE html><html><body style="margin:0">'
        '<pre id="brief-probe"></pre>'
        f'<iframe width="{width}" height="{height}" style="border:0;display:block" '
        f'srcdoc="{html.escape(inner, quote=True)}"></iframe></body></html>'
    )
    copy = tmp_path / f"probe-{width}.html"
    copy.write_text(wrapper, encoding="utf-8")
    window = (max(width, 500) + 40, height + 200)
    result = browser.load(copy, budget_ms=20000, window=window)
    found_probe = re.search(r'<pre id="brief-probe">(.*?)</pre>', result.dom, flags=re.S)
    assert found_probe and found_probe.group(1).strip(), (
        f"the probe did not run: {result.console[-5:]}"
    )
    measured = json.loads(html.unescape(found_probe.group(1)))
    measured["page_requests"] = result.page_requests
    return measured


@pytest.fixture(scope="module")
def phone(edition, tmp_path_factory) -> dict:
    return probe(edition, tmp_path_factory.mktemp("phone"), PHONE)


def test_the_page_does_not_scroll_sideways_on_a_phone(phone):
    assert phone["viewport"] == PHONE[0]
    assert phone["scrollWidth"] <= phone["viewport"], phone["scrollWidth"]
    assert phone["page_requests"] == []


def test_every_chart_draws_on_a_phone(phone):
    assert phone["charts"] >= 6
    assert phone["drawn"] == phone["charts"]


def test_the_phone_page_keeps_the_first_page_order(phone):
    order = phone["order"]
    assert None not in order.values(), order
    assert order["title"] < order["summary"] < order["lead"] < order["toc"], order


def test_korean_text_is_drawn_with_the_embedded_korean_font(edition, phone):
    page = (edition / "brief.html").read_text(encoding="utf-8")
    assert HANGUL.search(page), "this edition cites no Korean source: nothing to check"
    faces = {f["family"].strip('"'): f["status"] for f in phone["faces"]}
    assert faces.get("NanumGothic") == "loaded", faces  # loaded = used to draw text
    assert phone["korean"] > 0 and "NanumGothic" in phone["koreanFamily"]
    assert phone["koreanCheck"] is True
    assert "data:font/woff2;base64," in page


def test_the_page_is_self_contained_and_small(edition):
    size = (edition / "brief.html").stat().st_size
    assert size < MAX_PAGE_BYTES, f"brief.html is {size:,} bytes"
    page = (edition / "brief.html").read_text(encoding="utf-8")
    assert "@media print" in page


def test_at_wide_screens_the_contents_stay_in_view(edition, tmp_path):
    wide = probe(edition, tmp_path, (1400, 900))
    assert wide["tocPosition"] == "sticky"
    assert wide["scrollWidth"] <= wide["viewport"]


def chart_specs(page: str) -> list[tuple[str, dict]]:
    """(chart id, Vega-Lite spec) of every vegaEmbed call in the page."""
    decoder = json.JSONDecoder()
    specs = []
    for found in re.finditer(r'vegaEmbed\("#([^"]+)", ', page):
        spec, _ = decoder.raw_decode(page, found.end())
        specs.append((found.group(1), spec))
    return specs


def test_every_chart_spec_has_a_description_equal_to_its_alt_text(edition):
    import html

    page = (edition / "brief.html").read_text(encoding="utf-8")
    specs = chart_specs(page)
    assert len(specs) >= 6
    frames = dict(
        (cid, html.unescape(alt))
        for alt, cid in re.findall(
            r'<div class="vega-chart-frame" role="img" aria-label="([^"]*)">'
            r'<div class="vega-chart" id="([^"]+)">',
            page,
        )
    )
    for cid, spec in specs:
        assert spec.get("description", "").strip(), f"{cid} has no description"
        assert spec["description"] == frames[cid], cid
