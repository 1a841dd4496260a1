"""The seam contract between the machinery and a subject's notebooks, in one place.

What the two sides agree on without importing each other: the MIME types of the outputs a
notebook hands over, the environment variables the renderer sets for kernels, the tags and
cell options that mark cells, and the `{{< embed >}}` syntax that names them. The subject
keeps its own copy of the values it emits (it must not import the machinery); the contract
tests (tests/contract/) prove both copies equal.
"""

from __future__ import annotations

import re
from typing import Any

# --- notebook outputs -------------------------------------------------------------------
FACTS_MIME = "application/vnd.brief.facts+json"  # key facts, collected into facts.json
METADATA_MIME = "application/vnd.brief.metadata+json"  # per-edition document metadata
VEGALITE_MIME = "application/vnd.vegalite.v6+json"  # a chart's spec (the renderer adds SVG)
VEGALITE_MIME_RE = re.compile(r"^application/vnd\.vegalite\.v\d+[+.]json$")
SVG_MIME = "image/svg+xml"
# An output's text in the subject's other languages: {lang: {"data": …, "metadata": …}}
# (or {lang: {"error": "…"}}); the machinery picks an edition's language before assembly.
LANGUAGES_MIME = "application/vnd.brief.languages+json"

# --- environment the renderer sets for every kernel -------------------------------------
PROJECT_ROOT_ENV = "BRIEF_PROJECT_ROOT"  # the project folder (code, configuration)
DATA_DIR_ENV = "BRIEF_DATA_DIR"  # the read-only data snapshot this render's keys cover
DATA_VALIDATED_ENV = "BRIEF_DATA_VALIDATED"  # the subject's fingerprint of validated data
ASSET_CACHE_ENV = "BRIEF_ASSET_CACHE"  # where engines keep prepared assets between renders

# --- cells ------------------------------------------------------------------------------
PARAMETERS_TAG = "parameters"  # the one cell declaring the notebook's parameters
INJECTED_TAG = "injected-parameters"  # papermill's cell with the values of this run
ERROR_TAG = "papermill-error-cell-tag"  # papermill's banner before a failing cell
# Quarto's `#| label:` cell option names a cell brief.qmd can embed.
_LABEL_RE = re.compile(r"^#\|\s*label:\s*(\S+)\s*$")
EMBED_RE = re.compile(r"\{\{<\s*embed\s+([^\s#>]+\.ipynb)#([^\s>]+)\s*>\}\}")


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def cell_label(cell: dict[str, Any]) -> str | None:
    """The `#| label:` a code cell carries in its leading option lines, if any."""
    for line in cell_source(cell).splitlines():
        if not line.startswith("#|"):
            break
        found = _LABEL_RE.match(line)
        if found:
            return found.group(1)
    return None


def cell_tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def notebook_labels(nb: dict[str, Any]) -> set[str]:
    return {
        label
        for cell in nb.get("cells", [])
        if cell.get("cell_type") == "code" and (label := cell_label(cell))
    }


def embeds(document_text: str) -> list[tuple[str, str]]:
    """Every `{{< embed path.ipynb#label >}}` in a Quarto document, as (path, label)."""
    return [(m.group(1), m.group(2)) for m in EMBED_RE.finditer(document_text)]
