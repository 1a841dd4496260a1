"""The edition manifest: one typed object, read and written here and nowhere else.

`manifest.json` records everything that produced an edition (docs/ARCHITECTURE.md,
"Editions"): the resolved parameters, the data and notebook checksums, the code, the
engine, the versions, the identity its up-to-date check compares (`inputs`), the previous
edition it was compared with, its publication state (draft, or official with a revision
and an erratum), the checksum of every other file, and a digest of itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from brief.fsutil import read_json_object
from brief.hashing import file_sha256, value_sha256

MANIFEST = "manifest.json"
FACTS = "facts.json"
DRAFT, OFFICIAL = "draft", "official"
_REVISION = re.compile(r"^(?P<base>.+)\.r(?P<number>[0-9]+)$")


class ManifestError(ValueError):
    """A manifest is missing or unreadable; the message names the folder."""


def split_revision(name: str) -> tuple[str, int]:
    """`2026-01-25.r2` → (`2026-01-25`, 2); a name without a suffix is revision 1."""
    found = _REVISION.fullmatch(name)
    return (found["base"], int(found["number"])) if found else (name, 1)


def revision_name(base: str, number: int) -> str:
    return base if number == 1 else f"{base}.r{number}"


@dataclass(frozen=True)
class Publication:
    """Draft, or official: which revision of its edition, and the erratum it carries."""

    status: str = OFFICIAL  # manifests written before drafts existed were all published
    base: str = ""
    revision: int = 1
    erratum: str | None = None
    published: str = ""  # when `brief publish` made it official (UTC); "" for drafts

    @property
    def official(self) -> bool:
        return self.status == OFFICIAL


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Manifest:
    edition: str
    params: dict[str, Any]
    params_default: list[str] = field(default_factory=list)
    title: str = ""
    data: dict[str, str] = field(default_factory=dict)
    notebooks: dict[str, str] = field(default_factory=dict)
    code: dict[str, Any] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    built: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    inputs_sha256: str = ""
    previous: dict[str, Any] | None = None  # {"edition": name, "manifest_sha256": ...}
    publication: Publication = field(default_factory=Publication)
    files: dict[str, str] = field(default_factory=dict)
    digest: str = ""

    # --- reading ----------------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Manifest:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in raw.items() if k in known}
        pub = _dict(raw.get("publication"))
        base, revision = split_revision(str(raw.get("edition") or ""))
        values["publication"] = Publication(
            status=str(pub.get("status") or OFFICIAL),
            base=str(pub.get("base") or base),
            revision=int(pub.get("revision") or revision),
            erratum=pub.get("erratum") or None,
            published=str(pub.get("published") or ""),
        )
        for name in ("params", "data", "notebooks", "code", "engine", "versions", "files"):
            values[name] = _dict(raw.get(name))
        values["inputs"] = _dict(raw.get("inputs"))
        values["edition"] = str(raw.get("edition") or "")
        values["params_default"] = [str(n) for n in raw.get("params_default") or []]
        values["previous"] = raw.get("previous") if isinstance(raw.get("previous"), dict) else None
        for name in ("title", "built", "inputs_sha256", "digest"):
            values[name] = str(raw.get(name) or "")
        return cls(**values)

    @classmethod
    def read(cls, edition_dir: Path) -> Manifest:
        path = Path(edition_dir) / MANIFEST
        try:
            return cls.from_dict(read_json_object(path))
        except FileNotFoundError:
            raise ManifestError(f"{edition_dir}: no {MANIFEST}") from None
        except (ValueError, TypeError) as exc:
            raise ManifestError(f"{edition_dir}: {exc}") from None

    # --- views ------------------------------------------------------------------------

    def as_of(self, date_key: str = "as_of") -> str:
        value = self.params.get(date_key)
        return "" if value is None else str(value)

    @property
    def non_default(self) -> dict[str, Any]:
        defaults = set(self.params_default)
        return {k: v for k, v in self.params.items() if k not in defaults}

    def to_dict(self) -> dict[str, Any]:
        raw = asdict(self)
        raw["publication"] = asdict(self.publication)
        return raw

    def self_digest(self) -> str:
        """The manifest's digest of itself (every field but `digest`)."""
        raw = self.to_dict()
        raw.pop("digest", None)
        return value_sha256(raw)

    # --- writing ----------------------------------------------------------------------

    def write(self, folder: Path) -> Manifest:
        """Record the checksum of every file in `folder`, then the manifest and its digest."""
        folder = Path(folder)
        files = {
            p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST
        }
        done = replace(self, files=files, digest="")
        done = replace(done, digest=done.self_digest())
        text = json.dumps(done.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8")
        return done


def verify(edition_dir: Path) -> list[str]:
    """Every way an edition folder differs from its manifest; [] when it is intact."""
    edition_dir = Path(edition_dir)
    try:
        manifest = Manifest.read(edition_dir)
    except ManifestError as exc:
        return [str(exc).removeprefix(f"{edition_dir}: ")]
    problems = []
    if manifest.digest and manifest.digest != manifest.self_digest():
        problems.append("manifest.json was edited after it was written (its digest differs)")
    for rel, digest in sorted(manifest.files.items()):
        path = edition_dir / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif file_sha256(path) != digest:
            problems.append(f"{rel} differs from its checksum in the manifest")
    on_disk = {
        p.relative_to(edition_dir).as_posix()
        for p in edition_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    problems += [f"{rel} is not in the manifest" for rel in sorted(on_disk - set(manifest.files))]
    return problems


def manifest_sha256(edition_dir: Path) -> str:
    return file_sha256(Path(edition_dir) / MANIFEST)
