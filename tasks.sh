#!/usr/bin/env bash
# One entry point for people and CI.  Usage:
#   bash tasks.sh render [brief render options]   set up, then render the brief
#   bash tasks.sh test   [pytest options]         set up (incl. Chromium, poppler), then run the tests
#   bash tasks.sh bench                           set up, then run the benchmark
#   bash tasks.sh setup                           only set up .venv from the lock files
# A fresh machine needs only Python 3.11, pip, and apt as root (for the test tools).
set -euo pipefail
cd "$(dirname "$0")"
VENV=${BRIEF_VENV:-.venv}
PY=${PYTHON:-python3}

setup_venv() {
  # Reinstall only when the lock files or the package metadata change.
  local stamp want
  want=$(cat requirements.lock requirements-test.lock pyproject.toml | sha256sum | cut -c1-16)
  stamp="$VENV/.brief-stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  echo "setting up $VENV from requirements.lock (once; about a minute)" >&2
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
      -r requirements.lock -r requirements-test.lock 2>&1 | grep -v "is ignored" >&2 || true
  "$VENV/bin/python" -m pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" >&2 || true
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

cmd=${1:-help}; shift || true
case "$cmd" in
  setup)  setup_venv ;;
  render) setup_venv; exec "$VENV/bin/brief" render "$@" ;;
  test)   setup_venv; setup_test_tools; exec "$VENV/bin/python" -m pytest "$@" ;;
  bench)  setup_venv; exec "$VENV/bin/python" bench/run.py "$@" ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
