"""Putting editions in place: staging, the lock, recoverable swaps, official publication.

An edition appears only when complete: it is written into a hidden staging folder beside
its final place and renamed into place under the output folder's lock.

- A draft (`output/drafts/<edition>/`) is replaced freely. The swap is journalled: a
  journal names the staging folder, the edition and where the old copy is parked, so a
  run killed at any instant (even `kill -9`) is finished or rolled back by the next run;
  no edition is ever in neither place.
- An official edition (`output/<edition>/`) is never replaced. Publishing renames the
  staging folder into a free name, makes it read-only, appends it to `output/OFFICIAL`
  and rewrites the archive; a journal lets the next run finish an interrupted publication.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from brief.editions.catalogue import OFFICIAL_FILE, read_official
from brief.editions.manifest import MANIFEST
from brief.fsutil import atomic_write, owned_tempdir, read_json_object, sweep_dead

STAGING_PREFIX = ".staging-"
REPLACED_PREFIX = ".replaced-"
JOURNAL_PREFIX = ".journal-"
LOCK_FILE = ".publish.lock"
LOCK_WAIT_SECONDS = 600


class PublishError(Exception):
    """Publishing is refused or impossible; the message says why and what to do."""


class BadEpoch(PublishError):
    """SOURCE_DATE_EPOCH is set to something that is not a number of seconds."""


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
        shown = epoch if len(epoch) <= 40 else epoch[:40] + "…"
        try:
            return dt.datetime.fromtimestamp(int(epoch.strip()), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise BadEpoch(
                f"SOURCE_DATE_EPOCH={shown!r} is not a time: give whole seconds since "
                "1970-01-01 UTC (e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)), or unset it"
            ) from None
    day = dt.date.fromisoformat(as_of) if as_of else dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def new_staging(parent: Path) -> Path:
    try:
        staging = owned_tempdir(parent, STAGING_PREFIX)
        staging.chmod(0o755)  # an edition is readable like any folder, not 0700
        return staging
    except OSError as exc:
        raise output_problem(exc, parent) from None


def publish_lock(output_dir: Path) -> FileLock:
    lock = Path(output_dir) / LOCK_FILE
    if lock.is_symlink():
        raise PublishError(
            f"{lock} is a symbolic link: remove it (the lock must be a plain file in the folder)"
        )
    return FileLock(str(lock), timeout=LOCK_WAIT_SECONDS)


# --- journals -----------------------------------------------------------------------------

PAUSE_ENV = "BRIEF_TEST_PAUSE_AT"  # tests stop a real run at one step, to kill it there


def _step(name: str, folder: Path) -> None:
    """A named instant of a swap; with BRIEF_TEST_PAUSE_AT=name, wait there to be killed."""
    if os.environ.get(PAUSE_ENV) == name:
        (folder / f".paused-{name}").write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(600)


def _journal(parent: Path, name: str) -> Path:
    return parent / f"{JOURNAL_PREFIX}{name}.json"


def _complete(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def replace_draft(staging: Path, final: Path) -> None:
    """Put the complete `staging` at `final`, parking and then removing any old copy."""
    parent = final.parent
    parked = parent / f"{REPLACED_PREFIX}{final.name}"
    journal = _journal(parent, final.name)
    atomic_write(
        journal, json.dumps({"kind": "swap", "staging": staging.name, "edition": final.name})
    )
    _step("journal-written", parent)
    if final.exists():
        if parked.exists():
            shutil.rmtree(parked)
        os.rename(final, parked)
    _step("old-parked", parent)
    os.rename(staging, final)
    _step("new-in-place", parent)
    journal.unlink()
    shutil.rmtree(parked, ignore_errors=True)


def publish_official(staging: Path, final: Path) -> None:
    """Rename the complete `staging` to the free name `final`, read-only, listed in OFFICIAL."""
    output_dir = final.parent
    if final.exists():
        raise PublishError(f"{final} already exists; an official edition is never replaced")
    journal = _journal(output_dir, final.name)
    atomic_write(
        journal, json.dumps({"kind": "publish", "staging": staging.name, "edition": final.name})
    )
    make_read_only(staging)
    _step("publish-journal-written", output_dir)
    os.rename(staging, final)
    _step("published-unlisted", output_dir)
    list_official(output_dir, final.name)
    _step("listed-before-archive", output_dir)
    journal.unlink()


def list_official(output_dir: Path, name: str) -> None:
    names = read_official(output_dir)
    if name in names:
        return
    path = output_dir / OFFICIAL_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    atomic_write(path, text + name + "\n")


def make_read_only(folder: Path) -> None:
    """Files 0444, folders 0555: a published edition is not edited by accident."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_symlink():
            continue
        path.chmod(0o555 if path.is_dir() else 0o444)
    folder.chmod(0o555)


def make_writable(folder: Path) -> None:
    """Undo `make_read_only` (for removing a folder)."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def recover(parent: Path) -> list[str]:
    """Finish or roll back swaps and publications a killed run left (call under the lock)."""
    done = []
    for journal in sorted(parent.glob(f"{JOURNAL_PREFIX}*.json")):
        try:
            entry = read_json_object(journal)
            staging, final = parent / str(entry["staging"]), parent / str(entry["edition"])
        except (ValueError, KeyError, FileNotFoundError):
            journal.unlink(missing_ok=True)
            continue
        parked = parent / f"{REPLACED_PREFIX}{final.name}"
        if not final.exists() and staging.is_dir() and _complete(staging):
            if entry.get("kind") == "publish":
                make_read_only(staging)
            os.rename(staging, final)  # roll forward: the new copy was complete
            done.append(f"{final.name}: finished an interrupted {entry.get('kind')}")
        elif not final.exists() and parked.is_dir():
            os.rename(parked, final)  # roll back: the old copy returns
            done.append(f"{final.name}: rolled back an interrupted replacement")
        if entry.get("kind") == "publish" and final.exists():
            list_official(parent, final.name)
        if final.exists() and parked.exists():
            shutil.rmtree(parked, ignore_errors=True)
        if staging.exists() and final.exists():
            make_writable(staging)
            shutil.rmtree(staging, ignore_errors=True)
        journal.unlink(missing_ok=True)
    return done


def sweep_stale(parent: Path) -> list[str]:
    """Recover journalled swaps, then remove leftovers of dead runs (never an edition)."""
    if not parent.is_dir():
        return []
    done = recover(parent)
    sweep_dead(parent, STAGING_PREFIX)
    for stray in parent.glob(".*.tmp"):  # atomic writes killed half-way (under the lock)
        with contextlib.suppress(OSError):
            stray.unlink()
    return done


__all__ = [
    "BadEpoch",
    "PublishError",
    "Timeout",
    "build_timestamp",
    "check_writable",
    "git_state",
    "new_staging",
    "publish_lock",
    "publish_official",
    "recover",
    "replace_draft",
    "sweep_stale",
]
