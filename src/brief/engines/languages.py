"""One execution, several languages: an edition's language is chosen in its copies of the
executed notebooks, before either engine sees them.

A notebook writes each computed output in every language of its subject at once: the
default language in the output's own bundle, the others under `protocol.LANGUAGES_MIME`
as `{lang: {"data": {...}, "metadata": {...}}}` (or `{lang: {"error": "..."}}` when that
language could not be written). The language of an edition is a parameter that no notebook
declares (its name comes from `[tool.brief] language_param`), so it never enters a
notebook's cache key: the twin of an edition in another language executes no notebook.

For the edition's language, `select_language` puts that variant in place of each output
(and draws the static SVG of a chart the variant replaced); for the default language it
only drops the variants. Both engines then read plain, single-language notebooks.

The crossref words the built-in engine writes ("Figure 1", "그림 1") are Quarto's own, from
its language files (quarto-cli `src/resources/language/_language-<lang>.yml`), so the two
engines agree for a document whose front matter says `lang: ko`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brief import protocol
from brief.engines import AssemblyError

# Quarto 1.10's words per language, by the built-in Lua filter's names for them:
# crossref-fig-title, crossref-tbl-title, crossref-sec-prefix and callout-<kind>-title.
QUARTO_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "fig": "Figure",
        "tbl": "Table",
        "sec": "Section",
        "callout-note": "Note",
        "callout-tip": "Tip",
        "callout-warning": "Warning",
        "callout-important": "Important",
        "callout-caution": "Caution",
    },
    "ko": {
        "fig": "그림",
        "tbl": "표",
        "sec": "섹션",
        "callout-note": "노트",
        "callout-tip": "힌트",
        "callout-warning": "경고",
        "callout-important": "중요",
        "callout-caution": "주의",
    },
}


# The machinery's own words on the edition line (the subject's words are its catalogue's).
EDITION_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "name": "English",
        "edition": "Edition {name}",
        "draft": "Draft of edition {name}",
        "as-of": "information published up to",
        "built": "built",
    },
    "ko": {
        "name": "한국어",
        "edition": "{name} 판",
        "draft": "{name} 판(초안)",
        "as-of": "정보 기준일",
        "built": "작성일",
    },
}


def edition_words(lang: str) -> dict[str, str]:
    base = lang.replace("_", "-").split("-")[0].lower()
    return EDITION_WORDS.get(base, EDITION_WORDS["en"])


def quarto_words(lang: str) -> dict[str, str]:
    """Quarto's words for a document `lang` such as `ko` or `en-GB` (English otherwise,
    as Quarto falls back to its English file)."""
    base = lang.replace("_", "-").split("-")[0].lower()
    return QUARTO_WORDS.get(base, QUARTO_WORDS["en"])


def word_metadata(lang: str) -> list[str]:
    """pandoc arguments giving the built-in Lua filter those words."""
    args = []
    for key, word in quarto_words(lang).items():
        args += ["-M", f"brief-word-{key}={word}"]
    return args


def _label(cell: dict[str, Any]) -> str:
    return protocol.cell_label(cell) or "(unlabelled cell)"


def select_language(nb: dict[str, Any], lang: str, default: str, where: str) -> int:
    """Put `lang`'s variant in place of every output that carries one; return how many.

    A variant recorded as an error (e.g. a sentence missing from that language's
    catalogue) stops the assembly with its message: never a fallback to the default."""
    chosen = 0
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not isinstance(data, dict) or protocol.LANGUAGES_MIME not in data:
                continue
            variants = data.pop(protocol.LANGUAGES_MIME)
            if lang == default:
                continue
            variant = variants.get(lang) if isinstance(variants, dict) else None
            if variant is None:
                raise AssemblyError(
                    f"{where}#{_label(cell)}: this output has no {lang!r} text "
                    f"(its languages: {', '.join([default, *sorted(variants or {})])})"
                )
            if "error" in variant:
                raise AssemblyError(
                    f"{where}#{_label(cell)}: the {lang!r} text could not be written: "
                    f"{variant['error']}"
                )
            output["data"] = variant.get("data") or {}
            output["metadata"] = variant.get("metadata") or {}
            chosen += 1
    return chosen


def select_in_folder(folder: Path, lang: str, default: str) -> int:
    """`select_language` over every executed notebook in `folder` (rewritten in place)."""
    from brief.execute import add_static_charts

    chosen = 0
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        count = select_language(nb, lang, default, path.name)
        if count:
            add_static_charts(nb)  # the variant's chart has no SVG yet (the PDF needs one)
        chosen += count
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if lang != default and not chosen:
        raise AssemblyError(
            f"{folder}: the executed notebooks carry no {lang!r} text; does the subject have "
            f"a sentence catalogue for {lang!r}?"
        )
    return chosen


def document_metadata(folder: Path) -> dict[str, str]:
    """The document metadata the notebooks emitted (`protocol.METADATA_MIME`), merged in
    notebook order: the computed title and subtitle, say."""
    merged: dict[str, str] = {}
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                values = (output.get("data") or {}).get(protocol.METADATA_MIME)
                if isinstance(values, str):
                    values = json.loads(values)
                if isinstance(values, dict):
                    merged.update({str(k): str(v) for k, v in values.items()})
    return merged


def document_for(document: Path, lang: str, default: str) -> Path:
    """The source document of an edition in `lang`: `brief.qmd` for the default language,
    `brief.<lang>.qmd` beside it for another (its analyst framing in that language)."""
    if lang == default:
        return document
    found = document.with_name(f"{document.stem}.{lang}{document.suffix}")
    if not found.is_file():
        raise AssemblyError(
            f"an edition in {lang!r} needs its document {found.name} beside {document.name} "
            "(the analyst framing in that language, with the same section ids and embeds)"
        )
    return found
