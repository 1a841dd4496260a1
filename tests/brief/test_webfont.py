"""Fallback fonts for the HTML page: subsets of the project's fonts, inlined as WOFF2."""

import base64
import io
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


def page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "brief.html"
    head = "<script>/* a bundle that writes <html><head></head><body>북 */</script>"
    path.write_text(f"<html><head>{head}</head><body>{body}</body></html>", encoding="utf-8")
    return path


def face(css: str) -> dict[str, str]:
    [block] = re.findall(r"@font-face \{(.*?)\}", css, flags=re.S)
    return dict(re.findall(r"\s*(font-family|unicode-range): (.*?);", block))


def test_the_characters_the_body_font_lacks_are_inlined_from_the_fallback_font(tmp_path):
    css = webfont.font_faces("Figure 1 — 그림 1: 북중 무역 (KOTRA)", [fonts_folder(tmp_path)])
    found = face(css)
    assert found["font-family"] == '"NanumGothic"'
    points = {ord(c) for c in "그림북중무역"}
    assert found["unicode-range"] == webfont.unicode_range(points)
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    assert font.flavor == "woff2"
    assert points <= set(font.getBestCmap())
    assert len(data) < 20_000  # a subset, not the 4.7 MB font


def test_the_written_page_gets_the_fonts_of_its_own_text_in_its_head(tmp_path):
    path = page(tmp_path, "<p>판(초안) · 그림 1</p>")
    webfont.splice_font_faces(path, [fonts_folder(tmp_path)])
    text = path.read_text(encoding="utf-8")
    head, _, _ = text.rpartition("</head><body")
    assert head.count('<style id="brief-fallback-fonts">') == 1
    assert head.index("brief-fallback-fonts") > head.index("*/</script>")  # the real </head>
    wanted = {ord(c) for c in "판초안그림"}
    assert face(text)["unicode-range"] == webfont.unicode_range(wanted)  # not the bundle's 북


def test_the_same_page_gives_the_same_bytes(tmp_path):
    folder = fonts_folder(tmp_path)
    assert webfont.font_faces("신압록강대교", [folder]) == webfont.font_faces(
        "신압록강대교", [folder]
    )


def test_latin_only_pages_need_no_fallback_font(tmp_path):
    folder = fonts_folder(tmp_path)
    assert webfont.font_faces("China–North Korea trade, “GACC” — 25.5%", [folder]) == ""
    assert webfont.font_faces("북", [tmp_path / "missing"]) == ""
    path = page(tmp_path, "<p>Latin only</p>")
    before = path.read_bytes()
    webfont.splice_font_faces(path, [folder])
    assert path.read_bytes() == before


def test_unicode_ranges_merge_runs():
    assert webfont.unicode_range([0xAC01, 0xAC00, 0xB098, 0xAC02]) == "U+AC00-AC02,U+B098"


def cached_subsets(cache: Path) -> list[Path]:
    return sorted(cache.glob("font-*.woff2"))


def test_a_damaged_cached_subset_is_cut_again_and_the_page_matches_a_fresh_build(
    tmp_path, monkeypatch
):
    folder = fonts_folder(tmp_path)
    text = "그림 1: 북중 무역"
    fresh = webfont.font_faces(text, [folder])  # no cache at all
    cache = tmp_path / "cache"
    monkeypatch.setenv("BRIEF_ASSET_CACHE", str(cache))
    assert webfont.font_faces(text, [folder]) == fresh
    [entry] = cached_subsets(cache)
    assert entry.with_name(entry.name + ".sha256").is_file()
    good = entry.read_bytes()

    cuts = []
    real_subset = webfont._subset
    monkeypatch.setattr(webfont, "_subset", lambda *a: cuts.append(a) or real_subset(*a))
    assert webfont.font_faces(text, [folder]) == fresh
    assert cuts == []  # an intact entry is reused

    # Same length, one byte flipped: only the digest can tell.
    entry.write_bytes(good[:100] + bytes([good[100] ^ 0xFF]) + good[101:])
    assert webfont.font_faces(text, [folder]) == fresh
    assert len(cuts) == 1
    assert entry.read_bytes() == good  # the entry was rebuilt, digest and all
    assert webfont.font_faces(text, [folder]) == fresh
    assert len(cuts) == 1


def test_a_cached_subset_without_its_digest_is_never_read(tmp_path, monkeypatch):
    """A write cut short before its digest (the digest is written last) leaves bytes nobody
    trusts, whatever they are."""
    folder = fonts_folder(tmp_path)
    text = "신압록강대교"
    fresh = webfont.font_faces(text, [folder])
    cache = tmp_path / "cache"
    monkeypatch.setenv("BRIEF_ASSET_CACHE", str(cache))
    webfont.font_faces(text, [folder])
    [entry] = cached_subsets(cache)
    digest = entry.with_name(entry.name + ".sha256")
    good = entry.read_bytes()
    digest.unlink()
    entry.write_bytes(good[: len(good) // 2])  # half a subset
    assert webfont.font_faces(text, [folder]) == fresh
    assert entry.read_bytes() == good
    assert digest.is_file()
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]  # nothing left half
