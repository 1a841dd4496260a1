"""Small file-system guarantees: whole-or-nothing writes and cleanup of dead renders' leftovers."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write beside the target, then rename: readers see the old bytes or the new, never half."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def owned_tempdir(parent: Path, prefix: str) -> Path:
    """A temp folder whose name carries this process id, so leftovers can be told apart."""
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


KEEP_MARKER = ".keep"  # a folder kept on purpose (a failed build, for debugging)


def sweep_dead(parent: Path, prefix: str) -> int:
    """Remove `prefix<pid>-*` folders and files left by processes that no longer run.

    Folders holding a KEEP_MARKER stay until `brief clean`.
    """
    removed = 0
    for path in parent.glob(f"{prefix}*") if parent.is_dir() else []:
        pid_text = path.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and (int(pid_text) == os.getpid() or pid_alive(int(pid_text))):
            continue
        if (path / KEEP_MARKER).exists():
            continue
        remove_tree(path)
        removed += 1
    return removed


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object from a file; ValueError with a readable reason (FileNotFoundError kept)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} unreadable: {exc}") from None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return value


def remove_tree(path: Path) -> None:
    """Remove a folder even where a read-only snapshot made its sub-folders unwritable."""

    def writable_then_retry(function, name, _exc) -> None:
        with contextlib.suppress(OSError):
            os.chmod(Path(name).parent, 0o755)
            os.chmod(name, 0o755)
            function(name)

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, onerror=writable_then_retry)
    else:
        path.unlink(missing_ok=True)


def read_only_copy(
    source: Path, target: Path, files: list[Path], *, lock_folders: bool = True
) -> list[Path]:
    """Copy `files` (under `source`) into `target`, read-only; returns the copies.

    The renderer hashes the copies, validates them and hands them to the kernels, so every
    reader sees exactly the bytes the cache keys were computed from, whatever happens to
    the originals meanwhile.
    """
    copies = []
    for path in files:
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        os.chmod(copy, 0o444)
        copies.append(copy)
    target.mkdir(parents=True, exist_ok=True)
    for folder in sorted({c.parent for c in copies} | {target}, reverse=True):
        os.chmod(folder, 0o555 if lock_folders else 0o755)
    return copies
