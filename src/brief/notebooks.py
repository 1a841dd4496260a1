"""What of a notebook is its source: the cells' types, sources and tags, nothing else.

Saving a notebook from JupyterLab rewrites kernel metadata, execution counts, outputs,
cell ids and view state (collapsed, scrolled); none of that changes what the notebook
computes, so none of it enters its digest. Tags do: they mark the `parameters` cell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brief.hashing import value_sha256
from brief.params import ParamError


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def source_cells(path: Path) -> list[dict[str, Any]]:
    """The notebook's cells as (type, source, tags); ParamError naming the file if unreadable."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ParamError(f"notebook {path.name}: not valid JSON ({where}: {exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamError(f"notebook {path.name}: cannot be read ({exc})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ParamError(f"notebook {path.name}: not a Jupyter notebook (no list of cells)")
    return [
        {
            "type": str(cell.get("cell_type", "")),
            "source": _source(cell),
            "tags": sorted(str(t) for t in (cell.get("metadata") or {}).get("tags", []) or []),
        }
        for cell in cells
    ]


def notebook_source_digest(path: Path) -> str:
    """sha256 over the cells' types, sources and tags (kernel metadata and outputs excluded)."""
    return value_sha256(source_cells(path))
