"""Fallback fonts for the HTML page: subsets of the project's fonts, inlined as WOFF2."""

import base64
import io
import json
import re
import shutil
from pathlib import Path

from fontTools.ttLib import TTFont

from brief.engines import webfont

FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"


def fonts_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "fonts"
    folder.mkdir()
    for name in ["LiberationSans-Regular.ttf", "NanumGothic.ttf"]:
        shutil.copyfile(FONTS / name, folder / name)
    return folder


def build(tmp_path: Path, title: str) -> Path:
    root = tmp_path / "build"
    root.mkdir()
    refs = [{"id": "a", "title": title}]
    (root / "references.json").write_text(json.dumps(refs, ensure_ascii=True), encoding="utf-8")
    (root / "brief.qmd").write_text("# Plain Latin text — with a dash\n", encoding="utf-8")
    return root


def faces(css: str) -> list[dict[str, str]]:
    found = []
    for block in re.findall(r"@font-face \{(.*?)\}", css, flags=re.S):
        fields = dict(re.findall(r"\s*([a-z-]+): (.*?);", block))
        found.append(fields)
    return found


def test_the_characters_the_body_font_lacks_are_inlined_from_the_fallback_font(tmp_path):
    folder = fonts_folder(tmp_path)
    root = build(tmp_path, "북중 무역 (KOTRA)")  # escaped in the JSON: read as text all the same
    css = webfont.font_faces(root, [folder])
    [face] = faces(css)
    assert face["font-family"] == '"NanumGothic"'
    points = {ord(c) for c in "북중무역"}
    assert face["unicode-range"] == webfont.unicode_range(points)
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    assert font.flavor == "woff2"
    assert points <= set(font.getBestCmap())
    assert len(data) < 20_000  # a subset, not the 4.7 MB font


def test_the_same_sources_give_the_same_bytes(tmp_path):
    folder = fonts_folder(tmp_path)
    root = build(tmp_path, "신압록강대교")
    assert webfont.font_faces(root, [folder]) == webfont.font_faces(root, [folder])


def test_latin_only_sources_need_no_fallback_font(tmp_path):
    folder = fonts_folder(tmp_path)
    root = build(tmp_path, "China–North Korea trade, “GACC”")
    assert webfont.font_faces(root, [folder]) == ""
    assert webfont.font_faces(root, [tmp_path / "missing"]) == ""


def test_unicode_ranges_merge_runs():
    assert webfont.unicode_range([0xAC01, 0xAC00, 0xB098, 0xAC02]) == "U+AC00-AC02,U+B098"
