"""Publishing editions: staging, the manifest, the atomic rename, and immutability.

An edition appears under output/ only when it is complete: everything is written into a
hidden staging folder beside it and renamed into place under a lock. A published edition
is never changed except by an explicit `--force`, which swaps in a complete replacement.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from brief.fsutil import owned_tempdir, sweep_dead
from brief.hashing import file_sha256, value_sha256

STAGING_PREFIX = ".staging-"
REPLACED_PREFIX = ".replaced-"
LOCK_WAIT_SECONDS = 600


class PublishError(Exception):
    """Publishing is refused or impossible; the message says why and what to do."""


def output_problem(exc: OSError, where: Path) -> PublishError:
    """Name full disks and unwritable folders plainly."""
    if exc.errno == errno.ENOSPC:
        return PublishError(f"the disk is full while writing {where}; nothing was published")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PublishError(f"cannot write to {where}: {exc.strerror}; nothing was published")
    return PublishError(f"cannot write {where}: {exc}; nothing was published")


def check_writable(output_dir: Path) -> None:
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise output_problem(exc, output_dir) from None


def git_state(root: Path) -> dict[str, Any]:
    """The code commit and whether tracked sources differ from it (output/ excluded)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--", ".", ":(exclude)output"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def build_timestamp(as_of: str | None) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set, otherwise the edition's data date: never the wall clock."""
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    day = dt.date.fromisoformat(as_of) if as_of else dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Existing:
    path: Path
    manifest: dict[str, Any]


def read_manifest(edition_dir: Path) -> dict[str, Any] | None:
    from brief.archive import read_manifest as read

    try:
        return read(edition_dir)
    except ValueError:
        return None


def changed_inputs(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Which identity inputs differ between an existing edition and this render."""
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            inner = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            changes += [f"{key} {name}" for name in inner]
        else:
            changes.append(key)
    return changes


def up_to_date(edition_dir: Path, identity: dict[str, Any]) -> bool | list[str]:
    """True when the published edition came from these inputs; else the list of changes."""
    manifest = read_manifest(edition_dir)
    if manifest is None:
        return ["manifest.json unreadable"]
    if manifest.get("inputs_sha256") == value_sha256(identity):
        return True
    return changed_inputs(manifest.get("inputs", {}), identity) or ["inputs"]


def refuse_existing(name: str, changes: list[str]) -> PublishError:
    shown = ", ".join(changes[:6]) + (f" and {len(changes) - 6} more" if len(changes) > 6 else "")
    return PublishError(
        f"edition {name!r} is already published from different inputs ({shown}). Editions are "
        f"immutable: give a new name with --edition NAME, or replace it with --force."
    )


def write_manifest(staging: Path, manifest: dict[str, Any]) -> None:
    files = {
        p.relative_to(staging).as_posix(): file_sha256(p)
        for p in sorted(staging.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
    manifest = {**manifest, "files": files}
    text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (staging / "manifest.json").write_text(text, encoding="utf-8")


def new_staging(output_dir: Path) -> Path:
    try:
        staging = owned_tempdir(output_dir, STAGING_PREFIX)
        staging.chmod(0o755)  # a published edition is readable like any folder, not 0700
        return staging
    except OSError as exc:
        raise output_problem(exc, output_dir) from None


def publish_lock(output_dir: Path) -> FileLock:
    return FileLock(str(output_dir / ".publish.lock"), timeout=LOCK_WAIT_SECONDS)


def move_into_place(staging: Path, final: Path, *, force: bool) -> None:
    """Rename the complete staging folder to its edition name (swap when forced)."""
    if not final.exists():
        os.rename(staging, final)
        return
    if not force:  # checked before, but another render may have published meanwhile
        raise PublishError(f"edition {final.name!r} appeared while rendering; nothing was changed")
    trash = owned_tempdir(final.parent, REPLACED_PREFIX)
    os.rename(final, trash / final.name)
    os.rename(staging, final)
    shutil.rmtree(trash, ignore_errors=True)


def sweep_stale(output_dir: Path) -> None:
    """Remove staging folders of renders that were killed (never visible as editions)."""
    sweep_dead(output_dir, STAGING_PREFIX)
    sweep_dead(output_dir, REPLACED_PREFIX)


__all__ = [
    "Existing",
    "PublishError",
    "Timeout",
    "build_timestamp",
    "check_writable",
    "git_state",
    "move_into_place",
    "new_staging",
    "publish_lock",
    "read_manifest",
    "refuse_existing",
    "sweep_stale",
    "up_to_date",
    "write_manifest",
]
