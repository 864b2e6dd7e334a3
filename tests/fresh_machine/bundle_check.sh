#!/usr/bin/env bash
# The desktop bundle on a machine without Python: build it (packaging/build.sh), unpack its
# tarball in a Debian 12 minbase chroot whose python3 has been purged, and in it:
#   1. GuideStudio/studio --version answers;
#   2. studio demo --duration 10 leaves a recording, decoded from the host with the venv's PyAV;
#   3. the window opens on a virtual screen (Xvfb on the host, its socket shared with the chroot),
#      the time to its first drawn pixels is measured from cold (the bundle's files evicted from
#      the page cache first) and the screen is saved to artifacts/bundle-window.png.
# Same cached debootstrap as tests/fresh_machine/check.sh (STUDIO_CHROOT_CACHE, default
# /var/cache/guide-studio). STUDIO_BUNDLE_TARBALL=path skips the build and tests that tarball.
# Run as root: bash tests/fresh_machine/bundle_check.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${STUDIO_CHROOT_CACHE:-/var/cache/guide-studio}
base="$cache/bookworm-minbase-v1.tar"
started=$(date +%s)
say() { echo "bundle-check: $*"; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap and chroot)"; exit 1; }
for tool in debootstrap Xvfb import identify; do
  command -v "$tool" >/dev/null || { say "needs $tool: bash packaging/setup.sh --test"; exit 1; }
done

cd "$repo"
if [ -n "${STUDIO_BUNDLE_TARBALL:-}" ]; then
  tarball=$STUDIO_BUNDLE_TARBALL
else
  say "0/3 bash packaging/build.sh"
  t0=$(date +%s)
  mkdir -p build
  bash packaging/build.sh > build/bundle-build.log 2>&1 || { tail -30 build/bundle-build.log; fail "build"; }
  grep '^build: ' build/bundle-build.log | sed 's/^/     /'
  say "   built in $(( $(date +%s) - t0 )) s"
  tarball=$(ls -t dist/guide-studio-*-linux-*.tar.gz | head -1)
fi
[ -s "$tarball" ] || fail "no tarball at '$tarball'"

mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 ~ /debian$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
if [ ! -s "$base" ]; then  # the very base check.sh makes and caches (same name, same packages)
  say "debootstrap bookworm minbase from $mirror (cached in $base afterwards)"
  mkdir -p "$cache"
  tmpbase=$(mktemp -d "$cache/base.XXXXXX")
  debootstrap --variant=minbase --include=git,ca-certificates,python3 bookworm "$tmpbase" "$mirror" \
    > "$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log"; exit 1; }
  tar -C "$tmpbase" -cf "$tmpbase.tar" . && mv "$tmpbase.tar" "$base"  # its own part: the other check may build the same base at once
  rm -rf "$tmpbase"
fi

root=$(mktemp -d /tmp/bundle-debian.XXXXXX)
mounted=()
xvfb=""
app=""
cleanup() {
  [ -n "$app" ] && stop_app
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
chmod 755 "$root"
for m in proc sys dev dev/pts; do
  mkdir -p "$root/$m"
  mount --bind "/$m" "$root/$m"
  mounted+=("$root/$m")
done
in_chroot() {
  chroot "$root" /usr/bin/env -i HOME=/home/guide USER=guide LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
# How this machine reaches the registries (as in check.sh): apt sources and options, CA certificates.
cp -a /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null \
  || cp -a /etc/apt/sources.list "$root/etc/apt/"
for f in /etc/apt/apt.conf.d/99*; do [ -f "$f" ] && cp -a "$f" "$root/etc/apt/apt.conf.d/"; done
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
fi
cp -aL /etc/resolv.conf "$root/etc/resolv.conf"
# No Python on this machine: purge every python package the base has (check.sh's base has python3).
mapfile -t pys < <(chroot "$root" dpkg-query -W -f '${Package}\n' | grep -E '^(lib)?python' || true)
[ ${#pys[@]} -eq 0 ] || chroot "$root" dpkg --purge "${pys[@]}" > /dev/null 2>&1
if chroot "$root" /bin/sh -c 'ls /usr/bin/python* /usr/lib/python3* /usr/local/bin/python*' 2>/dev/null; then
  fail "python is still in the chroot"
fi
# The one layer a bundle never carries: the machine's OpenGL/EGL driver (glvnd + Mesa), which
# every desktop has and which must match its GPU. Nothing else is installed.
in_chroot apt-get update -q > "$root/tmp/apt.log" 2>&1 || { tail "$root/tmp/apt.log"; fail "apt-get update"; }
DEBIAN_FRONTEND=noninteractive in_chroot apt-get install -y -q --no-install-recommends libgl1 libegl1 \
  >> "$root/tmp/apt.log" 2>&1 || { tail "$root/tmp/apt.log"; fail "apt-get install libgl1 libegl1"; }
if chroot "$root" /bin/sh -c 'ls /usr/bin/python* /usr/lib/python3* /usr/local/bin/python*' 2>/dev/null; then
  fail "python came back with the GL driver"
fi
say "   chroot: Debian $(cat "$root/etc/debian_version") minbase, python purged (${#pys[@]} packages), + libgl1 libegl1 (the GPU driver layer)"

chroot "$root" useradd -m guide
mkdir -p "$root/opt"
tar -C "$root/opt" -xzf "$tarball"
bin=/opt/GuideStudio/studio
[ -x "$root$bin" ] || fail "no GuideStudio/studio in $tarball"

as_guide() { in_chroot su guide -s /bin/bash -c "cd ~ && $*"; }

say "1/3 GuideStudio/studio --version"
out=$(as_guide "$bin --version" 2>&1) || { echo "$out"; fail "--version exited non-zero"; }
[[ "$out" == "studio "* ]] || fail "--version printed: $out"
say "   $out"
# The take review plays takes through Qt Multimedia's FFmpeg backend: loaded only when a player
# is made, so check here that the plugin finds every library it needs (bundle + GL driver).
internal=/opt/GuideStudio/_internal
plugin=$internal/PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so
[ -f "$root$plugin" ] || fail "no Qt Multimedia FFmpeg plugin in the bundle"
unresolved=$(in_chroot env LD_LIBRARY_PATH="$internal/PySide6/Qt/lib:$internal" ldd "$plugin" | grep "not found" || true)
[ -z "$unresolved" ] || { echo "$unresolved"; fail "the Qt Multimedia FFmpeg plugin misses libraries"; }
say "   Qt Multimedia FFmpeg plugin: every library resolves ($(in_chroot env LD_LIBRARY_PATH="$internal/PySide6/Qt/lib:$internal" ldd "$plugin" | grep -c "=> /opt") from the bundle)"

say "2/3 studio demo --duration 10"
t0=$(date +%s)
if ! as_guide "timeout 180 $bin demo --duration 10" > "$root/tmp/demo.log" 2>&1; then
  tail -30 "$root/tmp/demo.log"; fail "studio demo exited non-zero"
fi
tail -2 "$root/tmp/demo.log" | sed 's/^/     /'
if grep -E "Traceback|ERROR" "$root/tmp/demo.log"; then fail "the demo printed an error"; fi
rec="$root/home/guide/guide-studio-demo.mkv"
"$repo/.venv/bin/python" - "$rec" <<'PY'
import sys
from pathlib import Path

import av

rec = Path(sys.argv[1])
if not rec.exists():
    sys.exit(f"bundle-check: FAILED: no recording at {rec}")
with av.open(str(rec)) as c:
    v = sum(1 for _ in c.decode(video=0))
with av.open(str(rec)) as c:
    a = sum(f.samples / f.sample_rate for f in c.decode(audio=0))
print(f"bundle-check:    {rec.name}: {v} video frames, {a:.1f} s of audio, "
      f"{rec.stat().st_size // 1024} KiB (decoded on the host)")
if v < 25 * 8 or a < 8:
    sys.exit("bundle-check: FAILED: the recording is too short")
PY
say "   demo in $(( $(date +%s) - t0 )) s"

say "3/3 the window on a virtual screen"
display=""
for n in $(seq 90 130); do
  [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=$n; break; }
done
[ -n "$display" ] || fail "no free X display number"
Xvfb ":$display" -screen 0 1440x900x24 -nolisten tcp > /tmp/bundle-xvfb.log 2>&1 &
xvfb=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$display" ] || fail "Xvfb did not start"
mkdir -p "$root/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
mounted+=("$root/tmp/.X11-unix")
shot() { DISPLAY=":$display" import -window root "$1" 2>/dev/null; }
mean() { identify -format '%[fx:mean]' "$1" 2>/dev/null || echo 0; }
stop_app() {  # su and the studio under it (and its children), by their ids
  local pids
  pids="$app $(pgrep -P "$app" || true)"
  for p in $(pgrep -P "$app" || true); do pids="$pids $(pgrep -P "$p" || true)"; done
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null || true
  for _ in $(seq 50); do kill -0 $pids 2>/dev/null || break; sleep 0.2; done
  # shellcheck disable=SC2086
  if kill -0 $pids 2>/dev/null; then say "   note: the window ignored SIGTERM for 10 s: killed"; kill -9 $pids 2>/dev/null || true; fi
  wait "$app" 2>/dev/null || true
  app=""
}
runs=${STUDIO_BUNDLE_STARTS:-1}  # more runs: a median for packaging/README.md's figures
times=()
for run in $(seq "$runs"); do
  # As on the first start on a new PC: no settings, no crash marker from the previous run.
  rm -rf "$root/home/guide/.config" "$root/home/guide/.local" "$root/home/guide/.cache"
  # Cold: the bundle's files and the chroot's libraries out of the page cache (only those files).
  find "$root/opt/GuideStudio" "$root/usr/lib" -type f -exec dd iflag=nocache count=0 if={} status=none \; 2>/dev/null || true
  t0=$(date +%s.%N)
  # Not through in_chroot (a function: $! would be a subshell): $! is su, its child the studio.
  chroot "$root" /usr/bin/env -i HOME=/home/guide LANG=C.UTF-8 PATH=/usr/bin:/bin \
    su guide -s /bin/bash -c "cd ~ && DISPLAY=:$display QT_QPA_PLATFORM=xcb exec $bin" \
    > "$root/tmp/window.log" 2>&1 &
  app=$!
  drawn=""
  for _ in $(seq 300); do
    kill -0 "$app" 2>/dev/null || { cat "$root/tmp/window.log"; fail "the window's process exited"; }
    shot /tmp/bundle-poll.png
    if awk -v m="$(mean /tmp/bundle-poll.png)" 'BEGIN { exit !(m > 0.02) }'; then
      drawn=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }'); break
    fi
    sleep 0.1
  done
  [ -n "$drawn" ] || { cat "$root/tmp/window.log"; fail "nothing drawn on the screen in 30 s"; }
  times+=("$drawn")
  if [ "$run" -eq "$runs" ]; then
    sleep 4  # let it settle (fonts, the first preview frames)
    kill -0 "$app" 2>/dev/null || { cat "$root/tmp/window.log"; fail "the window closed by itself"; }
    mkdir -p "$repo/artifacts"
    shot "$repo/artifacts/bundle-window.png"
  fi
  stop_app
  # The next start is timed from a black screen.
  for _ in $(seq 50); do
    shot /tmp/bundle-poll.png
    awk -v m="$(mean /tmp/bundle-poll.png)" 'BEGIN { exit !(m < 0.005) }' && break
    sleep 0.2
  done
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
say "   cold start to the first drawn window: ${median} s (median of ${times[*]}; screen polled ~3/s)"
say "   screenshot artifacts/bundle-window.png (mean $(mean "$repo/artifacts/bundle-window.png"))"
if grep -E "Traceback" "$root/tmp/window.log"; then fail "the window printed a traceback"; fi
say "passed in $(( $(date +%s) - started )) s"
