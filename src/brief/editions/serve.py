"""`brief preview` and `brief serve`: editions over HTTP on 127.0.0.1, for a browser.

`serve_archive` serves output/ (the archive page and the official editions) read-only:
GET and HEAD only, no drafts, no hidden files. `preview` renders the draft, serves
output/drafts/, and renders again whenever a source changes (the `quarto preview` habit);
a failed rebuild is reported and the last good draft stays served. Both stop cleanly on
Ctrl-C or SIGTERM (exit 0), printing nothing to standard output but their address.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from brief.project import Project

HOST = "127.0.0.1"
POLL_SECONDS = 0.5


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from one folder; hidden paths and `blocked` folders answer 404."""

    blocked: tuple[str, ...] = ()
    quiet = True

    def send_head(self):  # type: ignore[no-untyped-def]
        parts = [p for p in unquote(urlsplit(self.path).path).split("/") if p]
        if any(p.startswith(".") for p in parts) or (parts and parts[0] in self.blocked):
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class _Redirect(_Handler):
    """`/` goes to the edition being previewed."""

    home = "/"

    def do_GET(self) -> None:
        if urlsplit(self.path).path in ("", "/"):
            self.send_response(302)
            self.send_header("Location", self.home)
            self.end_headers()
            return
        super().do_GET()


@contextlib.contextmanager
def _server(
    folder: Path, port: int, handler: type[_Handler], quiet: bool
) -> Iterator[http.server.ThreadingHTTPServer]:
    bound = type("Handler", (handler,), {"quiet": quiet})
    server = http.server.ThreadingHTTPServer(
        (HOST, port), functools.partial(bound, directory=str(folder))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="brief-http", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _announce(url: str) -> None:
    print(url, flush=True)


def _wait_forever(tick: Callable[[], None] | None = None) -> None:
    try:
        while True:
            time.sleep(POLL_SECONDS)
            if tick is not None:
                tick()
    except KeyboardInterrupt:
        return


def serve_archive(output_dir: Path, *, port: int, quiet: bool = False) -> None:
    """Serve output/ read-only until interrupted."""
    if not (output_dir / "index.html").is_file():
        from brief.params import ParamError

        raise ParamError(f"{output_dir} has no archive page (index.html): nothing to serve yet")
    handler = type("Archive", (_Handler,), {"blocked": ("drafts",)})
    with _server(output_dir, port, handler, quiet) as server:
        url = f"http://{HOST}:{server.server_address[1]}/index.html"
        if not quiet:
            sys.stderr.write(f"serving the archive at {url} (read-only); Ctrl-C stops\n")
        _announce(url)
        _wait_forever()


def source_state(project: Project) -> dict[str, float]:
    """Modification times of everything a draft is made from (data, notebooks, sources)."""
    roots = [project.data_dir, project.notebooks_dir, *project.subject_code_dirs]
    files = [project.document, project.root / "_quarto.yml", project.root / "pyproject.toml"]
    for root in roots:
        if root.is_dir():
            files += [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    state = {}
    for path in files:
        with contextlib.suppress(OSError):
            state[str(path)] = os.stat(path).st_mtime_ns
    return state


def preview(
    project: Project,
    build: Callable[[], Path],
    *,
    port: int,
    watch: bool = True,
    quiet: bool = False,
) -> None:
    """Render the draft, serve it, and render again when a source changes."""
    edition = build()  # a bad first render is an error: nothing to serve
    drafts = edition.parent
    home = f"/{quote(edition.name)}/brief.html"
    handler = type("Preview", (_Redirect,), {"home": home})
    seen = source_state(project)

    def tick() -> None:
        nonlocal seen, edition
        now = source_state(project)
        if now == seen:
            return
        seen = now
        sys.stderr.write("a source changed: rendering the draft again\n")
        try:
            edition = build()
        except Exception as exc:  # keep serving the last good draft, say what failed
            sys.stderr.write(f"error: {exc}\n(the last good draft is still served)\n")
        sys.stderr.flush()

    with _server(drafts, port, handler, quiet) as server:
        url = f"http://{HOST}:{server.server_address[1]}{home}"
        if not quiet:
            sys.stderr.write(f"previewing {edition.name} at {url}; Ctrl-C stops\n")
        _announce(url)
        _wait_forever(tick if watch else None)
