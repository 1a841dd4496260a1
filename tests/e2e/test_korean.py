"""The Korean edition beside the English one (issue 17), on real renders.

Each seed date is rendered in English, then in Korean; the Korean twin must execute no
notebook (every computation is shared: only the text differs), state the same facts and
the same assessment in Korean, draw its charts with the embedded Korean font in Chromium,
and embed that font in the PDF. A contract test keeps brief.qmd and brief.ko.qmd in step.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from analysis import text
from brief import protocol
from tests.support import browser
from tests.support.cli import REPO, brief, executed_notebooks, last_line

SEEDS = ("2024-10-21", "2025-04-08", "2026-01-25")
HANGUL = re.compile("[가-힣]")
KOREAN_FONT = "NanumGothic"


# --- the two documents stay in step (no render) ------------------------------------------

_IDS = re.compile(r"\{#((?:sec|fig|tbl)-[\w-]+)")
_INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")


def _skeleton(path: Path) -> dict[str, list]:
    source = path.read_text(encoding="utf-8")
    return {
        "ids": _IDS.findall(source),
        "embeds": protocol.embeds(source),
        "includes": _INCLUDE.findall(source),
        "refs": ["#refs" in source],
    }


def test_the_korean_document_has_the_english_ones_ids_embeds_and_includes():
    english, korean = _skeleton(REPO / "brief.qmd"), _skeleton(REPO / "brief.ko.qmd")
    for part in english:
        assert korean[part] == english[part], f"brief.ko.qmd differs from brief.qmd in {part}"


def test_the_korean_document_declares_its_language():
    front = (REPO / "brief.ko.qmd").read_text(encoding="utf-8").split("\n---", 1)[0]
    assert re.search(r"^lang:\s*ko\s*$", front, flags=re.M)


# --- renders -------------------------------------------------------------------------------


@dataclass
class Twins:
    as_of: str
    english: Path
    korean: Path
    korean_log: str  # what the Korean render said (--explain)


@pytest.fixture(scope="module", params=SEEDS)
def twins(request, editions) -> Twins:
    as_of = request.param
    english = editions.render(f"as_of={as_of}")
    done = brief(
        editions.project,
        "render",
        "--engine",
        "builtin",
        "--explain",
        "-p",
        f"as_of={as_of}",
        "-p",
        "lang=ko",
    )
    assert done.returncode == 0, done.stderr
    return Twins(as_of, english, Path(last_line(done.stdout)), done.stderr)


def test_the_korean_twin_renders_under_its_own_name(twins):
    assert twins.korean.name == f"{twins.as_of}_lang-ko"
    for name in ("brief.html", "brief.pdf", "facts.json", "manifest.json"):
        assert (twins.korean / name).is_file(), name
    manifest = json.loads((twins.korean / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["params"]["lang"] == "ko"


def test_the_korean_twin_executes_no_notebook(twins):
    assert executed_notebooks(twins.korean_log) == [], twins.korean_log
    reused = re.findall(r": (\S+\.ipynb): reused \(cache hit\)", twins.korean_log)
    assert len(reused) == len(list((REPO / "notebooks").glob("*.ipynb"))), twins.korean_log


def test_the_twins_state_identical_facts(twins):
    english = (twins.english / "facts.json").read_bytes()
    assert (twins.korean / "facts.json").read_bytes() == english


def _body_text(page: str) -> str:
    """The page's reading text: no scripts, styles, references, citations or colophon."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = page.split('id="refs"')[0]  # the references, then the colophon, close the page
    page = re.sub(r'<span class="citation".*?</span>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _korean_page(twins: Twins) -> str:
    return (twins.korean / "brief.html").read_text(encoding="utf-8")


def test_the_assessment_is_the_english_one_stated_in_korean(twins):
    facts = json.loads((twins.korean / "facts.json").read_text(encoding="utf-8"))
    state = facts["assessment"]["state"]
    body = _body_text(_korean_page(twins))
    with text.language("ko"):
        korean = {text.say(f"assessment.phrase.{k}") for k in ("warming", "cooling", "steady")}
        korean |= {text.say("assessment.phrase.steady_friction")}
        said = {p for p in korean if p in body}
        assert said, "the Korean bottom line states no state phrase"
        wanted = {text.say(f"assessment.phrase.{state}")}
        if state == "steady":
            wanted.add(text.say("assessment.phrase.steady_friction"))
        assert said & wanted, (state, said)
        groups = [state] + (["steady_friction"] if state == "steady" else [])
        direction = facts["assessment"]["direction"]
        titles = {text.say(f"assessment.title.{g}.{direction}") for g in groups}
    heading = re.search(r'<h1 class="title">(.*?)</h1>', _korean_page(twins), flags=re.S)
    assert heading and html.unescape(heading.group(1)).strip() in titles, (heading, titles)


def _english_fragments() -> set[str]:
    """Word runs of four or more from the English templates (between their fields)."""
    found = set()
    for entry in text.catalogue_keys("en").values():
        for form in entry.values() if isinstance(entry, dict) else [entry]:
            for chunk in re.split(r"\{[^}]*\}", form):
                words = re.findall(r"[A-Za-z’'-]+", chunk)
                if len(words) >= 4:
                    found.add(" ".join(words))
    return found


def test_no_english_catalogue_sentence_appears(twins):
    body = " ".join(re.findall(r"[A-Za-z’'-]+", _body_text(_korean_page(twins))))
    leaked = sorted(f for f in _english_fragments() if f in body)
    assert not leaked, f"English catalogue text in the Korean edition: {leaked[:10]}"


def test_most_letters_outside_references_and_names_are_hangul(twins):
    body = _body_text(_korean_page(twins))
    # Proper names and codes in Latin script (Kim Jong Un, GACC, KOTRA) are not counted.
    body = re.sub(r"\b[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*", " ", body)
    letters = [c for c in body if c.isalpha()]
    share = sum(1 for c in letters if HANGUL.match(c)) / max(1, len(letters))
    assert share >= 0.8, f"only {share:.0%} of the letters are Hangul"


def test_the_pdf_embeds_the_korean_font(twins):
    if shutil.which("pdffonts") is None:
        pytest.fail("pdffonts is required (apt-get install poppler-utils)")
    out = subprocess.run(
        ["pdffonts", str(twins.korean / "brief.pdf")], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in out.splitlines()[2:] if KOREAN_FONT in line]
    assert rows, out
    assert all(row[-5] == "yes" for row in rows), out  # emb


def test_the_pdf_uses_korean_crossref_words(twins):
    from pypdf import PdfReader

    words = " ".join(page.extract_text() for page in PdfReader(twins.korean / "brief.pdf").pages)
    assert re.search(r"그림\s*1", words) and re.search(r"표\s*1", words)
    assert "Figure 1" not in words


PROBE = """
<script>
window.addEventListener("load", function () {
  document.fonts.ready.then(function () {
    setTimeout(function () {
      var charts = Array.from(document.querySelectorAll(".vega-chart"));
      var texts = Array.from(document.querySelectorAll(".vega-chart svg text"))
        .filter(function (t) { return /[\\uac00-\\ud7a3]/.test(t.textContent); });
      var sample = texts.length ? texts[0].textContent.match(/[\\uac00-\\ud7a3]+/)[0] : "";
      var faces = {};
      document.fonts.forEach(function (f) { faces[f.family.replace(/"/g, "")] = f.status; });
      document.getElementById("brief-probe").textContent = JSON.stringify({
        charts: charts.length,
        drawn: charts.filter(function (c) {
          var svg = c.querySelector("svg");
          return svg && svg.querySelectorAll("path, rect, text").length > 10;
        }).length,
        withHangul: charts.filter(function (c) {
          return /[\\uac00-\\ud7a3]/.test(c.textContent);
        }).length,
        families: Array.from(new Set(texts.map(function (t) {
          return getComputedStyle(t).fontFamily; }))),
        check: sample ? document.fonts.check('12px "NanumGothic"', sample) : false,
        faces: faces
      });
    }, 800);
  });
});
</script>
"""


def _probe(page: str, probe_id: str, script: str, tmp_path: Path) -> tuple[dict, Any]:
    """Load `page` in headless Chromium with `script` appended: what the script wrote into
    the `<pre id=probe_id>` it adds (as JSON), and the load's result."""
    head, found, tail = page.rpartition("</body>")
    assert found
    probe_page = tmp_path / f"{probe_id}.html"
    probe_page.write_text(
        head + f'<pre id="{probe_id}"></pre>' + script + "</body>" + tail, encoding="utf-8"
    )
    result = browser.load(probe_page, budget_ms=20000)
    measured = re.search(rf'<pre id="{probe_id}">(.*?)</pre>', result.dom, flags=re.S)
    assert measured and measured.group(1).strip(), result.console[-5:]
    return json.loads(html.unescape(measured.group(1))), result


def test_chromium_draws_every_chart_in_korean_with_the_embedded_font(twins, tmp_path):
    seen, result = _probe(_korean_page(twins), "brief-probe", PROBE, tmp_path)
    assert seen["charts"] >= 6 and seen["drawn"] == seen["charts"], seen
    assert seen["withHangul"] == seen["charts"], seen  # Korean titles, axes, legends
    assert all(KOREAN_FONT in family for family in seen["families"]), seen["families"]
    assert seen["faces"].get(KOREAN_FONT) == "loaded", seen["faces"]
    assert seen["check"] is True
    assert result.page_requests == []  # the font is inside the page, offline


LAYOUT = """
<script>
window.addEventListener("load", function () {
  document.fonts.ready.then(function () {
    setTimeout(function () {
      function box(el) { return el.getBoundingClientRect(); }
      function meets(a, b) {
        return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
          Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
      }
      var clipped = [], overlaps = [], charts = 0;
      document.querySelectorAll(".vega-chart svg").forEach(function (svg) {
        charts += 1;
        var frame = box(svg);
        svg.querySelectorAll("text").forEach(function (t) {
          var r = box(t);
          if (t.textContent.trim() && (r.left < frame.left - 1 || r.right > frame.right + 1)) {
            clipped.push(t.textContent);
          }
        });
        svg.querySelectorAll(".role-legend").forEach(function (legend) {
          var symbols = Array.from(legend.querySelectorAll(".role-legend-symbol path"));
          legend.querySelectorAll(".role-legend-label text").forEach(function (label) {
            symbols.forEach(function (symbol) {
              if (meets(box(label), box(symbol))) { overlaps.push(label.textContent); }
            });
          });
        });
      });
      document.getElementById("brief-layout").textContent = JSON.stringify({
        charts: charts, clipped: clipped, overlaps: overlaps
      });
    }, 800);
  });
});
</script>
"""


@pytest.mark.parametrize("which", ["english", "korean"])
def test_chromium_draws_no_chart_text_clipped_or_over_a_legend_symbol(twins, which, tmp_path):
    """Lane names, titles, axis and legend labels lie inside their chart, and no legend
    label runs into the next entry's symbol, in either language (label widths are measured
    in the font they are drawn in)."""
    page = (getattr(twins, which) / "brief.html").read_text(encoding="utf-8")
    seen, _ = _probe(page, "brief-layout", LAYOUT, tmp_path)
    assert seen["charts"] >= 6, seen
    assert seen["clipped"] == [], seen
    assert seen["overlaps"] == [], seen


def test_each_edition_links_to_its_twin(twins):
    """The edition line links the twin's page by its name (derived from the parameters),
    beside this one: ../<twin>/brief.html from the page, ../<twin>/brief.pdf from the PDF."""
    from pypdf import PdfReader

    korean = f"{twins.as_of}_lang-ko"
    for folder, twin, lang, name in (
        (twins.english, korean, "ko", "한국어"),
        (twins.korean, twins.as_of, "en", "English"),
    ):
        page = (folder / "brief.html").read_text(encoding="utf-8")
        line = re.search(r'<p class="brief-edition-line">(.*?)</p>', page, flags=re.S).group(1)
        link = f'<a class="brief-twin" href="../{twin}/brief.html" hreflang="{lang}" lang="{lang}">'
        assert f"{link}{name}</a>" in line, line
        first = PdfReader(folder / "brief.pdf").pages[0]
        uris = [a.get_object().get("/A", {}).get("/URI") for a in first.get("/Annots") or []]
        assert f"../{twin}/brief.pdf" in uris, uris


# --- the archive pairs the twins; What changed stays within a language ---------------------


@pytest.fixture(scope="module")
def published(editions, tmp_path_factory) -> Path:
    """A second project copy (sharing the first one's notebook cache, so nothing runs
    again) with official editions in both languages at two seed dates."""
    from tests.support.cli import copy_project

    project = copy_project(REPO, tmp_path_factory.mktemp("published") / "project")
    shutil.copytree(editions.project / ".brief" / "cache", project / ".brief" / "cache")
    for as_of in ("2025-04-08", "2026-01-25"):
        for lang in ("en", "ko"):
            done = brief(
                project,
                "publish",
                "--engine",
                "builtin",
                "-p",
                f"as_of={as_of}",
                "-p",
                f"lang={lang}",
            )
            assert done.returncode == 0, done.stderr
    return project


def test_the_archive_lists_both_languages_and_links_each_edition_to_its_twin(published):
    page = (published / "output" / "index.html").read_text(encoding="utf-8")
    names = re.findall(r'data-edition="([^"]+)"', page)
    assert sorted(names) == sorted(
        ["2025-04-08", "2025-04-08_lang-ko", "2026-01-25", "2026-01-25_lang-ko"]
    )
    # Twins sit side by side (same as-of date), each card linking to the other language.
    assert abs(names.index("2026-01-25") - names.index("2026-01-25_lang-ko")) == 1
    for name in names:
        card = page.split(f'data-edition="{name}"', 1)[1].split("</li>", 1)[0]
        twin = name.removesuffix("_lang-ko") if name.endswith("_lang-ko") else name + "_lang-ko"
        assert f'href="{twin}/brief.html"' in card, (name, card[-400:])


def test_what_changed_compares_editions_in_the_same_language(published):
    for name, previous in (
        ("2026-01-25_lang-ko", "2025-04-08_lang-ko"),
        ("2026-01-25", "2025-04-08"),
    ):
        manifest = json.loads((published / "output" / name / "manifest.json").read_text("utf-8"))
        assert manifest["previous"]["edition"] == previous, manifest["previous"]
    done = brief(published, "diff", "2025-04-08_lang-ko", "2026-01-25_lang-ko", "--json")
    assert done.returncode == 0, done.stderr
    diff = json.loads(done.stdout)
    assert "lang" not in json.dumps(diff.get("params", [])), diff.get("params")


def test_a_matrix_of_both_languages_executes_each_notebook_once(editions, tmp_path):
    """Twins in one run: the Korean edition shares every execution with the English one."""
    matrix = tmp_path / "twins.yaml"
    matrix.write_text("- {as_of: 2025-09-10}\n- {as_of: 2025-09-10, lang: ko}\n", encoding="utf-8")
    done = brief(
        editions.project, "render", "--engine", "builtin", "--explain", "--matrix", str(matrix)
    )
    assert done.returncode == 0, done.stderr
    notebooks = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    english = re.findall(r"2025-09-10: (\S+\.ipynb): execute", done.stderr)
    korean = re.findall(r"2025-09-10_lang-ko: (\S+\.ipynb): (\w+)", done.stderr)
    assert sorted(english) == notebooks, done.stderr
    assert korean and all(how != "execute" for _, how in korean), korean
    assert re.search(rf"executing {len(notebooks)} notebook", done.stderr), done.stderr


def test_the_twin_link_goes_to_the_twins_newest_official_revision(tmp_path):
    """Publishing a Korean edition after an English correction links it to the correction
    (an old revision stays on disk, immutable, but is not what a reader should reach); a
    draft links to the twin's draft. The twin's name is in the identity either way."""
    from brief.editions import Catalogue
    from brief.project import load_project
    from brief.render import EditionRequest, Renderer
    from tests.support.cli import copy_project
    from tests.support.editions import make_edition, write_official

    project = load_project(copy_project(REPO, tmp_path / "project"))
    out = project.root / "output"
    for name, erratum in (("2025-04-08", None), ("2025-04-08.r2", "A figure was wrong.")):
        make_edition(out, name, as_of="2025-04-08", params={"lang": "en"}, erratum=erratum)
    write_official(out, ["2025-04-08", "2025-04-08.r2"])
    request = [EditionRequest({"as_of": "2025-04-08", "lang": "ko"})]
    for official, twin in ((True, "2025-04-08.r2"), (False, "2025-04-08")):
        renderer = Renderer(project, output_dir=out, official=official)
        renderer.catalogue = Catalogue(out, project.date_key)
        (plan,) = renderer.plan(request)
        assert plan.name == "2025-04-08_lang-ko"
        assert plan.identity["twin"] == twin
