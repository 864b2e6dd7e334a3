#!/usr/bin/env bash
# Put this unpacked Guide Studio folder in the user's menu (no root): the .desktop entry in
# ~/.local/share/applications and the icon in ~/.local/share/icons. Run from inside the folder:
#   ./install.sh            add the menu entry          ./install.sh --remove   take it out
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
id=com.guidestudio.GuideStudio
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps
if [ "${1:-}" = "--remove" ]; then
  rm -f "$apps/$id.desktop" "$icons/$id.png"
  echo "install: removed the menu entry"
  exit 0
fi
[ -x "$here/studio" ] || { echo "install: no studio executable in $here" >&2; exit 1; }
mkdir -p "$apps" "$icons"
cp "$here/share/icons/$id.png" "$icons/$id.png"
sed -e "s|^Exec=studio|Exec=\"$here/studio\"|" -e '/^X-GuideStudio-Note/d' \
  "$here/share/applications/$id.desktop" > "$apps/$id.desktop"
echo "install: menu entry $apps/$id.desktop -> $here/studio"
