"""Notebook execution: the inputs a render reads, the jobs and their keys, and their results.

A notebook's cache key is derived, never remembered: the hash of its source, the values of
the parameters *it declares*, the checksums of the data, the subject's code, the locked
dependency set and the Python version. Quarto's `freeze` hashes only the source
(quarto-cli #6793); here any changed input re-executes, and nothing else does.

Everything a key covers is read from one read-only snapshot in the build folder (the data
and the notebooks, copied once at the start of a render): validation, the kernels and the
keys all see the same bytes, whatever happens to `data/` or `notebooks/` meanwhile.
Where notebooks run is an executor's business (`brief.executors`).
"""

from __future__ import annotations

import ast
import errno
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brief import protocol
from brief.cache import ValidatedMarkers
from brief.executors import Result
from brief.fsutil import read_only_copy
from brief.hashing import files_sha256, value_sha256
from brief.project import Project, ProjectError

Warn = Callable[[str], None]
DEFAULT_CELL_TIMEOUT = 600.0  # seconds; [tool.brief] cell_timeout
DEFAULT_MAX_OUTPUT_MB = 16.0  # per output; [tool.brief] max_output_mb
HEARTBEAT = float(os.environ.get("BRIEF_HEARTBEAT", "10"))  # seconds between "still executing"


class NotebookFailed(Exception):
    """A notebook raised; says which notebook, cell and exception, and where it was kept."""

    def __init__(self, notebook: str, detail: dict[str, Any], kept_at: Path):
        self.notebook, self.detail, self.kept_at = notebook, detail, kept_at
        cell = detail.get("cell_number")
        where = f"cell {cell}" if cell is not None else "before any cell ran"
        if cell is None and detail.get("timed_out"):
            where = "a cell"
        if detail.get("label"):
            where += f" (#| label: {detail['label']})"
        if detail.get("timed_out"):
            what = (
                f"notebook {notebook}: {where} ran longer than the cell timeout of "
                f"{detail['timeout']:g} s ([tool.brief] cell_timeout) and was stopped"
            )
        else:
            what = (
                f"notebook {notebook} failed in {where}: {detail.get('ename', 'Error')}: "
                f"{detail.get('evalue', '')}"
            )
        super().__init__(
            f"{what}. The executed notebook is kept at {kept_at} "
            "for debugging (until `brief clean`); nothing was published."
        )


class NotebookInvalid(ProjectError):
    """A notebook cannot be planned (not a notebook, no parameters cell, bad syntax)."""


class DataProblems(Exception):
    """The data failed validation; carries every problem found."""

    def __init__(self, problems: list[Any]):
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        count = len(problems)
        super().__init__(f"the data has {count} problem(s); nothing was rendered:\n{listed}")


# --- what a notebook declares ---------------------------------------------------------


def read_notebook(path: Path) -> dict[str, Any]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotebookInvalid(f"notebook {path.name} is not a valid notebook file: {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookInvalid(f"notebook {path.name} is not a notebook (no list of cells)")
    return nb


def _parameters_cell(nb: dict[str, Any]) -> dict[str, Any] | None:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and protocol.PARAMETERS_TAG in protocol.cell_tags(cell):
            return cell
    return None


def declared_parameters(notebook: Path) -> list[str]:
    """Names assigned in the cell tagged `parameters`; a notebook without one is refused.

    The key covers only the declared parameters, so a notebook that declares none would
    be reused whatever the parameters say: it must have the cell (empty if it uses none).
    """
    cell = _parameters_cell(read_notebook(notebook))
    if cell is None:
        raise NotebookInvalid(
            f"notebook {notebook.name} has no cell tagged '{protocol.PARAMETERS_TAG}': add "
            "one declaring the parameters it uses (an empty one if it uses none), so that "
            "its cache key covers them"
        )
    try:
        body = ast.parse(protocol.cell_source(cell)).body
    except SyntaxError as exc:
        raise NotebookInvalid(
            f"notebook {notebook.name}: the parameters cell has a syntax error on its line "
            f"{exc.lineno}: {exc.msg}"
        ) from None
    names: list[str] = []
    for node in body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


# --- the inputs of a render: one snapshot ---------------------------------------------


@dataclass(frozen=True)
class DataState:
    checksums: dict[str, str]  # project-relative path -> sha256, of the snapshot
    latest: str
    code: str = ""  # checksum of the subject's code
    data_dir: Path = field(default=Path("data"))  # the read-only snapshot of data/
    notebooks_dir: Path = field(default=Path("notebooks"))  # ... of notebooks/ (kernels' cwd)


def project_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def snapshot(project: Project, run_root: Path) -> tuple[Path, Path]:
    """Read-only copies of data/ and the notebooks under `run_root`; their folders."""
    data = run_root / project.data_dir.relative_to(project.root)
    notebooks = run_root / "notebooks"
    read_only_copy(project.data_dir, data, project_files(project.data_dir))
    sources = sorted(project.notebooks_dir.glob("*.ipynb"))
    # The kernels' working folder: a notebook may write scratch files there, never into
    # the project (they vanish with the build).
    read_only_copy(project.notebooks_dir, notebooks, sources, lock_folders=False)
    return data, notebooks


def _in_project_terms(problems: list[Any], project: Project, snapshot_dir: Path) -> list[str]:
    """Problems name the user's files (data/x.csv), not the snapshot they were found in."""
    relative = snapshot_dir.relative_to(project.root).as_posix()
    original = project.data_dir.relative_to(project.root).as_posix()
    return [
        str(p).replace(str(snapshot_dir), str(project.data_dir)).replace(relative, original)
        for p in problems
    ]


def prepare_data(
    project: Project,
    run_root: Path,
    code: str,
    say: Callable[[str], None],
    warn: Warn,
    *,
    remember: bool = True,
    on_validating: Callable[[Path, Path], None] | None = None,
) -> DataState:
    """Snapshot the inputs, checksum the copies, validate once per (data, subject code);
    `remember=False` (a dry run) leaves the validated markers as they are. `on_validating`
    is told the snapshot's data and notebooks folders when validation is about to run."""
    data_dir, notebooks_dir = snapshot(project, run_root)
    checksums = files_sha256(run_root, project_files(data_dir))  # named as in the project
    markers = ValidatedMarkers(project.cache_dir, warn, read_only=not remember)
    # Keyed by the snapshot's checksums: the subject's fingerprint of the same bytes is
    # computed only when kernels are told it (importing the subject costs a no-op render).
    key = markers.key(value_sha256(checksums), code)
    found = markers.get(key)
    if found is None or not isinstance(found.get("latest"), str):
        say("validating data")
        if on_validating is not None:
            on_validating(data_dir, notebooks_dir)
        problems = project.subject("data_check")(data_dir)
        if problems:
            raise DataProblems(_in_project_terms(problems, project, data_dir))
        found = {"latest": project.subject("latest")(data_dir).isoformat()}
        markers.put(key, found)
    return DataState(checksums, found["latest"], code, data_dir, notebooks_dir)


def validated_env(project: Project, data_dir: Path) -> dict[str, str]:
    """The subject's own fingerprint of the snapshot's data folder, under the name its
    loader reads: where it is set (kernels, the renderer's own hooks) the data is not
    validated again. Empty when the subject names no fingerprint."""
    if not project.config.get("fingerprint"):
        return {}
    return {protocol.DATA_VALIDATED_ENV: project.subject("fingerprint")(data_dir)}


def kernel_env(project: Project, data_dir: Path) -> dict[str, str]:
    """What every kernel is told: where the project and its data snapshot are, that the
    data is validated (in the subject's own fingerprint), this project's code first."""
    from brief.executors.kernel import kernel_spec  # (the worker side: not for a no-op)

    pythonpath = os.pathsep.join(
        p for p in [str(project.root / "src"), os.environ.get("PYTHONPATH", "")] if p
    )
    jupyter_path = os.pathsep.join(
        p for p in [str(kernel_spec(project.state_dir)), os.environ.get("JUPYTER_PATH", "")] if p
    )
    env = {
        "PYTHONPATH": pythonpath,
        "JUPYTER_PATH": jupyter_path,
        "PYTHONHASHSEED": "0",
        "PYTHONUTF8": "1",  # whatever the caller's locale, kernels read and write UTF-8
        "PYTHONIOENCODING": "utf-8",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        protocol.PROJECT_ROOT_ENV: str(project.root),
        protocol.DATA_DIR_ENV: str(data_dir),
        **validated_env(project, data_dir),
    }
    preload = project.config.get("preload", [])
    if preload:
        env["BRIEF_PRELOAD"] = ",".join(str(m) for m in preload)
    return env


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
    declared: dict[str, list[str]] | None = None,
) -> list[NotebookJob]:
    """One job per notebook; only the parameters it declares enter its key and its run."""
    jobs = []
    for path in notebooks:
        names = declared[path.name] if declared else declared_parameters(path)
        mine = {name: params[name] for name in names if name in params}
        inputs = {
            "notebook": path.name,
            "source": source_hashes[path.name],
            "params": mine,
            **shared_inputs,
        }
        jobs.append(NotebookJob(name=path.name, source=path, params=mine, inputs=inputs))
    return jobs


def _shown(value: Any) -> str:
    if value is None:
        return "unset"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


INPUT_WORDS = {
    "notebook": "notebook name changed",
    "source": "notebook source changed",
    "code": "analysis code changed",
    "lock": "dependency lock changed",
    "runtime": "Python or kernel changed",
}


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each input in which a cache entry's inputs `old` differ from `new`, in words: one
    item per parameter, per data file and per other input."""
    found = []
    for key in ("notebook", "source"):
        if old.get(key) != new.get(key):
            found.append(INPUT_WORDS[key])
    old_params, new_params = _mapping(old.get("params")), _mapping(new.get("params"))
    for name in sorted(set(old_params) | set(new_params)):
        before, after = old_params.get(name), new_params.get(name)
        if before != after:
            found.append(f"parameter {name}: {_shown(before)} → {_shown(after)}")
    old_data, new_data = _mapping(old.get("data")), _mapping(new.get("data"))
    for path in sorted(set(old_data) | set(new_data)):
        if path not in old_data:
            found.append(f"data file {path} added")
        elif path not in new_data:
            found.append(f"data file {path} removed")
        elif old_data[path] != new_data[path]:
            found.append(f"data file {path} changed")
    for key in ("code", "lock", "runtime"):
        if old.get(key) != new.get(key):
            found.append(INPUT_WORDS[key])
    known = {*INPUT_WORDS, "params", "data"}
    found += [
        f"input {k} changed"
        for k in sorted((set(old) | set(new)) - known)
        if old.get(k) != new.get(k)
    ]
    return found


def explain_miss(entries: list[Any], inputs: dict[str, Any]) -> str:
    """Why a notebook has no cache entry for `inputs`, from the entries it does have (each
    with `key`, `inputs` and `stored`): what differs from the closest one (fewest differing
    inputs, then the newest, then by key)."""
    if not entries:
        return "no cache entry for this notebook"
    ranked = sorted(
        ((differences(e.inputs, inputs), e) for e in entries),
        key=lambda pair: (len(pair[0]), -pair[1].stored, pair[1].key),
    )
    found, closest = ranked[0]
    which = f"the closest of its {len(entries)} cache entries" if len(entries) > 1 else ""
    listed = "; ".join(found) or "inputs changed"
    return f"{listed}, compared with {which or 'its only cache entry'} ({closest.key[:12]})"


# --- executed notebooks -----------------------------------------------------------------


def warm_static_charts() -> None:
    """Start vl-convert's engine (0.5-0.8 s, the GIL released) before the first chart
    arrives, in the renderer's warm-up thread: started by the first `add_static_charts`,
    it held up the renderer's handling of results while workers waited for their next
    notebook. An SVG depends only on its spec: drawing this one first changes no other."""
    import vl_convert as vlc

    vlc.vegalite_to_svg({"mark": "point", "data": {"values": [{"x": 0}]}})


def add_static_charts(nb: dict[str, Any]) -> int:
    """Give every Vega-Lite output a static SVG view (for PDF engines); returns how many.

    Done here, in the renderer's process, so one vl-convert engine serves the whole render
    rather than one starting in every kernel. SVG bytes are deterministic.
    """
    added = 0
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            spec_key = next((k for k in data if protocol.VEGALITE_MIME_RE.match(k)), None)
            if spec_key is None or protocol.SVG_MIME in data:
                continue
            import vl_convert as vlc

            spec = data[spec_key]
            data[protocol.SVG_MIME] = vlc.vegalite_to_svg(
                json.loads(spec) if isinstance(spec, str) else spec
            )
            added += 1
    return added


def _output_size(output: dict[str, Any]) -> int:
    return len(json.dumps(output, ensure_ascii=False).encode("utf-8"))


def cap_outputs(nb: dict[str, Any], name: str, limit_mb: float, warn: Warn) -> None:
    """Replace any output larger than the limit by a short note, with a warning."""
    limit = int(limit_mb * 1024 * 1024)
    for number, cell in enumerate(_author_cells(nb), start=1):
        for index, output in enumerate(cell.get("outputs", [])):
            size = _output_size(output)
            if size <= limit:
                continue
            note = (
                f"[an output of {size / 1048576:.1f} MB was left out: over the "
                f"{limit_mb:g} MB limit ([tool.brief] max_output_mb)]"
            )
            cell["outputs"][index] = {
                "output_type": "display_data",
                "data": {"text/plain": note, "text/markdown": f"*{note}*"},
                "metadata": {},
            }
            warn(f"notebook {name}, cell {number}: {note[1:-1]}")


def _author_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The cells as the author counts them (papermill's inserted cells left out)."""
    skip = {protocol.INJECTED_TAG, protocol.ERROR_TAG}
    return [c for c in nb.get("cells", []) if not skip & set(protocol.cell_tags(c))]


def normalize_executed(text: str, name: str, *, max_output_mb: float, warn: Warn) -> str:
    """Remove what papermill adds that changes between identical runs (times, paths, ids);
    cap oversized outputs; add the static charts."""
    nb = json.loads(text)
    cap_outputs(nb, name, max_output_mb, warn)
    add_static_charts(nb)
    meta = nb.get("metadata", {}).get("papermill", {})
    # Only what the cache key covers may reach the edition (brief.notebooks): the source's
    # kernel metadata and view state are not inputs, so they are not kept (E's edit).
    nb["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": nb.get("metadata", {}).get("language_info", {}),
        "papermill": {"parameters": meta.get("parameters", {})},
    }
    for cell in nb.get("cells", []):
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k == "tags"}
        if protocol.INJECTED_TAG in protocol.cell_tags(cell):
            cell["id"] = "injected-parameters"
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def locate_failure(text: str | None, *, running: bool = False) -> tuple[int | None, str | None]:
    """The failing (or, after a timeout, the running) cell as the author counts it
    (1-based in the source notebook) and its label."""
    try:
        nb = json.loads(text or "")
    except ValueError:
        return None, None
    for number, cell in enumerate(_author_cells(nb), start=1):
        # A cell stopped by the timeout started (execute_input) and never replied.
        timing = cell.get("metadata", {}).get("execution", {})
        stopped = "iopub.execute_input" in timing and "shell.execute_reply" not in timing
        failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if (running and stopped) or (not running and failed):
            return number, protocol.cell_label(cell)
    return None, None


# --- running the jobs -------------------------------------------------------------------


def _failure(job: NotebookJob, result: Result, target: Path, timeout: float | None) -> Exception:
    if result.notebook is not None:
        target.write_text(result.notebook, encoding="utf-8")
    number, label = locate_failure(result.notebook, running=result.timed_out)
    detail = {
        "ename": result.ename,
        "evalue": result.evalue,
        "cell_number": number,
        "label": label,
        "timed_out": result.timed_out,
        "timeout": timeout or 0,
    }
    return NotebookFailed(job.name, detail, target)


def start_executor(
    project: Project,
    data_dir: Path,
    notebooks_dir: Path,
    *,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
) -> Any:
    """The executor for the snapshot's notebooks, its workers spawned and warming their
    kernels (for the same environment and folder as the jobs, so each kernel is kept)."""
    from brief.executors import make_executor

    warm = {"env": kernel_env(project, data_dir), "cwd": str(notebooks_dir)}
    return make_executor(
        executor, workers=workers, state_dir=project.state_dir, scheduler=scheduler, warm=warm
    )


def run_notebooks(
    project: Project,
    data: DataState,
    todo: list[tuple[NotebookJob, Path]],
    *,
    cache: Any,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: Any,
    after_spawn: Callable[[], None] = lambda: None,
    editions: dict[str, list[str]] | None = None,
    runner: Any = None,
    on_stored: Callable[[str], None] = lambda key: None,
) -> int:
    """Execute the jobs, store each result in the cache as it arrives; kernel starts.
    `editions` names, per job key, the editions that need it (every progress line about a
    notebook says which edition it is for). `runner`: an executor already started for this
    snapshot (`start_executor`); it is closed here either way. `on_stored` is told each
    job's key once its notebook is in the cache.

    Raises NotebookFailed for the first notebook that fails (the executed notebook is
    written to its target for debugging), after stopping the others.
    """
    from brief.executors import Job

    total = len(todo)
    timeout = float(project.config.get("cell_timeout", DEFAULT_CELL_TIMEOUT)) or None
    limit = float(project.config.get("max_output_mb", DEFAULT_MAX_OUTPUT_MB))
    env = kernel_env(project, data.data_dir)
    cwd = str(data.notebooks_dir)
    jobs = {
        job.key: Job(
            key=job.key,
            name=job.name,
            notebook=job.source.read_text(encoding="utf-8"),
            params=job.params,
            cwd=cwd,
            env=env,
            cell_timeout=timeout,
        )
        for job, _target in todo
    }
    targets = {job.key: (job, target) for job, target in todo}
    owners = editions or {}

    def named(job: Job) -> str:
        return f"{for_editions(owners.get(job.key, []))}{job.name}"

    count = min(workers, total)
    shared = len({e for job, _t in todo for e in owners.get(job.key, [])})
    of = f" for {shared} edition(s)" if shared else ""
    progress.line(f"executing {total} notebook(s){of} with {count} worker(s) ({executor})")
    # Workers start their kernels now (the slowest seconds of a cold render): say so.
    progress.line(f"  starting {count} kernel(s); each notebook is listed when it has run")
    if runner is None:
        runner = start_executor(
            project,
            data.data_dir,
            data.notebooks_dir,
            executor=executor,
            workers=count,
            scheduler=scheduler,
        )
    after_spawn()
    finished = 0

    def on_result(job: Job, result: Result) -> None:
        nonlocal finished
        planned, target = targets[job.key]
        target.parent.mkdir(parents=True, exist_ok=True)
        if not result.ok or result.notebook is None:
            raise _failure(planned, result, target, timeout)
        text = normalize_executed(
            result.notebook, job.name, max_output_mb=limit, warn=progress.warn
        )
        cache.put(planned.inputs, job.name, text)
        finished += 1
        progress.step(f"  [{finished}/{total}] {named(job)} executed in {result.seconds:.1f}s")
        on_stored(job.key)

    def on_wait(running: list[Job], seconds: float) -> None:
        names = "; ".join(sorted(named(j) for j in running))
        progress.line(f"  still executing after {seconds:.0f}s: {names}")

    try:
        runner.run(list(jobs.values()), on_result, on_wait, heartbeat=HEARTBEAT)
    except BaseException:
        runner.kill()
        raise
    finally:
        runner.close()
    progress.line(f"{total} notebook(s) executed in {runner.kernel_starts} kernel(s)")
    return runner.kernel_starts


def for_editions(names: list[str], shown: int = 3) -> str:
    """ "2024-07-01: " or "a, b, c and 2 more: " (the editions a notebook is executed for)."""
    if not names:
        return ""
    listed = ", ".join(names[:shown])
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{listed}{more}: "


def state_problem(exc: OSError, state_dir: Path) -> Exception | None:
    """An OSError in the working state (.brief/) as a one-paragraph message, else None."""
    from brief.editions.publishing import PublishError

    number, names = exc.errno, [exc.filename, exc.filename2]
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        _src, dst, why = exc.args[0][0]  # copytree: (source, target, reason) per file
        found = re.search(r"\[Errno (\d+)\]", str(why))
        number, names = int(found.group(1)) if found else None, [dst]
    inside = [Path(n) for n in names if n and Path(n).is_relative_to(state_dir)]
    if not inside:
        return None
    where = inside[0]
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EDQUOT: "the disk quota is exhausted",
    }.get(number or 0, exc.strerror or str(exc))
    return PublishError(
        f"cannot write the working state in {state_dir} ({reason}: {where}); nothing was "
        "published and earlier editions are intact. Free space or make the folder writable "
        "(`brief clean` empties it)."
    )
