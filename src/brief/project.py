"""The project being rendered: its folders and the subject it names in pyproject.toml.

`[tool.brief]` tells the machinery where the subject's parameter model and data checks
live, so this package never imports the subject by name.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ProjectError(Exception):
    """The project folder or its configuration is unusable (message says which file)."""


@dataclass(frozen=True)
class Project:
    root: Path
    config: dict[str, Any]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def state_dir(self) -> Path:
        """Git-ignored working state: build folders and the execution cache."""
        return self.root / ".brief"

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"

    @property
    def build_root(self) -> Path:
        return self.state_dir / "build"

    @property
    def default_output_dir(self) -> Path:
        return self.root / "output"

    @property
    def date_key(self) -> str:
        """The parameter that dates an edition (its as-of date), named in [tool.brief]."""
        return str(self.config.get("edition_date", "as_of"))

    @property
    def document(self) -> Path:
        return self.root / self.config.get("document", "brief.qmd")

    @property
    def fonts_dir(self) -> Path:
        return self.root / self.config.get("fonts", "assets/fonts")

    @property
    def subject_code_dirs(self) -> list[Path]:
        """Source folders whose content is part of every notebook's cache key."""
        return [self.root / p for p in self.config.get("subject_code", ["src/analysis"])]

    @property
    def lock_files(self) -> list[Path]:
        return [self.root / p for p in self.config.get("lock", ["requirements.lock"])]

    def subject(self, key: str) -> Any:
        """Load `module:attribute` named by `[tool.brief] key`, from this project's src/."""
        target = self.config.get(key)
        if not isinstance(target, str) or ":" not in target:
            raise ProjectError(f"pyproject.toml: [tool.brief] {key} must be 'module:attribute'")
        module_name, _, attr = target.partition(":")
        src = str(self.root / "src")
        if src not in sys.path:
            sys.path.insert(0, src)
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ProjectError(f"pyproject.toml: [tool.brief] {key} = {target!r}: {exc}") from exc


def _read_config(pyproject: Path) -> dict[str, Any] | None:
    """`[tool.brief]` of one pyproject.toml, or None when it has no such table."""
    try:
        config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{pyproject}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ProjectError(f"{pyproject}: cannot be read: {exc}") from exc
    found = config.get("tool", {}).get("brief")
    return found if isinstance(found, dict) else None


def find_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above `start` whose pyproject.toml has `[tool.brief]`."""
    start = Path(start or ".").resolve()
    for folder in [start, *start.parents]:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _read_config(pyproject) is not None:
            return folder
    raise ProjectError(
        f"{start} is not inside a brief project: no pyproject.toml with a [tool.brief] table "
        "there or in any folder above (run brief inside the project, or give --project DIR)"
    )


def load_project(root: Path | str | None = None) -> Project:
    """The project at or above `root` (default: the working folder), like git or Quarto."""
    found = find_root(root)
    config = _read_config(found / "pyproject.toml")
    assert config is not None
    return Project(root=found, config=config)
