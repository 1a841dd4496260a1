"""Executors: where notebooks run. One interface, several backends (a registry).

A job is plain data (the notebook's text, its parameters, the kernel's environment and
working folder, the cell timeout) and so is its result (the executed notebook's text or
the failure), so a job can run in a local worker process or on a Dask cluster alike.

    executor = make_executor("local", workers=2, state_dir=...)
    results = executor.run(jobs, on_result=...)   # {job.key: Result}

A new backend is one module with a class implementing `Executor` and one entry in
`EXECUTORS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from brief.project import ProjectError


@dataclass(frozen=True)
class Job:
    key: str  # the cache key; equal keys are the same work
    name: str  # the notebook's file name, for messages
    notebook: str  # the notebook's JSON text (the snapshot's bytes)
    params: dict[str, Any]
    cwd: str  # the kernel's working folder (inside the build)
    env: dict[str, str] = field(repr=False)  # the kernel's environment (besides the worker's)
    cell_timeout: float | None = None  # seconds per cell; None: no limit


@dataclass
class Result:
    ok: bool
    notebook: str | None = None  # the executed notebook's text (also when a cell failed)
    seconds: float = 0.0
    kernel_started: bool = False
    kernel_pid: int | None = None
    worker: str = ""
    ename: str = ""
    evalue: str = ""
    timed_out: bool = False


OnResult = Callable[[Job, Result], None]
OnWait = Callable[[list[Job], float], None]


class Executor(Protocol):
    """Runs jobs; `on_result` sees each result as it arrives and may raise to stop the run
    (pending jobs are cancelled, the exception propagates). `on_wait` is called about
    every `heartbeat` seconds with the jobs still running."""

    name: str
    kernel_starts: int

    def run(
        self,
        jobs: list[Job],
        on_result: OnResult,
        on_wait: OnWait | None = None,
        heartbeat: float = 10.0,
    ) -> dict[str, Result]: ...

    def kill(self) -> None:
        """Stop now: running notebooks are abandoned, their kernels killed."""

    def close(self) -> None:
        """Release workers and kernels after a run."""


EXECUTORS = {
    "local": "brief.executors.local:LocalExecutor",
    "dask": "brief.executors.dask:DaskExecutor",
}


class WorkerLost(Exception):
    """A worker process ended during the run (killed from outside, or by the system for
    want of memory): the render stops, naming the notebooks not yet executed, with
    nothing published."""

    def __init__(self, unfinished: list[str], log: Path | None = None):
        self.unfinished = unfinished
        where = f"; what the workers wrote is in {log}" if log is not None else ""
        super().__init__(
            "a worker process ended abruptly (killed from outside, or by the system for want "
            f"of memory) with {len(unfinished)} notebook(s) not yet executed: "
            f"{', '.join(unfinished)}; nothing was published and earlier editions are intact"
            f"{where}"
        )


class ExecutorUnavailable(ProjectError):
    """The executor named cannot be used here (the message says why and what to install)."""


def make_executor(name: str, *, workers: int, state_dir: Path, **options: Any) -> Executor:
    if name not in EXECUTORS:
        raise ExecutorUnavailable(
            f"unknown executor {name!r}: choose one of {', '.join(sorted(EXECUTORS))}"
        )
    module, _, attr = EXECUTORS[name].partition(":")
    return getattr(importlib.import_module(module), attr)(
        workers=workers, state_dir=state_dir, **options
    )
