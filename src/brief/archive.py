"""The reading side of `output/`: list the published editions, the archive page, `latest/`.

Everything here works from each edition's `manifest.json` (see docs/ARCHITECTURE.md,
"Editions"); nothing knows what the brief is about.

- `list_editions(output_dir)` reads every edition folder, newest first; folders whose
  manifest cannot be read are reported as warnings, never fatal.
- `write_archive(output_dir)` regenerates `output/index.html` (one self-contained page: no
  external resource, no JavaScript, works opened from disk) and `output/latest/`
  (`index.html` with a meta refresh to the newest edition, and `EDITION` with its name;
  no symlinks, so it works on every platform). Writes are atomic and the bytes depend only
  on the editions, never on the wall clock.
- `format_table` / `editions_json` back `brief list` and `brief list --json`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import os
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from brief.fsutil import atomic_write, read_json_object

MANIFEST = "manifest.json"
OFFICIAL = "OFFICIAL"
LATEST = "latest"
INDEX = "index.html"
HTML_FILE = "brief.html"
PDF_FILE = "brief.pdf"

# Folder names in output/ that are never editions.
_RESERVED = {LATEST}
# Prefixes / suffixes of working folders (temp dirs of an in-flight publish, editor backups).
_SKIP_PREFIXES = (".", "_", "~", "#")
_SKIP_SUFFIXES = (".tmp", ".partial", ".old", "~")


@dataclass
class EditionInfo:
    """One published edition, as its manifest describes it."""

    name: str
    path: Path
    as_of: str
    params: dict[str, Any]
    non_default: dict[str, Any]
    built: str
    engine: dict[str, Any]
    size: int
    title: str
    official: bool
    manifest: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def engine_label(self) -> str:
        return engine_label(self.engine)

    @property
    def shown_params(self) -> dict[str, Any]:
        """The non-default parameters but `as_of`, which is always shown on its own."""
        return {k: v for k, v in self.non_default.items() if k != "as_of"}

    def has_file(self, name: str) -> bool:
        return (self.path / name).is_file()


# --------------------------------------------------------------------------- reading


def is_edition_candidate(name: str) -> bool:
    """Whether a folder name in output/ may hold an edition (not latest/, not a temp dir)."""
    if name in _RESERVED:
        return False
    if name.startswith(_SKIP_PREFIXES) or name.endswith(_SKIP_SUFFIXES):
        return False
    return ".tmp" not in name


def official_editions(output_dir: Path) -> set[str]:
    """Names listed one per line in `output/OFFICIAL` (blank lines and `#` comments ignored)."""
    path = Path(output_dir) / OFFICIAL
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    names = set()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line)
    return names


def read_manifest(edition_dir: Path) -> dict[str, Any]:
    """The manifest of one edition folder; raises ValueError with a readable reason."""
    try:
        return read_json_object(Path(edition_dir) / MANIFEST)
    except FileNotFoundError:
        raise ValueError("no manifest.json") from None


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _folder_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            total += st.st_size
    return total


def edition_info(edition_dir: Path, official: Iterable[str] = ()) -> EditionInfo:
    """Describe one edition folder from its manifest (ValueError if it is unreadable)."""
    edition_dir = Path(edition_dir)
    manifest = read_manifest(edition_dir)
    params = _as_dict(manifest.get("params"))
    defaults = manifest.get("params_default")
    default_names = {str(n) for n in defaults} if isinstance(defaults, list) else set()
    as_of = params.get("as_of")
    return EditionInfo(
        name=edition_dir.name,
        path=edition_dir,
        as_of=str(as_of) if as_of is not None else "",
        params=params,
        non_default={k: v for k, v in params.items() if k not in default_names},
        built=str(manifest.get("built") or ""),
        engine=_as_dict(manifest.get("engine")),
        size=_folder_size(edition_dir),
        title=str(manifest.get("title") or ""),
        official=edition_dir.name in set(official),
        manifest=manifest,
    )


def _built_key(built: str) -> str:
    """A sortable form of `built`: UTC ISO when parseable (naive means UTC), else the text."""
    try:
        moment = dt.datetime.fromisoformat(built)
    except ValueError:
        return built
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def sort_key(info: EditionInfo) -> tuple[str, str, str]:
    return (info.as_of, _built_key(info.built), info.name)


def list_editions(output_dir: Path, warnings: list[str] | None = None) -> list[EditionInfo]:
    """Every edition in `output_dir`, newest first (as_of, then built, then name).

    Skips `latest/` and hidden or temporary folders. A folder whose manifest is missing or
    unreadable is not an edition: it is described in `warnings` (when a list is given).
    """
    output_dir = Path(output_dir)
    if warnings is None:
        warnings = []
    if not output_dir.is_dir():
        return []
    official = official_editions(output_dir)
    found: list[EditionInfo] = []
    for entry in sorted(output_dir.iterdir(), key=lambda p: p.name):
        if not is_edition_candidate(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            info = edition_info(entry, official)
        except ValueError as exc:
            warnings.append(f"{entry.name}: skipped: {exc}")
            continue
        claimed = info.manifest.get("edition")
        if claimed is not None and str(claimed) != entry.name:
            warnings.append(
                f"{entry.name}: manifest names the edition {str(claimed)!r}; "
                "listed under its folder name"
            )
        if not info.as_of:
            warnings.append(f"{entry.name}: manifest has no params.as_of")
        found.append(info)
    missing = sorted(official - {e.name for e in found})
    for name in missing:
        warnings.append(f"OFFICIAL lists {name!r}, which is not a readable edition")
    found.sort(key=sort_key, reverse=True)
    return found


# --------------------------------------------------------------------------- formatting


def engine_label(engine: dict[str, Any]) -> str:
    name = str(engine.get("name") or "?")
    version = engine.get("version")
    return f"{name} {version}" if version not in (None, "") else name


def param_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


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


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def data_digest(data: Any) -> str:
    """One short checksum for an edition's data: sha256 over its sorted `file sha256` lines."""
    entries = _as_dict(data)
    h = hashlib.sha256()
    for name in sorted(entries):
        h.update(f"{name}\0{entries[name]}\n".encode())
    return h.hexdigest()[:12]


def provenance(manifest: dict[str, Any]) -> str:
    """`data 1a2b3c4d5e6f (5 files) · code 0123abc+dirty · builtin 0.1.0`."""
    data = _as_dict(manifest.get("data"))
    code = _as_dict(manifest.get("code"))
    commit = str(code.get("commit") or "")
    code_text = commit[:10] if commit else "unknown"
    if code.get("dirty"):
        code_text += "+dirty"
    plural = "" if len(data) == 1 else "s"
    parts = [
        f"data {data_digest(data)} ({len(data)} file{plural})" if data else "data none",
        f"code {code_text}",
        f"engine {engine_label(_as_dict(manifest.get('engine')))}",
    ]
    return " · ".join(parts)


def term_safe(text: str) -> str:
    """Text for a terminal: control and format characters shown as escapes."""
    out = []
    for ch in text:
        if unicodedata.category(ch)[0] == "C":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def format_table(editions: Sequence[EditionInfo]) -> str:
    """A plain-text table for `brief list`: name, as_of, parameters, built, size."""
    if not editions:
        return "No editions published yet.\n"
    header = ("EDITION", "AS OF", "PARAMETERS", "BUILT", "SIZE", "")
    rows = [header]
    for i, e in enumerate(editions):
        flags = []
        if i == 0:
            flags.append("latest")
        flags.append("official" if e.official else "local")
        rows.append(
            (
                term_safe(e.name),
                term_safe(e.as_of) or "-",
                term_safe(params_text(e.shown_params)) or "(defaults)",
                term_safe(built_label(e.built)) or "-",
                human_size(e.size),
                ", ".join(flags),
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = []
    for r in rows:
        cells = [r[c].rjust(widths[c]) if c == 4 else r[c].ljust(widths[c]) for c in range(len(r))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def edition_record(e: EditionInfo, *, latest: bool = False) -> dict[str, Any]:
    return {
        "name": e.name,
        "path": str(e.path),
        "as_of": e.as_of,
        "params": e.params,
        "non_default": e.non_default,
        "built": e.built,
        "engine": e.engine,
        "size": e.size,
        "title": e.title,
        "official": e.official,
        "latest": latest,
        "provenance": provenance(e.manifest),
    }


def editions_json(editions: Sequence[EditionInfo]) -> str:
    """`brief list --json`: a JSON array, newest first, keys sorted."""
    records = [edition_record(e, latest=(i == 0)) for i, e in enumerate(editions)]
    return json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- writing


def _href(*parts: str) -> str:
    """A relative URL from path parts (each part percent-encoded), HTML-attribute escaped."""
    return html.escape("/".join(quote(p, safe="") if p != ".." else p for p in parts))


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS = """
:root { color-scheme: light; --ink: #1d232a; --muted: #5b6670; --rule: #d9dee3;
  --accent: #0b5cad; --official: #1f6f43; --local: #8a5a00; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans",
  sans-serif; color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 2rem 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
.lede { color: var(--muted); margin: 0 0 1.5rem; }
ol.editions { list-style: none; padding: 0; margin: 0; }
li.edition { border-top: 1px solid var(--rule); padding: 1rem 0; }
li.edition h2 { font-size: 1.15rem; margin: 0 0 .25rem; }
a { color: var(--accent); }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; letter-spacing: .02em;
  text-transform: uppercase; border: 1px solid currentColor; border-radius: .25rem;
  padding: 0 .35rem; margin-right: .35rem; vertical-align: .1em; }
.badge.latest { color: var(--accent); }
.badge.official { color: var(--official); }
.badge.local { color: var(--local); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  margin: .5rem 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
code { font-family: ui-monospace, "Liberation Mono", monospace; font-size: .9em;
  overflow-wrap: anywhere; }
p.links { margin: .25rem 0; }
p.provenance { color: var(--muted); font-size: .85rem; margin: .25rem 0 0; }
.legend { color: var(--muted); font-size: .9rem; margin-top: 2rem; }
"""


def _edition_item(e: EditionInfo, *, latest: bool) -> str:
    classes = ["edition", "official" if e.official else "local"]
    if latest:
        classes.append("latest")
    badges = []
    if latest:
        badges.append('<span class="badge latest">Latest</span>')
    if e.official:
        badges.append('<span class="badge official">Official</span>')
    else:
        badges.append('<span class="badge local">Local render</span>')
    title = e.title or e.name
    has_html, has_pdf = e.has_file(HTML_FILE), e.has_file(PDF_FILE)
    heading = f'<a href="{_href(e.name, HTML_FILE)}">{_e(title)}</a>' if has_html else _e(title)
    shown = e.shown_params
    if shown:
        params = ", ".join(
            f"<code>{_e(k)}={_e(param_value(shown[k]))}</code>" for k in sorted(shown)
        )
    else:
        params = "defaults"
    links = []
    if has_html:
        links.append(f'<a class="html" href="{_href(e.name, HTML_FILE)}">HTML</a>')
    else:
        links.append("HTML missing")
    if has_pdf:
        links.append(f'<a class="pdf" href="{_href(e.name, PDF_FILE)}">PDF</a>')
    else:
        links.append("PDF missing")
    links.append(f'<span class="size">{_e(human_size(e.size))}</span>')
    return "\n".join(
        [
            f'<li class="{" ".join(classes)}" data-edition="{_e(e.name)}">',
            f"<h2>{''.join(badges)}{heading}</h2>",
            '<dl class="meta">',
            f"<dt>Edition</dt><dd><code>{_e(e.name)}</code></dd>",
            f'<dt>As of</dt><dd class="as-of">{_e(e.as_of or "unknown")}</dd>',
            f'<dt>Parameters</dt><dd class="params">{params}</dd>',
            f'<dt>Built</dt><dd class="built">{_e(built_label(e.built) or "unknown")}</dd>',
            f'<dt>Engine</dt><dd class="engine">{_e(e.engine_label)}</dd>',
            "</dl>",
            f'<p class="links">{" · ".join(links)}</p>',
            f'<p class="provenance">Provenance: {_e(provenance(e.manifest))}</p>',
            "</li>",
        ]
    )


def archive_html(editions: Sequence[EditionInfo]) -> str:
    """The archive page for these editions (newest first), as a string."""
    heading = (editions[0].title if editions else "") or "Editions"
    n_off = sum(1 for e in editions if e.official)
    n_loc = len(editions) - n_off
    if editions:
        newest = editions[0]
        lede = (
            f"{len(editions)} edition{'s' if len(editions) != 1 else ''}: "
            f"{n_off} official, {n_loc} local render{'s' if n_loc != 1 else ''}. "
            f'Latest: <a href="{_href(LATEST, INDEX)}">{_e(newest.name)}</a> '
            f"(as of {_e(newest.as_of or 'unknown')})."
        )
        body = "\n".join(_edition_item(e, latest=(i == 0)) for i, e in enumerate(editions))
        listing = f'<ol class="editions">\n{body}\n</ol>'
    else:
        lede = "No editions published yet."
        listing = ""
    return _page(
        f"{_e(heading)} — archive of editions",
        before=['<meta name="viewport" content="width=device-width, initial-scale=1">'],
        after=[f"<style>{_CSS}</style>"],
        body=[
            "<header>",
            f"<h1>{_e(heading)}</h1>",
            f'<p class="lede">Archive of editions. {lede}</p>',
            "</header>",
            "<main>",
            listing,
            "</main>",
            '<footer class="legend"><p>Newest first, by the date each edition is as of. '
            "<em>Official</em> editions are the ones the project publishes; "
            "<em>local renders</em> were made on someone's machine. "
            "Provenance: a short checksum of the data files, the code commit "
            "(<code>+dirty</code> when the working tree had uncommitted changes) and the "
            "rendering engine.</p></footer>",
        ],
    )


def latest_html(edition: EditionInfo) -> str:
    target = _href("..", edition.name, HTML_FILE)
    title = edition.title or edition.name
    return _page(
        f"Latest edition: {_e(title)}",
        before=[f'<meta http-equiv="refresh" content="0; url={target}">'],
        body=[
            f'<p>The latest edition is <a href="{target}">{_e(edition.name)}</a> '
            f"(as of {_e(edition.as_of or 'unknown')}). "
            f'See also <a href="{_href("..", INDEX)}">all editions</a>.</p>',
        ],
    )


def _page(
    title: str, *, body: Sequence[str], before: Sequence[str], after: Sequence[str] = ()
) -> str:
    """A page that loads nothing: CSP forbids the network, the favicon is inline."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            *before,
            '<link rel="icon" href="data:,">',
            f"<title>{title}</title>",
            *after,
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _reset_latest_dir(latest_dir: Path) -> None:
    # An older tool may have left a symlink or a file here: replace it by a real folder.
    if latest_dir.is_symlink() or (latest_dir.exists() and not latest_dir.is_dir()):
        latest_dir.unlink()
    latest_dir.mkdir(exist_ok=True)


def write_latest(output_dir: Path, edition: EditionInfo | None) -> Path:
    """`output/latest/`: `index.html` (redirect + link) and `EDITION`; no symlinks."""
    latest_dir = Path(output_dir) / LATEST
    _reset_latest_dir(latest_dir)
    if edition is None:
        _remove_stale(latest_dir, keep=set())
        return latest_dir
    atomic_write(latest_dir / INDEX, latest_html(edition))
    atomic_write(latest_dir / "EDITION", edition.name + "\n")
    _remove_stale(latest_dir, keep={INDEX, "EDITION"})
    return latest_dir


def _remove_stale(folder: Path, keep: set[str]) -> None:
    # latest/ holds the pointer only: a stale copy of an edition there would mislead.
    for entry in folder.iterdir():
        if entry.name in keep or entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()


def write_archive(output_dir: Path, warnings: list[str] | None = None) -> Path:
    """Regenerate `output/index.html` and `output/latest/`; returns the index path."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    editions = list_editions(output_dir, warnings)
    index = output_dir / INDEX
    atomic_write(index, archive_html(editions))
    write_latest(output_dir, editions[0] if editions else None)
    return index
