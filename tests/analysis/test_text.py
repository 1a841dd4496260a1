"""The sentence catalogue (contract 8): strict lookups, plurals, lists, every file valid."""

from __future__ import annotations

import pytest

from analysis import text
from analysis.text import TextError, join, plural, say


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    lang = tmp_path / "xx"
    lang.mkdir()
    (lang / "demo.yaml").write_text(
        "visits: '{who} made {n} visits'\n"
        "trip:\n  one: '{n} trip'\n  other: '{n} trips'\n"
        "group:\n  inner: 'Trade was {value:,.0f} million.'\n"
        "positional: 'a {} b'\n",
        encoding="utf-8",
    )
    (lang / "common.yaml").write_text(
        "list:\n  separator: ', '\n  and:\n    pair: '{first} and {last}'\n"
        "    many: '{head} and {last}'\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(text, "CATALOGUE", tmp_path)
    monkeypatch.setitem(text.PLURAL_RULES, "xx", text.PLURAL_RULES["en"])
    text._section.cache_clear()
    yield "xx"
    text._section.cache_clear()


def test_say_fills_named_fields_and_format_specs(catalogue):
    assert say("demo.visits", catalogue, who="Kim", n=3) == "Kim made 3 visits"
    assert say("demo.group.inner", catalogue, value=2295.4) == "Trade was 2,295 million."


def test_plural_forms_follow_the_language_rule(catalogue):
    assert plural(1, "demo.trip", catalogue) == "1 trip"
    assert plural(4, "demo.trip", catalogue) == "4 trips"


@pytest.mark.parametrize(
    ("key", "values", "message"),
    [
        ("demo.nothing", {}, "no template 'demo.nothing'"),
        ("absent.key", {}, "no catalogue file"),
        ("demo.visits", {"who": "Kim"}, "needs the value(s) n"),
        ("demo.visits", {"who": "Kim", "n": 2, "extra": 1}, "does not use the value(s) extra"),
        ("demo.group", {}, "is a group of templates"),
        ("demo.trip", {}, "plural template"),
        ("demo.positional", {}, "positional field"),
        ("nodot", {}, "must be '<section>.<name>'"),
    ],
)
def test_strict_errors_never_fall_back(catalogue, key, values, message):
    with pytest.raises(TextError, match=message.replace("(", r"\(").replace(")", r"\)")):
        say(key, catalogue, **values)


def test_lists_join_by_the_catalogue_patterns(catalogue):
    assert join([], lang=catalogue) == ""
    assert join(["a"], lang=catalogue) == "a"
    assert join(["a", "b"], lang=catalogue) == "a and b"
    assert join(["a", "b", "c"], lang=catalogue) == "a, b and c"


def test_the_shipped_catalogue_parses_and_has_no_positional_fields():
    text._section.cache_clear()
    assert text.catalogue_keys("en")
    assert text.check_catalogue("en") == []
    assert join(["China", "Russia", "the US"]) == "China, Russia and the US"


def test_numbers_are_words_up_to_twelve_then_digits():
    text._section.cache_clear()
    assert text.number(0) == "zero"
    assert text.number(3) == "three"
    assert text.number(12) == "twelve"
    assert text.number(1300) == "1,300"


def test_fill_takes_only_the_values_a_template_uses(catalogue):
    pool = {"who": "Kim", "n": 2, "city": "Beijing"}
    assert text.fill("demo.visits", pool, catalogue) == "Kim made 2 visits"
    assert text.fill("demo.trip", pool, catalogue) == "2 trips"
    with pytest.raises(TextError, match="needs the value"):
        text.fill("demo.visits", {"n": 2}, catalogue)


def test_every_literal_key_in_the_subject_code_is_in_the_catalogue():
    """A `say("section.name", …)` with a fixed key must find its template (f-string keys are
    checked by the tests of their sections)."""
    import re
    from pathlib import Path

    text._section.cache_clear()
    root = Path(text.__file__).parent
    pattern = re.compile(
        r"""\b(?:say|fill|plural)\(\s*(?:n=\w+,\s*)?["']([a-z_]+\.[a-z0-9_.]+)["']"""
    )
    missing = []
    for path in sorted(root.glob("*.py")):
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key.endswith("."):  # a prefix the code completes: "assessment.phrase." + state
                continue
            try:
                text.template(key)
            except TextError:
                missing.append(f"{path.name}: {key}")
    assert not missing, missing


@pytest.mark.parametrize(
    ("days", "en", "ko"),
    [
        (3, "three days", "3일"),
        (45, "six weeks", "6주"),
        (213, "seven months", "7개월"),
        (670, "22 months", "22개월"),
        (2495, "almost seven years", "약 7년"),
        (2955, "eight years", "8년"),
        (3065, "more than eight years", "8년여"),
    ],
)
def test_span_words_a_length_of_time_in_each_language(days, en, ko):
    assert text.span(days) == en
    with text.language("ko"):
        assert text.span(days) == ko
