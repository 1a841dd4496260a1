"""Notebook execution: papermill runs, a content-addressed cache, and parallelism.

A notebook's cache key is derived, never remembered: the hash of its source, the values of
the parameters *it declares*, the checksums of the data, the subject's code, the locked
dependency set and the Python version. Quarto's `freeze` hashes only the source
(quarto-cli #6793); here any changed input re-executes, and nothing else does.
"""

from __future__ import annotations

import ast
import contextlib
import json
import multiprocessing
import multiprocessing.util
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brief.fsutil import atomic_write, owned_tempdir, sweep_dead
from brief.hashing import value_sha256

KERNEL_NAME = "python3"


class NotebookFailed(Exception):
    """A notebook raised; says which notebook, cell and exception, and where it was kept."""

    def __init__(self, notebook: str, detail: dict[str, Any], kept_at: Path):
        self.notebook, self.detail, self.kept_at = notebook, detail, kept_at
        cell = detail.get("cell_number")
        where = f"cell {cell}" if cell is not None else "before any cell ran"
        if detail.get("label"):
            where += f" (#| label: {detail['label']})"
        super().__init__(
            f"notebook {notebook} failed in {where}: {detail.get('ename', 'Error')}: "
            f"{detail.get('evalue', '')}. The executed notebook is kept at {kept_at} "
            "for debugging (until `brief clean`); nothing was published."
        )


# --- what a notebook declares ---------------------------------------------------------


def _parameters_cell(nb: dict[str, Any]) -> dict[str, Any] | None:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            return cell
    return None


def declared_parameters(notebook: Path) -> list[str]:
    """Names assigned in the cell tagged `parameters` (empty if there is none)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = _parameters_cell(nb)
    if cell is None:
        return []
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    names: list[str] = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def cell_label(cell: dict[str, Any]) -> str | None:
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    for line in source.splitlines():
        if line.startswith("#| label:"):
            return line.split(":", 1)[1].strip()
    return None


# --- jobs and their keys ----------------------------------------------------------------


@dataclass(frozen=True)
class NotebookJob:
    name: str
    source: Path
    params: dict[str, Any]
    inputs: dict[str, Any] = field(repr=False)

    @property
    def key(self) -> str:
        return value_sha256(self.inputs)


def plan_jobs(
    notebooks: list[Path],
    params: dict[str, Any],
    *,
    source_hashes: dict[str, str],
    shared_inputs: dict[str, Any],
) -> list[NotebookJob]:
    """One job per notebook; only the parameters it declares enter its key and its run."""
    jobs = []
    for path in notebooks:
        declared = declared_parameters(path)
        mine = {name: params[name] for name in declared if name in params}
        inputs = {
            "notebook": path.name,
            "source": source_hashes[path.name],
            "params": mine,
            **shared_inputs,
        }
        jobs.append(NotebookJob(name=path.name, source=path, params=mine, inputs=inputs))
    return jobs


def explain_change(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    """Why a notebook must run again, in words, from its previous inputs."""
    if old is None:
        return "first execution of this notebook"
    reasons = []
    if old.get("source") != new["source"]:
        reasons.append("notebook source changed")
    for name in sorted(set(old.get("params", {})) | set(new["params"])):
        before, after = old.get("params", {}).get(name), new["params"].get(name)
        if before != after:
            reasons.append(f"parameter {name} changed ({before} → {after})")
    old_data, new_data = old.get("data", {}), new.get("data", {})
    for path in sorted(set(old_data) | set(new_data)):
        if old_data.get(path) != new_data.get(path):
            reasons.append(f"data file {path} changed")
    labels = {"code": "analysis code changed", "lock": "dependency lock changed"}
    labels["runtime"] = "Python or kernel changed"
    reasons += [text for key, text in labels.items() if old.get(key) != new.get(key)]
    return "; ".join(reasons) or "inputs changed"


# --- the cache --------------------------------------------------------------------------


class NotebookCache:
    """Executed notebooks by key: `<dir>/<key>/executed.ipynb` written whole, then renamed."""

    def __init__(self, directory: Path):
        self.dir = directory / "notebooks"
        self.index = directory / "last-inputs"

    def get(self, key: str) -> Path | None:
        path = self.dir / key / "executed.ipynb"
        return path if path.is_file() else None

    def put(self, job: NotebookJob, executed: Path) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        final = self.dir / job.key
        if not final.exists():
            tmp = owned_tempdir(self.dir, ".tmp-")
            shutil.copyfile(executed, tmp / "executed.ipynb")
            (tmp / "inputs.json").write_text(json.dumps(job.inputs, indent=1, sort_keys=True))
            try:
                os.replace(tmp, final)  # atomic: a reader sees no entry or a whole one
            except OSError:  # another render stored the same key first: theirs is identical
                shutil.rmtree(tmp, ignore_errors=True)
        self._remember(job)
        return final / "executed.ipynb"

    def _remember(self, job: NotebookJob) -> None:
        self.index.mkdir(parents=True, exist_ok=True)
        atomic_write(self.index / f"{job.name}.json", json.dumps(job.inputs, sort_keys=True))

    def last_inputs(self, name: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.index / f"{name}.json").read_text())
        except (OSError, ValueError):
            return None

    def sweep(self) -> None:
        """Remove temp folders left by interrupted writes (never reused: not named by key)."""
        sweep_dead(self.dir, ".tmp-")


# --- running papermill ------------------------------------------------------------------


def kernel_env(project_root: Path, state_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    """Environment for kernels: this project's code first, a kernelspec pinned to this Python."""
    spec_dir = state_dir / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (brief)",
        "language": "python",
    }
    spec_file = spec_dir / "kernel.json"
    text = json.dumps(spec, indent=1)
    if not spec_file.is_file() or spec_file.read_text() != text:
        spec_file.write_text(text)
    pythonpath = os.pathsep.join(
        p for p in [str(project_root / "src"), os.environ.get("PYTHONPATH", "")] if p
    )
    jupyter_path = os.pathsep.join(
        p for p in [str(state_dir / "jupyter"), os.environ.get("JUPYTER_PATH", "")] if p
    )
    return {
        "PYTHONPATH": pythonpath,
        "JUPYTER_PATH": jupyter_path,
        "PYTHONHASHSEED": "0",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        **extra,
    }


# One kernel per worker process, reused for every notebook that worker runs in this render.
_worker_kernel: Any = None


def _shutdown_kernel(km: Any) -> None:
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)


def _fresh_kernel(cwd: str) -> tuple[Any, bool]:
    """This worker's kernel with an empty namespace; starts one only when there is none.

    Starting a kernel and importing pandas and altair cost more than most notebooks' own
    work, so a worker keeps its kernel between notebooks and resets IPython (namespace,
    history, execution count) before each: every notebook still starts from a blank
    namespace, and only already-imported modules are shared.
    """
    global _worker_kernel
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    started = False
    km = _worker_kernel
    if km is None or not run_sync(km.is_alive)():
        # IPC (Unix sockets) rather than TCP: kernels started at the same moment by two
        # workers could pick the same free TCP port and one would never answer.
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc")
        km.connection_file = tempfile.mktemp(prefix=f"brief-kernel-{os.getpid()}-", suffix=".json")
        run_sync(km.start_kernel)(cwd=cwd)
        multiprocessing.util.Finalize(None, _shutdown_kernel, args=(km,), exitpriority=10)
        _worker_kernel, started = km, True
    client = km.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=120)
        reply = run_sync(client.execute_interactive)(
            "get_ipython().reset(new_session=True)", store_history=False, timeout=120
        )
        if reply["content"].get("status") != "ok":
            raise RuntimeError("the kernel could not be reset between notebooks")
    finally:
        client.stop_channels()
    return km, started


def _kernel_pid(km: Any) -> int | None:
    return getattr(getattr(km, "provisioner", None), "pid", None)


def _run_papermill(source: str, target: str, params: dict[str, Any], cwd: str) -> dict[str, Any]:
    """In a worker process: execute one notebook; report the outcome as plain data."""
    import papermill

    started = time.monotonic()
    new_kernel = False
    try:
        km, new_kernel = _fresh_kernel(cwd)
        papermill.execute_notebook(
            source,
            target,
            parameters=params,
            kernel_name=KERNEL_NAME,
            km=km,
            progress_bar=False,
            log_output=False,
        )
        return {
            "ok": True,
            "seconds": time.monotonic() - started,
            "kernel_started": new_kernel,
            "kernel_pid": _kernel_pid(km),
        }
    except papermill.PapermillExecutionError as exc:
        return {
            "ok": False,
            "cell_index": exc.cell_index,
            "ename": exc.ename,
            "evalue": exc.evalue,
            "kernel_pid": _kernel_pid(_worker_kernel),
        }
    except Exception as exc:  # kernel died, bad notebook JSON, ...
        return {"ok": False, "cell_index": None, "ename": type(exc).__name__, "evalue": str(exc)}


def _worker_init(env: dict[str, str], log: str) -> None:
    # Own process group: an interrupted render kills the worker *and* its kernel together.
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(env)
    # Kernels chatter on stderr (transport warnings); keep it in a log, not the progress.
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


_VEGALITE_MIME = re.compile(r"^application/vnd\.vegalite\.v\d+[+.]json$")


def add_static_charts(nb: dict[str, Any]) -> int:
    """Give every Vega-Lite output a static SVG view (for PDF engines); returns how many.

    Done here, in the renderer's process, so one vl-convert engine serves the whole render
    rather than one starting in every kernel. SVG bytes are deterministic.
    """
    added = 0
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            spec_key = next((k for k in data if _VEGALITE_MIME.match(k)), None)
            if spec_key is None or "image/svg+xml" in data:
                continue
            import vl_convert as vlc

            spec = data[spec_key]
            data["image/svg+xml"] = vlc.vegalite_to_svg(
                json.loads(spec) if isinstance(spec, str) else spec
            )
            added += 1
    return added


def normalize_executed(path: Path) -> None:
    """Remove what papermill adds that changes between identical runs (times, paths, ids)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    add_static_charts(nb)
    meta = nb.get("metadata", {}).get("papermill", {})
    nb["metadata"]["papermill"] = {"parameters": meta.get("parameters", {})}
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def locate_failure(executed: Path) -> tuple[int | None, str | None]:
    """The failing cell as the author counts it (1-based in the source notebook) and its label.

    papermill's own index counts the cells it inserts (injected parameters, error banners).
    """
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None, None
    number = 0
    for cell in cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        number += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number, cell_label(cell)
    return None, None


def _kill_groups(leaders: list[int]) -> None:
    for pid in leaders:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


class Executor:
    """Runs jobs in `jobs` worker processes; kills workers and kernels when interrupted."""

    def __init__(self, jobs: int, env: dict[str, str], log: Path):
        # spawn, not fork: the renderer has threads (engine warm-up), and a forked child can
        # inherit a lock one of them held (e.g. the import lock) and hang.
        context = multiprocessing.get_context("spawn")
        log.parent.mkdir(parents=True, exist_ok=True)
        self.pool = ProcessPoolExecutor(
            max_workers=max(1, jobs),
            mp_context=context,
            initializer=_worker_init,
            initargs=(env, str(log)),
        )
        self.kernel_starts = 0
        # Kernels run in sessions of their own (jupyter_client), outside the workers' groups.
        self.kernel_pids: set[int] = set()

    def run(
        self,
        todo: list[tuple[NotebookJob, Path]],
        cwd: Path,
        on_done: Callable[[NotebookJob, float], None],
    ) -> None:
        """Execute each job into its target path; raise NotebookFailed on the first failure."""
        started: dict[Future, tuple[NotebookJob, Path]] = {}
        for job, target in todo:
            target.parent.mkdir(parents=True, exist_ok=True)
            future = self.pool.submit(
                _run_papermill, str(job.source), str(target), job.params, str(cwd)
            )
            started[future] = (job, target)
        pending = set(started)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job, target = started[future]
                result = future.result()
                if result.get("kernel_pid"):
                    self.kernel_pids.add(result["kernel_pid"])
                if not result["ok"]:
                    for other in pending:
                        other.cancel()
                    result["cell_number"], result["label"] = locate_failure(target)
                    raise NotebookFailed(job.name, result, target)
                self.kernel_starts += result["kernel_started"]
                normalize_executed(target)
                on_done(job, result["seconds"])

    def kill(self) -> None:
        """Stop every worker and the kernels they started (their whole process groups)."""
        groups = [p.pid for p in list(getattr(self.pool, "_processes", {}).values())]
        _kill_groups([*groups, *self.kernel_pids])
        self.pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Let workers shut their kernels down; then make sure no process of theirs remains."""
        groups = list(getattr(self.pool, "_processes", {}) or {})
        self.pool.shutdown(wait=True)
        _kill_groups([*groups, *self.kernel_pids])
