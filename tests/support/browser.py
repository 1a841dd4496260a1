"""Drive headless Chromium from tests: DOM after scripts ran, screenshots, network requests.

Every run uses a fresh profile in a temporary folder and blocks the network: all traffic
goes to a dead proxy (loopback included) and every host name resolves to nothing. So a
page that needs anything from the network shows it (missing content, and requests in the
net log), and no test ever reaches the internet.

    dom = dump_dom(path)                      # the DOM after scripts ran (--dump-dom)
    screenshot(path, png)                     # a PNG of the viewport
    urls = network_requests(path)             # what the page tried to fetch from the network
    page = load(path, screenshot_to=png)      # all of it in one browser run (a PageLoad)

No skipping: when Chromium is missing, `ChromiumNotFound` says how to install it (the test
runner, `bash tasks.sh test`, installs it with apt). Set `BRIEF_CHROMIUM` to use another
binary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
WINDOW = (1280, 900)

# Chromium's own traffic (time queries, component updates, account checks) carries no page
# origin; requests a page makes carry its origin ("null" for file:// pages).
_BROWSER_INITIATOR = "not an origin"
_CONSOLE = re.compile(r":INFO:CONSOLE[^\]]*\] (?P<message>.*)$")


class BrowserError(RuntimeError):
    """Chromium could not be started or did not finish."""


class ChromiumNotFound(BrowserError):
    pass


@dataclass(frozen=True)
class NetRequest:
    url: str
    method: str
    initiator: str

    @property
    def from_page(self) -> bool:
        return self.initiator != _BROWSER_INITIATOR


@dataclass
class PageLoad:
    url: str
    dom: str
    requests: list[NetRequest] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    stderr: str = ""
    screenshot: Path | None = None

    @property
    def page_requests(self) -> list[str]:
        """URLs the page (not the browser itself) asked the network for, in order, unique."""
        return list(dict.fromkeys(r.url for r in self.requests if r.from_page))


def chromium_path() -> str:
    """The Chromium binary: $BRIEF_CHROMIUM, /usr/bin/chromium, or `chromium` on PATH."""
    candidates = [os.environ.get("BRIEF_CHROMIUM"), DEFAULT_CHROMIUM, shutil.which("chromium")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise ChromiumNotFound(
        "headless Chromium is required for the browser tests but was not found "
        f"(looked at $BRIEF_CHROMIUM, {DEFAULT_CHROMIUM} and PATH). Install it with "
        "`apt-get install chromium` (as root), or run the tests through `bash tasks.sh test`, "
        "which installs it."
    )


def to_url(path_or_url: str | os.PathLike[str]) -> str:
    """A file:// URL for a path; URLs (scheme://...) pass through unchanged."""
    text = os.fspath(path_or_url)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text) and not os.path.exists(text):
        return text
    path = Path(text).resolve()
    if not path.exists():
        raise FileNotFoundError(f"no such page: {path}")
    return path.as_uri()


def _flags(profile: Path, budget_ms: int, window: tuple[int, int]) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--disable-quic",
        "--disable-breakpad",
        "--disable-crash-reporter",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        # Block the network: every request goes to a dead proxy (loopback too: the
        # `<-loopback>` rule removes Chromium's implicit loopback bypass) and no name
        # resolves.
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--window-size={window[0]},{window[1]}",
        f"--virtual-time-budget={int(budget_ms)}",
        "--enable-logging=stderr",
        "--v=0",
    ]


def _read_net_log(path: Path) -> list[NetRequest]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    try:
        log = json.loads(text)
    except json.JSONDecodeError:
        # Chromium killed before closing the file: close the event list ourselves.
        try:
            log = json.loads(text.rstrip().rstrip(",") + "]}")
        except json.JSONDecodeError as exc:
            raise BrowserError(f"unreadable Chromium net log {path}: {exc}") from None
    types = {v: k for k, v in log.get("constants", {}).get("logEventTypes", {}).items()}
    requests = []
    for event in log.get("events", []):
        if types.get(event.get("type")) != "URL_REQUEST_START_JOB":
            continue
        params = event.get("params") or {}
        if "url" not in params:
            continue
        requests.append(
            NetRequest(
                url=str(params["url"]),
                method=str(params.get("method", "")),
                initiator=str(params.get("initiator", "")),
            )
        )
    return requests


def load(
    path_or_url: str | os.PathLike[str],
    *,
    budget_ms: int = 10000,
    screenshot_to: str | os.PathLike[str] | None = None,
    window: tuple[int, int] = WINDOW,
    timeout_s: float | None = None,
) -> PageLoad:
    """Open a page in headless Chromium with the network blocked; one browser run.

    Returns the DOM after scripts ran (virtual time `budget_ms`), the network requests
    attempted (from Chromium's net log), console messages, and optionally a screenshot.
    """
    binary = chromium_path()
    url = to_url(path_or_url)
    with tempfile.TemporaryDirectory(prefix="brief-chromium-") as tmp:
        tmp_path = Path(tmp)
        net_log = tmp_path / "net-log.json"
        args = [
            binary,
            *_flags(tmp_path / "profile", budget_ms, window),
            f"--log-net-log={net_log}",
            "--net-log-capture-mode=Default",
            "--dump-dom",
        ]
        shot = Path(screenshot_to).resolve() if screenshot_to is not None else None
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            args.append(f"--screenshot={shot}")
        args.append(url)
        env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
        env.pop("DISPLAY", None)
        limit = timeout_s if timeout_s is not None else budget_ms / 1000 + 60
        proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=tmp,
            start_new_session=True,  # its own process group: a timeout ends all its helpers
        )
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise BrowserError(f"Chromium did not finish {url} within {limit:.0f} s") from None
        stderr = err.decode("utf-8", "replace")
        if proc.returncode != 0:
            tail = "\n".join(stderr.splitlines()[-20:])
            raise BrowserError(f"Chromium exited with {proc.returncode} on {url}:\n{tail}")
        if shot is not None and not shot.is_file():
            raise BrowserError(f"Chromium wrote no screenshot for {url}")
        console = [
            m.group("message") for line in stderr.splitlines() if (m := _CONSOLE.search(line))
        ]
        return PageLoad(
            url=url,
            dom=out.decode("utf-8", "replace"),
            requests=_read_net_log(net_log),
            console=console,
            stderr=stderr,
            screenshot=shot,
        )


def dump_dom(path_or_url: str | os.PathLike[str], *, budget_ms: int = 10000) -> str:
    """The page's DOM (serialized HTML) after its scripts ran, network blocked."""
    return load(path_or_url, budget_ms=budget_ms).dom


def screenshot(
    path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    budget_ms: int = 10000,
    window: tuple[int, int] = WINDOW,
) -> Path:
    """A PNG of the page's viewport (`window` pixels), network blocked."""
    page = load(path, budget_ms=budget_ms, screenshot_to=png_path, window=window)
    assert page.screenshot is not None
    return page.screenshot


def network_requests(
    path_or_url: str | os.PathLike[str], *, budget_ms: int = 10000, include_browser: bool = False
) -> list[str]:
    """The URLs the page tried to fetch from the network (all blocked); [] if self-contained.

    file: and data: loads never reach the network stack, so they are not listed. With
    `include_browser`, Chromium's own background traffic is listed too.
    """
    page = load(path_or_url, budget_ms=budget_ms)
    if include_browser:
        return list(dict.fromkeys(r.url for r in page.requests))
    return page.page_requests
