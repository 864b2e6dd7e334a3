#!/usr/bin/env bash
# Set up Guide Studio on a Debian/Ubuntu machine: system packages, then a project virtual
# environment (.venv) with exactly the locked Python packages.
#
#   bash packaging/setup.sh          what `studio` needs to run (window, demo, live)
#   bash packaging/setup.sh --test   and what the test suite needs (nginx-rtmp, Xvfb, Chromium, ...)
#
# A venv, because a fresh Debian/Ubuntu refuses `pip install` into the system Python (PEP 668).
# Nothing needs activating afterwards: run .venv/bin/studio and .venv/bin/python.
# Idempotent; safe to run again. Used by the README and by CI (.ci/run).
# Environment: PYTHON (the interpreter the venv is made from, default python3),
# STUDIO_VENV (where the venv goes, default .venv in the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) want_tests=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup: unknown option '$arg' (use --test or nothing)" >&2; exit 2 ;;
  esac
done

RUNTIME_APT=(
  python3-venv                # the project venv (Debian ships venv's pip separately)
  libportaudio2               # microphones (sounddevice)
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libfontconfig1
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0   # Qt's xcb platform plugin
  libpulse0 libxrandr2 libxext6       # Qt Multimedia (the take review player) links these
)
TEST_APT=(
  nginx libnginx-mod-rtmp     # local RTMP server for tests and the benchmark
  ffmpeg                      # reference encoder for `studio bench`
  xvfb xauth imagemagick      # virtual screen and screenshots for GUI tests
  fonts-noto-cjk              # Chinese text in screenshots outside the bundled subset
  chromium                    # headless browser for the checkout-page tests (never `playwright install`)
  debootstrap                 # the fresh-machine check (tests/fresh_machine.sh)
  stunnel4                    # TLS terminator in front of nginx-rtmp: the RTMPS tests
  postgresql                  # the backend suite runs on PostgreSQL too (initdb + pg_ctl in a temp dir)
  coturn                      # TURN relay for the co-streaming (连麦) test forced through relay-only ICE
)
LOCK=packaging/requirements.lock
[ "$want_tests" -eq 1 ] && LOCK=packaging/requirements-test.lock
APT_PACKAGES=("${RUNTIME_APT[@]}")
[ "$want_tests" -eq 1 ] && APT_PACKAGES+=("${TEST_APT[@]}")

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
        SUDO=(sudo)
      else
        echo "setup: these system packages are missing: ${missing[*]}" >&2
        echo "setup: install them as root, then run this script again:" >&2
        echo "    sudo apt-get install ${missing[*]}" >&2
        exit 1
      fi
    fi
    echo "setup: installing system packages: ${missing[*]}"
    "${SUDO[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: no apt-get here; install the equivalents of: ${APT_PACKAGES[*]}" >&2
fi

PY=${PYTHON:-python3}
VENV=${STUDIO_VENV:-.venv}
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "setup: no '$PY' on PATH; install Python 3.11 or newer (Debian: apt-get install python3)" >&2
  exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Guide Studio needs Python 3.11 or newer; '$PY' is $("$PY" -V 2>&1)" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pip' 2>/dev/null; then
  echo "setup: creating the project environment in $VENV"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi
echo "setup: installing the locked packages ($LOCK) into $VENV"
# --require-hashes: exactly the files CI tested; --no-deps: the lock is the whole graph.
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$LOCK"
# PYTHONWARNINGS: setuptools warns about every editable install; the build itself is locked.
PYTHONWARNINGS=ignore "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
  --no-build-isolation -e .
"$VENV/bin/python" -m pip check >/dev/null || { "$VENV/bin/python" -m pip check >&2; exit 1; }
echo "setup: done. Run $VENV/bin/studio (the window), $VENV/bin/studio demo, or $VENV/bin/python -m pytest"
