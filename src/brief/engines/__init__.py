"""Assembly engines: executed notebooks + Quarto sources → one self-contained HTML + one PDF.

Two engines render the SAME sources (`_quarto.yml`, the `.qmd`, the executed notebooks):
- `quarto`: real Quarto (`quarto render … --to html` and `--to typst`), when a `quarto`
  binary is on PATH;
- `builtin`: pandoc (from `pypandoc-binary`) with two Lua filters for the Quarto subset,
  and Typst (the `typst` Python binding) for the PDF.
The subset both honour is documented in docs/QUARTO_SUBSET.md.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ENGINES = ("builtin", "quarto")


@dataclass(frozen=True)
class Assembled:
    html: Path
    pdf: Path
    engine: str
    version: str


class AssemblyError(Exception):
    """The brief could not be assembled; the message names the file, notebook, label or option."""


def quarto_binary() -> str | None:
    return shutil.which("quarto")


def choose_engine(requested: str = "auto") -> str:
    """`auto`: Quarto when a `quarto` binary is on PATH, else the built-in engine."""
    requested = (requested or "auto").strip().lower()
    if requested == "auto":
        return "quarto" if quarto_binary() else "builtin"
    if requested == "quarto":
        if not quarto_binary():
            raise AssemblyError(
                "engine 'quarto' was requested but no `quarto` binary is on PATH: install "
                "Quarto (https://quarto.org), or use --engine builtin (pandoc + typst)"
            )
        return "quarto"
    if requested == "builtin":
        return "builtin"
    raise AssemblyError(f"unknown engine {requested!r}: choose one of auto, builtin, quarto")


def engine_version(engine: str) -> str:
    """A one-line description of the engine's tools, e.g. `pandoc 3.9 + typst 0.15.2`."""
    if engine == "builtin":
        from brief.engines.builtin import builtin_version

        return builtin_version()
    if engine == "quarto":
        from brief.engines.quarto import quarto_version

        return quarto_version()
    raise AssemblyError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


def warm_up() -> None:
    """Build the Vega bundle now (≈ 2 s, once per process) — e.g. in a thread while the
    notebooks execute — so that `assemble` does not wait for it."""
    from brief.engines.builtin import vega_header_text

    vega_header_text()


def assemble(
    build_dir: Path,
    *,
    engine: str,
    metadata: dict[str, str],
    timestamp: datetime,
    fonts_dir: Path | None = None,
) -> Assembled:
    """Render `build_dir`'s sources to `build_dir/brief.html` and `build_dir/brief.pdf`.

    `build_dir` holds `_quarto.yml`, the `.qmd`, the bibliography, `notebooks/*.ipynb`
    (executed) and the machinery's `_colophon.md` / `_changes.md`. `metadata` is passed as
    `-M key=value`; `timestamp` fixes every date inside the PDF. `fonts_dir` holds the fonts
    the charts were measured with (Liberation Sans); default: `_quarto.yml`'s
    `format.typst.font-paths`, else `<build_dir>/assets/fonts`.
    """
    build_dir = Path(build_dir).resolve()
    if not build_dir.is_dir():
        raise AssemblyError(f"build folder {build_dir} does not exist")
    if engine == "builtin":
        from brief.engines.builtin import assemble_builtin

        return assemble_builtin(
            build_dir, metadata=metadata, timestamp=timestamp, fonts_dir=fonts_dir
        )
    if engine == "quarto":
        from brief.engines.quarto import assemble_quarto

        return assemble_quarto(
            build_dir, metadata=metadata, timestamp=timestamp, fonts_dir=fonts_dir
        )
    raise AssemblyError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


__all__ = [
    "ENGINES",
    "Assembled",
    "AssemblyError",
    "assemble",
    "choose_engine",
    "engine_version",
    "warm_up",
]
