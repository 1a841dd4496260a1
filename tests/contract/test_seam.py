"""The seam between machinery and subject, proven on the real subject and real kernels.

The two sides never import each other; what they agree on lives in `brief.protocol` (the
machinery) and in the subject's own constants. These tests prove the copies equal, that
the renderer's "data validated" shortcut really fires in a real kernel (no kernel imports
pandera once the renderer validated), and that every embed in brief.qmd names a cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from brief import protocol
from brief.execute import DataState, kernel_env, prepare_data
from brief.executors import Job, Result, make_executor
from brief.project import load_project
from tests.support.cli import REPO, copy_project


def test_the_subjects_constants_equal_the_protocols():
    from analysis import data, emit, paths

    assert emit.FACTS_MIME == protocol.FACTS_MIME
    assert emit.VEGALITE_MIME == protocol.VEGALITE_MIME
    assert protocol.VEGALITE_MIME_RE.match(emit.VEGALITE_MIME)
    if hasattr(emit, "METADATA_MIME"):
        assert emit.METADATA_MIME == protocol.METADATA_MIME
    assert paths.ROOT_ENV == protocol.PROJECT_ROOT_ENV
    assert paths.DATA_ENV == protocol.DATA_DIR_ENV
    assert data.VALIDATED_ENV == protocol.DATA_VALIDATED_ENV


def test_the_renderer_takes_the_fingerprint_from_the_subject():
    project = load_project(REPO)
    assert project.config["fingerprint"] == "analysis.data:data_fingerprint"
    from analysis.data import data_fingerprint

    assert project.subject("fingerprint") is data_fingerprint


def test_every_embed_in_the_document_names_a_labelled_cell_of_a_notebook():
    project = load_project(REPO)
    found = protocol.embeds(project.document.read_text(encoding="utf-8"))
    assert len(found) >= 10, "brief.qmd embeds fewer outputs than the brief has sections"
    labels: dict[str, set[str]] = {}
    missing = []
    for path, label in found:
        notebook = project.root / path
        assert notebook.is_file(), f"{path} (embedded in brief.qmd) does not exist"
        if path not in labels:
            labels[path] = protocol.notebook_labels(json.loads(notebook.read_text("utf-8")))
        if label not in labels[path]:
            missing.append(f"{path}#{label}")
    assert missing == [], f"embeds naming no labelled cell: {missing}"


def test_a_label_is_read_only_from_the_leading_option_lines():
    cell = {"cell_type": "code", "source": "#| echo: false\n#| label: fig-x\nx = 1\n"}
    assert protocol.cell_label(cell) == "fig-x"
    late = {"cell_type": "code", "source": "x = 1\n#| label: fig-x\n"}
    assert protocol.cell_label(late) is None  # Quarto reads options only at the top
    assert protocol.embeds("{{< embed notebooks/01_a.ipynb#fig-x >}}") == [
        ("notebooks/01_a.ipynb", "fig-x")
    ]


# --------------------------------------------------------------- the round trip, for real

PROBE = """
import json, os, sys
from analysis.data import as_of_view, data_fingerprint, latest_publication_date
view = as_of_view(latest_publication_date())
from IPython.display import display
display({"application/json": {
    "pandera": any(name == "pandera" or name.startswith("pandera.") for name in sys.modules),
    "events": int(len(view.events)),
    "data_dir": os.environ.get("BRIEF_DATA_DIR"),
    "fingerprint": data_fingerprint(),
}}, raw=True)
"""


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DataState]:
    root = copy_project(REPO, tmp_path_factory.mktemp("seam") / "project")
    project = load_project(root)
    data = prepare_data(project, root / ".brief" / "build" / "run-0", "code", print, print)
    return root, data


def _probe(root: Path, env: dict[str, str], cwd: Path) -> dict:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(PROBE),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    job = Job("probe", "probe.ipynb", nbformat.writes(nb), {}, str(cwd), env, 300)
    # as the renderer does: the worker's kernel imports [tool.brief] preload first
    warm = {"env": env, "cwd": str(cwd)}
    executor = make_executor("local", workers=1, state_dir=root / ".brief", warm=warm)
    results: list[Result] = []
    try:
        executor.run([job], lambda _job, result: results.append(result))
    finally:
        executor.close()
    (result,) = results
    assert result.ok, (result.ename, result.evalue)
    executed = json.loads(result.notebook or "")
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    return next(o["data"]["application/json"] for o in outputs if "data" in o)


def test_a_kernel_told_the_data_is_validated_never_imports_pandera(snapshot):
    root, data = snapshot
    project = load_project(root)
    env = kernel_env(project, data.data_dir)
    seen = _probe(root, env, data.notebooks_dir)
    assert seen["fingerprint"] == env[protocol.DATA_VALIDATED_ENV]  # the same algorithm
    assert seen["data_dir"] == str(data.data_dir)  # and reads the snapshot
    assert seen["events"] > 100
    assert seen["pandera"] is False, "the kernel validated the data again"


def test_a_kernel_with_another_fingerprint_validates_so_the_probe_can_fail(snapshot):
    root, data = snapshot
    env = {**kernel_env(load_project(root), data.data_dir), protocol.DATA_VALIDATED_ENV: "0" * 64}
    seen = _probe(root, env, data.notebooks_dir)
    assert seen["pandera"] is True
