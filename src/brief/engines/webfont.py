"""Fallback fonts for the HTML page: the glyphs the body font lacks, embedded as subsets.

The page is self-contained (no web fonts fetched), and the body font (Liberation Sans, or
the reader's Arial) has no glyphs for some scripts the sources use (for this brief: Korean
titles in the references). Every other font in the project's fonts folder is a fallback:
the characters of the written page that the body font lacks and the fallback has are cut
out of it (fontTools), compressed as WOFF2 and inlined as a `data:` @font-face with a
`unicode-range`, so the browser uses it for exactly those characters. The page is read
once written (`splice_font_faces`, both engines), so every character counts: the
document's, the metadata's, the crossref words', the bibliography's. Same page, same bytes
(no timestamps; subsets cached by content under $BRIEF_ASSET_CACHE, each with its digest).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

from brief.protocol import ASSET_CACHE_ENV

BODY_PREFIX = "LiberationSans-"
_HEAD_END = re.compile(r"</head>\s*<body")


_CMAPS: dict[str, frozenset[int]] = {}


def cmap(path: Path) -> frozenset[int]:
    """The code points a font covers, parsed once per process per font content: every
    assembly of a matrix reads the same fonts from its own build folder."""
    from fontTools.ttLib import TTFont

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest not in _CMAPS:
        with TTFont(path, lazy=True) as font:
            _CMAPS[digest] = frozenset(font.getBestCmap())
    return _CMAPS[digest]


def family(path: Path) -> str:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return str(font["name"].getBestFamilyName())


def unicode_range(codepoints: Iterable[int]) -> str:
    """'U+AC00-AC01,U+B098' from code points (runs merged)."""
    points = sorted(set(codepoints))
    runs: list[list[int]] = []
    for cp in points:
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return ",".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def subset_woff2(path: Path, codepoints: Iterable[int]) -> bytes:
    """The glyphs for `codepoints` only, as WOFF2 (deterministic bytes).

    Cached under $BRIEF_ASSET_CACHE by font bytes and code points, with the subset's sha256
    beside it (`brief.cache.write_checked`: each file written atomically, the digest last).
    A subset whose bytes do not match its digest, or that has none (a write cut short), is
    discarded and cut again, so a damaged entry never reaches a page."""
    from brief.cache import read_checked, write_checked

    points = sorted(set(codepoints))
    key = hashlib.sha256(path.read_bytes() + repr(points).encode()).hexdigest()[:32]
    cache_dir = os.environ.get(ASSET_CACHE_ENV)
    cached = Path(cache_dir) / f"font-{key}.woff2" if cache_dir else None
    if cached is not None:
        data = read_checked(cached)
        if data is not None:
            return data
    data = _subset(path, points)
    if cached is not None:
        write_checked(cached, data)
    return data


def _subset(path: Path, points: list[int]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]  # VTT sources, unused
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=points)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def font_faces(text: str, folders: Iterable[Path]) -> str:
    """CSS @font-face rules for the fallback fonts of the first fonts folder found, each a
    subset to the characters of `text` that the body font lacks ('' if none)."""
    folder = next((f for f in folders if f.is_dir() and any(f.glob(BODY_PREFIX + "*"))), None)
    if folder is None:
        return ""
    body = frozenset().union(*(cmap(p) for p in sorted(folder.glob(BODY_PREFIX + "*.ttf"))))
    wanted = {cp for cp in map(ord, set(text)) if cp > 0x7F} - body
    rules = []
    for path in sorted(folder.glob("*.ttf")):
        if path.name.startswith(BODY_PREFIX) or not wanted:
            continue
        points = wanted & cmap(path)
        if not points:
            continue
        wanted -= points
        data = base64.b64encode(subset_woff2(path, points)).decode("ascii")
        rules.append(
            "@font-face {\n"
            f'  font-family: "{family(path)}";\n'
            f'  src: url("data:font/woff2;base64,{data}") format("woff2");\n'
            f"  unicode-range: {unicode_range(points)};\n"
            "  font-display: block;\n"
            "}\n"
        )
    return "".join(rules)


def splice_font_faces(page: Path, folders: Iterable[Path]) -> None:
    """Add the fallback fonts the written page needs, as one <style> at the end of its head."""
    text = page.read_text(encoding="utf-8")
    # The page's own </head><body>: the last one (the Vega bundle in the head holds others).
    ends = list(_HEAD_END.finditer(text))
    body = ends[-1].end() if ends else 0
    faces = font_faces(text[body:], folders)
    if not faces:
        return
    if not ends:
        raise ValueError(f"{page}: no </head> followed by <body> to add the fallback fonts to")
    head_end = ends[-1].start()
    style = f'<style id="brief-fallback-fonts">\n{faces}</style>\n'
    page.write_text(text[:head_end] + style + text[head_end:], encoding="utf-8")
