"""Assembly engines: executed notebooks + Quarto sources → one file per output format.

Two extension points live here, each declared once:
- `FORMATS`, the output-format table: each edition file (`brief.html`, `brief.pdf`) is one
  `OutputFormat` entry naming its extension, the Quarto format that writes it, the pandoc
  writer the built-in engine uses, and the `format.<name>` options both engines honour.
- `engines`, the engine registry (the way papermill registers its engines): a name → an
  object with `available()`, `version()`, `prepare()` and `assemble(...)`. `builtin` (pandoc
  from `pypandoc-binary` with two Lua filters, Typst from the `typst` wheel) and `quarto`
  (real Quarto, when a `quarto` binary is on PATH) are registered here; a package may add
  one through the `brief.engines` entry-point group.
A third format is one `FORMATS` entry plus one writer per engine that should write it.
The subset of Quarto both engines honour is documented in docs/QUARTO_SUBSET.md.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

AUTO = "auto"


class AssemblyError(Exception):
    """The brief could not be assembled; the message names the file, notebook, label or option."""


# --- the output-format table ---------------------------------------------------------------


@dataclass(frozen=True)
class OutputFormat:
    """One file of an edition: `brief<extension>`, written from Quarto format `quarto`."""

    name: str  # the edition's name for it: html, pdf
    extension: str  # .html, .pdf
    quarto: str  # the key under `format:` in _quarto.yml, and `quarto render --to <quarto>`
    pandoc_writer: str  # the built-in engine's pandoc `--to`
    options: tuple[str, ...]  # the `format.<quarto>` options both engines honour (config.py)
    mime_order: tuple[str, ...]  # per notebook output, the first of these MIME types is shown
    # Whether Quarto runs pandoc's citeproc when `citeproc` is not set: yes for HTML; for
    # typst it hands the bibliography to Typst's own engine (reads only .bib / .yml).
    citeproc: bool = True

    def filename(self, stem: str = "brief") -> str:
        return stem + self.extension


# Options that may sit at the top level, in the front matter or under any format.
SHARED_OPTIONS = ("toc", "toc-depth", "toc-title", "number-sections", "citeproc")

FORMATS: dict[str, OutputFormat] = {
    fmt.name: fmt
    for fmt in (
        OutputFormat(
            "html",
            ".html",
            quarto="html",
            pandoc_writer="html5",
            options=(
                *SHARED_OPTIONS,
                "embed-resources",
                "include-in-header",
                "css",
                # Quarto-only switches the built-in page never needs (it has none of
                # these features): accepted, validated as booleans, otherwise ignored.
                "minimal",
                "notebook-links",
                "format-links",
                "code-copy",
                "anchor-sections",
                "citations-hover",
                "footnotes-hover",
                "crossrefs-hover",
            ),
            mime_order=(
                "text/markdown",
                "text/html",
                "image/svg+xml",
                "image/png",
                "image/jpeg",
                "text/plain",
            ),
        ),
        OutputFormat(
            "pdf",
            ".pdf",
            quarto="typst",
            pandoc_writer="typst",
            options=(
                *SHARED_OPTIONS,
                "papersize",
                "margin",
                "mainfont",
                "fontsize",
                "font-paths",
                "section-numbering",
                "keep-typ",
            ),
            mime_order=("text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain"),
            citeproc=False,
        ),
    )
}


def output_formats(names: Iterable[str] | None = None) -> tuple[OutputFormat, ...]:
    """The formats to write (default: every one in the table), in table order."""
    if names is None:
        return tuple(FORMATS.values())
    wanted = list(names)
    unknown = [n for n in wanted if n not in FORMATS]
    if unknown:
        raise AssemblyError(
            f"unknown output format {unknown[0]!r}: choose among {', '.join(FORMATS)}"
        )
    return tuple(f for f in FORMATS.values() if f.name in wanted)


@dataclass(frozen=True)
class Assembled:
    """What an engine wrote: format name → file in the build folder."""

    outputs: Mapping[str, Path]
    engine: str
    version: str

    @property
    def html(self) -> Path:
        return self.outputs["html"]

    @property
    def pdf(self) -> Path:
        return self.outputs["pdf"]


# --- the engine registry ------------------------------------------------------------------


class Engine(Protocol):
    """What an assembly engine offers the machinery."""

    name: str

    def available(self) -> bool: ...

    def version(self) -> str: ...

    def prepare(self) -> None:
        """One-off work (e.g. the Vega bundle) that may run while notebooks execute."""

    def assemble(
        self,
        build_dir: Path,
        *,
        formats: tuple[OutputFormat, ...],
        metadata: dict[str, str],
        timestamp: datetime,
        fonts_dir: Path | None,
    ) -> Assembled: ...


@dataclass
class EngineRegistry:
    """Engines by name; an entry may be `"module:attribute"`, imported on first use.

    `auto` tries the registered engines by descending `priority` and takes the first that
    is available; engines from the `brief.engines` entry-point group are found by name."""

    _entries: dict[str, Engine | str] = field(default_factory=dict)
    _priority: dict[str, int] = field(default_factory=dict)
    _entry_points_loaded: bool = False

    def register(self, name: str, engine: Engine | str, *, priority: int = 0) -> None:
        self._entries[name] = engine
        self._priority[name] = priority

    def by_priority(self) -> list[str]:
        return sorted(self._priority, key=lambda name: -self._priority[name])

    def names(self) -> tuple[str, ...]:
        self._load_entry_points()
        return tuple(self._entries)

    def get(self, name: str) -> Engine:
        if name not in self._entries:
            self._load_entry_points()
        if name not in self._entries:
            choices = ", ".join((AUTO, *self._entries))
            raise AssemblyError(f"unknown engine {name!r}: choose one of {choices}")
        entry = self._entries[name]
        if isinstance(entry, str):
            module, _, attribute = entry.partition(":")
            entry = getattr(importlib.import_module(module), attribute)()
            self._entries[name] = entry
        return entry

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        from importlib.metadata import entry_points

        for point in entry_points(group="brief.engines"):
            self._entries.setdefault(point.name, point.value)


engines = EngineRegistry()
engines.register("quarto", "brief.engines.quarto:QuartoEngine", priority=10)
engines.register("builtin", "brief.engines.builtin:BuiltinEngine", priority=0)


def quarto_binary() -> str | None:
    return shutil.which("quarto")


def choose_engine(requested: str = AUTO) -> str:
    """`auto`: the available engine with the highest priority (Quarto when on PATH)."""
    requested = (requested or AUTO).strip().lower()
    if requested == AUTO:
        for name in engines.by_priority():
            if engines.get(name).available():
                return name
        raise AssemblyError("no assembly engine is available")
    engine = engines.get(requested)
    if not engine.available():
        if requested == "quarto":
            raise AssemblyError(
                "engine 'quarto' was requested but no `quarto` binary is on PATH: install "
                "Quarto (https://quarto.org), or use --engine builtin (pandoc + typst)"
            )
        raise AssemblyError(f"engine {requested!r} is not available on this machine")
    return requested


def engine_version(engine: str) -> str:
    """A one-line description of the engine's tools, e.g. `pandoc 3.9 + typst 0.15.1`."""
    return engines.get(engine).version()


def warm_up(engine: str = "builtin") -> None:
    """The engine's one-off preparation (the Vega bundle, ≈ 2 s once per process), e.g. in
    a thread while the notebooks execute, so that `assemble` does not wait for it."""
    engines.get(engine).prepare()


def assemble(
    build_dir: Path,
    *,
    engine: str,
    metadata: dict[str, str],
    timestamp: datetime,
    fonts_dir: Path | None = None,
    formats: Iterable[str] | None = None,
) -> Assembled:
    """Render `build_dir`'s sources to `build_dir/brief<ext>` for each output format.

    `build_dir` holds `_quarto.yml`, the `.qmd`, the bibliography, `notebooks/*.ipynb`
    (executed) and the machinery's `_colophon.md` / `_changes.md`. `metadata` is passed as
    `-M key=value`; `timestamp` fixes every date inside the PDF. `fonts_dir` holds the fonts
    the charts were measured with (Liberation Sans); default: `_quarto.yml`'s
    `format.typst.font-paths`, else `<build_dir>/assets/fonts`. `formats`: names from
    `FORMATS` (default: all of them).
    """
    build_dir = Path(build_dir).resolve()
    if not build_dir.is_dir():
        raise AssemblyError(f"build folder {build_dir} does not exist")
    chosen = engines.get(engine)
    if not chosen.available():
        choose_engine(engine)  # raises the engine's own "not available" message
    from brief.engines.languages import document_metadata

    # The notebooks' computed metadata (title, subtitle), under the machinery's own keys.
    metadata = {**document_metadata(build_dir / "notebooks"), **metadata}
    return chosen.assemble(
        build_dir,
        formats=output_formats(formats),
        metadata=metadata,
        timestamp=timestamp,
        fonts_dir=fonts_dir,
    )


__all__ = [
    "FORMATS",
    "Assembled",
    "AssemblyError",
    "Engine",
    "OutputFormat",
    "assemble",
    "choose_engine",
    "engine_version",
    "engines",
    "output_formats",
    "warm_up",
]
