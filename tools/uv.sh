# Sourced by tasks.sh and tools/lock.sh: find uv, or install it from PyPI with pip into
# .brief/uv (a small venv of its own; `brief clean` leaves it). BRIEF_INSTALLER=pip skips uv.
UV_VERSION=0.13.9
find_uv() {
  if [ "${BRIEF_INSTALLER:-}" = pip ]; then return 1; fi
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  local boot=.brief/uv
  if [ ! -x "$boot/bin/uv" ]; then
    echo "installing uv $UV_VERSION from PyPI into $boot (once)" >&2
    "${PY:-python3}" -m venv "$boot" >&2 \
      && "$boot/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" \
        2>&1 | grep -v "is ignored" >&2 || true
  fi
  if [ -x "$boot/bin/uv" ]; then echo "$boot/bin/uv"; return 0; fi
  echo "uv could not be installed; falling back to pip" >&2
  return 1
}
