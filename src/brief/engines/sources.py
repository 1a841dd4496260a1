"""The built-in engine's Python pre-pass over the `.qmd`: shortcodes → plain pandoc Markdown.

- `{{< include file >}}` is replaced by the file's text (recursively, relative to the file
  that includes it), as Quarto does before parsing.
- `{{< embed notebooks/X.ipynb#label >}}` (alone on its line) becomes a fenced Div
  `.brief-embed` holding, per output of the labelled cell and per target format, either
  a ```{.brief-markdown} code block (the Lua filter parses it as Markdown on its own, so
  data text can never close a surrounding div or fence), a raw ```{=html}/```{=typst}
  block, or a literal code block (text/plain, streams). Images are written to
  `_brief_files/` and referenced from raw blocks.
- `{{{< … >}}}` is an escaped shortcode: it prints `{{< … >}}`.
Any other shortcode is outside the subset and an error.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from brief.engines import FORMATS, AssemblyError, OutputFormat
from brief.engines.config import load_yaml

FILES_DIR = "_brief_files"
FACTS_MIME = "application/vnd.brief.facts+json"
_IMAGE_EXT = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}
_MAX_INCLUDE_DEPTH = 20

_SHORTCODE = re.compile(
    r"(?P<escaped>\{\{\{<(?P<etext>.*?)>\}\}\})|(?P<code>\{\{<\s*(?P<name>[\w-]+)(?P<args>.*?)>\}\})",
    re.S,
)
_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")


@dataclass(frozen=True)
class Output:
    """One output of an embedded cell, as chosen for one format."""

    kind: str  # markdown | html | image | text | stream
    text: str = ""
    path: str = ""  # image path, relative to the build folder
    alt: str = ""
    mime: str = ""


@dataclass(frozen=True)
class Embed:
    notebook: str
    label: str
    outputs: dict[str, list[Output]]  # output format name → outputs


# --- includes -------------------------------------------------------------------------------


def expand_includes(path: Path, root: Path, _stack: tuple[Path, ...] = ()) -> str:
    """The file's text with every `{{< include … >}}` replaced by the included text."""
    path = path.resolve()
    if path in _stack:
        chain = " → ".join(p.name for p in (*_stack, path))
        raise AssemblyError(f"{root}: include cycle: {chain}")
    if len(_stack) > _MAX_INCLUDE_DEPTH:
        raise AssemblyError(f"{root}: includes nested deeper than {_MAX_INCLUDE_DEPTH} in {path}")
    text = path.read_text(encoding="utf-8")

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped") or match.group("name") != "include":
            return match.group(0)
        target = match.group("args").strip()
        if not target:
            raise AssemblyError(f"{_rel(path, root)}: `{{{{< include >}}}}` names no file")
        file = (path.parent / target).resolve()
        if not file.is_file():
            raise AssemblyError(
                f"{root}: {_rel(path, root)} includes {target}, which does not exist"
            )
        included = expand_includes(file, root, (*_stack, path))
        return included.rstrip("\n")

    return _SHORTCODE.sub(replace, text)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


# --- notebooks ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def cell_options(source: str) -> dict[str, Any]:
    """Quarto cell options: the leading `#| key: value` lines of a code cell, as YAML."""
    lines = []
    for line in source.splitlines():
        if line.startswith("#|"):
            lines.append(line[2:].removeprefix(" "))
        elif line.strip() == "" and not lines:
            continue
        else:
            break
    if not lines:
        return {}
    try:
        value = load_yaml("\n".join(lines))
    except yaml.YAMLError:
        value = None
    return value if isinstance(value, dict) else {}


class Notebooks:
    """Executed notebooks of a build folder, read once each."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[str, dict[str, Any]] = {}

    def cells(self, notebook: str) -> list[dict[str, Any]]:
        if notebook not in self._cache:
            path = self.root / notebook
            if not path.is_file():
                raise AssemblyError(
                    f"{self.root}: brief embeds {notebook}, but that notebook does not exist "
                    "in the build folder"
                )
            try:
                self._cache[notebook] = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise AssemblyError(f"{self.root}: {notebook} is not a notebook: {exc}") from None
        cells = self._cache[notebook].get("cells")
        if not isinstance(cells, list):
            raise AssemblyError(f"{self.root}: {notebook} has no cells")
        return cells

    def cell(self, notebook: str, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        found = []
        labels = []
        for cell in self.cells(notebook):
            if cell.get("cell_type") != "code":
                continue
            options = cell_options(_text(cell.get("source", "")))
            if "label" in options:
                labels.append(str(options["label"]))
            if str(options.get("label")) == label:
                found.append((cell, options))
        if not found:
            known = ", ".join(sorted(labels)) or "none"
            raise AssemblyError(
                f"{self.root}: {notebook} has no cell labelled '{label}' "
                f"(labels in that notebook: {known})"
            )
        if len(found) > 1:
            raise AssemblyError(
                f"{self.root}: {notebook} has {len(found)} cells labelled '{label}'"
            )
        return found[0]


def _choose(data: dict[str, Any], fmt: OutputFormat) -> str | None:
    for mime in fmt.mime_order:
        if mime in data:
            return mime
    return None


def _outputs_for(
    notebook: str, label: str, cell: dict[str, Any], options: dict[str, Any], root: Path
) -> dict[str, list[Output]]:
    outputs = cell.get("outputs") or []
    for out in outputs:
        if out.get("output_type") == "error":
            ename = out.get("ename", "Error")
            evalue = out.get("evalue", "")
            raise AssemblyError(
                f"{root}: {notebook}#{label}: the cell raised {ename}: {evalue} "
                "(the executed notebook holds an error output)"
            )
    result: dict[str, list[Output]] = {name: [] for name in FORMATS}
    if options.get("output") is False or options.get("include") is False:
        return result
    stem = Path(notebook).stem
    for index, out in enumerate(outputs):
        kind = out.get("output_type")
        if kind == "stream":
            item = Output("stream", text=_text(out.get("text", "")), mime=out.get("name", ""))
            for found in result.values():
                found.append(item)
            continue
        if kind not in ("display_data", "execute_result"):
            continue
        data = {k: v for k, v in (out.get("data") or {}).items() if k != FACTS_MIME}
        meta = out.get("metadata") or {}
        brief_meta = meta.get("brief") if isinstance(meta.get("brief"), dict) else {}
        alt = str(brief_meta.get("alt") or _text(data.get("text/plain", ""))).strip()
        for fmt in FORMATS.values():
            mime = _choose(data, fmt)
            if mime is None:
                continue
            value = data[mime]
            if mime == "text/markdown":
                result[fmt.name].append(Output("markdown", text=_text(value), mime=mime))
            elif mime == "text/html":
                result[fmt.name].append(Output("html", text=_text(value), mime=mime))
            elif mime == "text/plain":
                result[fmt.name].append(Output("text", text=_text(value), mime=mime))
            else:
                name = f"{FILES_DIR}/{stem}-{label}-{index}.{_IMAGE_EXT[mime]}"
                target = root / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if mime == "image/svg+xml":
                    target.write_text(_text(value), encoding="utf-8")
                else:
                    target.write_bytes(base64.b64decode(_text(value)))
                result[fmt.name].append(Output("image", path=name, alt=alt, mime=mime))
    return result


# --- rendering placeholders -----------------------------------------------------------------


def _fence(text: str, char: str = "`") -> str:
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(3, longest + 1)


def _code_block(text: str, attrs: str) -> str:
    fence = _fence(text)
    body = text if text.endswith("\n") else text + "\n"
    return f"{fence}{attrs}\n{body}{fence}"


def _typst_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "").replace("\t", " ")
    return f'"{escaped}"'


def _html_image(item: Output) -> str:
    tag = f'<img class="brief-image" src="{html.escape(item.path)}" alt="{html.escape(item.alt)}">'
    return _code_block(tag, "{=html}")


def _typst_image(item: Output) -> str:
    call = f"#brief-image({_typst_string(item.path)}, alt: {_typst_string(item.alt)})"
    return _code_block(call, "{=typst}")


# How an image output is written, per pandoc writer (a new writer adds its line here).
IMAGE_MARKUP = {"html5": _html_image, "typst": _typst_image}


# Raw HTML that names no resource: pandoc's --embed-resources has nothing to do in it, yet
# parsing it costs time and memory in proportion (a chart's inline data: 1.25 GB and 11 s
# of pandoc for the data x100). Such a block goes through pandoc as a placeholder and is
# spliced back into the written page (`splice_kept`).
_RESOURCE = re.compile(r"""\b(?:src|href|srcset|poster|data)\s*=|url\(|@import""", re.IGNORECASE)
KEPT = "<!-- brief: raw HTML block {} is spliced in here -->"
_KEPT_RE = re.compile(re.escape(KEPT).replace(r"\{\}", r"(\d+)"))


def render_output(item: Output, fmt: OutputFormat, kept: list[str] | None = None) -> str:
    if item.kind == "markdown":
        return _code_block(item.text, "{.brief-markdown}")
    if item.kind == "html" and kept is not None and not _RESOURCE.search(item.text):
        kept.append(item.text)
        return _code_block(KEPT.format(len(kept) - 1), "{=html}")
    if item.kind == "html":
        return _code_block(item.text, "{=html}")
    if item.kind == "text":
        return _code_block(item.text.rstrip("\n"), "{.cell-output}")
    if item.kind == "stream":
        name = "stderr" if item.mime == "stderr" else "stdout"
        return _code_block(item.text.rstrip("\n"), f"{{.cell-output-{name}}}")
    if item.kind == "image":
        return IMAGE_MARKUP[fmt.pandoc_writer](item)
    raise ValueError(item.kind)


def render_embed(embed: Embed, fmt: OutputFormat, kept: list[str] | None = None) -> str:
    parts = [render_output(item, fmt, kept) for item in embed.outputs[fmt.name]]
    source = f"{embed.notebook}#{embed.label}"
    body = "\n\n".join(parts)
    return f'::::: {{.brief-embed source="{source}"}}\n\n{body}\n\n:::::'


# --- the pre-pass ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The document after includes, with its embeds resolved; `render(fmt)` gives Markdown."""

    text: str
    embeds: tuple[Embed, ...]

    def render(self, fmt: OutputFormat, kept: list[str] | None = None) -> str:
        """The Markdown for `fmt`; given `kept`, raw HTML that needs no embedding is left
        out as placeholders and collected there, in order (`splice_kept` puts it back)."""
        rendered = [render_embed(embed, fmt, kept) for embed in self.embeds]
        return _PLACEHOLDER.sub(lambda m: rendered[int(m.group(1))], self.text)


def splice_kept(page: Path, kept: list[str] | tuple[str, ...]) -> None:
    """Put the raw HTML `Prepared.render` kept out back in the written page, each block
    where pandoc left its placeholder (exactly once each, or the page is not written)."""
    if not kept:
        return
    text = page.read_text(encoding="utf-8")
    found = sorted(int(n) for n in _KEPT_RE.findall(text))
    if found != list(range(len(kept))):
        raise AssemblyError(
            f"{page}: pandoc left {len(found)} of the {len(kept)} raw HTML placeholders"
        )
    page.write_text(_KEPT_RE.sub(lambda m: kept[int(m.group(1))], text), encoding="utf-8")


_PLACEHOLDER = re.compile("\x00brief-embed-(\\d+)\x00")


def _placeholder(index: int) -> str:
    return f"\x00brief-embed-{index}\x00"


def _parse_embed(args: str, where: str) -> tuple[str, str]:
    target = args.strip()
    if " " in target or "#" not in target:
        raise AssemblyError(
            f"{where}: `{{{{< embed {target} >}}}}` is outside the subset: write "
            "`{{< embed notebooks/NAME.ipynb#label >}}` (one labelled cell, no options)"
        )
    notebook, label = target.split("#", 1)
    if not notebook.endswith(".ipynb") or not _LABEL.match(label):
        raise AssemblyError(f"{where}: `{{{{< embed {target} >}}}}` must name NAME.ipynb#label")
    if label.startswith(("fig-", "tbl-")):
        raise AssemblyError(
            f"{where}: {target}: label cells without the fig-/tbl- prefix and wrap the embed "
            "in a `::: {#fig-…}` div (a prefixed cell label makes Quarto number it twice)"
        )
    return notebook, label


def prepare(document: Path, root: Path) -> Prepared:
    """Expand includes and resolve every embed of `document` (files land in `_brief_files/`)."""
    text = expand_includes(document, root)
    notebooks = Notebooks(root)
    embeds: list[Embed] = []
    where = document.name
    lines = text.split("\n")
    out_lines = []
    for line in lines:
        stripped = line.strip()
        whole = _SHORTCODE.fullmatch(stripped)
        if whole and whole.group("code") and whole.group("name") == "embed":
            notebook, label = _parse_embed(whole.group("args"), where)
            cell, options = notebooks.cell(notebook, label)
            outputs = _outputs_for(notebook, label, cell, options, root)
            out_lines += ["", _placeholder(len(embeds)), ""]
            embeds.append(Embed(notebook, label, outputs))
            continue
        out_lines.append(_SHORTCODE.sub(lambda m: _other_shortcode(m, where), line))
    return Prepared("\n".join(out_lines), tuple(embeds))


def _other_shortcode(match: re.Match[str], where: str) -> str:
    if match.group("escaped"):
        return "{{<" + match.group("etext") + ">}}"
    name = match.group("name")
    if name == "embed":
        raise AssemblyError(f"{where}: an `embed` shortcode must stand alone on its line")
    raise AssemblyError(
        f"{where}: the `{name}` shortcode is outside the subset both engines honour "
        "(include, embed)"
    )
