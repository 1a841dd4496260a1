"""Checksums of files and folders, and of JSON-able values (canonical form)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(folders: list[Path], pattern: str = "*.py") -> str:
    """One checksum over the names and contents of matching files under the folders."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob(pattern)):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            digest.update(path.relative_to(folder.parent).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def value_sha256(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def files_sha256(root: Path, paths: list[Path]) -> dict[str, str]:
    """Relative path → checksum, sorted by path."""
    return {p.relative_to(root).as_posix(): file_sha256(p) for p in sorted(paths)}
