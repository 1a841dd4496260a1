"""How numbers, money and dates read in the brief's languages other than English.

English forms live in `analysis.narrative` (the default language); each other language
has one entry in `FORMS`, and `narrative.fmt_*` hand over to it while `analysis.text`
writes in that language. The Korean forms follow docs/STYLE.md ("Korean"): money in
만/억 units with thousands separators ("27억 3,500만 달러"), dates as "2026년 1월 25일".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


def _ko_usd_m(value: float) -> str:
    """US$ millions in Korean units: 2735 -> '27억 3,500만 달러', 34.4 -> '3,440만 달러'.

    Rounded as the English form is (to the million from 100 million up, else to a tenth of
    a million), then written in 억 (10^8) and 만 (10^4)."""
    value = float(value)
    if value < 0:
        return "−" + _ko_usd_m(-value)
    millions = round(value) if value >= 100 else round(value, 1)
    man = round(millions * 100)  # one million = 100만
    eok, rest = divmod(man, 10_000)
    parts = []
    if eok:
        parts.append(f"{eok:,}억")
    if rest or not eok:
        parts.append(f"{rest:,}만")
    return " ".join(parts) + " 달러"


def _ko_date(day: dt.date, precision: str, short: bool) -> str:
    if precision == "year":
        return f"{day.year}년"
    if precision == "month":
        return f"{day.year}년 {day.month}월"
    return f"{day.year}년 {day.month}월 {day.day}일"


def _ko_month(month: int, short: bool) -> str:
    return f"{month}월"


def _ko_change(pct: float) -> str:
    if round(pct, 1) == 0:
        return "변동 없음"
    return f"{abs(pct):.1f}% {'증가' if pct > 0 else '감소'}"


@dataclass(frozen=True)
class Forms:
    usd_m: Callable[[float], str]
    date: Callable[[dt.date, str, bool], str]
    month: Callable[[int, bool], str]
    change: Callable[[float], str]


FORMS: dict[str, Forms] = {
    "ko": Forms(usd_m=_ko_usd_m, date=_ko_date, month=_ko_month, change=_ko_change),
}


def forms() -> Forms | None:
    """The forms of the language being written, or None for the default (English)."""
    from analysis.text import current_language

    return FORMS.get(current_language())


# --- Korean particles -------------------------------------------------------------------
# A template writes a particle after a filled-in word in both forms, "{partner}와(과)"; the
# form is chosen by whether the word before it ends in a final consonant (받침), as Korean
# writing does. Digits and Latin letters are read as they are spoken (3 삼, 7 칠; L 엘).
_PARTICLES = {
    "은(는)": ("은", "는"),
    "이(가)": ("이", "가"),
    "을(를)": ("을", "를"),
    "과(와)": ("과", "와"),
    "와(과)": ("과", "와"),
    "으로(로)": ("으로", "로"),
    "(으)로": ("으로", "로"),
    "이다(다)": ("이다", "다"),
    "(이)다": ("이다", "다"),
}
# The word's last letter, then perhaps a closing quote or bracket, then the particle.
_PARTICLE_RE = re.compile(
    r"(?P<before>[^\s’”)\]])(?P<close>[’”)\]]?)(?P<particle>"
    + "|".join(re.escape(p) for p in _PARTICLES)
    + ")"
)
_DIGIT_FINAL = {"0": True, "1": True, "3": True, "6": True, "7": True, "8": True}
_LATIN_FINAL = set("lmnrLMNR")


def _has_final(char: str) -> bool:
    if "가" <= char <= "힣":
        return (ord(char) - ord("가")) % 28 != 0
    if char.isdigit():
        return _DIGIT_FINAL.get(char, False)
    return char in _LATIN_FINAL


def _rieul_final(char: str) -> bool:
    # ㄹ takes "로", not "으로": a syllable ending in ㄹ, or a digit read 일, 칠, 팔 (1, 7, 8)
    return char in "178" or ("가" <= char <= "힣" and (ord(char) - ord("가")) % 28 == 8)


def korean_particles(text: str) -> str:
    """Resolve every "X을(를)"-style particle by the final sound of X."""

    def choose(match: re.Match[str]) -> str:
        before, particle = match.group("before"), match.group("particle")
        close = match.group("close")
        with_final, without = _PARTICLES[particle]
        final = _has_final(before)
        if particle in ("으로(로)", "(으)로") and _rieul_final(before):
            final = False
        return before + close + (with_final if final else without)

    return _PARTICLE_RE.sub(choose, text)


# What a language does to a filled-in sentence (analysis.text.say calls it).
FINISH: dict[str, Callable[[str], str]] = {"ko": korean_particles}


# --- data text in another language ------------------------------------------------------
# The data's own prose (event descriptions, watch-list labels and reports) is English; its
# translations live in src/analysis/translations/<lang>/, keyed by the row's id, not by its
# text. `data_text` maps a data string the brief shows (a description, or its first clause
# as a label) to the language being written; a string without a translation stays as the
# source wrote it, like a source's title (the Korean e2e tests measure how much does).
TRANSLATIONS = Path(__file__).with_name("translations")


def _flat(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def _clause(text: str) -> str:
    return text.split("; ")[0].rstrip(" .;,")  # as narrative.first_clause cuts a label


def _pairs(english: str, translated: str) -> Iterator[tuple[str, str]]:
    english, translated = _flat(english), _flat(translated)
    if english and translated:
        yield english, translated
        yield _clause(english), _clause(translated)


@cache
def _data_map(lang: str, data_dir: str) -> dict[str, str]:
    import pandas as pd

    from analysis.text import load_yaml

    folder = TRANSLATIONS / lang
    if not folder.is_dir():
        return {}
    data = Path(data_dir)
    found: dict[str, str] = {}

    def load(name: str) -> dict[str, Any]:
        path = folder / name
        return load_yaml(path.read_text(encoding="utf-8")) or {} if path.is_file() else {}

    events = load("events.yaml")
    for row in pd.read_csv(data / "events.csv", dtype=str).fillna("").itertuples():
        if row.event_id in events:
            found.update(_pairs(row.description, events[row.event_id]))
    watch = load("watch.yaml")
    indicators, statuses = watch.get("indicators", {}), watch.get("status", {})
    for row in pd.read_csv(data / "watch_indicators.csv", dtype=str).fillna("").itertuples():
        for column in ("label", "description"):
            if ko := indicators.get(row.indicator_id, {}).get(column):
                found.update(_pairs(getattr(row, column), ko))
    for row in pd.read_csv(data / "watch_status.csv", dtype=str).fillna("").itertuples():
        if ko := statuses.get(row.indicator_id, {}).get(str(row.effective)):
            found.update(_pairs(row.detail, ko))
    return found


def data_text(text: str) -> str:
    """`text` (data prose) in the language being written, when a translation exists."""
    return data_translator()(text)


def data_translator() -> Callable[[str], str]:
    """`data_text` for many strings: the language and its map are looked up once."""
    from analysis.paths import data_dir
    from analysis.text import DEFAULT_LANG, current_language

    lang = current_language()
    if lang == DEFAULT_LANG:
        return lambda text: text
    found = _data_map(lang, str(data_dir()))
    return lambda text: found.get(_flat(text), text)
