"""The built-in engine: the Quarto subset rendered with pandoc 3.9 (pypandoc-binary) and Typst.

Steps, all inside the build folder (intermediates keep a `_brief` prefix):
1. `_quarto.yml` + front matter → options per output format (config.py); support files
   written: the Vega header named by `include-in-header` (a CSP meta tag and a placeholder
   script) and the house CSS `_brief.css`;
2. Python pre-pass (sources.py): includes expanded, embeds resolved per format
   → `_brief.html.md`, `_brief.typst.md` (+ chart images in `_brief_files/`);
3. one writer per output format (`WRITERS`), all running at once: pandoc → `brief.html`
   (standalone, --embed-resources, TOC, CSP; then the Vega bundle spliced in where the
   placeholder stands, so pandoc never carries 0.9 MB of JavaScript), and pandoc →
   `_brief.typ` → typst.compile → `brief.pdf` (only the fonts of `fonts_dir` plus Typst's
   embedded ones, a fixed timestamp). Each pandoc run: quarto_subset.lua → --citeproc →
   quarto_render.lua.
Nothing here reads the clock or draws random numbers: one build folder, one output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from brief.engines import Assembled, AssemblyError, OutputFormat
from brief.engines.config import HOUSE_CSS, FormatOptions, ProjectConfig, load_project
from brief.engines.languages import word_metadata
from brief.engines.sources import FILES_DIR, prepare, splice_kept
from brief.engines.webfont import splice_font_faces

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
# Stands in the Vega header's <script> until the page is written (see splice_vega_bundle).
VEGA_PLACEHOLDER = "/* brief: the Vega bundle is spliced in here once the page is written */"


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


@cache
def typst_version() -> str:
    """The Typst compiler inside the `typst` wheel (its `sys.version`), not the binding's."""
    import typst

    found = typst.query(
        b"#metadata(str(sys.version)) <v>",
        "<v>",
        field="value",
        one=True,
        ignore_system_fonts=True,
    )
    return str(json.loads(found))


def builtin_version() -> str:
    return f"pandoc {pandoc_version()} + typst {typst_version()}"


# --- support files (shared with the quarto engine) ------------------------------------------


# A copy of the bundle ships beside this module, made by `ship_vega_bundle` with the locked
# vl-convert: bundling is the one part of a cold render that depends only on a dependency's
# version (1.6-2 CPU-s, in a renderer thread that holds the GIL). "0": always bundle.
SHIPPED_BUNDLE_ENV = "BRIEF_SHIPPED_VEGA_BUNDLE"


def shipped_bundle_path(version: str) -> Path:
    return HERE / f"vega-bundle-{version}.js.gz"


def _shipped_bundle(version: str) -> str | None:
    """The shipped copy for this vl-convert version, or None (another version, turned off,
    or damaged: gzip's checksum fails, and the bundle is built instead)."""
    import gzip
    import zlib

    path = shipped_bundle_path(version)
    if os.environ.get(SHIPPED_BUNDLE_ENV) == "0" or not path.is_file():
        return None
    try:
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        print(
            f"warning: {path} is damaged ({exc}); the Vega bundle is built instead", file=sys.stderr
        )
        return None


def _built_bundle(version: str) -> str:
    """vl-convert's bundle, kept under $BRIEF_ASSET_CACHE (set by the renderer) per version."""
    import vl_convert as vlc

    from brief.cache import read_checked, write_checked

    cache_dir = os.environ.get("BRIEF_ASSET_CACHE")
    cached = Path(cache_dir) / f"vega-bundle-{version}.js" if cache_dir else None
    # A cached bundle carries its digest; a damaged or replaced one is rebuilt, never used.
    data = read_checked(cached) if cached is not None else None
    if data is not None:
        return data.decode("utf-8")
    bundle = vlc.javascript_bundle()
    if cached is not None:
        write_checked(cached, bundle)
    return bundle


@cache
def vega_bundle() -> str:
    """The whole Vega bundle (vega, vega-lite, vega-embed) of the installed vl-convert, once
    per process: the shipped copy when it is that version's, else built (≈ 2 s) and cached."""
    from importlib.metadata import version

    found = version("vl-convert-python")
    bundle = _shipped_bundle(found)
    if bundle is None:
        bundle = _built_bundle(found)
    if "</script" in bundle.lower():  # cannot happen with vl-convert 1.9; guard the page anyway
        raise AssemblyError("the Vega bundle contains '</script': cannot inline it")
    return bundle


def ship_vega_bundle() -> Path:
    """Write the installed vl-convert's bundle beside this module (`bash tasks.sh
    vega-bundle`, after the lock changes vl-convert) and remove other versions' copies."""
    import gzip
    from importlib.metadata import version

    import vl_convert as vlc

    from brief.fsutil import atomic_write

    path = shipped_bundle_path(version("vl-convert-python"))
    atomic_write(path, gzip.compress(vlc.javascript_bundle().encode("utf-8"), 9, mtime=0))
    for other in HERE.glob("vega-bundle-*.js.gz"):
        if other != path:
            other.unlink()
    return path


def vega_header_text() -> str:
    """The include-in-header file: one CSP meta tag (Quarto's page gets it from here) and
    one <script> holding only a placeholder. The engines splice the bundle in after the
    page is written, so neither pandoc nor Quarto parses 0.9 MB of JavaScript (nor sees
    the literal `<table>` inside it that made Quarto warn "Unable to parse table")."""
    return (
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<script>\n{VEGA_PLACEHOLDER}\n</script>\n"
    )


def splice_vega_bundle(page: Path) -> None:
    """Replace the one placeholder in the written page with the Vega bundle."""
    text = page.read_text(encoding="utf-8")
    found = text.count(VEGA_PLACEHOLDER)
    if found == 0:
        return  # the page does not include the Vega header
    if found > 1:
        raise AssemblyError(f"{page}: the Vega header was included {found} times, not once")
    page.write_text(text.replace(VEGA_PLACEHOLDER, vega_bundle()), encoding="utf-8")


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
        font_paths = [p for opts in cfg.formats.values() for p in opts.font_paths]
        candidates = [cfg.root / p for p in font_paths] + [cfg.root / "assets" / "fonts"]
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


def _check_citeproc(cfg: ProjectConfig, fmt: OutputFormat) -> None:
    """The bibliography goes through pandoc's citeproc in both engines: say so when Quarto
    would hand it to another citation engine instead (Typst's reads no CSL-JSON)."""
    citeproc = cfg.options(fmt).citeproc
    if citeproc is None:
        citeproc = fmt.citeproc
    if cfg.bibliography and not citeproc:
        raise AssemblyError(
            f"{cfg.root}: format.{fmt.quarto} does not set `citeproc: true`, so Quarto would "
            f"hand {', '.join(cfg.bibliography)} to the {fmt.quarto} format's own citation "
            "engine (Typst's reads only .bib or .yml: 'unknown bibliography format'); "
            f"set `citeproc: true` under `format.{fmt.quarto}` in _quarto.yml"
        )


def _common_args(fmt: FormatOptions, meta_file: Path) -> list[str]:
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


@dataclass(frozen=True)
class Job:
    """What one writer gets: the project, its format, the prepared Markdown and the rest."""

    cfg: ProjectConfig
    fmt: OutputFormat
    source: Path
    meta_file: Path
    metadata: dict[str, str]
    fonts: Path
    timestamp: datetime
    kept: tuple[str, ...] = ()  # raw HTML left out of the Markdown (sources.splice_kept)

    @property
    def options(self) -> FormatOptions:
        return self.cfg.options(self.fmt)

    @property
    def out(self) -> Path:
        return self.cfg.root / self.fmt.filename(self.cfg.document.stem)

    def pandoc_args(self, template: Path | None = None) -> list[str]:
        """pandoc's arguments for this format (`template`: None for pandoc's default)."""
        args = [self.source.name, "--to", self.fmt.pandoc_writer]
        if template is not None:
            args += ["--template", str(template)]
        return [*args, *_common_args(self.options, self.meta_file), *word_metadata(self.lang)]

    @property
    def lang(self) -> str:
        """The document's `lang` (front matter over _quarto.yml), as Quarto reads it."""
        return str(self.cfg.front_matter.get("lang") or self.cfg.metadata.get("lang") or "en")


def write_html(job: Job) -> Path:
    cfg, fmt = job.cfg, job.options
    args = [*job.pandoc_args(HTML_TEMPLATE), "--embed-resources"]
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
    args += _metadata_args(job.metadata)
    args += ["--output", job.out.name]
    run_pandoc(args, cfg.root, job.out.name)
    splice_kept(job.out, job.kept)  # first: the fonts' subsets read the whole page
    splice_vega_bundle(job.out)
    splice_font_faces(job.out, [job.fonts])  # Korean and other glyphs the body font lacks
    return job.out


def _typst_variables(cfg: ProjectConfig, fmt: FormatOptions) -> list[str]:
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


def write_pdf(job: Job) -> Path:
    import typst

    cfg = job.cfg
    typ = cfg.root / "_brief.typ"
    args = job.pandoc_args(TYPST_TEMPLATE)
    args += _typst_variables(cfg, job.options)
    args += _metadata_args(job.metadata)
    args += ["--output", typ.name]
    run_pandoc(args, cfg.root, f"{typ.name} (for {job.out.name})")

    timestamp = job.timestamp
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    try:
        pdf = typst.compile(
            str(typ),
            root=str(cfg.root),
            font_paths=[str(job.fonts)],
            ignore_system_fonts=True,
            timestamp=int(timestamp.timestamp()),
        )
    except Exception as exc:  # the binding raises its own TypstError (and RuntimeError)
        raise AssemblyError(f"{cfg.root}: typst could not compile {typ.name}: {exc}") from None
    job.out.write_bytes(pdf)
    return job.out


# One writer per output format (brief.engines.FORMATS): a new format adds one line here.
WRITERS: dict[str, Callable[[Job], Path]] = {"html": write_html, "pdf": write_pdf}


def run_concurrently(work: dict[str, Callable[[], Path]]) -> dict[str, Path]:
    """Run each format's writer at once (they wait on pandoc and typst, not on Python);
    the first failure in table order is the one raised."""
    if len(work) == 1:
        return {name: run() for name, run in work.items()}
    with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="brief-writer") as pool:
        futures = {name: pool.submit(run) for name, run in work.items()}
        return {name: future.result() for name, future in futures.items()}


class BuiltinEngine:
    """pandoc 3.9 (pypandoc-binary) + Typst (the `typst` wheel): always available."""

    name = "builtin"

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return builtin_version()

    def prepare(self) -> None:
        vega_bundle()

    def assemble(
        self,
        build_dir: Path,
        *,
        formats: tuple[OutputFormat, ...],
        metadata: dict[str, str],
        timestamp: datetime,
        fonts_dir: Path | None = None,
    ) -> Assembled:
        missing = [f.name for f in formats if f.name not in WRITERS]
        if missing:
            raise AssemblyError(f"the builtin engine has no writer for format {missing[0]!r}")
        cfg = load_project(build_dir)
        for fmt in formats:
            _check_citeproc(cfg, fmt)
        fonts = resolve_fonts(cfg, fonts_dir)
        write_support_files(cfg)
        shutil.rmtree(cfg.root / FILES_DIR, ignore_errors=True)
        prepared = prepare(cfg.document, cfg.root)
        meta_file = _write_metadata_file(cfg)
        jobs = {}
        for fmt in formats:
            source = cfg.root / f"_brief.{fmt.quarto}.md"
            kept: list[str] = []
            source.write_text(prepared.render(fmt, kept), encoding="utf-8")
            jobs[fmt.name] = Job(
                cfg, fmt, source, meta_file, metadata, fonts, timestamp, tuple(kept)
            )
        outputs = run_concurrently(
            {name: (lambda job=job: WRITERS[job.fmt.name](job)) for name, job in jobs.items()}
        )
        return Assembled(outputs=outputs, engine=self.name, version=self.version())
