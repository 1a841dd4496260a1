"""The Quarto engine: `quarto render` over the same build folder, when Quarto is installed.

Quarto reads `_quarto.yml` itself (execute disabled: the notebooks in the build folder are
already executed). This adapter writes the same support files as the built-in engine (the
Vega header, the house CSS), makes the fonts reachable through `format.typst.font-paths`,
runs one `quarto render <doc> --to <format>` per output format at once (each in its own
copy of the project, so the two renders share no intermediate files), moves the results to
`brief.html` / `brief.pdf`, then finishes each page the same way every time:
- the absolute build folder Quarto writes into the HTML (`data-notebook="/…/build-…/
  notebooks/01_x.ipynb"`, once per embedded cell; no Quarto option turns it off) becomes
  relative, so the same inputs give the same bytes from any folder;
- the Vega bundle is spliced in where the header's placeholder stands (builtin.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from brief.engines import Assembled, AssemblyError, OutputFormat, quarto_binary

# The support files and the page's finishing steps are the built-in engine's (imported when
# used, so that choosing an engine costs no more than a PATH lookup).

QUARTO_TIMEOUT = 900
# Each format after the first renders in a copy of the project under this prefix.
COPY_PREFIX = "_quarto-"
# What Quarto writes beside a render that a copy must not inherit.
NOT_COPIED = (".quarto", "*_files", "brief.html", "brief.pdf", COPY_PREFIX + "*")


def _quarto() -> str:
    exe = quarto_binary()
    if not exe:
        raise AssemblyError(
            "engine 'quarto' needs a `quarto` binary on PATH; none was found "
            "(use --engine builtin for pandoc + typst)"
        )
    return exe


@cache
def _version_of(exe: str) -> str:
    try:
        out = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise AssemblyError(f"`{exe} --version` failed: {exc}") from None
    return f"quarto {out.splitlines()[0] if out else 'unknown'}"


def quarto_version() -> str:
    return _version_of(_quarto())


def _fonts(build_dir: Path, font_paths: list[str], fonts_dir: Path | None) -> None:
    """Quarto finds fonts through `font-paths` (relative to the project): fill them in."""
    if fonts_dir is None:
        return
    for entry in font_paths or ["assets/fonts"]:
        target = build_dir / entry
        if not target.exists():
            shutil.copytree(fonts_dir, target)


def relative_build_paths(page: Path, build_dir: Path) -> None:
    """Make every absolute path into the build folder relative to it (Quarto writes one
    `data-notebook` attribute per embedded cell with the random build folder in it)."""
    text = page.read_text(encoding="utf-8")
    fixed = text
    for root in dict.fromkeys((str(build_dir), str(build_dir.resolve()))):
        fixed = fixed.replace(root + "/", "")
    if fixed != text:
        page.write_text(fixed, encoding="utf-8")


def splice_vega_bundle(page: Path, _build: Path) -> None:
    from brief.engines.builtin import splice_vega_bundle as splice

    splice(page)


def splice_font_faces(page: Path, build: Path) -> None:
    from brief.engines.webfont import splice_font_faces as splice

    splice(page, [build / "assets" / "fonts"])


# What each written file gets once Quarto is done (a new format may add its steps here).
FINISH: dict[str, tuple[Callable[[Path, Path], None], ...]] = {
    "html": (relative_build_paths, splice_vega_bundle, splice_font_faces),
}


def _project_copy(build_dir: Path, fmt: OutputFormat) -> Path:
    folder = build_dir / f"{COPY_PREFIX}{fmt.quarto}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(build_dir, folder, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return folder


def _render(
    exe: str,
    folder: Path,
    build_dir: Path,
    document: Path,
    fmt: OutputFormat,
    meta_args: list[str],
    env: dict[str, str],
) -> Path:
    cmd = [exe, "render", document.name, "--to", fmt.quarto, *meta_args]
    try:
        proc = subprocess.run(
            cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=QUARTO_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise AssemblyError(
            f"{build_dir}: `quarto render --to {fmt.quarto}` took longer than {QUARTO_TIMEOUT} s"
        ) from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
        raise AssemblyError(
            f"{build_dir}: `quarto render {document.name} --to {fmt.quarto}` failed "
            f"(exit {proc.returncode}, in {folder}):\n{tail}"
        )
    produced = folder / fmt.filename(document.stem)
    if not produced.is_file():
        raise AssemblyError(f"{folder}: quarto --to {fmt.quarto} did not write {produced.name}")
    target = build_dir / fmt.filename(document.stem)
    if produced != target:
        produced.replace(target)
    for step in FINISH.get(fmt.name, ()):
        step(target, folder)
    return target


class QuartoEngine:
    """Real Quarto (1.10 tested against), chosen by `auto` whenever it is on PATH."""

    name = "quarto"

    def available(self) -> bool:
        return quarto_binary() is not None

    def version(self) -> str:
        return quarto_version()

    def prepare(self) -> None:
        from brief.engines.builtin import vega_bundle

        vega_bundle()

    def assemble(
        self,
        build_dir: Path,
        *,
        formats: tuple[OutputFormat, ...],
        metadata: dict[str, str],
        timestamp: datetime,
        fonts_dir: Path | None = None,
    ) -> Assembled:
        from brief.engines.builtin import run_concurrently, write_support_files
        from brief.engines.config import load_project

        exe = _quarto()
        cfg = load_project(build_dir)
        write_support_files(cfg)
        font_paths = [p for opts in cfg.formats.values() for p in opts.font_paths]
        _fonts(build_dir, font_paths, fonts_dir)
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
        meta_args: list[str] = []
        for key in sorted(metadata):
            if metadata[key] not in (None, ""):
                meta_args += ["-M", f"{key}:{metadata[key]}"]
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(timestamp.timestamp()))}
        folders = {
            fmt.name: build_dir if index == 0 else _project_copy(build_dir, fmt)
            for index, fmt in enumerate(formats)
        }
        work = {
            fmt.name: (
                lambda fmt=fmt: _render(
                    exe, folders[fmt.name], build_dir, cfg.document, fmt, meta_args, env
                )
            )
            for fmt in formats
        }
        outputs = run_concurrently(work)
        return Assembled(outputs=outputs, engine=self.name, version=self.version())
