"""The worker side of every executor: one Jupyter kernel per worker, reused, reset.

Starting a kernel and importing the subject's heavy modules cost more than most notebooks'
own work, so a worker keeps one kernel for the notebooks it runs and resets IPython
(namespace, history, execution count, working folder) before each: every notebook starts
from a blank namespace, and only already-imported modules are shared. A kernel started
for another environment (another render's data snapshot) is replaced.

Kernels and workers die with their parent: Linux's parent-death signal (prctl) where the
parent is a process's main thread, and a watchdog on the parent pid everywhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import multiprocessing.util
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from brief.executors import Job, Result
from brief.hashing import value_sha256

KERNEL_NAME = "python3"
PDEATHSIG_ENV = "BRIEF_KERNEL_PDEATHSIG"  # "1": the kernel's parent spawned it in its main thread
PR_SET_PDEATHSIG = 1


def die_with_parent(use_signal: bool = True) -> None:
    """Exit when the parent process goes (kill -9 included): no orphan outlives a render."""
    parent = os.getppid()
    if use_signal and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent or parent == 1:  # the parent died before the signal was set
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def kernel_spec(state_dir: Path) -> Path:
    """A kernelspec pinned to this Python whose kernels die with their worker; its folder."""
    spec_dir = state_dir / "jupyter" / "kernels" / KERNEL_NAME
    spec = {
        "argv": [sys.executable, "-m", "brief.executors.launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (brief)",
        "language": "python",
    }
    text = json.dumps(spec, indent=1)
    spec_file = spec_dir / "kernel.json"
    with contextlib.suppress(OSError):
        if spec_file.read_text(encoding="utf-8") == text:
            return state_dir / "jupyter"
    spec_dir.mkdir(parents=True, exist_ok=True)
    from brief.fsutil import atomic_write

    atomic_write(spec_file, text)
    return state_dir / "jupyter"


def quick_ready_client() -> type:
    """jupyter_client's async client with a 20 ms final IOPub flush in `wait_for_ready`
    instead of 200 ms: paid at every notebook's handshake, for nothing.

    The handshake itself is kept (a kernel_info reply on shell, one message on IOPub), so
    a new client's IOPub socket is connected before any cell runs and no output is lost;
    a late message of the handshake is ignored by its parent id, as nbclient does.
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class QuickReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (timeout if timeout is not None else 60)
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)  # IOPub connected?
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
            while True:
                try:
                    await self.iopub_channel.get_msg(timeout=0.02)
                except Empty:
                    break

    return QuickReadyClient


QUICK_READY = os.environ.get("BRIEF_STOCK_READY_WAIT") != "1"  # "1": jupyter_client's own


class _Kernel:
    """This worker's kernel and what it was started for."""

    manager: Any = None
    identity: str = ""
    unreported = False  # started, and no result has said so yet


def _shutdown(km: Any) -> None:
    import shutil

    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)
    shutil.rmtree(os.path.dirname(km.connection_file), ignore_errors=True)


def shutdown_kernel() -> None:
    if _Kernel.manager is not None:
        _shutdown(_Kernel.manager)
    _Kernel.manager, _Kernel.identity = None, ""


started_hook: Any = None  # called with a new kernel's pid (the local executor records it)
# Where kernels' connection folders are made (None: the temp folder); the local executor
# gives each render one and removes it, so a kernel killed with its worker leaves nothing.
connection_root: str | None = None


def _spec_manager(job: Job) -> Any:
    """Find the kernelspec on the job's JUPYTER_PATH (brief's launcher), not the worker's."""
    from jupyter_client.kernelspec import KernelSpecManager

    folders = [p for p in job.env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    return KernelSpecManager(kernel_dirs=[os.path.join(p, "kernels") for p in folders])


def kernel_for(job: Job) -> tuple[Any, bool]:
    """A kernel started for this job's environment and folder (the worker's, when it was);
    whether it was started for it. Not yet reset: see `reset_code`."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    identity = value_sha256([job.env, job.cwd])
    km = _Kernel.manager
    if km is not None and (_Kernel.identity != identity or not run_sync(km.is_alive)()):
        shutdown_kernel()
        km = None
    if km is None:
        # IPC (Unix sockets) rather than TCP: kernels started at the same moment by two
        # workers could pick the same free TCP port and one would never answer.
        km = AsyncKernelManager(
            kernel_name=KERNEL_NAME, transport="ipc", kernel_spec_manager=_spec_manager(job)
        )
        if QUICK_READY:
            km.client_factory = quick_ready_client()
        folder = tempfile.mkdtemp(prefix=f"brief-kernel-{os.getpid()}-", dir=connection_root)
        km.connection_file = os.path.join(folder, "kernel.json")
        env = {**os.environ, **job.env}
        run_sync(km.start_kernel)(cwd=job.cwd, env=env)
        multiprocessing.util.Finalize(None, _shutdown, args=(km,), exitpriority=10)
        _Kernel.manager, _Kernel.identity, _Kernel.unreported = km, identity, True
        if started_hook is not None and kernel_pid(km):
            started_hook(kernel_pid(km))
    started, _Kernel.unreported = _Kernel.unreported, False
    return km, started


def reset_code(job: Job) -> str:
    """What makes a reused kernel blank for the next notebook: a new IPython session
    (namespace, history, execution count) and the job's folder (a notebook's chdir must
    not leak to the next).

    What outlives the reset (the modules the notebooks imported, what the subject keeps
    between notebooks) is then frozen: IPython's reset runs a full collection, which walked
    all of it again before every notebook (0.05-0.2 s each: a matrix of six spent 3.1 s of
    its 30 notebooks there, 0.9 s frozen), as did the collections a notebook's own work
    triggers. The reset's collection has just run, so nothing frozen is garbage."""
    return (
        "get_ipython().reset(new_session=True)\n__import__('gc').freeze()\n"
        f"__import__('os').chdir({job.cwd!r})"
    )


def trim_memory() -> None:
    """Hand the memory a notebook freed back to the system (glibc keeps it otherwise): each
    worker would hold its largest notebook's high-water mark for the rest of the render
    (data x100: a worker 110 -> 80 MiB, the process tree about 1,030 -> 980 MiB). Not done in
    kernels: what they free is reused by the next notebook, and faulting it in again cost
    0.3-0.8 s of a cold render."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).malloc_trim(0)


ENGINE = "brief-kept-kernel"  # the papermill engine below, in papermill's engine registry


@functools.cache
def register_engine() -> str:
    """Register, once, papermill's nbclient engine for a kernel the worker keeps.

    Two costs of the stock engine are paid per notebook for nothing here: it saves the
    whole notebook at every cell's start and end (twice per cell, the outputs so far
    included), and a reset before it needs a client of its own (a second handshake). This
    engine resets the kernel in papermill's own client before the first cell and saves
    once, when papermill writes the result; a notebook stopped by the cell timeout is
    saved as far as it ran, so the report can name the running cell.
    """
    from nbformat import write
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from traitlets import Unicode

    class ResettingClient(PapermillNotebookClient):
        reset = Unicode("")

        async def async_start_new_kernel_client(self) -> Any:
            client = await super().async_start_new_kernel_client()
            reply = await client.execute_interactive(self.reset, store_history=False, timeout=120)
            if reply["content"].get("status") != "ok":
                raise RuntimeError("the kernel could not be reset between notebooks")
            return client

        def start_new_kernel_client(self) -> Any:  # nbclient binds the sync form once
            from jupyter_core.utils import run_sync

            return run_sync(self.async_start_new_kernel_client)()

    class KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, output_path: Any = None, **kw: Any):
            try:
                return super().execute_notebook(nb, kernel_name, output_path=None, **kw)
            except BaseException:
                if output_path:  # the cells mutated in place: what ran, and what was running
                    write(nb, output_path)
                raise

        @classmethod
        def execute_managed_notebook(
            cls, nb_man: Any, kernel_name: str, *, km: Any, reset: str, **kw: Any
        ) -> Any:
            return ResettingClient(
                nb_man,
                km=km,
                reset=reset,
                kernel_name=kernel_name,
                timeout=kw.get("execution_timeout"),
                startup_timeout=kw.get("start_timeout", 60),
                log=logger,
            ).execute()

    papermill_engines.register(ENGINE, KeptKernelEngine)
    return ENGINE


def kernel_pid(km: Any) -> int | None:
    return getattr(getattr(km, "provisioner", None), "pid", None)


def run_notebook(job: Job) -> Result:
    """Execute one notebook in this worker's kernel; the outcome as plain data."""
    import nbformat
    import papermill
    from nbclient.exceptions import CellTimeoutError

    started = time.monotonic()
    folder = tempfile.mkdtemp(prefix="brief-run-")
    target = os.path.join(folder, job.name)
    worker = f"{os.uname().nodename}:{os.getpid()}"
    result = Result(ok=False, worker=worker)
    try:
        km, result.kernel_started = kernel_for(job)
        result.kernel_pid = kernel_pid(km)
        papermill.execute_notebook(
            nbformat.reads(job.notebook, as_version=4),
            target,
            parameters=job.params,
            engine_name=register_engine(),
            kernel_name=KERNEL_NAME,
            km=km,
            reset=reset_code(job),
            progress_bar=False,
            log_output=False,
            execution_timeout=job.cell_timeout,
        )
        result.ok = True
    except papermill.PapermillExecutionError as exc:
        result.ename, result.evalue = exc.ename, exc.evalue
    except CellTimeoutError as exc:
        result.ename, result.evalue, result.timed_out = "CellTimeoutError", str(exc), True
        shutdown_kernel()  # it is still busy with the cell: never reuse it
    except Exception as exc:  # the kernel died, the notebook is not valid, ...
        result.ename, result.evalue = type(exc).__name__, str(exc)
        shutdown_kernel()
    finally:
        with contextlib.suppress(OSError):
            result.notebook = Path(target).read_text(encoding="utf-8")
        with contextlib.suppress(OSError):
            os.unlink(target)
            os.rmdir(folder)
    result.seconds = time.monotonic() - started
    trim_memory()  # the notebook's objects are gone once its text is in the result
    return result
