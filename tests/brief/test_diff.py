"""Edition diffs from the table of fact kinds, and the brief's "What changed" section, on
fabricated editions modelled on the real brief (the machinery knows nothing of them)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pypandoc
import pytest

from brief.editions.diff import DiffError, compare, diff_editions, diff_to_json
from brief.editions.manifest import Manifest
from brief.editions.views import changes_markdown, format_diff, md_escape
from tests.support.editions import fake_sha, make_edition

OLD = {
    "assessment": {
        "state": "steady",
        "confidence": "moderate",
        "label": "Managed tension: ties hold at a low level.",
    },
    "events": {
        "2024-06-19-putin-kim": {"label": "2024-06-19 — Putin–Kim summit", "window": 90},
        "2019-06-20-xi-visit": "2019-06-20 — Xi state visit to Pyongyang",
    },
    "statuses": {
        "kim-visit-china": {"label": "Kim visit to China", "status": "no_movement", "since": ""},
    },
    "numbers": {
        "gacc-2023": {"label": "GACC trade 2023", "value": 2295.0, "unit": "US$ m"},
        "rus-share": {"label": "Russia's share", "value": 0.1, "unit": "%"},
    },
}
NEW = copy.deepcopy(OLD)
NEW["assessment"] = {
    "state": "cooling",
    "confidence": "moderate",
    "label": "A renewed chill as Pyongyang leans on Moscow.",
}
del NEW["events"]["2024-06-19-putin-kim"]
NEW["events"]["2025-09-04-kim-xi"] = "2025-09-04 — Kim–Xi summit in Beijing"
NEW["statuses"]["kim-visit-china"] = {
    "label": "Kim visit to China",
    "status": "moved",
    "since": "2025-09-02",
}
NEW["numbers"]["gacc-2023"]["value"] = 2300.5
NEW["numbers"]["rus-share"] = {"label": "Russia's share", "value": 12, "unit": "US$ m"}
NEW["treaties"] = {"t1": {"label": "Treaty on comprehensive strategic partnership"}}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = make_edition(tmp_path, "2024-10-21", as_of="2024-10-21", facts=OLD)
    b = make_edition(
        tmp_path,
        "2026-01-25",
        as_of="2026-01-25",
        facts=NEW,
        data={"data/events.csv": fake_sha("events v2"), "data/trade.csv": "b" * 64},
    )
    return a, b


def test_each_kind_compares_like_with_like(pair):
    d = diff_editions(*pair)
    events = d.kind("events")
    assert [i.id for i in events.added] == ["2025-09-04-kim-xi"]
    assert [i.text for i in events.removed] == [
        "2024-06-19 — Putin–Kim summit (left the 90-day window)"
    ]
    statuses = d.kind("statuses")
    assert [i.text for i in statuses.changed] == [
        "Kim visit to China: no_movement → moved (since 2025-09-02)"
    ]
    numbers = {i.id: i.text for i in d.kind("numbers").changed}
    assert numbers["gacc-2023"] == "GACC trade 2023: 2,295 → 2,300.5 US$ m (+5.5)"
    assert "in another unit" in numbers["rus-share"] and "(+" not in numbers["rus-share"]
    assert [c.name for c in d.params] == ["as_of"]
    assert [i.id for i in d.data.changed] == ["data/events.csv"]


def test_a_new_kind_of_fact_is_shown_not_ignored(pair):
    d = diff_editions(*pair)
    treaties = d.kind("treaties")
    assert treaties is not None and [i.id for i in treaties.added] == ["t1"]
    assert "Treaty on comprehensive strategic partnership" in format_diff(d)


def test_the_diff_opens_with_what_moved(pair):
    text = format_diff(diff_editions(*pair))
    lines = text.splitlines()
    assert lines[0] == "2024-10-21 → 2026-01-25"
    assert "The assessment moved from steady to cooling." in lines[2]
    assert "“A renewed chill as Pyongyang leans on Moscow.”" in text
    assert "Stated facts: events: 1 new, 1 gone" in text


def test_json_is_stable_and_complete(pair):
    first, second = diff_to_json(diff_editions(*pair)), diff_to_json(diff_editions(*pair))
    assert first == second
    report = json.loads(first)
    kinds = [k["kind"] for k in report["facts"]]
    assert kinds[:4] == ["assessment", "events", "statuses", "numbers"] and "treaties" in kinds


def test_nothing_changed_says_so(pair):
    a, _ = pair
    assert "No differences." in format_diff(diff_editions(a, a))


def test_broken_facts_count_as_empty_with_a_note_and_a_missing_manifest_is_an_error(pair):
    a, b = pair
    (a / "facts.json").write_text("{broken")
    d = diff_editions(a, b)
    assert any("facts count as empty" in n for n in d.notes)
    (a / "manifest.json").unlink()
    with pytest.raises(DiffError, match=r"no manifest\.json"):
        diff_editions(a, b)


def test_changes_markdown_leads_with_the_erratum_then_what_moved_and_renders_safely(pair):
    a, b = pair
    old, new = Manifest.read(a), Manifest.read(b)
    d = compare(old, OLD, new, NEW)
    text = changes_markdown(d, previous=a.name, erratum="Fixed *one* figure.", revises="x")
    assert text.startswith("**Correction.** This revision replaces edition **x**")
    assert r"Fixed \*one\* figure." in text
    html = pypandoc.convert_text(text, "html", format="markdown")
    assert "Compared with the previous edition, <strong>2024-10-21</strong>" in html
    assert "The assessment moved from steady to cooling." in html
    assert "Kim visit to China: no_movement → moved (since 2025-09-02)" in html
    assert "<em>" not in html  # the erratum's asterisks stay literal


def test_changes_markdown_first_edition_and_length_cap(tmp_path):
    assert "first edition in the archive" in changes_markdown(None)
    old = Manifest.read(make_edition(tmp_path, "old", as_of="2025-01-01"))
    new = Manifest.read(make_edition(tmp_path, "new", as_of="2026-01-01"))
    events = {f"e{i:02d}": f"Event number {i:02d}" for i in range(25)}
    text = changes_markdown(compare(old, {}, new, {"events": events}), previous="old")
    assert "- **Events**: 25 new." in text
    assert re.findall(r"^    - new: Event number (\d+)$", text, flags=re.M) == [
        f"{i:02d}" for i in range(10)
    ]
    assert "    - and 15 more" in text


@pytest.mark.parametrize("text", ["<script>", "*x*", "[a](b)", "$m$", "@cite", "a\nb", "`c`"])
def test_md_escape_makes_text_literal(text):
    html = pypandoc.convert_text(md_escape(text), "html", format="markdown")
    assert "<script>" not in html and "<em>" not in html and "<a " not in html
    assert "math" not in html and "<code>" not in html


def test_a_subject_that_words_the_changes_replaces_the_generic_listing(pair):
    a, b = pair
    d = compare(Manifest.read(a), OLD, Manifest.read(b), NEW)
    text = changes_markdown(
        d, previous=a.name, erratum="Fixed one figure.", revises="x", described="Prose.\n"
    )
    assert (
        text
        == "**Correction.** This revision replaces edition **x**: Fixed one figure.\n\nProse.\n"
    )
    # nothing to describe: the machinery's own sentence stands, whatever the subject says
    same = compare(Manifest.read(a), OLD, Manifest.read(a), OLD)
    assert "Nothing changed" in changes_markdown(same, previous=a.name, described="Prose.")
