"""Editions: the typed manifest, the catalogue of output/, publishing, diffs and views.

- `manifest`: `Manifest` (read and written only here), `verify`.
- `catalogue`: `Catalogue` — official editions (output/OFFICIAL), revisions, drafts,
  `latest()`, `previous(as_of)`.
- `publishing`: staging, the lock, journalled swaps, official publication, read-only.
- `diff`: `compare()` driven by the `KINDS` table of fact kinds.
- `views`: terminal and JSON views, the "What changed" Markdown.
- `archive`: the archive page and latest/, from the template files in templates/.
"""

from brief.editions.catalogue import DRAFTS, Catalogue, Entry, read_official
from brief.editions.manifest import (
    DRAFT,
    OFFICIAL,
    Manifest,
    ManifestError,
    Publication,
    revision_name,
    split_revision,
    verify,
)

__all__ = [
    "DRAFT",
    "DRAFTS",
    "OFFICIAL",
    "Catalogue",
    "Entry",
    "Manifest",
    "ManifestError",
    "Publication",
    "read_official",
    "revision_name",
    "split_revision",
    "verify",
]
