"""Small file-system guarantees: whole-or-nothing writes and cleanup of dead renders' leftovers."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def atomic_write_text(path: Path, text: str) -> None:
    """Write beside the target, then rename: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{os.getpid()}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def owned_tempdir(parent: Path, prefix: str) -> Path:
    """A temp folder whose name carries this process id, so leftovers can be told apart."""
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_dead(parent: Path, prefix: str) -> int:
    """Remove `prefix<pid>-*` folders and files left by processes that no longer run."""
    removed = 0
    for path in parent.glob(f"{prefix}*") if parent.is_dir() else []:
        pid_text = path.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and _alive(int(pid_text)) and int(pid_text) != os.getpid():
            continue
        if pid_text.isdigit() and int(pid_text) == os.getpid():
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed
