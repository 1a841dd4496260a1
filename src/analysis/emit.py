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

Every language at once: given a function instead of a finished value (`markdown(f, *args)`,
`figure(f, *args)`, `metadata(f, *args)`), an output is written once per catalogue language
(`analysis.text.languages()`): the default language in the bundle itself, the others under
`application/vnd.brief.languages+json` as `{lang: {"data": …, "metadata": …}}` (or
`{lang: {"error": "…"}}` when that language could not be written). The machinery picks an
edition's language from these before assembly, so an edition and its other-language twin
share one execution (docs/ARCHITECTURE.md, "Languages").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

FACTS_MIME = "application/vnd.brief.facts+json"
METADATA_MIME = "application/vnd.brief.metadata+json"
VEGALITE_MIME = "application/vnd.vegalite.v6+json"
LANGUAGES_MIME = "application/vnd.brief.languages+json"
Bundle = tuple[dict[str, Any], dict[str, Any]]  # (data, metadata) of one display output


def _display(bundle: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
    from IPython.display import display

    display(bundle, raw=True, metadata=metadata or {})


def _in_every_language(build: Callable[[], list[Bundle]]) -> list[Bundle]:
    """`build()` once per catalogue language; the other languages ride on the default's
    bundles. A failure in the default language raises; in another it is recorded, and an
    edition in that language refuses to assemble with its message."""
    from analysis import text

    first, *others = text.languages()
    with text.language(first):
        bundles = build()
    variants: list[dict[str, Any]] = [{} for _ in bundles]
    for lang in others:
        try:
            with text.language(lang):
                found = build()
            if len(found) != len(bundles):
                raise ValueError(f"{len(found)} outputs in {lang}, {len(bundles)} in {first}")
        except Exception as exc:  # recorded per language, raised at that edition's assembly
            for variant in variants:
                variant[lang] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        for variant, (data, meta) in zip(variants, found, strict=True):
            variant[lang] = {"data": data, "metadata": meta}
    if others:
        for (data, _), variant in zip(bundles, variants, strict=True):
            data[LANGUAGES_MIME] = variant
    return bundles


def _show(build: Callable[[], list[Bundle]]) -> None:
    bundles = _in_every_language(build)
    for data, meta in bundles:
        _display(data, meta)


def _markdown_bundle(text: str) -> Bundle:
    return {"text/markdown": text, "text/plain": text}, {}


def markdown(text: str | Callable[..., str], *args: Any, **kwargs: Any) -> None:
    """Show computed Markdown (already escaped where it carries data text).

    `markdown(section.text, view, params)` writes it in every catalogue language; a plain
    string is the same in every language."""
    if callable(text):
        _show(lambda: [_markdown_bundle(text(*args, **kwargs))])
    else:
        _display(*_markdown_bundle(text))


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


def _chart_bundle(chart: Any, name: str, alt: str) -> Bundle:
    from analysis import text

    # The schema is checked once, in the default language: another language's spec differs
    # only in its words (validation is most of the cost of writing a chart twice).
    validate = text.current_language() == text.DEFAULT_LANG
    spec = chart.to_dict(validate=validate) if hasattr(chart, "to_dict") else chart
    data = {"text/html": chart_html(spec, name, alt), VEGALITE_MIME: spec, "text/plain": alt}
    return data, {"brief": {"chart": chart_id(name), "alt": alt}}


def figure(build: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """A figure in every catalogue language: `build(*args)` gives an object with `chart`,
    `name`, `alt` and `source` (a Markdown source line shown under the chart)."""

    def bundles() -> list[Bundle]:
        from analysis.charts import building

        # Built and written without Altair's defensive copies and checks; the finished spec
        # is validated once in `_chart_bundle`, which is enough.
        with building():
            fig = build(*args, **kwargs)
            return [_chart_bundle(fig.chart, fig.name, fig.alt), _markdown_bundle(fig.source)]

    _show(bundles)


def chart(chart: Any, name: str, alt: str) -> None:
    """Show an Altair chart: interactive HTML, the Vega-Lite spec itself, and alt text.

    The static SVG for the PDF is drawn from the spec by the renderer after execution (one
    vl-convert engine for the whole render instead of one per kernel); JupyterLab shows
    the spec natively when a notebook is run by hand.
    """
    _display(*_chart_bundle(chart, name, alt))


def facts(values: dict[str, Any]) -> None:
    """Record what this section states, for `brief diff` and "what changed" (not shown)."""
    _display({FACTS_MIME: json.loads(json.dumps(values, sort_keys=True, default=str))})


def _metadata_bundle(values: dict[str, Any]) -> Bundle:
    clean = json.loads(json.dumps(values, sort_keys=True, default=str))
    if not isinstance(clean, dict) or not all(isinstance(v, str) for v in clean.values()):
        raise ValueError("document metadata must map names to strings")
    return {METADATA_MIME: clean}, {}


def metadata(values: dict[str, Any] | Callable[..., dict[str, Any]], *args: Any) -> None:
    """Set the edition's document metadata (e.g. its computed title and subtitle);
    `metadata(f, *args)` writes it in every catalogue language."""
    if callable(values):
        _show(lambda: [_metadata_bundle(values(*args))])
    else:
        _display(*_metadata_bundle(values))
