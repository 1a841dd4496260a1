"""The Dask executor against a real LocalCluster on 127.0.0.1 with two worker processes.

A matrix rendered on the cluster must be byte-identical to the same matrix rendered by the
local executor, and two renders sharing one cache while the cluster's workers execute for
both must leave only whole, valid entries.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import brief, executed_notebooks, last_line, tiny_project

distributed = pytest.importorskip(
    "distributed", reason="Dask distributed is not installed: pip install '.[dask]'"
)

pytestmark = pytest.mark.slow

MATRIX = "- {colour: red}\n- {colour: blue}\n- {colour: blue, as_of: 2024-07-01}\n"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def render(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return brief(project, "render", "--engine", "builtin", "--explain", *args)


def editions(stdout: str) -> list[Path]:
    return [Path(line) for line in stdout.split()]


def files(edition: Path) -> dict[str, bytes]:
    return {
        p.relative_to(edition).as_posix(): p.read_bytes()
        for p in sorted(edition.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def test_a_matrix_on_a_dask_cluster_is_byte_identical_to_the_local_executors(tmp_path, scheduler):
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text(MATRIX)
    on_dask = tiny_project(tmp_path / "dask")
    done = render(on_dask, "--matrix", str(matrix), "--executor", "dask", "--scheduler", scheduler)
    assert done.returncode == 0, done.stderr
    assert "(dask)" in done.stderr and len(executed_notebooks(done.stderr)) == 2
    local = tiny_project(tmp_path / "local")
    here = render(local, "--matrix", str(matrix), "--executor", "local")
    assert here.returncode == 0, here.stderr
    pairs = list(zip(editions(done.stdout), editions(here.stdout), strict=True))
    assert [a.name for a, _ in pairs] == [
        "2025-03-01",
        "2025-03-01_colour-blue",
        "2024-07-01_colour-blue",
    ]
    for a, b in pairs:
        assert files(a) == files(b), a.name
    assert "summing to 8" in (pairs[0][0] / "brief.html").read_text()


def test_two_renders_writing_one_cache_through_the_cluster_leave_only_valid_entries(
    tmp_path, scheduler
):
    project = tiny_project(tmp_path)
    args = ("--executor", "dask", "--scheduler", scheduler)
    command = [sys.executable, "-m", "brief.cli", "render", "--project", str(project)]
    runs = [
        subprocess.Popen(
            [*command, "--engine", "builtin", "--output-dir", str(tmp_path / f"out{n}"), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=project,
        )
        for n in (1, 2)
    ]
    outs = [run.communicate(timeout=300) for run in runs]
    for run, (_out, err) in zip(runs, outs, strict=True):
        assert run.returncode == 0, err
    a, b = (Path(last_line(out)) for out, _err in outs)
    assert files(a) == files(b)
    again = render(project, "--output-dir", str(tmp_path / "out3"), *args)
    assert again.returncode == 0, again.stderr
    assert "warning" not in again.stderr and executed_notebooks(again.stderr) == []
    assert files(Path(last_line(again.stdout))) == files(a)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    project = tiny_project(tmp_path)
    done = render(project, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert done.returncode == 2, done.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
