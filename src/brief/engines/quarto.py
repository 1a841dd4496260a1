"""The Quarto engine: `quarto render` over the same build folder, when Quarto is installed.

Quarto reads `_quarto.yml` itself (execute disabled: the notebooks in the build folder are
already executed). This adapter writes the same support files as the built-in engine (the
Vega header, the house CSS), makes the fonts reachable through `format.typst.font-paths`,
renders `--to html` and `--to typst`, and moves the results to brief.html / brief.pdf.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from brief.engines import Assembled, AssemblyError, quarto_binary
from brief.engines.builtin import write_support_files
from brief.engines.config import load_project

QUARTO_TIMEOUT = 900
TARGETS = (("html", ".html", "brief.html"), ("typst", ".pdf", "brief.pdf"))


def _quarto() -> str:
    exe = quarto_binary()
    if not exe:
        raise AssemblyError(
            "engine 'quarto' needs a `quarto` binary on PATH; none was found "
            "(use --engine builtin for pandoc + typst)"
        )
    return exe


def quarto_version() -> str:
    exe = _quarto()
    try:
        out = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise AssemblyError(f"`{exe} --version` failed: {exc}") from None
    return f"quarto {out.splitlines()[0] if out else 'unknown'}"


def _fonts(build_dir: Path, font_paths: list[str], fonts_dir: Path | None) -> None:
    """Quarto finds fonts through `font-paths` (relative to the project): fill them in."""
    if fonts_dir is None:
        return
    for entry in font_paths or ["assets/fonts"]:
        target = build_dir / entry
        if not target.exists():
            shutil.copytree(fonts_dir, target)


def assemble_quarto(
    build_dir: Path,
    *,
    metadata: dict[str, str],
    timestamp: datetime,
    fonts_dir: Path | None = None,
) -> Assembled:
    exe = _quarto()
    cfg = load_project(build_dir)
    write_support_files(cfg)
    _fonts(build_dir, cfg.typst.font_paths, fonts_dir)
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(timestamp.timestamp()))}
    meta_args: list[str] = []
    for key in sorted(metadata):
        if metadata[key] not in (None, ""):
            meta_args += ["-M", f"{key}:{metadata[key]}"]
    document = cfg.document.name
    outputs = {}
    for to, suffix, final in TARGETS:
        cmd = [exe, "render", document, "--to", to, *meta_args]
        try:
            proc = subprocess.run(
                cmd, cwd=build_dir, env=env, capture_output=True, text=True, timeout=QUARTO_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise AssemblyError(
                f"{build_dir}: `quarto render --to {to}` took longer than {QUARTO_TIMEOUT} s"
            ) from None
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
            raise AssemblyError(
                f"{build_dir}: `quarto render {document} --to {to}` failed "
                f"(exit {proc.returncode}):\n{tail}"
            )
        produced = build_dir / (cfg.document.stem + suffix)
        if not produced.is_file():
            raise AssemblyError(f"{build_dir}: quarto --to {to} did not write {produced.name}")
        target = build_dir / final
        if produced != target:
            produced.replace(target)
        outputs[to] = target
    return Assembled(
        html=outputs["html"], pdf=outputs["typst"], engine="quarto", version=quarto_version()
    )
