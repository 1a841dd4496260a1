"""The sentence catalogue: every computed sentence of the brief comes from a template here.

Templates live in `src/analysis/catalogue/<lang>/<section>.yaml`, one file per section; a
key is `<section>.<name>`, where `<name>` may walk nested mappings (`trade.lead.up`). A
template is a Python format string with named fields (`"{n} trips to {city}"`, format
specs allowed: `"{value:,.0f}"`), or a plural mapping whose entries are CLDR categories
(`one`, `other`, …) selected by the value `n`. A second language is a second catalogue
folder, not code.

Strict by design: an unknown key, a missing value or an unused value raises `TextError`
naming the file and the key; there is no fallback to another language or to the key.
"""

from __future__ import annotations

import contextvars
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE = Path(__file__).with_name("catalogue")
DEFAULT_LANG = "en"
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
_FORMATTER = string.Formatter()


class TextError(LookupError):
    """A catalogue problem: unknown key, missing or unused value, malformed file."""


# The language a call without `lang=` writes in: `emit` sets it while it writes each
# language's variant of an output (see `language`), so section code needs no parameter.
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("brief_lang", default=DEFAULT_LANG)


def languages() -> tuple[str, ...]:
    """Every language with a catalogue folder, the default one first."""
    found = sorted(p.name for p in CATALOGUE.iterdir() if p.is_dir() and any(p.glob("*.yaml")))
    return (DEFAULT_LANG, *(lang for lang in found if lang != DEFAULT_LANG))


def current_language() -> str:
    return _CURRENT.get()


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Write in `lang` inside the block (every `say` without `lang=` uses it)."""
    token = _CURRENT.set(lang)
    try:
        yield lang
    finally:
        _CURRENT.reset(token)


def _lang(lang: str | None) -> str:
    return lang or _CURRENT.get()


def _english(n: float) -> str:
    return "one" if n == 1 else "other"


def _korean(n: float) -> str:
    return "other"


# CLDR cardinal plural rules, per language (the only per-language code there is).
PLURAL_RULES: dict[str, Callable[[float], str]] = {"en": _english, "ko": _korean}


def _path(lang: str, section: str) -> Path:
    return CATALOGUE / lang / f"{section}.yaml"


def load_yaml(text: str) -> Any:
    """A YAML document, read by libyaml where PyYAML has it (the locked wheels do): the same
    values as its pure-Python loader, about ten times faster (every kernel reads the
    catalogues of both languages)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def _section(lang: str, section: str) -> Mapping[str, Any]:
    path = _path(lang, section)
    if not path.is_file():
        raise TextError(f"no catalogue file {path} (language {lang!r}, section {section!r})")
    data = load_yaml(path.read_text(encoding="utf-8"))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TextError(f"{path}: the top level must be a mapping of names to templates")
    return data


def _is_plural(entry: Any) -> bool:
    return isinstance(entry, dict) and "other" in entry and set(entry) <= PLURAL_CATEGORIES


def template(key: str, lang: str | None = None) -> str | dict[str, str]:
    """The raw template stored under `key` (a string, or a plural mapping)."""
    lang = _lang(lang)
    section, _, name = key.partition(".")
    if not section or not name:
        raise TextError(f"catalogue key {key!r} must be '<section>.<name>'")
    entry: Any = _section(lang, section)
    for part in name.split("."):
        if not isinstance(entry, dict) or part not in entry or _is_plural(entry):
            raise TextError(f"{_path(lang, section)}: no template {key!r}")
        entry = entry[part]
    if isinstance(entry, str) or _is_plural(entry):
        return entry
    raise TextError(f"{_path(lang, section)}: {key!r} is a group of templates, not one")


def fields(text: str) -> set[str]:
    """The named fields a template string uses (`{a} and {b:,.0f}` -> {'a', 'b'})."""
    names = set()
    for _, name, _, _ in _FORMATTER.parse(text):
        if name is None:
            continue
        root = name.split(".")[0].split("[")[0]
        if not root or root.isdigit():
            raise TextError(f"template {text!r} uses a positional field; name every field")
        names.add(root)
    return names


def _choose(key: str, entry: str | dict[str, str], lang: str, values: Mapping[str, Any]) -> str:
    if isinstance(entry, str):
        return entry
    if "n" not in values:
        raise TextError(f"{key!r} is a plural template: give the count as n=")
    rule = PLURAL_RULES.get(lang)
    if rule is None:
        raise TextError(f"no plural rule for language {lang!r} (add one to PLURAL_RULES)")
    category = rule(values["n"])
    return entry.get(category, entry["other"])


def say(key: str, lang: str | None = None, **values: Any) -> str:
    """The sentence `key` with `values` filled in; strict about keys and values."""
    lang = _lang(lang)
    entry = template(key, lang)
    text = _choose(key, entry, lang, values)
    needed = fields(text)
    missing = sorted(needed - set(values))
    if missing:
        raise TextError(f"{key!r} ({lang}) needs the value(s) {', '.join(missing)}")
    # `n` selects a plural form; it may go unused by the chosen form (e.g. "one trip").
    unused = sorted(set(values) - needed - ({"n"} if isinstance(entry, dict) else set()))
    if unused:
        raise TextError(f"{key!r} ({lang}) does not use the value(s) {', '.join(unused)}")
    try:
        filled = text.format(**values).rstrip("\n")  # a folded YAML block ends in "\n"
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise TextError(f"{key!r} ({lang}): cannot fill {text!r}: {exc}") from exc
    from analysis.locales import FINISH  # e.g. Korean particles chosen by the word before

    finish = FINISH.get(lang)
    return finish(filled) if finish else filled


def fill(key: str, pool: Mapping[str, Any], lang: str | None = None) -> str:
    """`say` with the values the template uses taken from `pool` (for variant templates
    that draw on one set of values); a value the template needs and `pool` lacks raises."""
    lang = _lang(lang)
    entry = template(key, lang)
    forms = entry.values() if isinstance(entry, dict) else [entry]
    needed = set().union(*(fields(form) for form in forms)) | (
        {"n"} if isinstance(entry, dict) else set()
    )
    return say(key, lang, **{k: v for k, v in pool.items() if k in needed})


def plural(n: int, key: str, lang: str | None = None, **values: Any) -> str:
    """A counted phrase from a plural template: plural(3, 'common.trip') -> '3 trips'."""
    lang = _lang(lang)
    return say(key, lang, n=n, **values)


def join(items: Iterable[str], conjunction: str = "and", lang: str | None = None) -> str:
    """A list in running text, by the catalogue's list patterns (`common.list.<conj>`)."""
    lang = _lang(lang)
    words = [item for item in items if item]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    if len(words) == 2:
        return say(f"common.list.{conjunction}.pair", lang, first=words[0], last=words[1])
    head = say("common.list.separator", lang).join(words[:-1])
    return say(f"common.list.{conjunction}.many", lang, head=head, last=words[-1])


def number(n: int, lang: str | None = None) -> str:
    """A count in running text: a word from `common.numbers` while there is one, then digits."""
    lang = _lang(lang)
    names = _section(lang, "common").get("numbers")
    if not isinstance(names, list):
        raise TextError(f"{_path(lang, 'common')}: 'numbers' must be a list of words")
    n = int(n)
    return names[n] if 0 <= n < len(names) else f"{n:,}"


def span(days: int, lang: str | None = None) -> str:
    """A length of time in running text: days, then weeks, months, then years with
    'almost' or 'more than' where the year is not whole ("almost seven years")."""
    lang = _lang(lang)
    days = max(int(days), 0)

    def unit(key: str, n: int) -> str:
        return say(f"common.span.{key}", lang, n=n, count=number(n, lang))

    if days < 14:
        return unit("days", days)
    if days < 61:
        return unit("weeks", round(days / 7))
    if days < 700:
        return unit("months", max(2, round(days / 30.44)))
    years, rest = divmod(days / 365.25, 1)
    if rest >= 0.75:
        return say("common.span.almost", lang, span=unit("years", int(years) + 1))
    if rest >= 0.25:
        return say("common.span.over", lang, span=unit("years", int(years)))
    return unit("years", int(years))


def capital(text: str) -> str:
    """The first letter upper-case (a phrase that opens a sentence or a bullet)."""
    return text[:1].upper() + text[1:]


def catalogue_keys(lang: str = DEFAULT_LANG) -> dict[str, str | dict[str, str]]:
    """Every template of a language, by key (for checks: a `ko` catalogue has the same keys)."""
    found: dict[str, str | dict[str, str]] = {}

    def walk(prefix: str, entry: Any, path: Path) -> None:
        if isinstance(entry, str) or _is_plural(entry):
            found[prefix] = entry
        elif isinstance(entry, list) and all(isinstance(item, str) for item in entry):
            for i, item in enumerate(entry):
                found[f"{prefix}.{i}"] = item
        elif isinstance(entry, dict):
            for name, child in entry.items():
                walk(f"{prefix}.{name}", child, path)
        else:
            raise TextError(f"{path}: {prefix!r} is neither a template nor a group")

    for path in sorted((CATALOGUE / lang).glob("*.yaml")):
        walk(path.stem, _section(lang, path.stem), path)
    return found


def check_catalogue(lang: str = DEFAULT_LANG) -> list[str]:
    """Every template parses and names its fields (returns the problems, empty when fine)."""
    problems = []
    for key, entry in catalogue_keys(lang).items():
        for text in entry.values() if isinstance(entry, dict) else [entry]:
            try:
                fields(text)
            except (TextError, ValueError) as exc:
                problems.append(f"{key}: {exc}")
    return problems
