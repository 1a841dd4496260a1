"""The rendered "What changed since the previous edition": the subject's prose, in the
edition's language, compared with the official edition its manifest names as previous."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from analysis.text import catalogue_keys
from tests.e2e.test_brief import text_of
from tests.support.cli import REPO, brief, copy_project, last_line

BUILTIN = ("--engine", "builtin")

pytestmark = pytest.mark.slow


def changes_section(edition: Path) -> str:
    page = (edition / "brief.html").read_text(encoding="utf-8")
    start = page.index('<h1 id="sec-changes"')
    end = page.find("<h1 ", start + 1)  # the next section of the same level
    return text_of(page[page.index(">", start) + 1 : end if end > 0 else None])


@pytest.fixture(scope="module")
def compared(editions, tmp_path_factory) -> dict[str, Path]:
    """Drafts as of 2026-01-25 in both languages, in a project copy (sharing the session's
    notebook cache) where the 2025-04-08 editions are official: their previous edition."""
    project = copy_project(REPO, tmp_path_factory.mktemp("changes") / "project")
    shutil.copytree(editions.project / ".brief" / "cache", project / ".brief" / "cache")
    drafts = {}
    for lang in ("en", "ko"):
        done = brief(project, "publish", *BUILTIN, "-p", "as_of=2025-04-08", "-p", f"lang={lang}")
        assert done.returncode == 0, done.stderr
        done = brief(project, "render", *BUILTIN, "-p", "as_of=2026-01-25", "-p", f"lang={lang}")
        assert done.returncode == 0, done.stderr
        drafts[lang] = Path(last_line(done.stdout))
    return drafts


def previous_facts(edition: Path) -> dict:
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    previous = manifest["previous"]["edition"]
    return json.loads((edition.parents[1] / previous / "facts.json").read_text(encoding="utf-8"))


def test_the_section_is_prose_computed_from_both_editions(compared):
    edition = compared["en"]
    text = changes_section(edition)
    old = previous_facts(edition)["assessment"]
    new = json.loads((edition / "facts.json").read_text(encoding="utf-8"))["assessment"]
    if old["state"] != new["state"]:
        assert f"The assessment has moved from {old['state']}" in text, text[:400]
        assert f"to {new['state']}" in text
    else:
        assert f"still reads the relationship as {new['state']}" in text, text[:400]
    assert "8 April 2025" in text and "watch list" in text
    for machine in ("no_movement", "→", "data/", "Parameters", "Stated facts", "Build:"):
        assert machine not in text, machine
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), text


def test_the_korean_twin_words_it_in_korean(compared):
    text = changes_section(compared["ko"])
    letters = [c for c in text if c.isalpha()]
    assert sum("가" <= c <= "힣" for c in letters) / len(letters) > 0.8, text[:400]
    assert "2025년 4월 8일" in text
    english = [t for k, t in catalogue_keys("en").items() if k.startswith("changes.")]
    for template in english:
        for form in template.values() if isinstance(template, dict) else [template]:
            fixed = max(re.split(r"\{[^}]*\}", form), key=len).strip(" .;,“”")
            assert len(fixed) < 12 or fixed not in text, fixed
