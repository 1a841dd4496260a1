"""Read `_quarto.yml` and the document's front matter into the options both engines honour.

Quarto's rule is followed: project options (`_quarto.yml`) are defaults, the document's
front matter overrides them, and `format.<name>` options override both for that format.
Keys outside the documented subset (docs/QUARTO_SUBSET.md) are ignored by the built-in
engine and listed in `ProjectConfig.ignored`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brief.engines import AssemblyError

PROJECT_FILE = "_quarto.yml"
DEFAULT_DOCUMENT = "brief.qmd"
VEGA_HEADER = "_vega-header.html"
HOUSE_CSS = "_brief.css"

# Document-level keys handed to pandoc as metadata (the templates and citeproc read them).
METADATA_KEYS = (
    "title",
    "subtitle",
    "author",
    "date",
    "abstract",
    "lang",
    "bibliography",
    "csl",
    "link-citations",
    "reference-section-title",
    "nocite",
    "toc-title",
)
# Options that may sit at the top level or under format.html / format.typst.
SHARED_OPTIONS = ("toc", "toc-depth", "toc-title", "number-sections")
HTML_OPTIONS = (*SHARED_OPTIONS, "embed-resources", "include-in-header", "css", "notebook-links")
TYPST_OPTIONS = (
    *SHARED_OPTIONS,
    "papersize",
    "margin",
    "mainfont",
    "fontsize",
    "font-paths",
    "section-numbering",
    "keep-typ",
)
PROJECT_OPTIONS = ("type", "render")
# Understood at the top level of _quarto.yml / front matter (besides METADATA_KEYS).
TOP_LEVEL = ("project", "format", "execute", *SHARED_OPTIONS)

_LENGTH = re.compile(r"^\d+(\.\d+)?(pt|mm|cm|in|em)$")
_PAPER = re.compile(r"^[a-z0-9-]+$")
_MARGIN_KEYS = ("x", "y", "top", "bottom", "left", "right", "inside", "outside", "rest")


@dataclass
class FormatOptions:
    toc: bool = False
    toc_depth: int = 3
    toc_title: str | None = None
    number_sections: bool = False
    # HTML
    css: list[str] = field(default_factory=list)
    include_in_header: list[dict[str, str]] = field(default_factory=list)  # {"file"|"text": …}
    # Typst
    papersize: str | None = None
    margin: dict[str, str] = field(default_factory=dict)
    mainfont: str | None = None
    fontsize: str | None = None
    font_paths: list[str] = field(default_factory=list)


@dataclass
class ProjectConfig:
    root: Path
    document: Path
    front_matter: dict[str, Any]
    metadata: dict[str, Any]  # project-level document metadata (front matter overrides it)
    bibliography: list[str]
    html: FormatOptions
    typst: FormatOptions
    ignored: list[str]

    def vega_header(self) -> Path | None:
        """The include-in-header file the machinery writes (its name mentions `vega`)."""
        for item in self.html.include_in_header:
            name = item.get("file")
            if name and "vega" in Path(name).name.lower():
                return self.root / name
        return None


def _problem(where: str, message: str) -> AssemblyError:
    return AssemblyError(f"{where}: {message}")


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssemblyError(f"{path} does not exist") from None
    except yaml.YAMLError as exc:
        raise _problem(str(path), f"not valid YAML: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _problem(str(path), "must be a YAML mapping")
    return value


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def front_matter(text: str, where: str) -> dict[str, Any]:
    match = _FRONT.match(text)
    if not match:
        return {}
    try:
        value = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise _problem(where, f"front matter is not valid YAML: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _problem(where, "front matter must be a YAML mapping")
    return value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _format_block(merged: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    formats = merged.get("format") or {}
    if isinstance(formats, str):
        formats = {formats: {}}
    if not isinstance(formats, dict):
        raise _problem(where, "`format` must be a mapping of format names to options")
    block = formats.get(name) or {}
    if block == "default":
        block = {}
    if not isinstance(block, dict):
        raise _problem(where, f"`format.{name}` must be a mapping of options")
    return block


def _bool(value: Any, option: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _problem(where, f"option `{option}` must be true or false, not {value!r}")


def _format_options(merged: dict[str, Any], name: str, where: str) -> FormatOptions:
    block = _format_block(merged, name, where)
    opts: dict[str, Any] = {k: merged[k] for k in SHARED_OPTIONS if k in merged}
    opts.update(block)
    out = FormatOptions()
    prefix = f"format.{name}."
    if "toc" in opts:
        out.toc = _bool(opts["toc"], prefix + "toc", where)
    if "number-sections" in opts:
        out.number_sections = _bool(opts["number-sections"], prefix + "number-sections", where)
    if "toc-depth" in opts:
        depth = opts["toc-depth"]
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= 6:
            raise _problem(where, f"option `{prefix}toc-depth` must be 1..6, not {depth!r}")
        out.toc_depth = depth
    if opts.get("toc-title") is not None:
        out.toc_title = str(opts["toc-title"])
    if name == "html":
        out.css = [str(c) for c in _as_list(opts.get("css"))]
        for item in _as_list(opts.get("include-in-header")):
            if isinstance(item, str):
                out.include_in_header.append({"file": item})
            elif isinstance(item, dict) and set(item) <= {"file", "text"} and len(item) == 1:
                out.include_in_header.append({k: str(v) for k, v in item.items()})
            else:
                raise _problem(
                    where,
                    f"option `{prefix}include-in-header` entries must be a file name, "
                    f"{{file: …}} or {{text: …}}, not {item!r}",
                )
    if name == "typst":
        if opts.get("papersize") is not None:
            paper = str(opts["papersize"]).lower()
            if not _PAPER.match(paper):
                raise _problem(where, f"option `{prefix}papersize` {paper!r} is not a paper name")
            out.papersize = paper
        margin = opts.get("margin")
        if margin is not None:
            if not isinstance(margin, dict):
                margin = {"x": margin, "y": margin}
            for key, value in margin.items():
                if key not in _MARGIN_KEYS or not _LENGTH.match(str(value)):
                    raise _problem(
                        where,
                        f"option `{prefix}margin.{key}` must be a length such as 2cm "
                        f"(keys: {', '.join(_MARGIN_KEYS)}), not {value!r}",
                    )
                out.margin[str(key)] = str(value)
        if opts.get("mainfont") is not None:
            out.mainfont = str(opts["mainfont"])
        if opts.get("fontsize") is not None:
            size = str(opts["fontsize"])
            if not _LENGTH.match(size):
                raise _problem(where, f"option `{prefix}fontsize` must be a length, not {size!r}")
            out.fontsize = size
        out.font_paths = [str(p) for p in _as_list(opts.get("font-paths"))]
        numbering = opts.get("section-numbering")
        if numbering is not None and str(numbering) != "1.1.1":
            raise _problem(
                where,
                f"option `{prefix}section-numbering: {numbering}` is outside the subset "
                "(the built-in engine numbers sections 1.1.1)",
            )
    return out


def _ignored(merged: dict[str, Any]) -> list[str]:
    known_top = {*TOP_LEVEL, *METADATA_KEYS}
    ignored = [k for k in merged if k not in known_top]
    project = merged.get("project") or {}
    if isinstance(project, dict):
        ignored += [f"project.{k}" for k in project if k not in PROJECT_OPTIONS]
    formats = merged.get("format") or {}
    if isinstance(formats, dict):
        for name, block in formats.items():
            if name not in ("html", "typst"):
                ignored.append(f"format.{name}")
                continue
            allowed = HTML_OPTIONS if name == "html" else TYPST_OPTIONS
            if isinstance(block, dict):
                ignored += [f"format.{name}.{k}" for k in block if k not in allowed]
    return sorted(ignored)


def load_project(root: Path) -> ProjectConfig:
    """Read `root/_quarto.yml` and the document it renders."""
    root = Path(root)
    project_file = root / PROJECT_FILE
    project = read_yaml(project_file) if project_file.is_file() else {}
    where = str(project_file)
    settings = project.get("project") or {}
    if not isinstance(settings, dict):
        raise _problem(where, "`project` must be a mapping")
    if settings.get("type", "default") != "default":
        raise _problem(
            where, f"`project.type: {settings['type']}` is outside the subset (use default)"
        )
    render = [str(r) for r in _as_list(settings.get("render"))]
    documents = [r for r in render if r.endswith((".qmd", ".md"))]
    if len(documents) > 1:
        raise _problem(
            where, f"`project.render` lists {len(documents)} documents; the brief is one"
        )
    document = root / (documents[0] if documents else DEFAULT_DOCUMENT)
    if not document.is_file():
        raise AssemblyError(f"{root}: the document {document.name} does not exist")
    text = document.read_text(encoding="utf-8")
    front = front_matter(text, str(document))
    merged = _merge(project, front)
    where_doc = f"{document.name} / {PROJECT_FILE}"

    metadata = {k: project[k] for k in METADATA_KEYS if k in project}
    bibliography = [str(b) for b in _as_list(merged.get("bibliography"))]
    for entry in bibliography:
        if not (root / entry).is_file():
            raise AssemblyError(f"{root}: bibliography {entry} (named in {where_doc}) is missing")
    if merged.get("csl") and not (root / str(merged["csl"])).is_file():
        raise AssemblyError(f"{root}: csl file {merged['csl']} (named in {where_doc}) is missing")
    return ProjectConfig(
        root=root,
        document=document,
        front_matter=front,
        metadata=metadata,
        bibliography=bibliography,
        html=_format_options(merged, "html", where_doc),
        typst=_format_options(merged, "typst", where_doc),
        ignored=_ignored(merged),
    )
