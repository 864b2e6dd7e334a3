#!/usr/bin/env bash
# NOT RUN HERE (written on Linux; needs a Mac with Xcode's command-line tools).
# Build Guide Studio.app and a .dmg on macOS 12+, from a checkout with the project venv:
#   python3 -m venv .venv && .venv/bin/pip install --require-hashes --no-deps -r packaging/requirements-test.lock
#   .venv/bin/pip install --no-deps --no-build-isolation -e .
#   bash packaging/macos/build.sh      -> dist/Guide Studio.app, dist/guide-studio-VERSION-macos-ARCH.dmg
# Signing and notarisation: packaging/README.md (left to the store's IT).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${STUDIO_VENV:-.venv}/bin/python
version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
icons="$PWD/build/icons"
"$PY" assets/icons/make_icons.py "$icons"
/usr/libexec/PlistBuddy -c "Set :CFBundleShortVersionString $version" -c "Set :CFBundleVersion $version" \
  packaging/macos/Info.plist 2>/dev/null || true
STUDIO_ICON_DIR="$icons" "$PY" -m PyInstaller packaging/guide-studio.spec --noconfirm --clean \
  --distpath dist --workpath build/pyinstaller
app="dist/Guide Studio.app"
[ -d "$app" ] || { echo "build: no $app" >&2; exit 1; }
"$app/Contents/MacOS/studio" --version
# The .dmg: the app and a link to /Applications, compressed (UDZO).
stage=$(mktemp -d)
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="dist/guide-studio-$version-macos-$(uname -m).dmg"
rm -f "$dmg"
hdiutil create -volname "Guide Studio" -srcfolder "$stage" -ov -format UDZO "$dmg"
rm -rf "$stage"
echo "build: $dmg"
