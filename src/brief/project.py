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


def load_project(root: Path | str | None = None) -> Project:
    root = Path(root or ".").resolve()
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise ProjectError(f"{root} is not a brief project: no pyproject.toml there")
    try:
        config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["brief"]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{pyproject}: not valid TOML: {exc}") from exc
    except KeyError:
        raise ProjectError(f"{pyproject}: no [tool.brief] table") from None
    return Project(root=root, config=config)
