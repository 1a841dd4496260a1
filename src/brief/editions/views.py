"""Views of editions and diffs: terminal text, JSON, and the brief's "What changed" Markdown."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from brief.editions.catalogue import Catalogue, Entry
from brief.editions.diff import MAX_ITEMS, EditionDiff, KindDiff

# --------------------------------------------------------------------------- text helpers


def term_safe(text: str) -> str:
    """Text for a terminal: control and format characters shown as escapes."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch)[0] == "C" else ch
        for ch in text
    )


def param_value(value: Any) -> str:
    return (
        value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    )


def params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={param_value(params[k])}" for k in sorted(params))


def built_label(built: str) -> str:
    """`2026-01-25 06:00 UTC` from an ISO datetime; the text itself when it does not parse."""
    try:
        moment = dt.datetime.fromisoformat(built)
    except ValueError:
        return built
    if moment.tzinfo is None or moment.utcoffset() == dt.timedelta(0):
        return moment.strftime("%Y-%m-%d %H:%M") + " UTC"
    return moment.strftime("%Y-%m-%d %H:%M %z")


def code_text(code: dict[str, Any]) -> str:
    commit = str(code.get("commit") or "")[:10] or "unknown"
    return commit + ("+dirty" if code.get("dirty") else "")


def engine_text(engine: dict[str, Any]) -> str:
    return f"{engine.get('name') or '?'} {engine.get('version') or ''}".strip()


_MD_SPECIAL = set("\\`*_{}[]<>#+-!|$@~^&")


def md_escape(text: Any) -> str:
    """Text that Markdown (pandoc, Quarto) shows literally: no HTML, Typst, math or cites.

    Every Markdown-active ASCII punctuation is backslash-escaped and line breaks become
    spaces, so a value can never open a block, a raw span or a code fence.
    """
    out = []
    for ch in "" if text is None else str(text):
        if ch in "\r\n\t\v\f":
            out.append(" ")
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------- listing


def edition_flags(entry: Entry, catalogue: Catalogue) -> list[str]:
    flags = []
    latest = catalogue.latest()
    if latest is not None and latest.name == entry.name and entry.official:
        flags.append("latest")
    flags.append(entry.status)
    if entry.official and catalogue.superseded_by(entry) is not None:
        flags.append(f"superseded by {catalogue.superseded_by(entry).name}")
    if entry.manifest.publication.erratum:
        flags.append("correction")
    if entry.problems:
        flags.append("FAILS VERIFICATION")
    return flags


def list_table(catalogue: Catalogue, entries: Sequence[Entry]) -> str:
    """`brief list`: one row per edition (official newest first, then drafts)."""
    if not entries:
        return "No editions yet: `brief render` makes a draft, `brief publish` an edition.\n"
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("EDITION", "AS OF", "PARAMETERS", "BUILT", "STATUS"):
        table.add_column(column, overflow="fold")
    for e in entries:
        shown = {k: v for k, v in e.manifest.non_default.items() if k != e.date_key}
        table.add_row(
            term_safe(e.name),
            term_safe(e.as_of) or "-",
            term_safe(params_text(shown)) or "(defaults)",
            term_safe(built_label(e.manifest.built)) or "-",
            ", ".join(edition_flags(e, catalogue)),
        )
    console = Console(width=160, no_color=True, highlight=False, markup=False, emoji=False)
    with console.capture() as captured:
        console.print(table)
    return "\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n"


def list_json(catalogue: Catalogue, entries: Sequence[Entry]) -> str:
    records = []
    latest = catalogue.latest()
    for e in entries:
        records.append(
            {
                "name": e.name,
                "path": str(e.path),
                "status": e.status,
                "official": e.official,
                "latest": bool(latest and latest.name == e.name and e.official),
                "as_of": e.as_of,
                "params": e.manifest.params,
                "non_default": e.manifest.non_default,
                "built": e.manifest.built,
                "engine": e.manifest.engine,
                "title": e.manifest.title,
                "revision": e.revision,
                "erratum": e.manifest.publication.erratum,
                "previous": (e.manifest.previous or {}).get("edition"),
                "verified": not e.problems,
                "problems": e.problems,
            }
        )
    return json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- diff as text


def _items(kind: KindDiff) -> list[str]:
    return (
        [f"+ {i.text}  [{i.id}]" for i in kind.added]
        + [f"- {i.text}  [{i.id}]" for i in kind.removed]
        + [f"~ {i.text}  [{i.id}]" for i in kind.changed]
    )


def _counts(kind: KindDiff) -> str:
    return f"{len(kind.added)} added, {len(kind.removed)} removed, {len(kind.changed)} changed"


def format_diff(d: EditionDiff) -> str:
    """A readable terminal report (control characters in the data shown as escapes)."""
    lines = [f"{d.a} → {d.b}"]
    if d.a_as_of or d.b_as_of:
        lines.append(f"as of {d.a_as_of or '?'} → {d.b_as_of or '?'}")
    lines += summary(d)
    if d.empty:
        lines.append("No differences.")
    if d.params:
        lines.append(f"Parameters ({len(d.params)} changed)")
        lines += [f"  {p.name}: {param_value(p.old)} → {param_value(p.new)}" for p in d.params]
    for kind in (d.data, d.notebooks):
        if not kind.empty:
            lines.append(f"{kind.title} ({_counts(kind)})")
            lines += [f"  {i.text}" for i in kind.added + kind.removed + kind.changed]
    for change in d.build:
        show = code_text if change.name == "code" else engine_text
        lines.append(f"{change.name.capitalize()}: {show(change.old)} → {show(change.new)}")
    for kind in d.facts:
        if not kind.empty:
            lines.append(f"{kind.title} ({_counts(kind)})")
            lines += [f"  {item}" for item in _items(kind)]
    lines += [f"Note: {note}" for note in d.notes]
    return "\n".join(term_safe(line) for line in lines) + "\n"


# --------------------------------------------------------------------------- what moved


def _quoted(text: Any) -> str:
    return f"“{text}”"


def summary(d: EditionDiff) -> list[str]:
    """A few generic sentences on what moved, before the itemised changes."""
    sentences = []
    assessment = d.kind("assessment")
    if assessment and assessment.changed:
        old, new = assessment.changed[0].old or {}, assessment.changed[0].new or {}
        if old.get("state") != new.get("state") and new.get("state"):
            sentences.append(
                f"The assessment moved from {old.get('state') or 'none'} to {new['state']}."
            )
        if old.get("label") != new.get("label") and new.get("label"):
            sentences.append(
                f"The bottom line changed from {_quoted(old.get('label'))} to "
                f"{_quoted(new['label'])}."
            )
    counts = []
    for kind in d.facts:
        if kind.kind == "assessment" or kind.empty:
            continue
        parts = [
            f"{len(items)} {word}"
            for word, items in (
                ("new", kind.added),
                ("changed", kind.changed),
                ("gone", kind.removed),
            )
            if items
        ]
        counts.append(f"{kind.title.lower()}: {', '.join(parts)}")
    if counts:
        sentences.append("Stated facts: " + "; ".join(counts) + ".")
    return sentences


def _bullets(items: list[str], limit: int = MAX_ITEMS) -> list[str]:
    lines = [f"    - {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"    - and {len(items) - limit} more")
    return lines


def _block(kind: KindDiff) -> list[str]:
    groups = [
        ("new", [f"new: {i.text}" for i in kind.added]),
        ("changed", [i.text for i in kind.changed]),
        ("gone", [i.text for i in kind.removed]),
    ]
    present = [(noun, items) for noun, items in groups if items]
    if not present:
        return []
    counts = ", ".join(f"{len(items)} {noun}" for noun, items in present)
    items = [md_escape(i) for _, group in present for i in group]
    return [f"- **{md_escape(kind.title)}**: {counts}.", *_bullets(items)]


def changes_markdown(
    d: EditionDiff | None,
    *,
    previous: str = "",
    erratum: str | None = None,
    revises: str = "",
    lang: str = "en",
    described: str | None = None,
) -> str:
    """The body of "What changed since the previous edition", as Markdown.

    Opens with the correction note of a revision. When the subject describes the change
    itself (`described`, from `[tool.brief] changes`), its text follows and the generic
    listing is left to `brief diff`; otherwise a few sentences on what moved, then counts
    and at most MAX_ITEMS items per kind, every text from facts or manifests escaped.
    """
    from brief.engines.languages import changes_words

    w = changes_words(lang)  # the machinery's sentences in the edition's language
    lines: list[str] = []
    if erratum:
        lines += [
            w["correction"].format(revises=md_escape(revises), erratum=md_escape(erratum)),
            "",
        ]
    if d is None:
        lines.append(w["first"])
        return "\n".join(lines) + "\n"
    when = w["as_of"].format(as_of=md_escape(d.a_as_of)) if d.a_as_of else ""
    name = f"**{md_escape(previous or d.a)}**{when}"
    if d.empty:
        lines.append(w["nothing"].format(name=name))
        return "\n".join(lines) + "\n"
    if described is not None:
        return "\n".join([*lines, described.strip()]) + "\n"
    lines += [w["compared"].format(name=name), ""]
    moved = summary(d)
    if moved:
        lines += [md_escape(" ".join(moved)), ""]
    if d.params:
        lines.append(f"- **Parameters**: {len(d.params)} changed.")
        lines += _bullets(
            [md_escape(f"{p.name}: {param_value(p.old)} → {param_value(p.new)}") for p in d.params]
        )
    lines += _block(d.data)
    if d.build:
        show = {"code": code_text, "engine": engine_text}
        bits = [
            f"{c.name} {md_escape(show[c.name](c.old))} → {md_escape(show[c.name](c.new))}"
            for c in d.build
        ]
        lines.append(f"- **Build**: {'; '.join(bits)}.")
    for kind in d.facts:
        lines += _block(kind)
    lines += [f"- {md_escape(note)}" for note in d.notes]
    return "\n".join(lines) + "\n"
