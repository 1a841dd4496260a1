"""The Korean catalogue keeps step with the English one: every key, the same values.

The English catalogue may gain keys at any time; this test names each one the Korean
catalogue lacks, and each template whose fields differ (a field the Korean sentence leaves
out would raise at render time: `say` refuses unused values).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from analysis import emit, locales, narrative, registry, text

KO = "ko"
NAMES = "names."  # the registry's words in Korean; English keeps them in analysis.registry


def _fields(entry: str | dict[str, str]) -> set[str]:
    forms = entry.values() if isinstance(entry, dict) else [entry]
    return set().union(*(text.fields(form) for form in forms))


def test_every_english_key_has_a_korean_template():
    english, korean = text.catalogue_keys("en"), text.catalogue_keys(KO)
    missing = sorted(set(english) - set(korean))
    assert not missing, f"src/analysis/catalogue/ko lacks {len(missing)} key(s): {missing}"


def test_no_korean_key_without_an_english_one():
    english, korean = text.catalogue_keys("en"), text.catalogue_keys(KO)
    extra = sorted(k for k in set(korean) - set(english) if not k.startswith(NAMES))
    assert not extra, f"keys only in the Korean catalogue (renamed in English?): {extra}"


def test_korean_templates_use_the_same_values():
    english, korean = text.catalogue_keys("en"), text.catalogue_keys(KO)
    differ = {
        key: (
            sorted(_fields(english[key]) - _fields(korean[key])),
            sorted(_fields(korean[key]) - _fields(english[key])),
        )
        for key in set(english) & set(korean)
        if not key.startswith("common.numbers.") and _fields(english[key]) != _fields(korean[key])
    }
    assert not differ, f"(missing in ko, extra in ko) per key: {differ}"


def test_korean_templates_parse():
    assert text.check_catalogue(KO) == []


def test_names_cover_the_registry():
    with text.language(KO):
        for code in registry.ACTORS:
            actor = registry.actor(code)
            assert re.search("[가-힣]", actor.name + actor.in_sentence + actor.capital), code
        for code in registry.SERIES:
            assert re.search("[가-힣]", registry.series_label(code)), code


def test_plural_templates_need_only_other_in_korean():
    for key, entry in text.catalogue_keys(KO).items():
        if isinstance(entry, dict):
            assert set(entry) == {"other"}, f"{key}: Korean has one plural form ('other')"


def test_a_missing_korean_key_is_an_error_not_english():
    with text.language(KO), pytest.raises(text.TextError, match="ko"):
        text.say("assessment.no_such_key")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (2735.0, "27억 3,500만 달러"),
        (2295.38, "22억 9,500만 달러"),
        (34.4, "3,440만 달러"),
        (0.5, "50만 달러"),
        (12000, "120억 달러"),
        (-120, "−1억 2,000만 달러"),
    ],
)
def test_money_in_korean_units(value, written):
    with text.language(KO):
        assert narrative.fmt_usd_m(value) == written
    assert narrative.fmt_usd_m(2735.0) == "US$2,735 million"  # English outside the block


def test_dates_in_korean():
    day = dt.date(2026, 1, 25)
    with text.language(KO):
        assert narrative.fmt_date(day) == "2026년 1월 25일"
        assert narrative.fmt_date(day, "month") == "2026년 1월"
        assert narrative.fmt_date(day, "year") == "2026년"


@pytest.mark.parametrize(
    ("template", "written"),
    [
        ("러시아와(과) 중국", "러시아와 중국"),
        ("미국와(과) 중국", "미국과 중국"),
        ("한국을(를)", "한국을"),
        ("GACC은(는)", "GACC는"),
        ("‘냉각’(으)로", "‘냉각’으로"),
        ("‘현상 유지’(으)로", "‘현상 유지’로"),
        ("서울(으)로", "서울로"),
        ("3건이(가)", "3건이"),
    ],
)
def test_korean_particles_follow_the_word_before(template, written):
    assert locales.korean_particles(template) == written


def test_emit_writes_every_language_and_records_a_failing_one(monkeypatch):
    shown = []
    monkeypatch.setattr(emit, "_display", lambda data, meta=None: shown.append(data))
    emit.markdown(lambda: text.say("assessment.state.cooling"))
    (data,) = shown
    assert data["text/markdown"] == "cooling"
    assert data[emit.LANGUAGES_MIME][KO]["data"]["text/markdown"] == "냉각"

    def english_only() -> str:
        if text.current_language() == KO:
            raise text.TextError("no Korean for this")
        return "fine"

    shown.clear()
    emit.markdown(english_only)
    (data,) = shown
    assert data["text/markdown"] == "fine"
    assert "no Korean for this" in data[emit.LANGUAGES_MIME][KO]["error"]
