"""The local executor: worker processes on this machine, one kernel each.

Workers are spawned (not forked: the renderer has threads, and a forked child can inherit
a lock one of them held), run in process groups of their own, and die with the renderer
(parent-death signal and a watchdog); their kernels die with them. Each worker records its
pid and its kernel's in the state folder, so a render that finds the records of a renderer
that no longer runs kills whatever of it is still alive.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from brief.executors import Job, OnResult, OnWait, Result, WorkerLost
from brief.executors import kernel as worker_side
from brief.executors.records import (
    RECORDS_PREFIX,
    kill_groups,
    record,
    record_kernel_folders,
    recorded,
    remove_kernel_folders,
)
from brief.fsutil import owned_tempdir, remove_tree

_records: Path | None = None


def _worker_init(log: str, records: str, kernel_folders: str, warm: dict[str, Any] | None) -> None:
    global _records
    os.setsid()  # own process group: the renderer kills a worker and its kernel together
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    worker_side.die_with_parent()
    os.environ[worker_side.PDEATHSIG_ENV] = "1"  # this worker starts kernels in its main thread
    # Nothing of a worker or its kernel may hold the caller's terminal or pipe open.
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(null)
    _records = Path(records)
    record(_records, os.getpid())
    worker_side.started_hook = _remember_pid
    worker_side.connection_root = kernel_folders
    if warm:  # start the kernel and its heavy imports before the first notebook arrives
        with contextlib.suppress(Exception):
            _warm(Job(key="", name="warm-up", notebook="", params={}, **warm))


def _warm(job: Job) -> None:
    from jupyter_core.utils import run_sync

    km, _ = worker_side.kernel_for(job)
    worker_side._Kernel.unreported = True  # the first notebook's result reports this start
    imports = job.env.get("BRIEF_PRELOAD", "")
    client = km.client()
    client.start_channels()
    try:  # ready before the first notebook, its imports done if the project names them
        run_sync(client.wait_for_ready)(timeout=120)
        code = "\n".join(f"import {name}" for name in imports.split(",") if name)
        # What is alive now (the kernel's and the preloaded modules) lives as long as the
        # kernel: frozen, as after every reset (kernel.reset_code).
        code += "\nimport gc\ngc.collect()\ngc.freeze()"
        run_sync(client.execute_interactive)(code, store_history=False, timeout=300)
    finally:
        client.stop_channels()


def _remember_pid(pid: int) -> None:
    if _records is not None:
        record(_records, pid)


def _run(job: Job) -> Result:
    return worker_side.run_notebook(job)


def _ping() -> int:
    return os.getpid()


class LocalExecutor:
    name = "local"

    def __init__(
        self, *, workers: int, state_dir: Path, warm: dict[str, Any] | None = None, **_: Any
    ):
        self.log = log = state_dir / "logs" / "kernels.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.records = owned_tempdir(state_dir / "run", RECORDS_PREFIX)
        kernel_folders = Path(tempfile.mkdtemp(prefix="brief-kernels-"))
        record_kernel_folders(self.records, kernel_folders)
        self.pool = ProcessPoolExecutor(
            max_workers=max(1, workers),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(str(log), str(self.records), str(kernel_folders), warm),
        )
        self.kernel_starts = 0
        self.kernel_pids: set[int] = set()
        # Spawn every worker now, so that their start (and kernel warm-up) overlaps the
        # renderer's own work instead of waiting for the first notebook.
        self._pings = [self.pool.submit(_ping) for _ in range(max(1, workers))]

    def run(
        self,
        jobs: list[Job],
        on_result: OnResult,
        on_wait: OnWait | None = None,
        heartbeat: float = 10.0,
    ) -> dict[str, Result]:
        try:
            started: dict[Future, Job] = {self.pool.submit(_run, job): job for job in jobs}
        except BrokenProcessPool:  # a worker died before any job (in its start-up)
            raise WorkerLost([job.name for job in jobs], self.log) from None
        results: dict[str, Result] = {}
        pending = set(started)
        t0 = time.monotonic()
        try:
            while pending:
                done, pending = wait(pending, timeout=heartbeat, return_when=FIRST_COMPLETED)
                if not done and on_wait is not None:
                    on_wait([started[f] for f in pending], time.monotonic() - t0)
                for future in done:
                    job = started[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:  # the pool is unusable: every job fails alike
                        left = [j.name for j in started.values() if j.key not in results]
                        raise WorkerLost(list(dict.fromkeys(left)), self.log) from None
                    if result.kernel_pid:
                        self.kernel_pids.add(result.kernel_pid)
                    self.kernel_starts += result.kernel_started
                    results[job.key] = result
                    on_result(job, result)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
        return results

    def _groups(self) -> list[int]:
        return [p.pid for p in list((getattr(self.pool, "_processes", None) or {}).values())]

    def kill(self) -> None:
        self._killed = True
        kill_groups([*self._groups(), *self.kernel_pids, *recorded(self.records)])
        self.pool.shutdown(wait=False, cancel_futures=True)
        self._remove_records()

    def close(self) -> None:
        """Let workers shut their kernels down; then make sure no process of theirs remains."""
        if getattr(self, "_killed", False):
            return
        groups = self._groups()
        self.pool.shutdown(wait=True)  # each worker shuts its kernel down as it exits
        kill_groups([*groups, *self.kernel_pids, *recorded(self.records)])
        self._remove_records()

    def _remove_records(self) -> None:
        remove_kernel_folders(self.records)
        remove_tree(self.records)
