"""The built-in engine: the Quarto subset rendered with pandoc 3.9 (pypandoc-binary) and Typst.

Steps, all inside the build folder (intermediates keep a `_brief` prefix):
1. `_quarto.yml` + front matter → options (config.py); support files written: the Vega
   header named by `include-in-header` and the house CSS `_brief.css`;
2. Python pre-pass (sources.py): includes expanded, embeds resolved per format
   → `_brief.html.md`, `_brief.typst.md` (+ chart images in `_brief_files/`);
3. pandoc → `brief.html` (standalone, --embed-resources, TOC, CSP), and pandoc →
   `_brief.typ`, each with quarto_subset.lua → --citeproc → quarto_render.lua;
4. typst.compile(`_brief.typ`) → `brief.pdf`, with only the fonts of `fonts_dir` (plus
   Typst's embedded ones) and a fixed timestamp.
Nothing here reads the clock or draws random numbers: one build folder, one output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from brief.engines import Assembled, AssemblyError
from brief.engines.config import HOUSE_CSS, FormatOptions, ProjectConfig, load_project
from brief.engines.sources import FILES_DIR, prepare

HERE = Path(__file__).resolve().parent
PRE_FILTER = HERE / "quarto_subset.lua"
POST_FILTER = HERE / "quarto_render.lua"
HTML_TEMPLATE = HERE / "brief.html"
TYPST_TEMPLATE = HERE / "brief.typ"
CSS = HERE / "brief.css"

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' data:; "
    "style-src 'unsafe-inline' data:; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
BODY_FONT = "Liberation Sans"
READER = "markdown"
PANDOC_TIMEOUT = 300


@cache
def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


@cache
def pandoc_version() -> str:
    out = subprocess.run(
        [pandoc_path(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\n", 1)[0].split()[-1]


def typst_version() -> str:
    from importlib.metadata import version

    return version("typst")


def builtin_version() -> str:
    return f"pandoc {pandoc_version()} + typst {typst_version()}"


# --- support files (shared with the quarto engine) ------------------------------------------


@cache
def vega_header_text() -> str:
    """One CSP meta tag (Quarto's page gets it from here) and the whole Vega bundle, once.

    vl-convert bundles the JavaScript on every call (≈ 2 s); the result is kept per process,
    and on disk under $BRIEF_ASSET_CACHE (set by the renderer) per vl-convert version.
    """
    bundle = _vega_bundle()
    if "</script" in bundle.lower():  # cannot happen with vl-convert 1.9; guard the page anyway
        raise AssemblyError("the Vega bundle contains '</script': cannot inline it")
    return (
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<script>\n{bundle}\n</script>\n"
    )


def _vega_bundle() -> str:
    from importlib.metadata import version

    import vl_convert as vlc

    cache_dir = os.environ.get("BRIEF_ASSET_CACHE")
    name = f"vega-bundle-{version('vl-convert-python')}.js"
    cached = Path(cache_dir) / name if cache_dir else None
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    bundle = vlc.javascript_bundle()
    if cached is not None:
        from brief.fsutil import atomic_write

        cached.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cached, bundle)
    return bundle


def write_support_files(cfg: ProjectConfig) -> None:
    """Write the Vega header named by `include-in-header` and the house CSS `_brief.css`."""
    header = cfg.vega_header()
    if header is not None:
        text = vega_header_text()
        if not header.is_file() or header.read_text(encoding="utf-8") != text:
            header.write_text(text, encoding="utf-8")
    (cfg.root / HOUSE_CSS).write_text(CSS.read_text(encoding="utf-8"), encoding="utf-8")


def resolve_fonts(cfg: ProjectConfig, fonts_dir: Path | None) -> Path:
    """The folder of the fonts the charts were measured with (Liberation Sans)."""
    if fonts_dir is not None:
        candidates = [Path(fonts_dir)]
    else:
        candidates = [cfg.root / p for p in cfg.typst.font_paths] + [cfg.root / "assets" / "fonts"]
    for folder in candidates:
        if folder.is_dir() and any(folder.glob("LiberationSans-*.ttf")):
            return folder.resolve()
    tried = ", ".join(str(c) for c in candidates)
    raise AssemblyError(
        f"{cfg.root}: no Liberation Sans fonts found (looked in {tried}); pass "
        "fonts_dir=<project>/assets/fonts or copy assets/fonts into the build folder"
    )


# --- pandoc -----------------------------------------------------------------------------


def _metadata_args(metadata: dict[str, str]) -> list[str]:
    args = []
    for key in sorted(metadata):
        value = metadata[key]
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", key):
            raise AssemblyError(f"metadata key {key!r} is not a plain name")
        if value is None or value == "":
            continue
        args += ["-M", f"{key}={value}"]
    return args


def _lua_error(stderr: str) -> str | None:
    found = re.search(r"brief: (.*)", stderr)
    return found.group(1).strip() if found else None


def run_pandoc(args: list[str], cwd: Path, what: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH",)}
    try:
        proc = subprocess.run(
            [pandoc_path(), *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=PANDOC_TIMEOUT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise AssemblyError(f"{cwd}: pandoc ({what}) took longer than {PANDOC_TIMEOUT} s") from None
    if proc.returncode != 0:
        lua = _lua_error(proc.stderr)
        if lua:
            raise AssemblyError(f"{cwd}: {what}: {lua}")
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise AssemblyError(f"{cwd}: pandoc failed while writing {what}:\n{tail}")


def _common_args(cfg: ProjectConfig, fmt: FormatOptions, meta_file: Path) -> list[str]:
    args = [
        "--from",
        READER,
        "--standalone",
        "--wrap=none",
        "--metadata-file",
        meta_file.name,
        "--lua-filter",
        str(PRE_FILTER),
        "--citeproc",
        "--lua-filter",
        str(POST_FILTER),
        "-M",
        f"brief-number-sections={'true' if fmt.number_sections else 'false'}",
    ]
    if fmt.toc:
        args += ["--toc", f"--toc-depth={fmt.toc_depth}", "-V", f"toc-depth={fmt.toc_depth}"]
    if fmt.toc_title:
        args += ["-M", f"toc-title={fmt.toc_title}"]
    return args


def _write_metadata_file(cfg: ProjectConfig) -> Path:
    """Project-level document metadata (the document's front matter overrides it)."""
    import yaml

    meta = dict(cfg.metadata)
    meta.setdefault("link-citations", True)
    path = cfg.root / "_brief.meta.yml"
    path.write_text(yaml.safe_dump(meta, sort_keys=True, allow_unicode=True), encoding="utf-8")
    return path


def render_html(
    cfg: ProjectConfig, source: Path, meta_file: Path, metadata: dict[str, str]
) -> Path:
    out = cfg.root / "brief.html"
    fmt = cfg.html
    args = [source.name, "--to", "html5", "--embed-resources", "--template", str(HTML_TEMPLATE)]
    args += _common_args(cfg, fmt, meta_file)
    css = [HOUSE_CSS] + [c for c in fmt.css if c != HOUSE_CSS]
    for sheet in css:
        if not (cfg.root / sheet).is_file():
            raise AssemblyError(f"{cfg.root}: css file {sheet} (format.html.css) is missing")
        args += ["--css", sheet]
    has_csp = False
    for item in fmt.include_in_header:
        if "file" in item:
            path = cfg.root / item["file"]
            if not path.is_file():
                raise AssemblyError(f"{cfg.root}: include-in-header file {item['file']} is missing")
            text = path.read_text(encoding="utf-8")
            args += ["--include-in-header", item["file"]]
        else:
            text = item["text"]
            inline = cfg.root / "_brief.header.html"
            inline.write_text(text, encoding="utf-8")
            args += ["--include-in-header", inline.name]
        has_csp = has_csp or "Content-Security-Policy" in text
    if not has_csp:
        args += ["-V", f"brief-csp={CSP}"]
    args += _metadata_args(metadata)
    args += ["--output", out.name]
    run_pandoc(args, cfg.root, "brief.html")
    return out


def _typst_variables(cfg: ProjectConfig, fonts: Path) -> list[str]:
    fmt = cfg.typst
    margin = fmt.margin or {"x": "2.2cm", "y": "2.4cm"}
    margin_text = "(" + ", ".join(f"{k}: {v}" for k, v in margin.items()) + ",)"
    fonts_wanted = [fmt.mainfont] if fmt.mainfont else []
    fonts_wanted.append(BODY_FONT)
    for name in fonts_wanted:
        if '"' in name or "\\" in name:
            raise AssemblyError(f"{cfg.root}: format.typst.mainfont {name!r} is not a font name")
    lang = str(cfg.front_matter.get("lang") or cfg.metadata.get("lang") or "en")
    match = re.fullmatch(r"([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2}))?", lang)
    if not match:
        raise AssemblyError(f"{cfg.root}: lang {lang!r} is not a language code such as en-GB")
    args = [
        "-V",
        f"brief-papersize={fmt.papersize or 'a4'}",
        "-V",
        f"brief-margin={margin_text}",
        "-V",
        f"brief-fontsize={fmt.fontsize or '10.5pt'}",
        "-V",
        f"brief-lang={match.group(1).lower()}",
    ]
    if match.group(2):
        args += ["-V", f"brief-region={match.group(2).upper()}"]
    for name in dict.fromkeys(fonts_wanted):
        args += ["-V", f"brief-fonts={name}"]
    return args


def render_typst(
    cfg: ProjectConfig,
    source: Path,
    meta_file: Path,
    metadata: dict[str, str],
    fonts: Path,
    timestamp: datetime,
) -> Path:
    import typst

    typ = cfg.root / "_brief.typ"
    args = [source.name, "--to", "typst", "--template", str(TYPST_TEMPLATE)]
    args += _common_args(cfg, cfg.typst, meta_file)
    args += _typst_variables(cfg, fonts)
    args += _metadata_args(metadata)
    args += ["--output", typ.name]
    run_pandoc(args, cfg.root, "_brief.typ (for brief.pdf)")

    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    out = cfg.root / "brief.pdf"
    try:
        pdf = typst.compile(
            str(typ),
            root=str(cfg.root),
            font_paths=[str(fonts)],
            ignore_system_fonts=True,
            timestamp=int(timestamp.timestamp()),
        )
    except Exception as exc:  # the binding raises its own TypstError (and RuntimeError)
        raise AssemblyError(f"{cfg.root}: typst could not compile {typ.name}: {exc}") from None
    out.write_bytes(pdf)
    return out


def assemble_builtin(
    build_dir: Path,
    *,
    metadata: dict[str, str],
    timestamp: datetime,
    fonts_dir: Path | None = None,
) -> Assembled:
    cfg = load_project(build_dir)
    fonts = resolve_fonts(cfg, fonts_dir)
    write_support_files(cfg)
    shutil.rmtree(cfg.root / FILES_DIR, ignore_errors=True)
    prepared = prepare(cfg.document, cfg.root)
    meta_file = _write_metadata_file(cfg)
    sources = {}
    for fmt in ("html", "typst"):
        path = cfg.root / f"_brief.{fmt}.md"
        path.write_text(prepared.render(fmt), encoding="utf-8")
        sources[fmt] = path
    html = render_html(cfg, sources["html"], meta_file, metadata)
    pdf = render_typst(cfg, sources["typst"], meta_file, metadata, fonts, timestamp)
    return Assembled(html=html, pdf=pdf, engine="builtin", version=builtin_version())
