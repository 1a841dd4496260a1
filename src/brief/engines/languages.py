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
from functools import cache
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


# The colophon's words (render.colophon_markdown); values are filled by the renderer.
COLOPHON_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "intro": "This is edition **{edition}**, built {built} with the {engine} engine "
        "({version}) from code commit `{commit}`{state}.",
        "dirty": " (with uncommitted changes)",
        "unknown": "unknown",
        "parameter": "Parameter",
        "value": "Value",
        "default": "default",
        "set": "set",
        "data_file": "Data file",
        "digest": "SHA-256 (first 16)",
        "software": "Software: {shown}.",
    },
    "ko": {
        "intro": "이 판은 **{edition}**이며, {built}에 {engine} 엔진({version})으로 코드 커밋 "
        "`{commit}`{state}에서 만들었다.",
        "dirty": "(커밋하지 않은 변경 포함)",
        "unknown": "알 수 없음",
        "parameter": "매개변수",
        "value": "값",
        "default": "기본값",
        "set": "지정",
        "data_file": "자료 파일",
        "digest": "SHA-256(앞 16자리)",
        "software": "소프트웨어: {shown}.",
    },
}


# The sentences of "What changed since the previous edition" that are the machinery's own
# (views.changes_markdown); the itemised facts keep the words the notebooks gave them.
CHANGES_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "correction": "**Correction.** This revision replaces edition **{revises}**: {erratum}",
        "first": "This is the first edition in the archive: there is no earlier official "
        "edition to compare it with.",
        "as_of": " (as of {as_of})",
        "nothing": "Nothing changed since the previous edition, {name}: the same parameters, "
        "data, code and stated facts.",
        "compared": "Compared with the previous edition, {name}:",
    },
    "ko": {
        "correction": "**정정.** 이 개정판은 **{revises}** 판을 대체한다: {erratum}",
        "first": "이 판은 아카이브의 첫 판으로, 비교할 이전 공식 판이 없다.",
        "as_of": "({as_of} 기준)",
        "nothing": "이전 판 {name} 이후 달라진 것이 없다. 매개변수, 자료, 코드, 기술된 사실이 "
        "모두 같다.",
        "compared": "이전 판 {name}에 비해 달라진 점:",
    },
}


def changes_words(lang: str) -> dict[str, str]:
    base = lang.replace("_", "-").split("-")[0].lower()
    return CHANGES_WORDS.get(base, CHANGES_WORDS["en"])


def colophon_words(lang: str) -> dict[str, str]:
    base = lang.replace("_", "-").split("-")[0].lower()
    return COLOPHON_WORDS.get(base, COLOPHON_WORDS["en"])


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
            chart_fonts(folder)
            add_static_charts(nb)  # the variant's chart has no SVG yet (the PDF needs one)
        chosen += count
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if lang != default and not chosen:
        raise AssemblyError(
            f"{folder}: the executed notebooks carry no {lang!r} text; does the subject have "
            f"a sentence catalogue for {lang!r}?"
        )
    return chosen


def chart_fonts(folder: Path) -> None:
    """Let vl-convert measure chart text in the project's fonts, which the PDF draws it in:
    without them it measures a fallback script (Hangul) short, and a legend label runs into
    the next entry's symbol. The fonts folder is the project's (`[tool.brief] fonts`) above
    `folder`; registering it leaves charts in the body font's script byte-identical."""
    from brief.project import ProjectError, load_project

    try:
        fonts = load_project(folder).fonts_dir
    except ProjectError:
        return
    if fonts.is_dir():
        _register_fonts(str(fonts.resolve()))


@cache
def _register_fonts(folder: str) -> None:
    import vl_convert as vlc

    vlc.register_font_directory(folder)


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


# --- the twin: the same edition in the other language ------------------------------------


def language_choices(model: Any, param: str) -> tuple[str, ...]:
    """The values the parameter model allows for the language parameter (its `Literal`
    choices, or an `Enum`'s values), in the model's order; empty when it does not list them."""
    import enum
    import typing

    field_ = model.model_fields.get(param)
    if field_ is None:
        return ()
    annotation = field_.annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(str(member.value) for member in annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(str(choice) for choice in typing.get_args(annotation))
    return ()


def twin_language(lang: str, choices: tuple[str, ...]) -> str | None:
    """The language of an edition's twin: the one other choice. None when the model lists
    no other language, or several (which of them would be *the* twin is not said)."""
    others = [choice for choice in choices if choice != lang]
    return others[0] if lang in choices and len(others) == 1 else None


def language_name(lang: str) -> str:
    """A language's name in that language ("English", "한국어"), for the link to a twin;
    the code itself for a language the machinery has no words for."""
    base = lang.replace("_", "-").split("-")[0].lower()
    return EDITION_WORDS.get(base, {}).get("name", lang)
