"""The execution cache: entries that prove their own integrity before they are used.

Every entry records the inputs it was made from and a sha256 of each file it holds. An
entry is used only when its recorded inputs hash to the key it is stored under and every
file still has its recorded digest; anything else (a truncated write, an edited figure, a
planted marker, a foreign file) is discarded with a warning and rebuilt. Entries are
written whole in a temp folder and renamed into place, so concurrent renders (or Dask
workers) storing the same key never see half an entry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brief.fsutil import atomic_write, owned_tempdir, remove_tree, sweep_dead
from brief.hashing import bytes_sha256, file_sha256, value_sha256

ENTRY_FILE = "entry.json"
MISSING = "there is no entry"  # `NotebookCache.problem` of a key never stored
EXECUTED = "executed.ipynb"

Warn = Callable[[str], None]


class CacheEntryError(Exception):
    """An entry that must not be used (the reason says why)."""


def _read_entry(folder: Path, key: str) -> dict[str, Any]:
    try:
        entry = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CacheEntryError(f"{ENTRY_FILE} is missing") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CacheEntryError(f"{ENTRY_FILE} is unreadable ({exc})") from None
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        raise CacheEntryError(f"{ENTRY_FILE} is not an entry record")
    if value_sha256(entry.get("inputs")) != key:
        raise CacheEntryError("its recorded inputs do not match its key")
    for name, digest in entry["files"].items():
        path = folder / name
        if not path.is_file():
            raise CacheEntryError(f"{name} is missing")
        if file_sha256(path) != digest:
            raise CacheEntryError(f"{name} does not match its recorded sha256")
    return entry


@dataclass(frozen=True)
class Recorded:
    """What an entry's record says: its key, its inputs, when it was stored."""

    key: str
    inputs: dict[str, Any]
    stored: float  # the record's modification time (seconds since the epoch)


def _recorded_entry(folder: Path) -> Recorded | None:
    """An entry's record if it reads as one (temp and dead folders, foreign files, broken
    JSON, inputs that do not hash to the folder's name: None)."""
    if folder.name.startswith(".") or not folder.is_dir():
        return None
    record = folder / ENTRY_FILE
    try:
        entry = json.loads(record.read_text(encoding="utf-8"))
        stored = record.stat().st_mtime
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    inputs = entry.get("inputs") if isinstance(entry, dict) else None
    if not isinstance(inputs, dict) or not isinstance(inputs.get("notebook"), str):
        return None
    try:
        if value_sha256(inputs) != folder.name:
            return None
    except (TypeError, ValueError):
        return None
    return Recorded(folder.name, inputs, stored)


def _executed_is_notebook(path: Path) -> None:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CacheEntryError(f"{EXECUTED} is not valid JSON ({exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise CacheEntryError(f"{EXECUTED} is not a notebook")


def _check(folder: Path, key: str) -> None:
    _read_entry(folder, key)
    _executed_is_notebook(folder / EXECUTED)


class NotebookCache:
    """Executed notebooks by key: `<dir>/notebooks/<key>/{executed.ipynb, entry.json}`."""

    def __init__(self, directory: Path, warn: Warn | None = None):
        self.dir = directory / "notebooks"
        self.warn = warn or (lambda text: None)
        self._recorded: dict[str, list[Recorded]] | None = None  # `recorded()`, read once

    def problem(self, key: str) -> str | None:
        """Why the entry under `key` cannot be used ("there is no entry" when absent), or
        None when it can; changes nothing (a dry run's check)."""
        folder = self.dir / key
        if not folder.exists():
            return MISSING
        try:
            _check(folder, key)
        except CacheEntryError as exc:
            return str(exc)
        return None

    def get(self, key: str, what: str = "") -> Path | None:
        """The entry's executed notebook, or None (a damaged entry is discarded)."""
        problem = self.problem(key)
        if problem is None:
            return self.dir / key / EXECUTED
        if problem != MISSING:
            label = f"cache entry {key[:12]}{f' ({what})' if what else ''}"
            self.discard(self.dir / key, label, CacheEntryError(problem))
        return None

    def discard(self, folder: Path, what: str, why: Exception) -> None:
        self._recorded = None  # a discarded entry is no longer one to compare with
        self.warn(f"{what} in {folder.parent} is damaged: {why}; discarded, it will be rebuilt")
        # Renamed away first: a concurrent reader sees the whole entry or none.
        dead = folder.parent / f".tmp-{os.getpid()}-dead-{folder.name}"
        try:
            os.replace(folder, dead)
        except OSError:
            dead = folder
        remove_tree(dead)

    def put(self, inputs: dict[str, Any], name: str, notebook_text: str) -> Path:
        """Store one executed notebook under the key of its inputs; returns its path."""
        key = value_sha256(inputs)
        final = self.dir / key
        if self.get(key, name) is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = owned_tempdir(self.dir, ".tmp-")
            data = notebook_text.encode("utf-8")
            (tmp / EXECUTED).write_bytes(data)
            entry = {"inputs": inputs, "files": {EXECUTED: bytes_sha256(data)}}
            text = json.dumps(entry, indent=1, sort_keys=True, ensure_ascii=False)
            (tmp / ENTRY_FILE).write_text(text + "\n", encoding="utf-8")
            try:
                os.replace(tmp, final)  # atomic: a reader sees no entry or a whole one
            except OSError:  # another writer stored the same key first: theirs is identical
                remove_tree(tmp)
        self._recorded = None
        return final / EXECUTED

    def recorded(self, name: str) -> list[Recorded]:
        """The entries of notebook `name`, from their records alone (what `--explain`
        compares with): no file is hashed, so it is cheap. A record that cannot be read,
        is not an entry record, or whose inputs do not hash to its folder's name is left
        out; nothing here is reused (only `get` hands out an entry, after checking it)."""
        if self._recorded is None:
            found: dict[str, list[Recorded]] = {}
            for folder in sorted(self.dir.iterdir()) if self.dir.is_dir() else []:
                entry = _recorded_entry(folder)
                if entry is not None:
                    found.setdefault(str(entry.inputs["notebook"]), []).append(entry)
            self._recorded = found
        return list(self._recorded.get(name, []))

    def sweep(self) -> None:
        """Remove temp folders left by interrupted writes (never reused: not named by key),
        and the index of last inputs older versions kept (`--explain` reads the entries)."""
        sweep_dead(self.dir, ".tmp-")
        obsolete = self.dir.parent / "last-inputs"
        if obsolete.is_dir():
            remove_tree(obsolete)


class ValidatedMarkers:
    """Markers saying "this data passed these rules", per (data fingerprint, subject code).

    A marker holds what validation found worth keeping (the latest publication date) and a
    digest of it; a marker that fails its digest is discarded and validation runs again.
    """

    def __init__(self, directory: Path, warn: Warn | None = None, *, read_only: bool = False):
        self.dir = directory / "validated"
        self.warn = warn or (lambda text: None)
        self.read_only = read_only  # a dry run: trust nothing damaged, change nothing

    @staticmethod
    def key(fingerprint: str, code: str) -> str:
        return value_sha256({"data": fingerprint, "code": code})

    def get(self, key: str) -> dict[str, Any] | None:
        path = self.dir / f"{key}.json"
        if not path.exists():
            return None
        try:
            marker = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(marker, dict) or not isinstance(marker.get("found"), dict):
                raise ValueError("not a marker record")
            if marker.get("key") != key or marker.get("sha256") != value_sha256(marker["found"]):
                raise ValueError("its content does not match its digest")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            if self.read_only:
                self.warn(f"the data-validated marker {path} is damaged ({exc}); not used")
                return None
            self.warn(
                f"the data-validated marker {path} is damaged ({exc}); discarded, the data "
                "is validated again"
            )
            path.unlink(missing_ok=True)
            return None
        return marker["found"]

    def put(self, key: str, found: dict[str, Any]) -> None:
        if self.read_only:
            return
        record = {"key": key, "found": found, "sha256": value_sha256(found)}
        atomic_write(self.dir / f"{key}.json", json.dumps(record, sort_keys=True) + "\n")


def _to_stderr(text: str) -> None:
    import sys

    print(f"warning: {text}", file=sys.stderr)


def read_checked(path: Path, warn: Warn = _to_stderr) -> bytes | None:
    """A cached file written by `write_checked`, or None when absent or damaged (warned)."""
    sidecar = path.with_name(path.name + ".sha256")
    if not path.exists() and not sidecar.exists():
        return None
    try:
        data = path.read_bytes()
        recorded = sidecar.read_text(encoding="utf-8").strip() if sidecar.exists() else None
        if recorded == bytes_sha256(data):
            return data
        reason = "no recorded sha256" if recorded is None else "it does not match its sha256"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    warn(f"the cached file {path} is damaged ({reason}); discarded, it will be rebuilt")
    path.unlink(missing_ok=True)
    sidecar.unlink(missing_ok=True)
    return None


def write_checked(path: Path, data: bytes | str) -> None:
    """Write a cached file and its digest (the digest last: a reader never trusts half)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    atomic_write(path, raw)
    atomic_write(path.with_name(path.name + ".sha256"), bytes_sha256(raw) + "\n")
