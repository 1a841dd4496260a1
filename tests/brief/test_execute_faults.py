"""Faults during execution, with real processes and real signals (issue 16, items 6-8, 11, 12).

Each case starts a real `brief render` of the tiny subject, hurts it at a chosen stage
(kill -9, SIGHUP, SIGTERM, a cell that hangs, a notebook that writes where it should not)
and checks: no process of the render survives it, the caller's pipe is released, no
earlier edition changed, and the next render gives the same bytes as a clean one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.cli import brief, last_line, tiny_project

pytestmark = pytest.mark.slow

COMPARED = ["brief.html", "brief.pdf", "facts.json"]


def render(project: Path, *args: str, **kw) -> subprocess.CompletedProcess[str]:
    return brief(project, "render", "--engine", "builtin", *args, **kw)


class Running:
    """A `brief render` in the background whose standard error is read line by line."""

    def __init__(self, project: Path, *args: str, env: dict[str, str] | None = None):
        command = [sys.executable, "-m", "brief.cli", "render", "--project", str(project)]
        self.process = subprocess.Popen(
            [*command, "--engine", "builtin", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=project,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []
        self.stdout = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.stderr:
            assert self.process.poll() is None, f"ended before {text!r}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"never said {text!r}:\n{self.stderr}"
            time.sleep(0.02)

    def wait_for_file(self, pattern: str, root: Path, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not list(root.glob(pattern)):
            assert self.process.poll() is None, f"ended first:\n{self.stderr}"
            assert time.monotonic() < deadline, f"no {pattern}:\n{self.stderr}"
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> int:
        """Wait for the exit and for every writer of the pipes to let go of them."""
        assert self.process.stdout is not None
        self.stdout = self.process.stdout.read()  # EOF only once no process holds the pipe
        self._reader.join(timeout)
        assert not self._reader.is_alive(), "a process still holds the render's stderr"
        return self.process.wait(timeout)


def processes_of(project: Path) -> list[str]:
    """Every live process whose environment names the project (workers, kernels, trackers)."""
    marker = str(project).encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if marker in (proc / "environ").read_bytes():
                status = (proc / "status").read_text()
                if "\nState:\tZ" in status:
                    continue  # a zombie holds nothing
                found.append(f"{proc.name}: {(proc / 'cmdline').read_bytes()[:120]!r}")
        except OSError:
            continue
    return found


def no_process_left(project: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while processes_of(project) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_of(project) == [], "processes outlived the render"


def digest(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".publish.lock" not in p.name
    }


def set_cell(project: Path, notebook: str, index: int, source: str) -> str:
    path = project / "notebooks" / notebook
    original = path.read_text()
    nb = json.loads(original)
    nb["cells"][index]["source"] = source
    path.write_text(json.dumps(nb, indent=1))
    return original


COLOUR_CELL = (
    "#| label: colour-text\nfrom IPython.display import display\n"
    "display({'text/markdown': f'The colour is *{colour}*.'}, raw=True)"
)


@pytest.fixture
def clean_blue(tmp_path: Path) -> Callable[[], Path]:
    """A clean render of the same edition, made when asked (right after the one compared,
    so both see the same code)."""

    def make() -> Path:
        project = tiny_project(tmp_path / "clean")
        done = render(project, "-p", "colour=blue")
        assert done.returncode == 0, done.stderr
        return Path(last_line(done.stdout))

    return make


@pytest.fixture
def kernel_temp(monkeypatch) -> Iterator[Path]:
    """The renders' temp folder, where kernels make their connection files and sockets
    (short: a Unix socket's path is limited to about 100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="bk-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def no_kernel_folder_left(temp: Path) -> None:
    assert not list(temp.glob("brief-kernel*")), "kernel connection folders outlived the render"


@pytest.fixture
def earlier(tmp_path: Path) -> Iterator[tuple[Path, dict[str, bytes]]]:
    """A tiny project with one rendered edition, and the bytes of its output folder."""
    project = tiny_project(tmp_path / "project")
    done = render(project)
    assert done.returncode == 0, done.stderr
    yield project, digest(project / "output")
    # whatever a test did, nothing of its renders may run on
    for line in processes_of(project):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)


def same_as_clean(edition: Path, clean: Path) -> None:
    for name in COMPARED:
        assert (edition / name).read_bytes() == (clean / name).read_bytes(), name


def rerender_matches_clean(project: Path, clean: Callable[[], Path]) -> None:
    done = render(project, "-p", "colour=blue")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    same_as_clean(Path(last_line(done.stdout)), clean())


# --------------------------------------------------------- 6. kill -9 leaves no orphan

STAGES = ["validating", "executing", "between-cache-writes", "assembling"]


@pytest.mark.parametrize("stage", STAGES)
def test_kill_9_at_any_stage_leaves_no_process_no_open_pipe_and_no_damage(
    kernel_temp, earlier, clean_blue, stage
):
    project, before = earlier
    original = None
    if stage == "executing":
        wait = "open('started', 'w').close()\nimport time\ntime.sleep(60)\n"
        original = set_cell(project, "02_colour.ipynb", 1, wait + COLOUR_CELL)
    elif stage == "between-cache-writes":  # 01 is cached while 02 still runs
        wait = "import time\ntime.sleep(60)\n"
        original = set_cell(project, "02_colour.ipynb", 1, wait + COLOUR_CELL)
        (project / "data" / "values.csv").write_text(
            (project / "data" / "values.csv").read_text() + "2025-03-02,1\n"
        )
    elif stage == "validating":  # new data: the render validates it first
        (project / "data" / "values.csv").write_text(
            (project / "data" / "values.csv").read_text() + "2025-03-02,1\n"
        )
    running = Running(project, "-p", "colour=blue")
    try:
        if stage == "validating":
            running.wait_for("validating data")
        elif stage == "executing":
            running.wait_for_file(".brief/build/run-*/notebooks/started", project)
        elif stage == "between-cache-writes":
            running.wait_for(": 01_count.ipynb executed")  # "[1/2] <edition>: 01_count…"
        else:
            running.wait_for("assembling")
        running.process.send_signal(signal.SIGKILL)
        assert running.finish() == -signal.SIGKILL
    finally:
        if running.process.poll() is None:
            running.process.kill()
    no_process_left(project)
    assert digest(project / "output") == before, "an earlier edition changed"
    if original is not None:
        (project / "notebooks" / "02_colour.ipynb").write_text(original)
    if stage in ("validating", "between-cache-writes"):
        values = project / "data" / "values.csv"
        values.write_text(values.read_text().replace("2025-03-02,1\n", ""))
    rerender_matches_clean(project, clean_blue)
    assert not list((project / ".brief" / "run").glob("procs-*")), "records of the dead render"
    no_kernel_folder_left(kernel_temp)  # the dead render's, removed by the next one


# The renderer as a library, alive after its render: what it started must be gone by then
# (in a `brief` process, the parent-death signal would hide a worker left running).
LIBRARY_RENDER = """
import sys
from pathlib import Path
from brief.project import load_project
from brief.render import EditionRequest, Renderer
renderer = Renderer(load_project(Path(sys.argv[1])), engine="builtin", jobs=2)
try:
    renderer.render([EditionRequest({})])
    print("rendered", flush=True)
except Exception as exc:
    print(type(exc).__name__, flush=True)
sys.stdin.readline()  # stays alive until the test has looked
"""


def workers_and_kernels(project: Path) -> list[str]:
    # multiprocessing's resource tracker serves its parent process, and lives as long
    return [line for line in processes_of(project) if "resource_tracker" not in line]


def render_in_library(project: Path) -> str:
    """Render in a process that outlives the render; what it says once no worker or kernel
    of the render is left (the renderer's own process is not one: its environment does not
    name the project)."""
    process = subprocess.Popen(
        [sys.executable, "-c", LIBRARY_RENDER, str(project)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=project,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        said = process.stdout.readline().strip()
        deadline = time.monotonic() + 5
        while (left := workers_and_kernels(project)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert left == [], "workers or kernels outlived the render"
        process.stdin.write("\n")
        process.stdin.flush()
        assert process.wait(30) == 0, process.stderr.read() if process.stderr else ""
        return said
    finally:
        if process.poll() is None:
            process.kill()


def test_workers_started_beside_validation_are_stopped_when_no_notebook_needs_them(earlier):
    # Validating new data starts the workers and their kernels at once (notebooks will
    # run): a data problem, or editions all up to date, must not leave them running.
    project, before = earlier
    values = project / "data" / "values.csv"
    good = values.read_text()
    values.write_text(good + "2025-03-02,lots\n")
    log = project / ".brief" / "logs" / "kernels.log"
    log.unlink()
    failed = render(project)
    assert failed.returncode == 2 and "validating data" in failed.stderr, failed.stderr
    assert "data/values.csv" in failed.stderr and "Traceback" not in failed.stderr
    assert log.exists(), "no worker was started beside validation"
    assert render_in_library(project) == "DataProblems"
    values.write_text(good)
    for marker in (project / ".brief" / "cache" / "validated").glob("*.json"):
        marker.unlink()  # validated again, and the edition is up to date
    log.unlink()
    assert render_in_library(project) == "rendered"
    assert log.exists(), "no worker was started beside validation"
    assert digest(project / "output") == before


def test_a_later_render_kills_what_a_killed_one_left_running(earlier):
    project, _ = earlier
    # A process recorded by a renderer that no longer runs (pid 999999): the next render
    # must kill it. `sleep` stands in for a kernel that escaped its parent-death signal.
    orphan = subprocess.Popen(["sleep", "300"], start_new_session=True)
    records = project / ".brief" / "run" / "procs-999999-abc"
    records.mkdir(parents=True)
    stat = Path(f"/proc/{orphan.pid}/stat").read_text().rsplit(")", 1)[1].split()
    (records / str(orphan.pid)).write_text(stat[19])
    try:
        done = render(project, "--output-dir", str(project / "elsewhere"))
        assert done.returncode == 0, done.stderr
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert not records.exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()


# ------------------------------------------------------------ 7, 8. SIGHUP, SIGTERM


def test_sighup_is_an_interruption_like_sigterm(kernel_temp, earlier):
    project, before = earlier
    wait = "open('started', 'w').close()\nimport time\ntime.sleep(60)\n"
    set_cell(project, "02_colour.ipynb", 1, wait + COLOUR_CELL)
    running = Running(project, "-p", "colour=blue")
    running.wait_for_file(".brief/build/run-*/notebooks/started", project)
    running.process.send_signal(signal.SIGHUP)
    assert running.finish() == 130, running.stderr
    assert "interrupted; nothing was published" in running.stderr
    assert "Traceback" not in running.stderr and running.stdout == ""
    no_process_left(project)
    no_kernel_folder_left(kernel_temp)  # its kernels were killed with their workers
    assert digest(project / "output") == before


def test_a_worker_killed_mid_notebook_is_a_message_naming_what_was_not_executed(
    earlier, clean_blue
):
    """The system's OOM killer or a user's kill -9 may end a worker: no traceback, the
    notebooks not executed named, nothing published, and the next render is a clean one."""
    project, before = earlier
    wait = "open('started', 'w').close()\nimport time\ntime.sleep(60)\n"
    original = set_cell(project, "02_colour.ipynb", 1, wait + COLOUR_CELL)
    running = Running(project, "-p", "colour=blue")
    running.wait_for_file(".brief/build/run-*/notebooks/started", project)
    workers = [line for line in processes_of(project) if "spawn_main" in line]
    assert workers, processes_of(project)
    for line in workers:
        os.kill(int(line.split(":")[0]), signal.SIGKILL)
    assert running.finish() == 1, running.stderr
    assert "a worker process ended abruptly" in running.stderr, running.stderr
    assert "not yet executed: 02_colour.ipynb" in running.stderr, running.stderr
    assert "Traceback" not in running.stderr and running.stdout == ""
    no_process_left(project)
    assert digest(project / "output") == before
    (project / "notebooks" / "02_colour.ipynb").write_text(original)
    rerender_matches_clean(project, clean_blue)


def test_an_interrupted_matrix_says_which_editions_it_wrote(earlier, tmp_path):
    project, _ = earlier
    matrix = tmp_path / "matrix.yaml"
    rows = [("blue", "2025-03-01"), ("red", "2024-07-01"), ("blue", "2024-07-01")]
    rows += [("red", "2024-06-01"), ("blue", "2024-06-01")]
    matrix.write_text("".join(f"- {{colour: {c}, as_of: {d}}}\n" for c, d in rows))
    running = Running(project, "--matrix", str(matrix))
    running.wait_for("draft written")
    running.process.send_signal(signal.SIGTERM)
    assert running.finish() == 130, running.stderr
    message = running.lines[-1]
    written = sorted(
        p.name for p in (project / "output").rglob("manifest.json") for p in [p.parent]
    )
    new = [name for name in written if name != "2025-03-01"]
    assert new, "the first edition was not written"
    assert f"interrupted after {len(new)} edition(s) were written" in message, message
    for name in new:
        assert name in message
    no_process_left(project)


# ----------------------------------------------------------- 11. a cell that hangs


def test_a_hanging_cell_is_stopped_at_the_timeout_naming_notebook_and_cell(earlier):
    project, before = earlier
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("cell_timeout = 60", "cell_timeout = 3"))
    hang = COLOUR_CELL + "\nimport time\ntime.sleep(600)"
    original = set_cell(project, "02_colour.ipynb", 1, hang)
    started = time.monotonic()
    done = render(project, "-p", "colour=blue", env={"BRIEF_HEARTBEAT": "1"}, timeout=120)
    assert time.monotonic() - started < 90
    assert done.returncode == 1, done.stderr
    assert (
        "notebook 02_colour.ipynb: cell 2 (#| label: colour-text) ran longer than the cell "
        "timeout of 3 s ([tool.brief] cell_timeout)"
    ) in done.stderr, done.stderr
    assert "still executing after" in done.stderr and "02_colour.ipynb" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    no_process_left(project)
    assert digest(project / "output") == before
    (project / "notebooks" / "02_colour.ipynb").write_text(original)
    again = render(project, "-p", "colour=blue")
    assert again.returncode == 0, again.stderr


# ------------------------------------------------- 12. writes stay inside the build


def test_a_notebook_writing_beside_itself_touches_neither_project_nor_later_renders(
    earlier, clean_blue
):
    project, before = earlier
    notebooks = sorted(p.name for p in (project / "notebooks").iterdir())
    data = digest(project / "data")
    extra = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    writes = (
        f"open('03_extra.ipynb', 'w').write({extra!r})\n"
        "open('../data/extra.csv', 'w').write('published,value\\n2025-01-01,1000\\n')\n"
    )
    label, rest = COLOUR_CELL.split("\n", 1)
    original = set_cell(project, "02_colour.ipynb", 1, f"{label}\n{writes}{rest}")
    done = render(project, "-p", "colour=blue")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (project / "notebooks").iterdir()) == notebooks
    assert digest(project / "data") == data
    assert digest(project / "output") == {
        **before,
        **{
            k: v
            for k, v in digest(project / "output").items()
            if "colour-blue" in k  # only the new edition was added
        },
    }
    (project / "notebooks" / "02_colour.ipynb").write_text(original)
    rerender_matches_clean(project, clean_blue)
    edition = Path(last_line(render(project, "-p", "colour=blue").stdout))
    assert sorted(p.name for p in (edition / "notebooks").iterdir()) == notebooks


# ------------------------------------------------- messages: the working state itself


@pytest.mark.parametrize(
    ("options", "words"),
    [("size=256k", "the disk is full"), ("ro", "the file system is read-only")],
    ids=["full", "read-only"],
)
def test_a_full_or_read_only_state_folder_is_a_message_and_publishes_nothing(
    tmp_path, options, words
):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs over .brief/ needs root")
    project = tiny_project(tmp_path)
    state = project / ".brief"
    state.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(state)])
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (exit {mounted.returncode})")
    try:
        done = render(project)
    finally:
        subprocess.run(["umount", "-l", str(state)], check=False)
    assert done.returncode == 1, done.stderr
    assert f"cannot write the working state in {state} ({words}" in done.stderr, done.stderr
    assert "nothing was published" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not [p for p in (project / "output").rglob("*") if p.is_file() and p.name[0] != "."]
    no_process_left(project)
