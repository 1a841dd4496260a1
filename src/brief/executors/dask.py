"""The Dask executor: notebooks run on the workers of a Dask distributed cluster.

Optional: `pip install '.[dask]'`, then `brief render --executor dask --scheduler ADDRESS`.
Jobs and results are plain data, so only the kernels' working folder and the data snapshot
must be reachable from the workers at the same path (a shared file system, or a cluster on
this machine). Each worker process keeps one kernel (jobs in one worker process run one at
a time); the kernels are shut down when the render ends. The cache is written by the
renderer only, whole entries renamed into place, so concurrent renders stay correct.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

from brief.executors import ExecutorUnavailable, Job, OnResult, OnWait, Result
from brief.executors import kernel as worker_side
from brief.hashing import value_sha256

_one_at_a_time = threading.Lock()  # per worker process: its one kernel runs one notebook


def _run(job: Job) -> Result:
    with _one_at_a_time:
        return worker_side.run_notebook(job)


def identity(job: Job) -> str:
    return value_sha256([job.env, job.cwd])  # what a worker's kernel was started for


def _shutdown(identities: list[str], wait: bool) -> None:
    """Shut this worker's kernel down if it serves this render; a kernel another render
    (another snapshot) is using is left alone. `wait`: after its current notebook."""
    with _one_at_a_time if wait else contextlib.nullcontext():
        if worker_side._Kernel.identity in identities:
            worker_side.shutdown_kernel()


class DaskExecutor:
    name = "dask"

    def __init__(self, *, workers: int, state_dir: Path, scheduler: str | None = None, **_: Any):
        try:
            import distributed
        except ImportError:
            raise ExecutorUnavailable(
                "the dask executor needs Dask distributed: pip install '.[dask]'"
            ) from None
        if not scheduler:
            raise ExecutorUnavailable("--executor dask needs --scheduler ADDRESS (host:port)")
        try:
            self.client = distributed.Client(scheduler, timeout=30, set_as_default=False)
        except OSError as exc:
            raise ExecutorUnavailable(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from None
        self.kernel_starts = 0
        self._futures: list[Any] = []
        self._identities: list[str] = []

    def run(
        self,
        jobs: list[Job],
        on_result: OnResult,
        on_wait: OnWait | None = None,
        heartbeat: float = 10.0,
    ) -> dict[str, Result]:
        futures = {
            self.client.submit(_run, job, key=f"brief-{job.key}-{time.time_ns()}", pure=False): job
            for job in jobs
        }
        self._futures = list(futures)
        self._identities = sorted({identity(job) for job in jobs})
        results: dict[str, Result] = {}
        pending = set(futures)
        t0 = beat = time.monotonic()
        try:
            while pending:
                done = {f for f in pending if f.done()}
                pending -= done
                if not done:
                    time.sleep(0.05)  # the client's futures resolve in its own thread
                    if on_wait is not None and time.monotonic() - beat >= heartbeat:
                        beat = time.monotonic()
                        on_wait([futures[f] for f in pending], beat - t0)
                for future in done:
                    job = futures[future]
                    try:
                        result = future.result()
                    except Exception as exc:  # the worker died (KilledWorker), ...
                        result = Result(ok=False, ename=type(exc).__name__, evalue=str(exc))
                    self.kernel_starts += result.kernel_started
                    results[job.key] = result
                    on_result(job, result)
        except BaseException:
            self.client.cancel(list(pending), force=True)
            raise
        return results

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel(self._futures, force=True)
            self.client.run(_shutdown, self._identities, False)  # a running notebook ends
        with contextlib.suppress(Exception):
            self.client.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.run(_shutdown, self._identities, True)
        self.client.close()
