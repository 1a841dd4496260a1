"""Run the real `brief` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROJECT_COMMANDS = {
    "render",
    "publish",
    "preview",
    "serve",
    "check",
    "list",
    "diff",
    "verify",
    "archive",
    "clean",
}
DRAFTS = (
    "drafts"  # `brief render` writes output/drafts/<edition>/; `brief publish` output/<edition>/
)


def draft_dir(project: Path, name: str) -> Path:
    """Where `brief render` puts the draft of edition `name` (the default output folder)."""
    return project / "output" / DRAFTS / name


def published_dir(project: Path, name: str) -> Path:
    """Where `brief publish` puts official edition `name`."""
    return project / "output" / name


def brief(
    project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`brief <args> --project <project>`; returns the finished process (never raises)."""
    command = [sys.executable, "-m", "brief.cli", *args]
    if args and args[0] in PROJECT_COMMANDS:
        command += ["--project", str(project)]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=project,
    )


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def executed_notebooks(stderr: str) -> list[str]:
    """Notebooks an `--explain` render says it executed (one papermill kernel each)."""
    return sorted(set(re.findall(r": (\S+\.ipynb): execute", stderr)))


def kernel_starts(stderr: str) -> int:
    found = re.search(r"executing (\d+) notebook", stderr)
    return int(found.group(1)) if found else 0


def copy_project(source: Path, target: Path) -> Path:
    """A scratch copy of a project (without its cache, builds or outputs)."""
    ignore = shutil.ignore_patterns(
        ".brief", "output", ".venv", "__pycache__", ".git", "*.egg-info"
    )
    shutil.copytree(source, target, ignore=ignore)
    return target


def tiny_project(tmp_path: Path) -> Path:
    """The tiny second subject (tests/fixtures/tiny_brief), with fonts and Quarto config."""
    project = copy_project(REPO / "tests" / "fixtures" / "tiny_brief", tmp_path / "tiny")
    shutil.copytree(REPO / "assets" / "fonts", project / "fonts")
    shutil.copyfile(REPO / "_quarto.yml", project / "_quarto.yml")
    return project
