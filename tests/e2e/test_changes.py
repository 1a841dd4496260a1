"""The rendered "What changed since the previous edition": the subject's prose, in the
edition's language, compared with the official edition its manifest names as previous."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analysis.text import catalogue_keys
from tests.e2e.test_brief import text_of

pytestmark = pytest.mark.slow


def changes_section(edition: Path) -> str:
    page = (edition / "brief.html").read_text(encoding="utf-8")
    start = page.index('<h1 id="sec-changes"')
    end = page.find("<h1 ", start + 1)  # the next section of the same level
    return text_of(page[page.index(">", start) + 1 : end if end > 0 else None])


def previous_facts(edition: Path) -> dict:
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    previous = manifest["previous"]["edition"]
    folder = edition.parents[1] if edition.parent.name == "drafts" else edition.parent
    return json.loads((folder / previous / "facts.json").read_text(encoding="utf-8"))


def test_the_section_is_prose_computed_from_both_editions(editions):
    edition = editions.render("as_of=2026-01-25")
    text = changes_section(edition)
    old = previous_facts(edition).get("assessment")
    if old:  # the previous official edition made an assessment: the section says how it moved
        assert re.search(r"The assessment (has moved from|still reads)", text), text[:400]
    else:
        assert "made no assessment of its own" in text
    assert "watch list" in text
    for machine in ("no_movement", "→", "data/", "Parameters", "Stated facts", "Build:"):
        assert machine not in text, machine
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text.replace("What changed", "")), text


def test_the_korean_twin_words_it_in_korean(editions):
    text = changes_section(editions.render("as_of=2026-01-25", "lang=ko"))
    letters = [c for c in text if c.isalpha()]
    assert sum("가" <= c <= "힣" for c in letters) / len(letters) > 0.8, text[:400]
    english = [t for k, t in catalogue_keys("en").items() if k.startswith("changes.")]
    for template in english:
        for form in template.values() if isinstance(template, dict) else [template]:
            fixed = max(re.split(r"\{[^}]*\}", form), key=len).strip(" .;,“”")
            assert len(fixed) < 12 or fixed not in text, fixed
