#!/usr/bin/env bash
# Set up Guide Studio on a Debian/Ubuntu machine: system packages, then the Python package.
# Idempotent; safe to run again. Used by the README and by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  nginx libnginx-mod-rtmp     # local RTMP server for tests and the benchmark
  ffmpeg                      # reference encoder for `studio bench`
  xvfb xauth imagemagick      # virtual screen and screenshots for GUI tests
  fonts-noto-cjk              # Chinese UI text
  libportaudio2               # microphones (sounddevice)
  chromium                    # headless browser for the backend checkout-page test (never `playwright install`)
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libfontconfig1
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0
  libpulse0 libxrandr2 libxext6     # Qt Multimedia (the take review player) links these
)

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: no apt-get here; install nginx with the RTMP module, ffmpeg, Xvfb and a CJK font yourself" >&2
fi

PY=${PYTHON:-python3}
echo "setup: installing Guide Studio (editable) with test extras"
$PY -m pip install -q --disable-pip-version-check -e '.[test]'
