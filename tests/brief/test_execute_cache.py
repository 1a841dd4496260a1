"""What the cache may reuse, on the tiny subject with real renders (issue 16, items 1-3, 5).

Every reused entry must have been made from exactly the inputs its key names: notebooks
read a snapshot taken when the keys were computed, a notebook without a parameters cell is
refused, and any entry whose content does not match its digest (an edited figure, a
truncated write, a planted marker, a replaced bundle) is discarded with a warning and
rebuilt. Each case ends with a render whose bytes equal a clean render's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brief.engines.builtin import SHIPPED_BUNDLE_ENV
from tests.support.cli import brief, executed_notebooks, last_line, tiny_project

pytestmark = pytest.mark.slow

COMPARED = ["brief.html", "brief.pdf", "facts.json"]
BUILTIN = ("--engine", "builtin")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_project(tmp_path)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default edition of an untouched tiny project, rendered once from a cold cache."""
    project = tiny_project(tmp_path_factory.mktemp("clean"))
    done = render(project)
    assert done.returncode == 0, done.stderr
    return Path(last_line(done.stdout))


def render(project: Path, *args: str, **kw) -> subprocess.CompletedProcess[str]:
    return brief(project, "render", "--engine", "builtin", "--explain", *args, **kw)


def same_as_clean(edition: Path, clean: Path) -> None:
    for name in COMPARED:
        assert (edition / name).read_bytes() == (clean / name).read_bytes(), name
    for nb in (clean / "notebooks").iterdir():
        assert (edition / "notebooks" / nb.name).read_bytes() == nb.read_bytes(), nb.name


def entries(project: Path) -> list[Path]:
    return sorted((project / ".brief" / "cache" / "notebooks").glob("[!.]*/executed.ipynb"))


def entry_of(project: Path, notebook: str) -> Path:
    for path in entries(project):
        if json.loads(path.parent.joinpath("entry.json").read_text())["inputs"]["notebook"] == (
            notebook
        ):
            return path
    raise AssertionError(f"no cache entry for {notebook}")


def edit_cell(project: Path, notebook: str, index: int, source: str) -> None:
    path = project / "notebooks" / notebook
    nb = json.loads(path.read_text())
    nb["cells"][index]["source"] = source
    path.write_text(json.dumps(nb, indent=1))


# ------------------------------------------------------------------- 1. one snapshot


def test_data_changed_while_notebooks_run_never_reaches_the_edition_or_the_cache(tiny, clean):
    # 01_count says it started, then waits; meanwhile the data changes under it.
    path = tiny / "notebooks" / "01_count.ipynb"
    nb = json.loads(path.read_text())
    wait = "open('started', 'w').close()\nimport time\ntime.sleep(4)\n"
    nb["cells"][1]["source"] = wait + "".join(nb["cells"][1]["source"])
    path.write_text(json.dumps(nb, indent=1))
    values = tiny / "data" / "values.csv"
    original = values.read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "brief.cli", "render", "--project", str(tiny), *BUILTIN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tiny,
    )
    deadline = time.monotonic() + 120
    while not list((tiny / ".brief" / "build").glob("run-*/notebooks/started")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the render never started executing"
        time.sleep(0.05)
    values.write_bytes(original.replace(b"2.5", b"902.5"))  # a real concurrent change
    out, err = process.communicate(timeout=300)
    values.write_bytes(original)
    assert process.returncode == 0, err
    edition = Path(last_line(out))
    html = (edition / "brief.html").read_text()
    # the bytes the key was made from, not the changed ones
    assert "summing to 8" in html and "summing to 910" not in html
    manifest = json.loads((edition / "manifest.json").read_text())
    clean_manifest = json.loads((clean / "manifest.json").read_text())
    assert manifest["data"] == clean_manifest["data"]
    # Put the notebook back: the next render reuses 02's entry and equals a clean render.
    path.write_text((clean.parents[2] / "notebooks" / "01_count.ipynb").read_text())
    again = render(tiny, "--output-dir", str(tiny / "again"))
    assert again.returncode == 0, again.stderr
    same_as_clean(Path(last_line(again.stdout)), clean)


def test_a_notebook_changed_while_the_render_runs_is_run_as_it_was_when_keyed(tiny, clean):
    edit_cell(
        tiny,
        "01_count.ipynb",
        1,
        "open('started', 'w').close()\nimport time\ntime.sleep(4)\n"
        "from IPython.display import display\n"
        "from tinysubject.data import data_dir, latest_publication_date, values_as_of\n"
        "as_of = as_of or latest_publication_date(data_dir()).isoformat()\n"
        "values = values_as_of(as_of)",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "brief.cli", "render", "--project", str(tiny), *BUILTIN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tiny,
    )
    deadline = time.monotonic() + 120
    while not list((tiny / ".brief" / "build").glob("run-*/notebooks/started")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    path = tiny / "notebooks" / "02_colour.ipynb"
    keyed = path.read_text()
    path.write_text(keyed.replace("The colour is", "INJECTED colour"))
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    html = (Path(last_line(out)) / "brief.html").read_text()
    assert "INJECTED" not in html and "The colour is" in html


# -------------------------------------------------------------- 2. what a notebook declares


@pytest.mark.parametrize("case", ["no-parameters-cell", "not-json", "syntax-error"])
def test_a_notebook_that_cannot_be_keyed_is_refused_naming_it(tiny, case):
    path = tiny / "notebooks" / "02_colour.ipynb"
    if case == "no-parameters-cell":
        nb = json.loads(path.read_text())
        nb["cells"][0]["metadata"] = {}
        path.write_text(json.dumps(nb))
        words = ["02_colour.ipynb", "no cell tagged 'parameters'"]
    elif case == "not-json":
        path.write_text(path.read_text()[:200])
        words = ["notebook 02_colour.ipynb: not valid JSON (line 14"]
    else:
        edit_cell(tiny, "02_colour.ipynb", 0, "colour = 'red\n")
        words = ["02_colour.ipynb", "parameters cell has a syntax error on its line 1"]
    done = render(tiny, "-p", "colour=blue")
    assert done.returncode == 2, done.stderr
    assert "\nerror: " in "\n" + done.stderr and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr
    assert ".brief" not in done.stderr  # the user's notebook, not the snapshot
    assert done.stdout == "" and "executing" not in done.stderr
    assert not [p for p in (tiny / "output").rglob("*") if p.is_file() and p.name[0] != "."]


# ---------------------------------------------------------- 3. entries that prove themselves


@pytest.mark.parametrize("damage", ["edited-figure", "truncated", "empty", "foreign", "record"])
def test_a_damaged_cache_entry_is_discarded_with_a_warning_and_rebuilt(tiny, clean, damage):
    first = render(tiny)
    assert first.returncode == 0, first.stderr
    entry = entry_of(tiny, "01_count.ipynb")
    text = entry.read_text()
    if damage == "edited-figure":
        assert "summing to 8" in text
        entry.write_text(text.replace("summing to 8", "summing to 9999"))
    elif damage == "truncated":
        entry.write_text(text[: len(text) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "foreign":
        entry.write_text('{"nbformat": 4, "note": "not an executed notebook"}')
    else:  # the record itself: inputs that no longer hash to the key
        record = entry.parent / "entry.json"
        value = json.loads(record.read_text())
        value["inputs"]["params"]["as_of"] = "2024-01-01"
        record.write_text(json.dumps(value))
    done = render(tiny, "--output-dir", str(tiny / "again"))
    assert done.returncode == 0, done.stderr
    assert "warning: cache entry" in done.stderr and "damaged" in done.stderr
    assert "Traceback" not in done.stderr
    assert executed_notebooks(done.stderr) == ["01_count.ipynb"]  # rebuilt, not reused
    edition = Path(last_line(done.stdout))
    assert "summing to 9999" not in (edition / "brief.html").read_text()
    same_as_clean(edition, clean)
    healed = render(tiny, "--output-dir", str(tiny / "healed"))
    assert healed.returncode == 0 and "warning" not in healed.stderr, healed.stderr
    assert executed_notebooks(healed.stderr) == []


@pytest.mark.parametrize(
    "marker", ['{"latest": "2025-01-01"}', "garbage", '{"key": "x", "found": {"latest": 1}}']
)
def test_a_planted_or_garbage_validated_marker_is_never_trusted(tiny, clean, marker):
    first = render(tiny)
    assert first.returncode == 0, first.stderr
    markers = list((tiny / ".brief" / "cache" / "validated").glob("*.json"))
    assert len(markers) == 1
    markers[0].write_text(marker)
    done = render(tiny, "--output-dir", str(tiny / "again"))
    assert done.returncode == 0, done.stderr
    assert "data-validated marker" in done.stderr and "validating data" in done.stderr
    edition = Path(last_line(done.stdout))
    assert json.loads((edition / "manifest.json").read_text())["params"]["as_of"] == "2025-03-01"
    same_as_clean(edition, clean)


def test_a_replaced_vega_bundle_is_rebuilt_not_shipped(tiny, clean):
    # Without the copy shipped with brief, as with a vl-convert the lock does not pin: the
    # bundle is built once and kept in the asset cache.
    built = {SHIPPED_BUNDLE_ENV: "0"}
    project = clean.parents[2]  # <project>/output/drafts/<edition>: read the shipped copy
    assert (project / ".brief" / "cache").is_dir()
    assert not list((project / ".brief" / "cache" / "assets").glob("vega-bundle-*"))
    assert render(tiny, env=built).returncode == 0
    (bundle,) = (tiny / ".brief" / "cache" / "assets").glob("vega-bundle-*.js")
    bundle.write_text("/* a dead bundle */")
    done = render(tiny, "--output-dir", str(tiny / "again"), env=built)
    assert done.returncode == 0, done.stderr
    assert f"the cached file {bundle} is damaged" in done.stderr
    edition = Path(last_line(done.stdout))
    assert "a dead bundle" not in (edition / "brief.html").read_text()
    same_as_clean(edition, clean)


# ----------------------------------------------- 5. the marker covers the subject's rules


def test_a_tightened_rule_in_the_subject_is_applied_before_any_notebook_runs(tiny):
    assert render(tiny).returncode == 0
    code = tiny / "src" / "tinysubject" / "data.py"
    code.write_text(
        code.read_text().replace(
            '            float(row["value"])\n',
            '            if float(row["value"]) > 3:\n'
            "                raise ValueError(f\"value {row['value']} is above 3\")\n",
        )
    )
    done = render(tiny, "--edition", "tighter")
    assert done.returncode == 2, done.stderr
    assert "validating data" in done.stderr and "executing" not in done.stderr
    # the problem names the user's file, not the snapshot it was found in
    assert "data/values.csv:4: value 4 is above 3" in done.stderr, done.stderr
    assert ".brief" not in done.stderr


# ------------------------------------------------------------------------- messages


def test_an_oversized_output_is_left_out_with_a_warning(tiny):
    pyproject = tiny / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "max_output_mb = 0.5\n")
    edit_cell(
        tiny,
        "02_colour.ipynb",
        1,
        "#| label: colour-text\nfrom IPython.display import display\n"
        "print('x' * 2_000_000)\n"
        "display({'text/markdown': f'The colour is *{colour}*.'}, raw=True)",
    )
    done = render(tiny)
    assert done.returncode == 0, done.stderr
    assert "warning: notebook 02_colour.ipynb, cell 2: an output of 1.9 MB was left out" in (
        done.stderr
    )
    edition = Path(last_line(done.stdout))
    assert (edition / "notebooks" / "02_colour.ipynb").stat().st_size < 200_000
    assert "The colour is" in (edition / "brief.html").read_text()


def test_an_ascii_locale_renders_the_same_bytes(tiny, clean):
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    done = render(tiny, env=env)
    assert done.returncode == 0, done.stderr
    same_as_clean(Path(last_line(done.stdout)), clean)


# ------------------------------------------------------------------- --explain's comparison


def test_explain_names_what_differs_from_the_closest_entry_newest_first_on_a_tie():
    from brief.cache import Recorded
    from brief.execute import explain_miss

    base = {
        "notebook": "01.ipynb",
        "source": "s",
        "params": {"as_of": "2025-04-08", "colour": "red"},
        "data": {"data/events.csv": "a", "data/trade.csv": "t"},
        "code": "c",
        "lock": "l",
        "runtime": "3.11 linux",
    }
    now = {**base, "params": {"as_of": "2026-01-25", "colour": "red"}}
    now["data"] = {"data/events.csv": "b", "data/trade.csv": "t"}
    older_as_of = Recorded("a" * 64, {**base, "data": now["data"]}, stored=100.0)
    newer_data = Recorded("b" * 64, {**now, "data": base["data"]}, stored=200.0)
    far = Recorded("c" * 64, {**base, "lock": "m", "code": "d"}, stored=300.0)
    said = explain_miss([far, older_as_of, newer_data], now)  # two equally close: the newer
    assert said == (
        "data file data/events.csv changed, compared with the closest of its 3 cache entries "
        "(bbbbbbbbbbbb)"
    )
    said = explain_miss([far, older_as_of], now)  # one differing input beats four
    assert said.startswith("parameter as_of: 2025-04-08 → 2026-01-25, compared with the closest")
    said = explain_miss([far], now)
    assert said == (
        "parameter as_of: 2025-04-08 → 2026-01-25; data file data/events.csv changed; "
        "analysis code changed; dependency lock changed, compared with its only cache entry "
        "(cccccccccccc)"
    )
    assert explain_miss([], now) == "no cache entry for this notebook"
    added = {**now, "data": {**now["data"], "data/new.csv": "n"}, "params": {"as_of": None}}
    said = explain_miss([Recorded("d" * 64, now, stored=1.0)], added)
    assert said.startswith("parameter as_of: 2026-01-25 → unset; parameter colour: red → unset;")
    assert "data file data/new.csv added," in said
