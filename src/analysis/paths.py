"""Every path the subject uses, from one place.

The project root is, in order: the BRIEF_PROJECT_ROOT environment variable (the renderer
sets it for notebook kernels running in a build folder), the nearest folder at or above
the working directory holding both `data/` and `pyproject.toml` (a notebook opened by hand
in `notebooks/`), or the source checkout this package was installed from (editable).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "BRIEF_PROJECT_ROOT"
# The renderer points kernels at a read-only snapshot of data/ (the bytes its cache keys
# cover); the same name is in brief.protocol (tests/contract prove both equal).
DATA_ENV = "BRIEF_DATA_DIR"


def _is_project(path: Path) -> bool:
    return (path / "data").is_dir() and (path / "pyproject.toml").is_file()


def project_root() -> Path:
    if env := os.environ.get(ROOT_ENV):
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _is_project(candidate):
            return candidate
    installed = Path(__file__).resolve().parents[2]
    if _is_project(installed):
        return installed
    raise FileNotFoundError(
        f"cannot find the brief's project folder from {here}: set {ROOT_ENV} "
        "or run from inside the project"
    )


def data_dir() -> Path:
    if env := os.environ.get(DATA_ENV):
        return Path(env)
    return project_root() / "data"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"
