"""The render pipeline and its cache, on a tiny second subject (real papermill, pandoc, typst).

The machinery must render any project that names its parameters and data checks in
[tool.brief]; the tiny subject keeps these tests fast while exercising the real thing.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brief.editions.publishing import STAGING_PREFIX
from tests.support.cli import (
    brief,
    draft_dir,
    executed_notebooks,
    kernel_starts,
    last_line,
    published_dir,
    tiny_project,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_project(tmp_path)


def render(project: Path, *args: str, **kw) -> subprocess.CompletedProcess[str]:
    return brief(project, "render", "--engine", "builtin", "--explain", *args, **kw)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_render_publishes_a_complete_edition_and_prints_its_folder_last(tiny):
    done = render(tiny)
    assert done.returncode == 0, done.stderr
    edition = Path(last_line(done.stdout))
    assert edition == draft_dir(tiny, "2025-03-01")
    for name in ["brief.html", "brief.pdf", "manifest.json", "facts.json"]:
        assert (edition / name).is_file(), name
    assert sorted(p.name for p in (edition / "notebooks").iterdir()) == [
        "01_count.ipynb",
        "02_colour.ipynb",
    ]
    manifest = json.loads((edition / "manifest.json").read_text())
    assert manifest["params"] == {"as_of": "2025-03-01", "colour": "red"}
    assert set(manifest["data"]) == {"data/references.json", "data/values.csv"}
    assert manifest["built"].startswith("2025-03-01")  # from the data, not the clock
    assert {
        "python",
        "papermill",
        "pandas",
        "altair",
        "vl-convert-python",
        "pandoc",
        "typst",
    } <= set(manifest["versions"])
    assert manifest["engine"]["name"] == "builtin"
    for path, digest in manifest["files"].items():
        import hashlib

        assert hashlib.sha256((edition / path).read_bytes()).hexdigest() == digest
    facts = json.loads((edition / "facts.json").read_text())
    assert facts["numbers"]["count"]["value"] == 3
    html = (edition / "brief.html").read_text()
    assert "summing to 8" in html and "The colour is" in html
    assert not (tiny / "output" / "index.html").exists()  # a draft never touches the archive
    assert not list((tiny / "output").rglob(".staging-*"))
    assert not _kernels_of(tiny), "a kernel outlived the render"


def test_an_unchanged_rerun_is_an_up_to_date_no_op_without_kernels(tiny):
    first = render(tiny)
    assert first.returncode == 0, first.stderr
    before = tree_bytes(tiny / "output")
    again = render(tiny)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stderr
    assert kernel_starts(again.stderr) == 0
    assert last_line(again.stdout) == last_line(first.stdout)
    assert tree_bytes(tiny / "output") == before


def test_a_new_edition_from_cached_notebooks_starts_no_kernel(tiny):
    assert render(tiny).returncode == 0
    other = render(tiny, "--output-dir", str(tiny / "elsewhere"))
    assert other.returncode == 0, other.stderr
    assert kernel_starts(other.stderr) == 0
    assert "nothing to execute" in other.stderr


def test_a_changed_parameter_reruns_only_the_notebooks_that_declare_it(tiny):
    assert render(tiny).returncode == 0
    done = render(tiny, "-p", "colour=blue")
    assert done.returncode == 0, done.stderr
    assert executed_notebooks(done.stderr) == ["02_colour.ipynb"]
    assert "parameter colour: red → blue" in done.stderr
    assert Path(last_line(done.stdout)).name == "2025-03-01_colour-blue"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("data", ["01_count.ipynb", "02_colour.ipynb"]),
        ("notebook", ["02_colour.ipynb"]),
        ("code", ["01_count.ipynb", "02_colour.ipynb"]),
        ("lock", ["01_count.ipynb", "02_colour.ipynb"]),
    ],
)
def test_each_changed_input_reruns_exactly_the_notebooks_that_depend_on_it(tiny, change, expected):
    assert render(tiny).returncode == 0
    if change == "data":
        values = tiny / "data" / "values.csv"
        values.write_text(values.read_text().replace("2.5", "3.5"))
    elif change == "notebook":
        path = tiny / "notebooks" / "02_colour.ipynb"
        path.write_text(path.read_text().replace("The colour is", "Colour:"))
    elif change == "code":
        path = tiny / "src" / "tinysubject" / "data.py"
        path.write_text(path.read_text() + "\n# a comment changes the code's checksum\n")
    else:
        (tiny / "requirements.lock").write_text("# another dependency set\n")
    done = render(tiny, "--edition", f"after-{change}")
    assert done.returncode == 0, done.stderr
    assert executed_notebooks(done.stderr) == expected
    if change == "data":
        assert "data file data/values.csv changed" in done.stderr
        assert "summing to 9" in (Path(last_line(done.stdout)) / "brief.html").read_text()


def test_changed_inputs_rebuild_the_draft_and_never_replace_the_published_edition(tiny):
    assert brief(tiny, "publish").returncode == 0
    edition = published_dir(tiny, "2025-03-01")
    before = tree_bytes(edition)
    values = tiny / "data" / "values.csv"
    values.write_text(values.read_text().replace("1.5", "1.0"))
    refused = brief(tiny, "publish")
    assert refused.returncode == 2
    assert "--erratum" in refused.stderr and "data/values.csv" in refused.stderr
    assert tree_bytes(edition) == before
    draft = render(tiny)  # the draft is rebuilt freely: no --force, no new name
    assert draft.returncode == 0, draft.stderr
    assert "summing to 7.5" in (Path(last_line(draft.stdout)) / "brief.html").read_text()
    assert tree_bytes(edition) == before


def test_a_matrix_renders_separate_editions_that_share_the_cache(tiny, tmp_path):
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text("- {colour: red}\n- {colour: blue}\n- {colour: blue, as_of: 2024-07-01}\n")
    done = render(tiny, "--matrix", str(matrix))
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.split()]
    assert [p.name for p in paths] == [
        "2025-03-01",
        "2025-03-01_colour-blue",
        "2024-07-01_colour-blue",
    ]
    assert kernel_starts(done.stderr) == 4  # 01 twice (two as_of), 02 twice (two colours)
    htmls = [(p / "brief.html").read_text() for p in paths]
    assert "<em>red</em>" in htmls[0] and "<em>blue</em>" in htmls[1]
    assert "there are <strong>2</strong> values" in htmls[2]
    colour_nbs = [json.loads((p / "notebooks" / "02_colour.ipynb").read_text()) for p in paths]
    assert [nb["metadata"]["papermill"]["parameters"]["colour"] for nb in colour_nbs] == [
        "red",
        "blue",
        "blue",
    ]


def test_matrix_assemblies_run_at_once_with_enough_cores_and_write_the_same_bytes(tiny, tmp_path):
    """--jobs 4 runs two assemblies at once (each already writes its two formats at once);
    the editions are published in order and are byte-identical to one-at-a-time ones."""
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text("- {colour: red}\n- {colour: blue}\n- {colour: blue, as_of: 2024-07-01}\n")
    both = render(tiny, "--matrix", str(matrix), "--jobs", "4")
    assert both.returncode == 0, both.stderr
    paths = [Path(line) for line in both.stdout.split()]
    running, most = 0, 0  # a line is printed as an assembly starts and as it ends
    for line in both.stderr.splitlines():
        running += (": assembling with " in line) - (": assembled (" in line)
        most = max(most, running)
    assert most == 2 and running == 0, both.stderr
    at_once = {p.name: tree_bytes(p) for p in paths}
    for path in paths:
        shutil.rmtree(path)
    one = render(tiny, "--matrix", str(matrix), "--jobs", "1")
    assert one.returncode == 0, one.stderr
    assert {p.name: tree_bytes(p) for p in paths} == at_once
    assert not list((tiny / "output" / "drafts").glob(STAGING_PREFIX + "*"))


def test_a_failing_notebook_names_notebook_cell_and_exception_and_publishes_nothing(tiny):
    path = tiny / "notebooks" / "02_colour.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][1]["source"] = "#| label: colour-text\nraise RuntimeError('no colour today')"
    path.write_text(json.dumps(nb))
    done = render(tiny)
    assert done.returncode == 1
    message = done.stderr
    assert "02_colour.ipynb" in message and "cell 2" in message  # counted as the author sees it
    assert "RuntimeError: no colour today" in message and "colour-text" in message
    kept = Path(message.split("kept at ")[1].split(" for debugging")[0])
    assert kept.is_file() and "no colour today" in kept.read_text()
    assert not draft_dir(tiny, "2025-03-01").exists()
    assert done.stdout == ""
    # The kept notebook survives later renders, until `brief clean`.
    nb["cells"][1]["source"] = "#| label: colour-text\nprint('fixed')"
    path.write_text(json.dumps(nb))
    assert render(tiny).returncode == 0
    assert kept.is_file()
    assert brief(tiny, "clean").returncode == 0
    assert not kept.exists()


def test_an_interrupted_render_leaves_no_edition_and_no_cache_entry(tiny):
    # 01_count says it started (a file in its working folder) and sleeps, so the render is
    # surely mid-execution when the signal arrives.
    path = tiny / "notebooks" / "01_count.ipynb"
    nb = json.loads(path.read_text())
    started = "open('started', 'w').close()\nimport time\ntime.sleep(30)\n"
    nb["cells"][1]["source"] = started + "".join(nb["cells"][1]["source"])
    path.write_text(json.dumps(nb))
    process = subprocess.Popen(
        [sys.executable, "-m", "brief.cli", "render", "--project", str(tiny)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tiny,
    )
    deadline = time.monotonic() + 60
    while not list((tiny / ".brief" / "build").glob("run-*/notebooks/started")):
        assert time.monotonic() < deadline, "the render never started executing"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert not [p for p in (tiny / "output").iterdir() if not p.name.startswith(".")]
    entries = list((tiny / ".brief" / "cache" / "notebooks").glob("*/executed.ipynb"))
    for entry in entries:  # only whole entries may exist, and never the interrupted notebook
        assert json.loads(entry.read_text())["metadata"]["papermill"]["parameters"].keys() != {
            "as_of"
        }
    assert not list((tiny / ".brief" / "build").glob("*-*"))  # no build, no snapshot
    time.sleep(0.5)
    assert not _kernels_of(tiny), "a kernel outlived the interrupted render"
    path.write_text(path.read_text().replace("time.sleep(30)", "time.sleep(0)"))
    again = render(tiny)
    assert again.returncode == 0, again.stderr


def _kernels_of(project: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                env = (proc / "environ").read_bytes()
            except OSError:
                continue
            kernel = "brief.executors.launcher" in cmd or "ipykernel" in cmd
            if kernel and str(project).encode() in env:
                found.append(cmd)
    return found


def test_a_stale_cache_temp_folder_is_never_reused(tiny):
    assert render(tiny).returncode == 0
    cache = tiny / ".brief" / "cache" / "notebooks"
    # A write killed half-way leaves only a temp folder (pid 999999 is not running).
    stale = cache / ".tmp-999999-abc"
    stale.mkdir()
    (stale / "executed.ipynb").write_text("{half")
    done = render(tiny, "--edition", "again")
    assert done.returncode == 0, done.stderr
    assert not stale.exists()


def test_two_renders_at_once_both_publish_and_the_archive_stays_whole(tiny):
    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "brief.cli", "publish", "--project", str(tiny), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tiny,
        )

    first, second = start("-p", "colour=red"), start("-p", "colour=blue")
    results = [(p, *p.communicate(timeout=300)) for p in (first, second)]
    for process, _out, err in results:
        assert process.returncode == 0, err
    index = (tiny / "output" / "index.html").read_text()
    assert "2025-03-01_colour-blue" in index and 'href="2025-03-01/brief.html"' in index
    assert index.rstrip().endswith("</html>")


def test_same_inputs_give_byte_identical_editions_from_two_folders(tmp_path):
    a = tiny_project(tmp_path / "a")
    b = tiny_project(tmp_path / "b")
    for project in (a, b):
        assert render(project).returncode == 0
    for name in ["brief.html", "brief.pdf", "facts.json"]:
        assert (draft_dir(a, "2025-03-01") / name).read_bytes() == (
            draft_dir(b, "2025-03-01") / name
        ).read_bytes(), name
