"""Progress while rendering: a live status line on a terminal, plain lines otherwise.

Progress goes to standard error; standard output carries only results (the last line of a
render is the edition's folder), so scripts can read it.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.quiet = quiet
        self.t0 = time.monotonic()
        self._status = False
        self._lock = threading.RLock()  # editions are assembled in threads, each reporting

    def _clear(self) -> None:
        if self._status:
            self.stream.write("\r\x1b[2K")
            self._status = False

    def line(self, text: str) -> None:
        """A lasting line (a step started or finished, an explanation)."""
        if self.quiet:
            return
        with self._lock:
            self._clear()
            self.stream.write(f"[{time.monotonic() - self.t0:5.1f}s] {text}\n")
            self.stream.flush()

    def status(self, text: str) -> None:
        """A passing status: redrawn in place on a terminal, nothing otherwise."""
        if self.quiet or not self.live:
            return
        with self._lock:
            self._clear()
            self.stream.write(f"[{time.monotonic() - self.t0:5.1f}s] {text}")
            self.stream.flush()
            self._status = True

    def step(self, text: str) -> None:
        """One of many similar steps: a redrawn status on a terminal, a line otherwise."""
        if self.live:
            self.status(text)
        else:
            self.line(text)

    def warn(self, text: str) -> None:
        """A warning: always shown (quiet too), on its own line."""
        with self._lock:
            self._clear()
            self.stream.write(f"warning: {text}\n")
            self.stream.flush()

    def done(self) -> None:
        with self._lock:
            self._clear()
