"""Execution costs (issue 18), each measured side by side in one run on the real project.

    .venv/bin/python bench/execution.py [--repeat N]

(a) the kernel's data load when the renderer has validated (the subject's own fingerprint)
    against one told a wrong fingerprint (the seam bug: every kernel re-validated);
(b) `wait_for_ready`: jupyter_client's (a fixed 200 ms IOPub flush) against the executor's;
(c) worker start: both workers ready while the Vega-bundle warm-up thread runs from the
    start, against the warm-up started once the workers are spawned;
(d) the first notebook in a fresh worker with the heavy imports preloaded in its kernel
    against without.
Prints medians and ratios; no assertion (timings belong here, not in tests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from brief import protocol  # noqa: E402
from brief.execute import kernel_env, prepare_data  # noqa: E402
from brief.executors import Job, make_executor  # noqa: E402
from brief.project import load_project  # noqa: E402

LOAD = """
import sys, time
t0 = time.perf_counter()
from analysis.data import as_of_view, latest_publication_date
view = as_of_view(latest_publication_date())
from IPython.display import display
display({"application/json": {"seconds": time.perf_counter() - t0,
         "pandera": "pandera" in sys.modules}}, raw=True)
"""
HEAVY = """
import time
t0 = time.perf_counter()
import pandas, altair, analysis.charts
from IPython.display import display
display({"application/json": {"seconds": time.perf_counter() - t0}}, raw=True)
"""


def notebook(code: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(code),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return nbformat.writes(nb)


def reported(text: str | None) -> dict:
    import json

    for cell in json.loads(text or "{}").get("cells", []):
        for output in cell.get("outputs", []):
            if "application/json" in output.get("data", {}):
                return output["data"]["application/json"]
    raise RuntimeError("the probe reported nothing")


def run_one(state: Path, job: Job, warm: dict | None = None) -> tuple[float, dict]:
    """Wall time from a fresh worker pool to the job's result, and what the job reported."""
    t0 = time.perf_counter()
    executor = make_executor("local", workers=1, state_dir=state, warm=warm)
    got = []
    try:
        executor.run([job], lambda _j, r: got.append(r))
    finally:
        executor.close()
    wall = time.perf_counter() - t0
    assert got[0].ok, (got[0].ename, got[0].evalue)
    return wall, reported(got[0].notebook)


def bench_validation(state: Path, env: dict, cwd: str, repeat: int) -> None:
    rows = {}
    for label, fingerprint in [("validated by the renderer", env[protocol.DATA_VALIDATED_ENV])]:
        rows[label] = fingerprint
    rows["wrong fingerprint (old bug)"] = "0" * 64
    results = {}
    for label, fingerprint in rows.items():
        times, pandera = [], None
        for _ in range(repeat):
            job = Job(
                "b",
                "load.ipynb",
                notebook(LOAD),
                {},
                cwd,
                {**env, protocol.DATA_VALIDATED_ENV: fingerprint},
                600,
            )
            _wall, seen = run_one(state, job)
            times.append(seen["seconds"])
            pandera = seen["pandera"]
        results[label] = statistics.median(times)
        print(
            f"(a) kernel data load, {label:28}: {results[label]:.2f} s  pandera imported: {pandera}"
        )
    a, b = results.values()
    print(f"    ratio old/new: {b / a:.1f}x")


def bench_ready(repeat: int) -> None:
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    from brief.executors.kernel import quick_ready_client

    km = AsyncKernelManager(kernel_name="python3", transport="ipc")
    km.connection_file = os.path.join(tempfile.mkdtemp(), "k.json")
    run_sync(km.start_kernel)()
    try:
        stock_factory = km.client_factory
        results = {}
        for label, factory in [("jupyter_client", stock_factory), ("brief", quick_ready_client())]:
            km.client_factory = factory
            times = []
            for _ in range(repeat * 4):
                client = km.client()
                client.start_channels()
                t0 = time.perf_counter()
                run_sync(client.wait_for_ready)(timeout=60)
                times.append(time.perf_counter() - t0)
                client.stop_channels()
            results[label] = statistics.median(times)
            print(
                f"(b) wait_for_ready, {label:16}: {results[label] * 1000:.0f} ms (x2 per notebook)"
            )
        a, b = results.values()
        print(f"    saved per notebook: {(a - b) * 2 * 1000:.0f} ms")
    finally:
        run_sync(km.shutdown_kernel)(now=True)


def bench_spawn(state: Path, repeat: int) -> None:
    import vl_convert as vlc

    from brief.executors.local import _ping

    results = {}
    for label in ["warm-up thread first (old)", "warm-up after spawn (new)"]:
        times = []
        for _ in range(repeat):
            thread = threading.Thread(target=vlc.javascript_bundle, daemon=True)
            t0 = time.perf_counter()
            if label.endswith("(old)"):
                thread.start()
            executor = make_executor("local", workers=2, state_dir=state)
            if label.endswith("(new)"):
                thread.start()
            for future in executor._pings:
                future.result()
            [executor.pool.submit(_ping).result() for _ in range(2)]
            times.append(time.perf_counter() - t0)
            executor.close()
            thread.join()
        results[label] = statistics.median(times)
        print(f"(c) two workers ready, {label:28}: {results[label]:.2f} s")
    a, b = results.values()
    print(f"    ratio old/new: {a / b:.2f}x")


def bench_preload(state: Path, env: dict, cwd: str, repeat: int) -> None:
    results = {}
    for label, preload in [
        ("no preload", ""),
        ("preloaded in the kernel", "pandas,altair,analysis.charts"),
    ]:
        walls, inner = [], []
        for _ in range(repeat):
            job_env = {**env, "BRIEF_PRELOAD": preload}
            job = Job("h", "heavy.ipynb", notebook(HEAVY), {}, cwd, job_env, 600)
            wall, seen = run_one(state, job, warm={"env": job_env, "cwd": cwd})
            walls.append(wall)
            inner.append(seen["seconds"])
        results[label] = statistics.median(walls)
        print(
            f"(d) first notebook, {label:24}: {results[label]:.2f} s from pool start "
            f"(its imports {statistics.median(inner):.2f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = load_project(ROOT)
    work = Path(tempfile.mkdtemp(prefix="brief-bench-exec-"))
    data = prepare_data(project, work / "run", "bench", lambda s: None, print)
    env = kernel_env(project, data.data_dir)
    state = work / "state"
    cwd = str(data.notebooks_dir)
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; median of {args.repeat}"
    )
    bench_validation(state, env, cwd, args.repeat)
    bench_ready(args.repeat)
    bench_spawn(state, args.repeat)
    bench_preload(state, env, cwd, args.repeat)


if __name__ == "__main__":
    main()
