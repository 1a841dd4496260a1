"""The notebook output protocol: how a notebook hands Markdown, charts and facts to the brief.

Every output is a plain Jupyter display bundle, so both assembly engines (the built-in
pandoc + typst path and real Quarto) pick per format among the same outputs:
- narrative: `text/markdown`;
- charts: `text/html` (a div with a deterministic id and a `vegaEmbed` call; the Vega
  bundle sits once in the page head) beside the Vega-Lite spec, from which the renderer
  adds `image/svg+xml` (vl-convert, for the PDF) to the executed notebook;
- facts: `application/vnd.brief.facts+json`, collected by the machinery for edition diffs,
  never shown in the brief;
- document metadata: `application/vnd.brief.metadata+json` (the computed title and
  subtitle), which the engines pass to pandoc or Quarto as the document's metadata.
"""

from __future__ import annotations

import json
import re
from typing import Any

FACTS_MIME = "application/vnd.brief.facts+json"
METADATA_MIME = "application/vnd.brief.metadata+json"
VEGALITE_MIME = "application/vnd.vegalite.v6+json"


def _display(bundle: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
    from IPython.display import display

    display(bundle, raw=True, metadata=metadata or {})


def markdown(text: str) -> None:
    """Show computed Markdown (already escaped where it carries data text)."""
    _display({"text/markdown": text, "text/plain": text})


def _script_safe_json(value: Any) -> str:
    # JSON inside <script>: no "</script>", "<!--" or "&" can survive, whatever the data says.
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise ValueError(f"chart name {name!r} gives an empty id")
    return f"vega-{slug}"


def chart_html(spec: dict[str, Any], name: str, alt: str) -> str:
    from html import escape

    div_id = chart_id(name)
    options = {"renderer": "svg", "actions": False}
    # vegaEmbed replaces the target's role and label with "Vega visualization", so the
    # accessible name lives on a frame around it.
    return (
        f'<div class="vega-chart-frame" role="img" aria-label="{escape(alt)}">'
        f'<div class="vega-chart" id="{div_id}"></div></div>\n'
        f"<script>vegaEmbed({json.dumps('#' + div_id)}, {_script_safe_json(spec)}, "
        f"{_script_safe_json(options)}).catch(function (e) {{ console.error(e); }});</script>"
    )


def chart(chart: Any, name: str, alt: str) -> None:
    """Show an Altair chart: interactive HTML, the Vega-Lite spec itself, and alt text.

    The static SVG for the PDF is drawn from the spec by the renderer after execution (one
    vl-convert engine for the whole render instead of one per kernel); JupyterLab shows
    the spec natively when a notebook is run by hand.
    """
    spec = chart.to_dict() if hasattr(chart, "to_dict") else chart
    _display(
        {
            "text/html": chart_html(spec, name, alt),
            VEGALITE_MIME: spec,
            "text/plain": alt,
        },
        metadata={"brief": {"chart": chart_id(name), "alt": alt}},
    )


def facts(values: dict[str, Any]) -> None:
    """Record what this section states, for `brief diff` and "what changed" (not shown)."""
    _display({FACTS_MIME: json.loads(json.dumps(values, sort_keys=True, default=str))})


def metadata(values: dict[str, Any]) -> None:
    """Set the edition's document metadata (e.g. its computed title and subtitle)."""
    clean = json.loads(json.dumps(values, sort_keys=True, default=str))
    if not isinstance(clean, dict) or not all(isinstance(v, str) for v in clean.values()):
        raise ValueError("document metadata must map names to strings")
    _display({METADATA_MIME: clean})
