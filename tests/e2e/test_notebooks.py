"""Each notebook as a person uses it: committed clean, and runnable top to bottom by hand.

Run here as JupyterLab would run it: from notebooks/, with its default parameters, with
none of the environment the renderer sets (no project root, no pre-validated data).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.support.cli import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        assert not cell.get("outputs") and not cell.get("execution_count"), cell["source"][:1]
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters`"


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
