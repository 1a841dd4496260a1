"""The archive page `output/index.html` and `output/latest/`, from template files.

One self-contained page (no external resource, no JavaScript, works opened from disk)
listing the official editions, newest first, an edition and its twins in other languages
side by side in one row (`twin_groups`), each linking to the others; each card gives the
edition's bottom line (facts.json `assessment.label`), its as-of date, what is new since
its previous edition, whether it is a correction or superseded, and when it was published.
`latest/` holds a redirect to the latest official edition and `EDITION` with its name (no symlinks).

The page carries a digest of the catalogue it was made from, so any run can tell a stale
archive (a run killed between publishing and writing the page) and repair it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from brief.editions.catalogue import INDEX, LATEST, Catalogue, Entry, in_default_language
from brief.editions.diff import EditionDiff, compare, read_facts
from brief.editions.manifest import Manifest, ManifestError
from brief.editions.views import built_label, code_text, engine_text, param_value
from brief.fsutil import atomic_write
from brief.hashing import value_sha256

HTML_FILE, PDF_FILE = "brief.html", "brief.pdf"
TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _templates() -> Any:
    """The page templates; Jinja2 is imported only when a page is written (a no-op render
    checks the archive but writes none)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _href(*parts: str) -> str:
    return "/".join(p if p == ".." else quote(p, safe="") for p in parts)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _folder_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def data_digest(data: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for name in sorted(data):
        h.update(f"{name}\0{data[name]}\n".encode())
    return h.hexdigest()[:12]


def provenance(manifest: Manifest) -> str:
    data = manifest.data
    plural = "" if len(data) == 1 else "s"
    return " · ".join(
        [
            f"data {data_digest(data)} ({len(data)} file{plural})" if data else "data none",
            f"code {code_text(manifest.code)}",
            f"engine {engine_text(manifest.engine)}",
        ]
    )


def new_since_previous(entry: Entry, catalogue: Catalogue) -> str:
    """One line: what this edition states that its recorded previous edition did not."""
    previous = (entry.manifest.previous or {}).get("edition")
    if not previous:  # a manifest older than that record: the latest earlier edition in
        # the default language (such an edition predates languages, so it is in that one)
        found = [
            e
            for e in catalogue.official()
            if e.as_of
            and e.as_of < entry.as_of
            and in_default_language(e)
            and e.order < entry.order  # published before it, as its "previous" would be
        ]
        previous = found[0].name if found else None
    if not previous:
        return "first edition in the archive"
    folder = catalogue.output_dir / str(previous)
    try:
        old = Manifest.read(folder)
    except ManifestError:
        return f"compared with {previous} (no longer readable)"
    old_facts, _ = read_facts(folder, old)
    new_facts, _ = read_facts(entry.path, entry.manifest)
    d = compare(old, old_facts, entry.manifest, new_facts, entry.date_key)
    return f"Since {previous}: {card_summary(d)}"


def card_summary(d: EditionDiff) -> str:
    """What moved, in a card's few words: the assessment's state and confidence, and how
    many events the edition states that its previous one did not (the rest: `brief diff`)."""
    sentences = []
    kind = d.kind("assessment")
    if kind is not None and kind.changed:
        old, new = kind.changed[0].old or {}, kind.changed[0].new or {}
        if old.get("state") != new.get("state"):
            sentences.append(f"the assessment moved from {old.get('state')} to {new.get('state')}")
        else:
            sentences.append(f"the assessment still reads {new.get('state')}")
        if old.get("confidence") != new.get("confidence"):
            sentences.append(f"confidence {new.get('confidence')} (was {old.get('confidence')})")
    elif kind is not None and kind.added:
        state = (kind.added[0].new or {}).get("state")
        sentences.append(f"the first with an assessment ({state})" if state else "")
    events = d.kind("events")
    if events is not None and events.added:
        n = len(events.added)
        sentences.append(f"{n} event{'s' if n != 1 else ''} stated for the first time")
    text = "; ".join(s for s in sentences if s)
    return (text[:1].upper() + text[1:] + ".") if text else "No change in the stated facts."


def page_heading(entry: Entry) -> tuple[str, str]:
    """The title and subtitle an edition's page shows its readers (in its language), from
    its HTML; empty strings when the page is missing or has none."""
    path = entry.path / HTML_FILE
    try:
        page = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", ""
    found = [re.search(p, page, flags=re.S) for p in _HEADING]
    return tuple(html.unescape(m.group(1)).strip() if m else "" for m in found)  # type: ignore[return-value]


_HEADING = (r"<title>(.*?)</title>", r'<p class="subtitle">(.*?)</p>')


def _language(entry: Entry) -> dict[str, Any] | None:
    found = (entry.manifest.inputs or {}).get("language")
    return found if isinstance(found, dict) and found.get("param") else None


def twins(entry: Entry, catalogue: Catalogue) -> list[dict[str, str]]:
    """The same edition in its other languages: official editions with the same parameters
    but the language (recorded by the renderer in the manifest's inputs)."""
    from brief.engines.languages import edition_words

    mine = _language(entry)
    if mine is None:
        return []
    param = mine["param"]
    rest = {k: v for k, v in entry.manifest.params.items() if k != param}
    found = []
    for other in catalogue.official():
        theirs = _language(other)
        if other.name == entry.name or theirs is None or theirs["value"] == mine["value"]:
            continue
        if {k: v for k, v in other.manifest.params.items() if k != param} != rest:
            continue
        if catalogue.superseded_by(other) is not None:
            continue  # the twin's latest revision stands for it
        found.append(
            {
                "lang": str(theirs["value"]),
                "label": edition_words(str(theirs["value"]))["name"],
                "name": other.name,
                "html": _href(other.name, HTML_FILE) if other.has_file(HTML_FILE) else "",
                "pdf": _href(other.name, PDF_FILE) if other.has_file(PDF_FILE) else "",
            }
        )
    return sorted(found, key=lambda t: t["lang"])


@dataclass
class Badge:
    css: str
    text: str


def _card(entry: Entry, catalogue: Catalogue, latest: bool) -> dict[str, Any]:
    m = entry.manifest
    facts, _ = read_facts(entry.path, m)
    assessment = facts.get("assessment") if isinstance(facts.get("assessment"), dict) else {}
    badges = [Badge("latest", "Latest")] if latest else []
    badges.append(Badge("official", "Official"))
    if m.publication.erratum:
        badges.append(Badge("correction", f"Correction r{entry.revision}"))
    newer = catalogue.superseded_by(entry)
    if newer is not None:
        badges.append(Badge("superseded", "Superseded"))
    if entry.problems:
        badges.append(Badge("failed", "Fails verification"))
    classes = ["edition", "official"] + (["latest"] if latest else [])
    native = in_default_language(entry)  # the facts' own language
    heading = page_heading(entry) if not native else ("", "")
    shown = {k: v for k, v in m.non_default.items() if k != entry.date_key}
    when = ("Published", m.publication.published) if m.publication.published else ("Built", m.built)
    return {
        "name": entry.name,
        "classes": " ".join(classes),
        "badges": badges,
        # A twin in another language shows its own page's words (facts are stated once, in
        # the default language): its title, and its subtitle in place of the bottom line.
        "title": heading[0] or str(assessment.get("title") or m.title or entry.name),
        "bottom_line": str(assessment.get("label") or "") if native else heading[1],
        "erratum": m.publication.erratum or "",
        "superseded": newer.name if newer else "",
        "superseded_href": _href(newer.name, HTML_FILE) if newer else "",
        "problems": entry.problems,
        "as_of": entry.as_of,
        "new": new_since_previous(entry, catalogue),
        "params": [f"{k}={param_value(shown[k])}" for k in sorted(shown)],
        "when": when[0],
        "published": built_label(when[1]) or "unknown",
        "html": _href(entry.name, HTML_FILE) if entry.has_file(HTML_FILE) else "",
        "pdf": _href(entry.name, PDF_FILE) if entry.has_file(PDF_FILE) else "",
        "size": human_size(_folder_size(entry.path)),
        "provenance": provenance(m),
        "lang": str((_language(entry) or {}).get("value") or ""),
        "twins": twins(entry, catalogue),
    }


def catalogue_state(catalogue: Catalogue) -> str:
    """A digest of what the archive shows: each official edition's manifest and integrity."""
    return value_sha256(
        [
            (e.name, e.manifest.digest or e.manifest.inputs_sha256, e.problems)
            for e in catalogue.official()
        ]
    )


def twin_groups(catalogue: Catalogue) -> list[list[Entry]]:
    """The official editions (newest first) in rows of twins: an edition and the same
    edition in its other languages (same parameters but the language) share a row, at the
    place of the newest of them. In a row, the current revisions first (the default
    language's, then the others'), then any superseded revision, newest first."""
    official = catalogue.official()
    rows: dict[Any, list[Entry]] = {}
    for entry in official:
        found = _language(entry)
        if found is None:
            key: Any = ("edition", entry.name)
        else:
            rest = {k: v for k, v in entry.manifest.params.items() if k != found["param"]}
            key = ("params", json.dumps(rest, sort_keys=True, default=str))
        rows.setdefault(key, []).append(entry)

    def order(entry: Entry) -> tuple[bool, bool, int]:
        superseded = catalogue.superseded_by(entry) is not None
        return superseded, not in_default_language(entry), official.index(entry)

    return [sorted(row, key=order) for row in rows.values()]


def archive_html(catalogue: Catalogue) -> str:
    latest = catalogue.latest()  # the newest in the default language: the badge and lede
    groups = twin_groups(catalogue)
    # The page is headed by the newest row's first edition (its default language).
    heading = (groups[0][0].manifest.title if groups else "") or "Editions"
    rows = [[_card(e, catalogue, latest=(e is latest)) for e in row] for row in groups]
    cards = [card for row in rows for card in row]
    newest = next((card for card in cards if card["name"] == latest.name), None) if latest else None
    css = (TEMPLATES / "archive.css").read_text(encoding="utf-8")
    page = (
        _templates()
        .get_template("archive.html.j2")
        .render(
            heading=heading,
            rows=rows,
            cards=cards,
            latest=newest,
            css=css,
            state=catalogue_state(catalogue),
        )
    )
    return with_fallback_fonts(page, catalogue.output_dir)


def with_fallback_fonts(page: str, output_dir: Path) -> str:
    """The page with the project's fallback fonts for the characters its body font lacks
    (a Korean twin's title and bottom line, its language's name), embedded as the editions
    embed them (brief.engines.webfont), so the archive draws them offline on any machine.
    Unchanged outside a project (no fonts folder to cut them from)."""
    from brief.engines.webfont import font_faces
    from brief.project import ProjectError, load_project

    try:
        fonts = load_project(output_dir).fonts_dir
    except ProjectError:
        return page
    head, found, body = page.partition("</head>")
    faces = font_faces(body, [fonts]) if found else ""
    if not faces:
        return page
    families = ", ".join(f'"{name}"' for name in re.findall(r'font-family: "([^"]+)"', faces))
    fallback = f":root {{ --brief-fallback: {families}, sans-serif; }}\n"
    # Preloaded, so the browser has the font before it first lays the text out: Chromium
    # otherwise draws the first lines it shapes (the heading) as empty boxes.
    preload = "".join(
        f'<link rel="preload" href="{url}" as="font" type="font/woff2" crossorigin>\n'
        for url in re.findall(r'url\("(data:font/woff2;base64,[^"]+)"\)', faces)
    )
    style = f'<style id="brief-fallback-fonts">\n{faces}{fallback}</style>\n'
    return f"{head}{preload}{style}</head>{body}"


def latest_html(entry: Entry) -> str:
    return (
        _templates()
        .get_template("latest.html.j2")
        .render(
            target=_href("..", entry.name, HTML_FILE),
            title=entry.manifest.title or entry.name,
            name=entry.name,
            as_of=entry.as_of,
        )
    )


def write_latest(output_dir: Path, entry: Entry | None) -> Path:
    latest_dir = Path(output_dir) / LATEST
    if latest_dir.is_symlink() or (latest_dir.exists() and not latest_dir.is_dir()):
        latest_dir.unlink()
    latest_dir.mkdir(exist_ok=True)
    keep = set()
    if entry is not None:
        _write_if_changed(latest_dir / INDEX, latest_html(entry))
        _write_if_changed(latest_dir / "EDITION", entry.name + "\n")
        keep = {INDEX, "EDITION"}
    for stray in latest_dir.iterdir():  # latest/ holds the pointer only, never a copy
        if stray.name in keep:
            continue
        if stray.is_dir() and not stray.is_symlink():
            shutil.rmtree(stray, ignore_errors=True)
        else:
            stray.unlink(missing_ok=True)
    return latest_dir


def _write_if_changed(path: Path, text: str) -> bool:
    with contextlib.suppress(OSError):
        if path.read_text(encoding="utf-8") == text:
            return False
    atomic_write(path, text)
    return True


def write_archive(output_dir: Path, date_key: str = "as_of") -> Path:
    """Regenerate `output/index.html` and `output/latest/` (call under the publish lock)."""
    catalogue = Catalogue(output_dir, date_key)
    index = Path(output_dir) / INDEX
    _write_if_changed(index, archive_html(catalogue))
    write_latest(output_dir, catalogue.latest())
    return index


def archive_is_stale(output_dir: Path, date_key: str = "as_of") -> bool:
    """Whether index.html or latest/ disagree with the official editions on disk."""
    catalogue = Catalogue(output_dir, date_key)
    official = catalogue.official()
    index = Path(output_dir) / INDEX
    if not official and not index.exists():
        return False
    try:
        page = index.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True
    if f'<meta name="brief-catalogue" content="{catalogue_state(catalogue)}">' not in page:
        return True
    latest = catalogue.latest()
    pointer = Path(output_dir) / LATEST / "EDITION"
    try:
        named = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        named = None
    return named != (latest.name if latest else None)


def repair_archive(output_dir: Path, date_key: str = "as_of") -> bool:
    """Rewrite the archive when it is stale (call under the publish lock); True if it was."""
    if not archive_is_stale(output_dir, date_key):
        return False
    write_archive(output_dir, date_key)
    return True
