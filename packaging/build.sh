#!/usr/bin/env bash
# Build the self-contained Guide Studio desktop bundle for Linux (one folder, no Python needed).
#   bash packaging/build.sh          -> dist/GuideStudio/ and dist/guide-studio-VERSION-linux-ARCH.tar.gz
# Needs the project venv with the test extra (bash packaging/setup.sh --test: PyInstaller is in
# it) and libportaudio2 (setup.sh installs it). Environment: STUDIO_VENV (default .venv),
# STUDIO_BUNDLE_CUTS=0 builds without the size cuts (to measure them; see packaging/README.md).
# Windows and macOS: the same spec, see packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
say() { echo "build: $*"; }
VENV=${STUDIO_VENV:-.venv}
PY="$VENV/bin/python"
[ -x "$PY" ] || { say "no venv at $VENV: run bash packaging/setup.sh --test first" >&2; exit 1; }
"$PY" -c "import PyInstaller" 2>/dev/null \
  || { say "PyInstaller is not in $VENV: run bash packaging/setup.sh --test" >&2; exit 1; }

# The version: the project's, plus git describe when this is a checkout.
version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
describe=$(git describe --tags --always --dirty 2>/dev/null || echo unknown)
arch=$(uname -m)
say "Guide Studio $version ($describe) for linux-$arch"

icons="$PWD/build/icons"
"$PY" assets/icons/make_icons.py "$icons"

rm -rf dist/GuideStudio
STUDIO_ICON_DIR="$icons" "$PY" -m PyInstaller packaging/guide-studio.spec --noconfirm --clean \
  --log-level WARN --distpath dist --workpath build/pyinstaller

bundle=dist/GuideStudio
[ -x "$bundle/studio" ] || { say "FAILED: no $bundle/studio after PyInstaller" >&2; exit 1; }
# Desktop identity: the .desktop entry, the icon, and a per-user menu installer.
id=com.guidestudio.GuideStudio
mkdir -p "$bundle/share/applications" "$bundle/share/icons"
cp packaging/linux/$id.desktop "$bundle/share/applications/"
cp "$icons/guide-studio-256.png" "$bundle/share/icons/$id.png"
cp packaging/linux/install.sh "$bundle/install.sh"
printf 'name=Guide Studio (导购直播台)\napp_id=%s\nversion=%s\ngit=%s\nbuilt=%s\nplatform=linux-%s\n' \
  "$id" "$version" "$describe" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$arch" > "$bundle/BUILD-INFO"

tarball="dist/guide-studio-$version-linux-$arch.tar.gz"
tar -C dist -czf "$tarball" GuideStudio
say "bundle $bundle: $(du -sm "$bundle" | cut -f1) MiB on disk, $(find "$bundle" -type f | wc -l) files"
say "tarball $tarball: $(( $(stat -c %s "$tarball") / 1048576 )) MiB"
say "done in $(( $(date +%s) - started )) s"
