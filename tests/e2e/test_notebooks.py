"""Each notebook as a person uses it: committed clean, and runnable top to bottom by hand.

The committed notebooks are the source (no generator): these tests keep them honest, with one
`parameters` cell holding the model's defaults, labels the brief can embed, lint-clean code.

Run here as JupyterLab would run it: from notebooks/, with its default parameters, with
none of the environment the renderer sets (no project root, no pre-validated data).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from analysis.params import BriefParams
from tests.support.cli import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
BRIEF = REPO / "brief.qmd"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        assert not cell.get("outputs") and not cell.get("execution_count"), cell["source"][:1]
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters`"


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_the_model_defaults(path: Path):
    """The notebooks are the source (docs/ARCHITECTURE.md): their defaults are BriefParams'."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    tree = ast.parse(_source(cell))
    assert all(isinstance(node, ast.Assign) for node in tree.body), "only assignments"
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert values, "the parameters cell declares no parameter"
    for name, value in values.items():
        assert name in BriefParams.model_fields, f"{path.name}: unknown parameter {name!r}"
        parsed = getattr(BriefParams.model_validate({name: value}), name)
        default = BriefParams.model_fields[name].default
        assert parsed == default, f"{path.name}: {name} = {value!r}, the model says {default!r}"


def _labels(nb: dict) -> list[str]:
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        first = _source(cell).splitlines()[:1]
        if first and first[0].startswith("#| label:"):
            found.append(first[0].split(":", 1)[1].strip())
    return found


def test_the_brief_embeds_only_labelled_cells():
    """Every embed names a label that exactly one cell of its notebook carries."""
    embeds = re.findall(r"\{\{< embed (notebooks/[^#\s]+)#([\w-]+) >\}\}", BRIEF.read_text())
    assert embeds
    for notebook, label in embeds:
        nb = json.loads((REPO / notebook).read_text(encoding="utf-8"))
        assert _labels(nb).count(label) == 1, f"{notebook}#{label}"
    for path in NOTEBOOKS:
        labels = _labels(json.loads(path.read_text(encoding="utf-8")))
        assert len(labels) == len(set(labels)), f"{path.name}: a label is used twice"


def test_notebooks_are_ruff_clean():
    """Hand-kept notebooks obey the project's lint and format, like any other source."""
    ruff = [sys.executable, "-m", "ruff"]
    paths = [str(p) for p in NOTEBOOKS]
    check = subprocess.run([*ruff, "check", *paths], capture_output=True, text=True, cwd=REPO)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = subprocess.run(
        [*ruff, "format", "--check", *paths], capture_output=True, text=True, cwd=REPO
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_with_its_defaults(path: Path, monkeypatch):
    for name in ["BRIEF_PROJECT_ROOT", "BRIEF_DATA_VALIDATED"]:
        monkeypatch.delenv(name, raising=False)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env={k: v for k, v in os.environ.items() if not k.startswith("BRIEF_")})
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    shown = [
        o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "display_data"
    ]
    assert any("text/markdown" in o["data"] for o in shown), "the notebook shows no narrative"
