"""The pid records of a render's workers and kernels (in the state folder), and the sweep
that kills what a renderer which died left running: light, so that every render, a no-op
included, can sweep without importing the executor itself."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from brief.fsutil import pid_alive, remove_tree

RECORDS_PREFIX = "procs-"
# In a render's records: the folder its kernels' connection files and sockets are made in
# (in the system temp folder: a Unix socket's path must stay short), removed with them.
KERNEL_FOLDERS = "kernel-folders"


def start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22: start time in clock ticks


def record(records: Path, pid: int) -> None:
    """Record a worker's or kernel's pid with its start time (a reused pid is not it)."""
    with contextlib.suppress(OSError):
        (records / str(pid)).write_text(start_time(pid) or "", encoding="utf-8")


def reap_leftovers(state_dir: Path) -> int:
    """Kill the workers and kernels of renderers that died without cleaning up."""
    killed = 0
    parent = state_dir / "run"
    for folder in parent.glob(f"{RECORDS_PREFIX}*") if parent.is_dir() else []:
        owner = folder.name[len(RECORDS_PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and (int(owner) == os.getpid() or pid_alive(int(owner))):
            continue
        for entry in folder.iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            started = entry.read_text(encoding="utf-8").strip()
            if started and start_time(pid) == started:  # the same process, not a reused pid
                kill_groups([pid])
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                killed += 1
        remove_kernel_folders(folder)
        remove_tree(folder)
    return killed


def record_kernel_folders(records: Path, folder: Path) -> None:
    (records / KERNEL_FOLDERS).write_text(str(folder), encoding="utf-8")


def remove_kernel_folders(records: Path) -> None:
    """Remove the kernels' connection folders of a render whose processes are gone: a
    kernel killed with its worker (an interrupted render) leaves its own behind."""
    with contextlib.suppress(OSError):
        remove_tree(Path((records / KERNEL_FOLDERS).read_text(encoding="utf-8")))


def recorded(records: Path) -> list[int]:
    """The pids the workers recorded (their kernels included) that are still the same."""
    found = []
    for entry in records.iterdir() if records.is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            if start_time(int(entry.name)) == entry.read_text(encoding="utf-8").strip():
                found.append(int(entry.name))
    return found


def kill_groups(leaders: list[int]) -> None:
    """SIGKILL each leader's process group (a worker's group holds its kernel)."""
    for pid in leaders:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
