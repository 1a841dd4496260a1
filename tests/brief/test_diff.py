"""Edition diffs, the previous edition, and the "what changed" section, on fabricated editions.

The facts are modelled on the real brief (an edition as of 2024-10-21 and one as of
2026-01-25); the machinery under test knows nothing of them.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pypandoc
import pytest

from brief.diff import (
    DiffError,
    changes_markdown,
    diff_editions,
    diff_to_json,
    format_diff,
    md_escape,
    previous_edition,
)
from tests.support.editions import fake_sha, load_facts, load_manifest, make_edition, write_official

FACTS_2024 = {
    "events": {
        "2018-03-26-kim-xi-summit-beijing": "2018-03-26 — Kim–Xi summit in Beijing",
        "2019-06-20-xi-visit-pyongyang": "2019-06-20 — Xi state visit to Pyongyang",
        "2024-06-19-putin-kim-summit-pyongyang": "2024-06-19 — Putin–Kim summit in Pyongyang",
        "2024-04-11-zhao-leji-pyongyang": "2024-04-11 — Zhao Leji visits Pyongyang",
    },
    "statuses": {
        "kim-visit-china": {
            "label": "Kim visit to China",
            "status": "no_movement",
            "since": "2019-01-10",
        },
        "xi-visit-pyongyang": {
            "label": "Xi visit to Pyongyang",
            "status": "no_movement",
            "since": "2019-06-21",
        },
        "friendship-year": {
            "label": "Friendship Year events",
            "status": "reversed",
            "since": "2024-08-01",
        },
    },
    "numbers": {
        "gacc-total-2023": {"label": "GACC China–NK trade 2023", "value": 2295.0, "unit": "US$ m"},
        "provocations-2024": {"label": "Provocations in 2024", "value": 31, "unit": "events"},
        "rus-share-2023": {"label": "Russia's share of NK trade 2023", "value": 0.1, "unit": "%"},
    },
}

FACTS_2026 = copy.deepcopy(FACTS_2024)
FACTS_2026["events"]["2025-09-04-kim-xi-summit-beijing"] = "2025-09-04 — Kim–Xi summit in Beijing"
FACTS_2026["events"]["2025-10-09-li-qiang-pyongyang"] = "2025-10-09 — Li Qiang in Pyongyang"
del FACTS_2026["events"]["2024-04-11-zhao-leji-pyongyang"]
FACTS_2026["statuses"]["kim-visit-china"].update(status="moved", since="2025-09-02")
FACTS_2026["statuses"]["friendship-year"].update(status="signs_of_movement", since="2025-10-09")
FACTS_2026["numbers"]["gacc-total-2023"]["value"] = 2295.0  # unchanged
FACTS_2026["numbers"]["provocations-2024"]["value"] = 33  # revised
FACTS_2026["numbers"]["gacc-total-2025"] = {
    "label": "GACC China–NK trade 2025",
    "value": 2735.0,
    "unit": "US$ m",
}
del FACTS_2026["numbers"]["rus-share-2023"]

DATA_2024 = {"data/events.csv": fake_sha("events-1"), "data/trade.csv": fake_sha("trade-1")}
DATA_2026 = {
    "data/events.csv": fake_sha("events-2"),
    "data/trade.csv": fake_sha("trade-1"),
    "data/watch_status.csv": fake_sha("watch-1"),
}


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    make_edition(out, "2024-10-21", as_of="2024-10-21", facts=FACTS_2024, data=DATA_2024)
    make_edition(
        out,
        "2026-01-25",
        as_of="2026-01-25",
        facts=FACTS_2026,
        data=DATA_2026,
        code={"commit": "fedcba9876543210fedcba9876543210fedcba98", "dirty": True},
        engine={"name": "builtin", "version": "0.2.0"},
    )
    return out


# --------------------------------------------------------------------------- diff


def test_diff_reports_facts(output: Path) -> None:
    d = diff_editions(output / "2024-10-21", output / "2026-01-25")
    assert (d.a, d.b, d.a_as_of, d.b_as_of) == (
        "2024-10-21",
        "2026-01-25",
        "2024-10-21",
        "2026-01-25",
    )
    added = {e.id: e.label for e in d.events_added}
    assert added == {
        "2025-09-04-kim-xi-summit-beijing": "2025-09-04 — Kim–Xi summit in Beijing",
        "2025-10-09-li-qiang-pyongyang": "2025-10-09 — Li Qiang in Pyongyang",
    }
    assert [e.id for e in d.events_removed] == ["2024-04-11-zhao-leji-pyongyang"]
    changed = {s.id: (s.label, s.old, s.new, s.since) for s in d.statuses_changed}
    assert changed == {
        "kim-visit-china": ("Kim visit to China", "no_movement", "moved", "2025-09-02"),
        "friendship-year": (
            "Friendship Year events",
            "reversed",
            "signs_of_movement",
            "2025-10-09",
        ),
    }
    assert [n.key for n in d.numbers_changed] == ["provocations-2024"]
    n = d.numbers_changed[0]
    assert (n.label, n.old, n.new, n.unit, n.delta) == ("Provocations in 2024", 31, 33, "events", 2)
    assert [(x.key, x.value) for x in d.numbers_added] == [("gacc-total-2025", 2735.0)]
    assert [x.key for x in d.numbers_removed] == ["rus-share-2023"]


def test_diff_reports_manifest_changes(output: Path) -> None:
    d = diff_editions(output / "2024-10-21", output / "2026-01-25")
    assert [(p.name, p.old, p.new) for p in d.params] == [("as_of", "2024-10-21", "2026-01-25")]
    assert [(f.path, f.old, f.new) for f in d.data_changed] == [
        ("data/events.csv", fake_sha("events-1"), fake_sha("events-2"))
    ]
    assert [f.path for f in d.data_added] == ["data/watch_status.csv"]
    assert d.data_removed == []
    assert d.code is not None and d.code.new["dirty"] is True
    assert d.engine is not None and (d.engine.old["version"], d.engine.new["version"]) == (
        "0.1.0",
        "0.2.0",
    )
    assert d.notebooks_changed == [] and not d.notes


def test_diff_other_way_round(output: Path) -> None:
    d = diff_editions(output / "2026-01-25", output / "2024-10-21")
    assert "2025-09-04-kim-xi-summit-beijing" in [e.id for e in d.events_removed]
    assert [f.path for f in d.data_removed] == ["data/watch_status.csv"]
    assert d.numbers_changed[0].delta == -2


def test_format_diff(output: Path) -> None:
    text = format_diff(diff_editions(output / "2024-10-21", output / "2026-01-25"))
    assert text.startswith("2024-10-21 → 2026-01-25\nas of 2024-10-21 → 2026-01-25\n")
    assert "+ 2025-09-04 — Kim–Xi summit in Beijing  [2025-09-04-kim-xi-summit-beijing]" in text
    assert "~ Kim visit to China: no_movement → moved (since 2025-09-02)" in text
    assert "as_of: 2024-10-21 → 2026-01-25" in text
    assert "~ data/events.csv" in text and "+ data/watch_status.csv" in text
    assert "~ Provocations in 2024: 31 → 33 events (+2)" in text
    assert "+ GACC China–NK trade 2025: 2,735 US$ m" in text
    assert "Engine: builtin 0.1.0 → builtin 0.2.0" in text
    assert "Code: 0123456789 → fedcba9876+dirty" in text


def test_diff_json_parses_and_is_stable(output: Path) -> None:
    d = diff_editions(output / "2024-10-21", output / "2026-01-25")
    text = diff_to_json(d)
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text == diff_to_json(diff_editions(output / "2024-10-21", output / "2026-01-25"))
    assert data["a"] == "2024-10-21" and data["b"] == "2026-01-25"
    assert "2025-09-04-kim-xi-summit-beijing" in [e["id"] for e in data["events_added"]]
    assert {s["id"]: s["new"] for s in data["statuses_changed"]}["kim-visit-china"] == "moved"
    assert data["params"][0]["name"] == "as_of"


def test_identical_editions_have_no_differences(output: Path) -> None:
    d = diff_editions(output / "2026-01-25", output / "2026-01-25")
    assert d.empty
    assert "No differences." in format_diff(d)


def test_diff_accepts_manifest_paths_and_missing_facts(output: Path) -> None:
    (output / "2024-10-21" / "facts.json").unlink()
    d = diff_editions(output / "2024-10-21" / "manifest.json", output / "2026-01-25")
    assert d.a == "2024-10-21"
    assert len(d.events_added) == len(FACTS_2026["events"])
    assert d.notes == ["2024-10-21 has no facts.json: its facts count as empty"]


def test_diff_without_manifest_is_an_error(tmp_path: Path, output: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DiffError, match=r"no manifest\.json"):
        diff_editions(tmp_path / "empty", output / "2026-01-25")
    (output / "2024-10-21" / "facts.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DiffError, match="not a JSON object"):
        diff_editions(output / "2024-10-21", output / "2026-01-25")


def test_param_added_removed_and_units(tmp_path: Path) -> None:
    a = make_edition(
        tmp_path,
        "a",
        as_of="2025-01-01",
        params={"old_only": 1},
        facts={"numbers": {"n": {"label": "N", "value": 1.5, "unit": "kg"}}},
    )
    b = make_edition(
        tmp_path,
        "b",
        as_of="2025-01-01",
        params={"new_only": [1, 2]},
        facts={"numbers": {"n": {"label": "N", "value": 1500, "unit": "g"}}},
    )
    d = diff_editions(a, b)
    by_name = {p.name: p for p in d.params}
    assert by_name["old_only"].new_present is False and by_name["new_only"].old_present is False
    assert d.numbers_changed[0].delta is None  # different units: no delta
    text = format_diff(d)
    assert "old_only: 1 → (absent)" in text and "new_only: (absent) → [1, 2]" in text
    assert "N: 1.5 kg → 1,500 g" in text


def test_format_diff_escapes_control_characters(tmp_path: Path) -> None:
    a = make_edition(tmp_path, "a", as_of="2025-01-01")
    b = make_edition(tmp_path, "b", as_of="2025-01-01", facts={"events": {"x": "\x1b[2Jboom"}})
    text = format_diff(diff_editions(a, b))
    assert "\x1b" not in text and "\\x1b[2Jboom" in text


# --------------------------------------------------------------------------- previous


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    out = tmp_path / "archive"
    make_edition(out, "2024-10-21", as_of="2024-10-21")
    make_edition(out, "2025-06-30", as_of="2025-06-30", built="2025-06-30T08:00:00+00:00")
    make_edition(out, "2025-06-30-late", as_of="2025-06-30", built="2025-07-02T08:00:00+00:00")
    make_edition(out, "2025-06-30-zz", as_of="2025-06-30", built="2025-06-30T08:00:00+00:00")
    make_edition(out, "2026-01-25", as_of="2026-01-25")
    make_edition(out, ".staging-abc", as_of="2025-12-31")  # in-flight publish: never chosen
    write_official(out, ["2024-10-21", "2025-06-30", "2026-01-25"])
    return out


def test_previous_edition_picks_greatest_earlier_as_of(archive: Path) -> None:
    assert previous_edition(archive, "2026-01-25", None) == archive / "2025-06-30-late"
    assert previous_edition(archive, "2026-01-25", "2025-06-30-late") == archive / "2025-06-30-zz"
    assert previous_edition(archive, "2025-06-30", None) == archive / "2024-10-21"  # strictly
    assert previous_edition(archive, "2025-07-01", "2026-01-25") == archive / "2025-06-30-late"
    assert previous_edition(archive, "2024-10-21", None) is None
    assert previous_edition(archive, "2030-01-01", "2026-01-25") == archive / "2025-06-30-late"
    assert (
        previous_edition(archive, "2026-01-25", None, official_only=True) == archive / "2025-06-30"
    )
    assert previous_edition(archive.parent / "nothing-here", "2026-01-25", None) is None


# --------------------------------------------------------------------------- Markdown


def test_changes_markdown_first_edition() -> None:
    text = changes_markdown(FACTS_2026, {"params": {"as_of": "2026-01-25"}}, None)
    assert text.startswith("This is the first edition in the archive")


def test_changes_markdown_against_previous(output: Path) -> None:
    manifest = load_manifest(output / "2026-01-25")
    facts = load_facts(output / "2026-01-25")
    text = changes_markdown(facts, manifest, output / "2024-10-21")
    assert text.startswith(
        r"Compared with the previous edition, **2024\-10\-21** (as of 2024\-10\-21):"
    )
    assert r"new: 2025\-09\-04 — Kim–Xi summit in Beijing" in text
    assert r"no longer listed: 2024\-04\-11 — Zhao Leji visits Pyongyang" in text
    assert "- **Events**: 2 new, 1 no longer listed." in text
    assert r"Kim visit to China: no\_movement → moved (since 2025\-09\-02)" in text
    assert "- **Statuses**: 2 changed." in text
    assert r"as\_of: 2024\-10\-21 → 2026\-01\-25" in text
    assert "- **Data files**: 1 changed, 1 added." in text
    assert r"Provocations in 2024: 31 → 33 events (\+2)" in text
    html = pypandoc.convert_text(text, "html", format="markdown")
    assert "Kim visit to China: no_movement → moved (since 2025-09-02)" in html
    assert "<li>new: 2025-09-04 — Kim–Xi summit in Beijing</li>" in html


def test_changes_markdown_nothing_changed(output: Path) -> None:
    edition = output / "2026-01-25"
    text = changes_markdown(load_facts(edition), load_manifest(edition), edition)
    assert text.startswith(r"Nothing changed since the previous edition, **2026\-01\-25**")


def test_changes_markdown_is_short(tmp_path: Path) -> None:
    old = make_edition(tmp_path, "old", as_of="2025-01-01", facts={"events": {}})
    events = {f"e{i:02d}": f"Event number {i:02d}" for i in range(25)}
    manifest = load_manifest(old) | {
        "params": {**load_manifest(old)["params"], "as_of": "2026-01-01"}
    }
    text = changes_markdown({"events": events}, manifest, old)
    assert "- **Events**: 25 new." in text
    listed = re.findall(r"^    - new: Event number (\d+)$", text, flags=re.M)
    assert listed == [f"{i:02d}" for i in range(10)]
    assert "    - and 15 more" in text


HOSTILE = [
    "<script>alert(1)</script>",
    "`<b>raw</b>`{=html}",
    '#set page(fill: red) #import "x.typ"',
    "$x^2$ and @cite and [link](http://evil.example) and ![img](x.png)",
    "*bold* _em_ ~~strike~~ | pipe | {braces} \\ backslash ^sup^ ~sub~",
    "line one\n\n# heading\n- item",
]


def test_md_escape() -> None:
    assert md_escape("a*b_c") == r"a\*b\_c"
    assert md_escape("x\ny") == "x y"
    assert md_escape(r"\`") == r"\\\`"
    assert md_escape("plain words, 12.5 %") == "plain words, 12.5 %"


def test_changes_markdown_escapes_hostile_text(tmp_path: Path) -> None:
    old = make_edition(
        tmp_path,
        "<old>*edition*",
        as_of="2025-01-01",
        facts={"statuses": {"s": {"label": HOSTILE[0], "status": "a", "since": "x"}}},
    )
    facts = {
        "events": {f"e{i}": text for i, text in enumerate(HOSTILE)},
        "statuses": {"s": {"label": HOSTILE[0], "status": HOSTILE[2], "since": HOSTILE[3]}},
        "numbers": {"n": {"label": HOSTILE[4], "value": 1, "unit": HOSTILE[1]}},
    }
    manifest = load_manifest(old) | {"params": {"as_of": "2026-01-01", "p": HOSTILE[5]}}
    text = changes_markdown(facts, manifest, old)

    html = pypandoc.convert_text(text, "html", format="markdown")
    for tag in ("<script", "<b>", "<img", "<a ", "<em>bold", "<h1", '<span class="math', "<sup"):
        assert tag not in html, tag
    assert html.count("<li>") >= len(HOSTILE)  # every item stayed one list item
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "*bold* _em_" in html and "$x^2$" in html and "@cite" in html

    typst = pypandoc.convert_text(text, "typst", format="markdown")
    assert "#set page" not in typst.replace("\\#set page", "")
    assert "#import" not in typst.replace("\\#import", "")


def test_changes_markdown_events_come_only_from_facts(output: Path) -> None:
    # The section is computed from facts and manifests alone; another subject works as well.
    manifest = load_manifest(output / "2026-01-25")
    facts = {"events": {"launch": "Product launch"}, "numbers": {}}
    text = changes_markdown(facts, manifest, output / "2024-10-21")
    assert "new: Product launch" in text and f"{len(FACTS_2024['events'])} no longer listed" in text
