"""The local executor's kept kernel: real workers, a real kernel, two notebooks in turn.

A worker keeps its kernel between notebooks and resets it before each; what one notebook
did must not be seen by the next, and the collector must still free the next one's garbage
(the reset freezes what survives it, `brief.executors.kernel.reset_code`).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import nbformat
import pytest

from brief.executors import Job, Result, WorkerLost, make_executor
from brief.executors.kernel import kernel_spec

FIRST = """
import os
left_behind = [1, 2, 3]
cycle = []
cycle.append(cycle)
os.chdir(os.path.dirname(os.getcwd()))
"""

SECOND = """
import gc, os, weakref
class Node:
    pass
node = Node()
node.self = node
alive = weakref.ref(node)
del node
gc.collect()
from IPython.display import JSON
JSON({
    "left_behind": "left_behind" in globals(),
    "cycle": "cycle" in globals(),
    "cwd": os.getcwd(),
    "count": get_ipython().execution_count,
    "collected": alive() is None,
}, raw=True)
"""


def _job(name: str, code: str, cwd: Path, env: dict[str, str]) -> Job:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(code),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return Job(name, name, nbformat.writes(nb), {}, str(cwd), env, 120)


def test_a_kept_kernel_starts_each_notebook_blank_and_still_collects(tmp_path):
    state, cwd = tmp_path / ".brief", tmp_path / "build" / "notebooks"
    cwd.mkdir(parents=True)
    env = {"JUPYTER_PATH": str(kernel_spec(state))}
    executor = make_executor("local", workers=1, state_dir=state)
    results: list[Result] = []
    try:  # one worker: the jobs run one after the other, in the same kernel
        jobs = [_job("first.ipynb", FIRST, cwd, env), _job("second.ipynb", SECOND, cwd, env)]
        for job in jobs:
            executor.run([job], lambda _job, result: results.append(result))
    finally:
        executor.close()
    first, second = results
    assert first.ok and second.ok, (first.evalue, second.evalue)
    assert first.kernel_pid == second.kernel_pid and not second.kernel_started
    executed = json.loads(second.notebook or "")
    (seen,) = [o["data"]["application/json"] for c in executed["cells"] for o in c["outputs"]]
    assert seen == {
        "left_behind": False,
        "cycle": False,
        "cwd": str(cwd),
        "count": 2,  # the parameters cell, then this one: a new session
        "collected": True,
    }


def test_a_worker_dead_before_any_notebook_is_a_worker_lost_naming_every_notebook(tmp_path):
    """A worker may die before it runs anything (killed, or failing in its own start-up):
    the pool is then broken when the jobs are handed out, and that must be the same clear
    WorkerLost as a death mid-notebook, not the pool's own exception."""
    state, cwd = tmp_path / ".brief", tmp_path / "build" / "notebooks"
    cwd.mkdir(parents=True)
    env = {"JUPYTER_PATH": str(kernel_spec(state))}
    executor = make_executor("local", workers=1, state_dir=state)
    try:
        (pid,) = [ping.result(timeout=60) for ping in executor._pings]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not executor.pool._broken and time.monotonic() < deadline:
            time.sleep(0.05)  # the pool's manager thread notices the death on its own
        assert executor.pool._broken
        jobs = [_job("first.ipynb", FIRST, cwd, env), _job("second.ipynb", SECOND, cwd, env)]
        with pytest.raises(WorkerLost) as lost:
            executor.run(jobs, lambda _job, _result: None)
    finally:
        executor.kill()
    assert lost.value.unfinished == ["first.ipynb", "second.ipynb"]
    assert str(state / "logs" / "kernels.log") in str(lost.value)
