#!/usr/bin/env bash
# One entry point for people and CI.  Usage:
#   bash tasks.sh render [brief render options]   set up, then render a draft of the brief
#   bash tasks.sh test   [pytest options]         set up (incl. Chromium, poppler), then run the tests
#   bash tasks.sh quick                           set up, then the quick tests (no real renders)
#   bash tasks.sh lint                            ruff check and ruff format --check
#   bash tasks.sh lab                             set up with JupyterLab, open the notebooks
#   bash tasks.sh bench                           set up, then run the benchmark
#   bash tasks.sh setup                           only set up .venv from the lock files
#   bash tasks.sh vega-bundle                     ship the locked vl-convert's Vega bundle
# A fresh machine needs only Python 3.11-3.13 with pip (and apt as root, for the test tools).
# Installs use uv when it is available (or installable from PyPI), else pip; set
# BRIEF_INSTALLER=pip to use pip.
set -euo pipefail
cd "$(dirname "$0")"
VENV=${BRIEF_VENV:-.venv}
PY=${PYTHON:-python3}
LOCKS=(requirements.lock requirements-test.lock)

check_python() {
  # Before installing anything: the locked set is for CPython 3.11 to 3.13.
  if ! command -v "$PY" >/dev/null 2>&1; then
    echo "error: no $PY on PATH; install Python 3.11, 3.12 or 3.13 (or set PYTHON=...)" >&2; exit 2
  fi
  "$PY" - <<'PY' || exit 2
import sys
if not ((3, 11) <= sys.version_info[:2] <= (3, 13)):
    found = ".".join(map(str, sys.version_info[:3]))
    sys.exit(f"error: Python {found} at {sys.executable}: this project needs Python 3.11, 3.12 "
             "or 3.13; set PYTHON=python3.12 (for example) and run again")
PY
}

install_locked() {  # $@ = lock files
  local uv args=()
  for lock in "$@"; do args+=(-r "$lock"); done
  if uv=$(source tools/uv.sh && find_uv); then
    [ -x "$VENV/bin/python" ] || "$uv" venv -q --python "$PY" "$VENV" >&2
    "$uv" pip install -q --python "$VENV/bin/python" --require-hashes "${args[@]}" >&2
    "$uv" pip install -q --python "$VENV/bin/python" --no-deps -e . >&2
  else
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes \
      "${args[@]}" 2>&1 | grep -v "is ignored" >&2 || true
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e . 2>&1 \
      | grep -v "is ignored" >&2 || true
  fi
}

setup_venv() {
  # Reinstall only when the lock files or the package metadata change.
  local stamp want
  check_python
  want=$( (echo "with bytecode, src too"; cat "${LOCKS[@]}" pyproject.toml) | sha256sum | cut -c1-16)
  stamp="$VENV/.brief-stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  echo "setting up $VENV from ${LOCKS[*]} (once)" >&2
  install_locked "${LOCKS[@]}"
  # Bytecode for every installed module: uv writes none, and where PYTHONDONTWRITEBYTECODE
  # is set every renderer, worker and kernel would compile pandas, Altair and the rest
  # from source (seconds of each cold render). compileall writes whatever that variable says;
  # src/ too (a .pyc an edit makes stale is ignored; code digests skip __pycache__).
  "$VENV/bin/python" -m compileall -q -j 0 src \
    "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
    >/dev/null || true
  "$VENV/bin/python" -c "import analysis, brief, papermill, altair, vl_convert, typst, pypandoc" \
    || { echo "error: the environment in $VENV did not install completely" >&2; exit 1; }
  echo "$want" > "$stamp"
}

setup_test_tools() {
  # Debian's Chromium (HTML checks) and poppler-utils (pdftoppm, pdffonts).
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pdftoppm >/dev/null && command -v pdffonts >/dev/null || missing+=(poppler-utils)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    echo "error: the tests need ${missing[*]}: install them with apt-get (as root)" >&2; exit 1
  fi
  echo "installing ${missing[*]} with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

lint() {
  "$VENV/bin/ruff" check . && "$VENV/bin/ruff" format --check .
}

cmd=${1:-help}; shift || true
case "$cmd" in
  setup)  setup_venv ;;
  render) setup_venv; exec "$VENV/bin/brief" render "$@" ;;
  test)   setup_venv; setup_test_tools; status=0
          "$VENV/bin/python" -m pytest "$@" || status=$?
          lint || { [ "$status" -ne 0 ] || status=1; }   # both run; either failing fails
          exit "$status" ;;
  quick)  setup_venv; exec "$VENV/bin/python" -m pytest -m "not slow and not browser" -q "$@" ;;
  lint)   setup_venv; lint ;;
  lab)    setup_venv; install_locked requirements.lock requirements-test.lock requirements-lab.lock
          exec "$VENV/bin/jupyter" lab notebooks/ "$@" ;;
  bench)  setup_venv; exec "$VENV/bin/python" bench/run.py "$@" ;;
  vega-bundle)  # after the lock changes vl-convert (a test says so)
          setup_venv; exec "$VENV/bin/python" -c \
            "from brief.engines.builtin import ship_vega_bundle; print(ship_vega_bundle())" ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
