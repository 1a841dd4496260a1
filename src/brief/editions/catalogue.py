"""The catalogue of `output/`: official editions, revisions, drafts; latest and previous.

- `output/OFFICIAL` lists the official editions, one a line, in the order they were
  published (blank lines and `#` comments ignored). Only these are ever "Latest" or an
  edition's "previous edition"; nothing else in the folder counts.
- `output/<edition>/` holds each official edition (read-only on disk); a correction is a
  new revision `<edition>.r2` beside the original, listed after it.
- `output/drafts/<edition>/` holds drafts: `brief render` rebuilds them freely; they are
  git-ignored and never official.

Latest = the official edition with the latest as-of date (of equal dates, the one
published last). Previous edition of an as-of date D = the same choice among the official
editions dated before D.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from brief.editions.manifest import Manifest, ManifestError, split_revision, verify

OFFICIAL_FILE = "OFFICIAL"
DRAFTS = "drafts"
LATEST = "latest"
INDEX = "index.html"
# Names in output/ that are never editions.
RESERVED = {LATEST, DRAFTS, INDEX, OFFICIAL_FILE}
_SKIP_PREFIXES = (".", "_", "~", "#")
_SKIP_SUFFIXES = (".tmp", ".partial", ".old", "~")


def is_edition_candidate(name: str) -> bool:
    """Whether a folder name may hold an edition (not latest/, drafts/, or a temp dir)."""
    if name in RESERVED or name.startswith(_SKIP_PREFIXES) or name.endswith(_SKIP_SUFFIXES):
        return False
    return ".tmp" not in name


@dataclass
class Entry:
    """One edition folder, as the catalogue sees it."""

    name: str
    path: Path
    status: str  # "official", "draft", or "unlisted" (in output/ but not in OFFICIAL)
    manifest: Manifest
    order: int = -1  # position in OFFICIAL (official editions only)
    date_key: str = "as_of"

    @property
    def as_of(self) -> str:
        return self.manifest.as_of(self.date_key)

    @property
    def official(self) -> bool:
        return self.status == "official"

    @property
    def base(self) -> str:
        return split_revision(self.name)[0]

    @property
    def revision(self) -> int:
        return split_revision(self.name)[1]

    @cached_property
    def problems(self) -> list[str]:
        """What `brief verify` finds wrong with this edition ([] when intact)."""
        return verify(self.path)

    def has_file(self, name: str) -> bool:
        return (self.path / name).is_file()


def read_official(output_dir: Path) -> list[str]:
    """The names in output/OFFICIAL, in publication order, each once."""
    try:
        text = (Path(output_dir) / OFFICIAL_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    names: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and line not in names:
            names.append(line)
    return names


class Catalogue:
    def __init__(self, output_dir: Path, date_key: str = "as_of"):
        self.output_dir = Path(output_dir)
        self.date_key = date_key
        self.warnings: list[str] = []
        self._entries: list[Entry] | None = None

    @property
    def drafts_dir(self) -> Path:
        return self.output_dir / DRAFTS

    def official_names(self) -> list[str]:
        return read_official(self.output_dir)

    # --- reading ----------------------------------------------------------------------

    def _scan(self, folder: Path, status_of) -> list[Entry]:
        found = []
        if not folder.is_dir():
            return found
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if not is_edition_candidate(path.name) or path.is_symlink() or not path.is_dir():
                continue
            try:
                manifest = Manifest.read(path)
            except ManifestError as exc:
                self.warnings.append(f"{path.name}: skipped: {str(exc).split(': ', 1)[-1]}")
                continue
            status, order = status_of(path.name)
            found.append(Entry(path.name, path, status, manifest, order, self.date_key))
        return found

    def entries(self) -> list[Entry]:
        """Every edition: official first (newest first), then unlisted, then drafts."""
        if self._entries is None:
            order = {name: i for i, name in enumerate(self.official_names())}
            published = self._scan(
                self.output_dir,
                lambda n: ("official", order[n]) if n in order else ("unlisted", -1),
            )
            drafts = self._scan(self.drafts_dir, lambda n: ("draft", -1))
            present = {e.name for e in published}
            for name in order:
                if name not in present:
                    self.warnings.append(
                        f"OFFICIAL lists {name!r}, which is not a readable edition"
                    )
            official = sorted(
                (e for e in published if e.official), key=lambda e: (e.as_of, e.order), reverse=True
            )
            unlisted = sorted((e for e in published if not e.official), key=_newest, reverse=True)
            self._entries = official + unlisted + sorted(drafts, key=_newest, reverse=True)
        return self._entries

    def official(self) -> list[Entry]:
        """The official editions, newest first (as-of date, then publication order)."""
        return [e for e in self.entries() if e.official]

    def drafts(self) -> list[Entry]:
        return [e for e in self.entries() if e.status == "draft"]

    def latest(self) -> Entry | None:
        """The newest official edition in the default language (a twin in another language
        published after it on the same date does not displace it), else the newest."""
        official = self.official()
        in_default = [e for e in official if in_default_language(e)]
        return (in_default or official or [None])[0]

    def previous(self, as_of: str, same: dict[str, tuple[Any, Any]] | None = None) -> Entry | None:
        """The latest official edition dated strictly before `as_of`; with `same`
        ({parameter: (value, default)}), only one with that value (an edition in the same
        language: "What changed" compares like with like)."""
        earlier = [
            e
            for e in self.official()
            if e.as_of
            and e.as_of < str(as_of)
            and all(e.manifest.params.get(k, d) == v for k, (v, d) in (same or {}).items())
        ]
        return earlier[0] if earlier else None

    def revisions(self, base: str) -> list[Entry]:
        """The official revisions of edition `base`, oldest first."""
        found = [e for e in self.official() if e.base == base]
        return sorted(found, key=lambda e: e.revision)

    def find(self, ref: str) -> Path | None:
        """An edition folder by name (published first, then drafts) or by path."""
        for folder in (self.output_dir, self.drafts_dir):
            candidate = folder / ref
            if is_edition_candidate(ref) and (candidate / "manifest.json").is_file():
                return candidate
        path = Path(ref)
        return path if (path / "manifest.json").is_file() else None

    def superseded_by(self, entry: Entry) -> Entry | None:
        """The newest revision of the same edition, when it is not this one."""
        revisions = self.revisions(entry.base)
        newest = revisions[-1] if revisions else None
        return newest if newest is not None and newest.name != entry.name else None


def in_default_language(entry: Entry) -> bool:
    """True unless the edition records a language other than its model's default."""
    language = entry.manifest.inputs.get("language")
    if not isinstance(language, dict):
        return True
    return language.get("value") == language.get("default")


def _newest(entry: Entry) -> tuple[str, str, str]:
    return (entry.as_of, entry.manifest.built, entry.name)
