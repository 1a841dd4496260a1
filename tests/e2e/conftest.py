"""Real editions of the real brief, rendered once per test session in a scratch copy.

Rendering is the expensive part (papermill kernels, pandoc, typst), so editions are
rendered lazily, once, and shared; the copy keeps the repository's own cache untouched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import REPO, brief, copy_project, last_line


class Editions:
    """Render drafts on demand into one output folder of one project copy.

    `render()` returns the draft's folder (output/drafts/<edition>/); a test that needs an
    official edition runs `brief publish` itself.
    """

    def __init__(self, project: Path):
        self.project = project
        self.output = project / "output"
        self._done: dict[tuple[str, ...], Path] = {}

    def render(self, *params: str) -> Path:
        """`params` like "as_of=2025-04-08"; returns the edition folder."""
        key = tuple(sorted(params))
        if key not in self._done:
            args = [arg for p in key for arg in ("-p", p)]
            # pinned: the assertions on these editions are about the built-in engine's page
            done = brief(self.project, "render", "--engine", "builtin", "--explain", *args)
            assert done.returncode == 0, done.stderr
            self._done[key] = Path(last_line(done.stdout))
        return self._done[key]

    @property
    def default(self) -> Path:
        return self.render()


@pytest.fixture(scope="session")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Editions:
    project = copy_project(REPO, tmp_path_factory.mktemp("brief") / "project")
    found = Editions(project)
    found.render()  # the default edition first (most tests read it)
    return found
