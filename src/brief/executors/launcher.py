"""`python -m brief.executors.launcher -f CONNECTION_FILE`: an IPython kernel that dies with
the worker that started it (see `kernel.die_with_parent`)."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    from brief.executors.kernel import PDEATHSIG_ENV, die_with_parent

    die_with_parent(use_signal=os.environ.get(PDEATHSIG_ENV) == "1")
    if sys.path and sys.path[0] in ("", os.getcwd()):  # as ipykernel_launcher does
        del sys.path[0]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
