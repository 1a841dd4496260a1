"""Fabricate small edition folders for tests, shaped like the publisher's output.

`make_edition(output_dir, name, ...)` writes `output_dir/<name>/` with `brief.html`,
`brief.pdf` (a tiny valid one-page PDF), `notebooks/01_x.ipynb`, `facts.json` and a
`manifest.json` carrying every field of docs/ARCHITECTURE.md ("Editions"), `files` included.
Everything is deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DEFAULT_PARAMS: dict[str, Any] = {"start": "2013-01-01", "compare_with": "RUS"}
DEFAULT_DATA: dict[str, str] = {
    "data/events.csv": "a" * 64,
    "data/trade.csv": "b" * 64,
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fake_sha(text: str) -> str:
    """A stable, realistic-looking sha256 for a label (for data checksums in manifests)."""
    return sha256(text.encode())


def _pdf_string(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (ASCII) in Helvetica; correct xref offsets."""
    content = f"BT /F1 12 Tf 20 50 Td ({_pdf_string(text)}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def brief_html(name: str, title: str, as_of: str) -> str:
    """A small self-contained edition page; `#edition` holds the edition name."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title></head>\n<body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p>Edition <span id="edition">{html.escape(name)}</span>, '
        f'as of <span id="as-of">{html.escape(as_of)}</span>.</p>'
        "</body></html>\n"
    )


def notebook_json(name: str) -> str:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "cell-1",
                "metadata": {"tags": ["parameters"]},
                "outputs": [],
                "source": [f"edition = {name!r}"],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, sort_keys=True) + "\n"


def make_edition(
    output_dir: Path,
    name: str,
    *,
    as_of: str = "2026-01-25",
    params: Mapping[str, Any] | None = None,
    defaults: Iterable[str] | None = None,
    data: Mapping[str, str] | None = None,
    notebooks: Mapping[str, str] | None = None,
    code: Mapping[str, Any] | None = None,
    engine: Mapping[str, Any] | None = None,
    built: str | None = None,
    title: str = "A test brief",
    facts: Mapping[str, Any] | None = None,
    html_text: str | None = None,
    pdf: bool = True,
    extra_manifest: Mapping[str, Any] | None = None,
    previous: str | None = None,
    erratum: str | None = None,
    draft: bool = False,
) -> Path:
    """Write one edition folder and return its path.

    `params` are merged over DEFAULT_PARAMS, plus `as_of`. `defaults` names the parameters
    whose value is the default; when omitted, the DEFAULT_PARAMS keys that `params` does not
    override (`as_of` then counts as given explicitly). `built` defaults to noon UTC of
    `as_of`. `extra_manifest` overrides manifest fields (to fabricate odd manifests).
    `previous` names the edition it was compared with; `erratum` makes it a revision
    (`<base>.rN` names give the number); `draft` writes it under `output_dir/drafts/`.
    """
    edition = Path(output_dir) / ("drafts" if draft else "") / name
    (edition / "notebooks").mkdir(parents=True, exist_ok=True)
    overrides = dict(params or {})
    resolved = {**DEFAULT_PARAMS, **overrides, "as_of": as_of}
    if defaults is None:
        defaults = [k for k in DEFAULT_PARAMS if k not in overrides]
    files: dict[str, bytes] = {
        "brief.html": (html_text or brief_html(name, title, as_of)).encode(),
        "notebooks/01_x.ipynb": notebook_json(name).encode(),
        "facts.json": (
            json.dumps(facts or {}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        ).encode(),
    }
    if pdf:
        files["brief.pdf"] = minimal_pdf(f"{title} - {name}")
    for rel, data_bytes in files.items():
        (edition / rel).write_bytes(data_bytes)
    manifest: dict[str, Any] = {
        "edition": name,
        "title": title,
        "params": resolved,
        "params_default": sorted(defaults),
        "data": dict(DEFAULT_DATA if data is None else data),
        "notebooks": dict(
            notebooks if notebooks is not None else {"notebooks/01_x.ipynb": fake_sha("nb1")}
        ),
        "code": dict(
            code or {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": False}
        ),
        "engine": dict(engine or {"name": "builtin", "version": "0.1.0"}),
        "versions": {"python": "3.11.7", "papermill": "2.7.0", "pandoc": "3.9", "typst": "0.15.1"},
        "built": built or f"{as_of}T12:00:00+00:00",
        "previous": {"edition": previous, "manifest_sha256": fake_sha(previous)}
        if previous
        else None,
        "publication": {
            "status": "draft" if draft else "official",
            "base": name.rsplit(".r", 1)[0] if erratum else name,
            "revision": int(name.rsplit(".r", 1)[1]) if erratum else 1,
            "erratum": erratum,
            "published": "" if draft else f"{as_of}T15:30:00+00:00",
        },
        "files": {rel: sha256(b) for rel, b in sorted(files.items())},
    }
    manifest.update(extra_manifest or {})
    (edition / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return edition


def write_official(output_dir: Path, names: Iterable[str]) -> Path:
    """`output/OFFICIAL`: the official editions, one name per line."""
    path = Path(output_dir) / "OFFICIAL"
    path.write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    return path


def load_manifest(edition_dir: Path) -> dict[str, Any]:
    return json.loads((Path(edition_dir) / "manifest.json").read_text(encoding="utf-8"))


def load_facts(edition_dir: Path) -> dict[str, Any]:
    return json.loads((Path(edition_dir) / "facts.json").read_text(encoding="utf-8"))
