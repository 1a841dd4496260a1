"""Read `_quarto.yml` and the document's front matter into the options both engines honour.

Quarto's rule is followed: project options (`_quarto.yml`) are defaults, the document's
front matter overrides them, and `format.<name>` options override both for that format.
Keys outside the documented subset (docs/QUARTO_SUBSET.md) are ignored by the built-in
engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brief.engines import FORMATS, SHARED_OPTIONS, AssemblyError, OutputFormat

PROJECT_FILE = "_quarto.yml"
DEFAULT_DOCUMENT = "brief.qmd"
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
    "brief-series",  # the series named on the first page and in the footer (brief.typ/html)
)

_LENGTH = re.compile(r"^\d+(\.\d+)?(pt|mm|cm|in|em)$")
_PAPER = re.compile(r"^[a-z0-9-]+$")
_MARGIN_KEYS = ("x", "y", "top", "bottom", "left", "right", "inside", "outside", "rest")


@dataclass
class FormatOptions:
    """The options of one output format, after Quarto's merge rule (see the module doc)."""

    toc: bool = False
    toc_depth: int = 3
    toc_title: str | None = None
    number_sections: bool = False
    citeproc: bool | None = None  # None: the format's default (OutputFormat.citeproc)
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
    formats: dict[str, FormatOptions]  # output format name (FORMATS) → its options

    def options(self, fmt: OutputFormat | str) -> FormatOptions:
        return self.formats[fmt if isinstance(fmt, str) else fmt.name]

    def vega_header(self) -> Path | None:
        """The include-in-header file the machinery writes (its name mentions `vega`)."""
        for opts in self.formats.values():
            for item in opts.include_in_header:
                name = item.get("file")
                if name and "vega" in Path(name).name.lower():
                    return self.root / name
        return None


def _problem(where: str, message: str) -> AssemblyError:
    return AssemblyError(f"{where}: {message}")


def load_yaml(text: str) -> Any:
    """A YAML document, read by libyaml where PyYAML has it (the locked wheels do): the same
    values as its pure-Python loader, about ten times faster (the renderer reads the chunk
    options of every cell)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        value = load_yaml(path.read_text(encoding="utf-8"))
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
        value = load_yaml(match.group(1))
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


# --- the options, one parser each -----------------------------------------------------------
# A parser gets (value, "format.<name>.<option>", where) and returns the checked value.
Parser = Callable[[Any, str, str], Any]


def _bool(value: Any, option: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _problem(where, f"option `{option}` must be true or false, not {value!r}")


def _one_of(*words: str) -> Parser:
    """true, false, or one of `words` (e.g. Quarto's `code-copy: hover`)."""

    def parse(value: Any, option: str, where: str) -> bool | str:
        if isinstance(value, bool) or value in words:
            return value
        allowed = ", ".join(("true", "false", *words))
        raise _problem(where, f"option `{option}` must be one of {allowed}, not {value!r}")

    return parse


def _bool_or_names(value: Any, option: str, where: str) -> bool | list[str]:
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise _problem(where, f"option `{option}` must be true, false or a list of names")


def _text(value: Any, option: str, where: str) -> str:
    return str(value)


def _texts(value: Any, option: str, where: str) -> list[str]:
    return [str(v) for v in _as_list(value)]


def _toc_depth(value: Any, option: str, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 6:
        raise _problem(where, f"option `{option}` must be 1..6, not {value!r}")
    return value


def _includes(value: Any, option: str, where: str) -> list[dict[str, str]]:
    found = []
    for item in _as_list(value):
        if isinstance(item, str):
            found.append({"file": item})
        elif isinstance(item, dict) and set(item) <= {"file", "text"} and len(item) == 1:
            found.append({k: str(v) for k, v in item.items()})
        else:
            raise _problem(
                where,
                f"option `{option}` entries must be a file name, {{file: …}} or {{text: …}}, "
                f"not {item!r}",
            )
    return found


def _paper(value: Any, option: str, where: str) -> str:
    paper = str(value).lower()
    if not _PAPER.match(paper):
        raise _problem(where, f"option `{option}` {paper!r} is not a paper name")
    return paper


def _margin(value: Any, option: str, where: str) -> dict[str, str]:
    margin = value if isinstance(value, dict) else {"x": value, "y": value}
    for key, length in margin.items():
        if key not in _MARGIN_KEYS or not _LENGTH.match(str(length)):
            raise _problem(
                where,
                f"option `{option}.{key}` must be a length such as 2cm "
                f"(keys: {', '.join(_MARGIN_KEYS)}), not {length!r}",
            )
    return {str(k): str(v) for k, v in margin.items()}


def _length(value: Any, option: str, where: str) -> str:
    if not _LENGTH.match(str(value)):
        raise _problem(where, f"option `{option}` must be a length, not {value!r}")
    return str(value)


def _section_numbering(value: Any, option: str, where: str) -> str:
    if str(value) != "1.1.1":
        raise _problem(
            where,
            f"option `{option}: {value}` is outside the subset "
            "(the built-in engine numbers sections 1.1.1)",
        )
    return str(value)


@dataclass(frozen=True)
class Option:
    parse: Parser
    attribute: str | None = None  # the FormatOptions field it fills; None: checked only


# Every option a format may honour (OutputFormat.options names which ones it does).
OPTIONS: dict[str, Option] = {
    "toc": Option(_bool, "toc"),
    "toc-depth": Option(_toc_depth, "toc_depth"),
    "toc-title": Option(_text, "toc_title"),
    "number-sections": Option(_bool, "number_sections"),
    "citeproc": Option(_bool, "citeproc"),
    "embed-resources": Option(_bool),  # the built-in page is always self-contained
    "include-in-header": Option(_includes, "include_in_header"),
    "css": Option(_texts, "css"),
    "minimal": Option(_bool),
    "notebook-links": Option(_one_of("inline", "global")),
    "format-links": Option(_bool_or_names),
    "code-copy": Option(_one_of("hover")),
    "anchor-sections": Option(_bool),
    "citations-hover": Option(_bool),
    "footnotes-hover": Option(_bool),
    "crossrefs-hover": Option(_bool),
    "papersize": Option(_paper, "papersize"),
    "margin": Option(_margin, "margin"),
    "mainfont": Option(_text, "mainfont"),
    "fontsize": Option(_length, "fontsize"),
    "font-paths": Option(_texts, "font_paths"),
    "section-numbering": Option(_section_numbering),
    "keep-typ": Option(_bool),  # the built-in engine always keeps _brief.typ
}


def _format_options(merged: dict[str, Any], fmt: OutputFormat, where: str) -> FormatOptions:
    """Shared options from the top level, then `format.<quarto name>` over them."""
    opts: dict[str, Any] = {k: merged[k] for k in SHARED_OPTIONS if k in merged}
    opts.update(_format_block(merged, fmt.quarto, where))
    out = FormatOptions()
    for name in fmt.options:
        if opts.get(name) is None:
            continue
        option = OPTIONS[name]
        value = option.parse(opts[name], f"format.{fmt.quarto}.{name}", where)
        if option.attribute:
            setattr(out, option.attribute, value)
    return out


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
        formats={f.name: _format_options(merged, f, where_doc) for f in FORMATS.values()},
    )
