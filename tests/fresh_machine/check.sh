#!/usr/bin/env bash
# The README's first command, exactly as written, on a fresh Debian 12 with its system Python.
#
# A Debian 12 minbase chroot (debootstrap from the mirror this machine uses) with only git,
# ca-certificates and python3: no pip, no venv module, no Qt libraries, nothing of ours. The
# machine's apt and pip configuration and CA certificates are copied in, since that is how this
# machine reaches the registries. In it:
#   1. as a non-root user without sudo, packaging/setup.sh must stop and say what it needs;
#   2. as root, the README's first command (read from README.md) must exit 0;
#   3. the recording it leaves must decode (video frames and audio, read with the chroot's PyAV).
# The debootstrapped base is cached as a tarball (STUDIO_CHROOT_CACHE, default
# /var/cache/guide-studio) so later runs on the same machine skip the download.
# Run as root: bash tests/fresh_machine/check.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${STUDIO_CHROOT_CACHE:-/var/cache/guide-studio}
base="$cache/bookworm-minbase-v1.tar"
started=$(date +%s)
say() { echo "fresh-machine: $*"; }

[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap and chroot)"; exit 1; }
command -v debootstrap >/dev/null || { say "needs debootstrap: bash packaging/setup.sh --test"; exit 1; }

mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 ~ /debian$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}

if [ ! -s "$base" ]; then
  say "debootstrap bookworm minbase from $mirror (cached in $base afterwards)"
  mkdir -p "$cache"
  tmpbase=$(mktemp -d "$cache/base.XXXXXX")
  debootstrap --variant=minbase --include=git,ca-certificates,python3 bookworm "$tmpbase" "$mirror" \
    > "$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log"; exit 1; }
  tar -C "$tmpbase" -cf "$tmpbase.tar" . && mv "$tmpbase.tar" "$base"  # its own part: the other check may build the same base at once
  rm -rf "$tmpbase"
fi

root=$(mktemp -d /tmp/fresh-debian.XXXXXX)
mounted=()
cleanup() {
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
chmod 755 "$root"  # mktemp made it (and the tar's "./") 0700: a user could not reach /bin

# How this machine reaches the registries: apt sources and options, pip options, CA certificates.
cp -a /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null \
  || cp -a /etc/apt/sources.list "$root/etc/apt/"
for f in /etc/apt/apt.conf.d/99*; do [ -f "$f" ] && cp -a "$f" "$root/etc/apt/apt.conf.d/"; done
[ -f /etc/pip.conf ] && cp -a /etc/pip.conf "$root/etc/pip.conf"
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
fi
cp -aL /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev dev/pts; do
  mkdir -p "$root/$m"
  mount --bind "/$m" "$root/$m"
  mounted+=("$root/$m")
done

# A fresh clone of this checkout's HEAD, as a user would clone it.
git clone -q "$repo" "$root/root/guide-studio"
git -C "$root/root/guide-studio" checkout -q "$(git -C "$repo" rev-parse HEAD)"
first=$(awk '/^```sh$/ {inblock=1; next} inblock && NF {print; exit}' "$repo/README.md")
case "$first" in
  *packaging/setup.sh*) ;;
  *) say "README's first command not found (got: '$first')"; exit 1 ;;
esac
in_chroot() {
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb "$@"
}

say "1/3 setup.sh as a user without root"
in_chroot useradd -m guide
git clone -q "$root/root/guide-studio" "$root/home/guide/guide-studio"
in_chroot chown -R guide:guide /home/guide/guide-studio
if in_chroot su guide -s /bin/bash -c "cd ~/guide-studio && bash packaging/setup.sh" \
  > "$root/tmp/user.log" 2>&1; then
  say "FAILED: setup.sh as a user without sudo exited 0 with system packages missing"; exit 1
fi
grep -q "sudo apt-get install .*python3-venv" "$root/tmp/user.log" \
  || { say "setup.sh as a user did not say what it needs:"; cat "$root/tmp/user.log"; exit 1; }
say "   says: $(grep -m1 'missing' "$root/tmp/user.log")"

say "2/3 the README's first command, as written: $first"
t0=$(date +%s)
if ! in_chroot bash -c "cd /root/guide-studio && $first" > "$root/tmp/readme.log" 2>&1; then
  tail -40 "$root/tmp/readme.log"
  say "FAILED: the README's first command exited non-zero on a fresh Debian 12"
  exit 1
fi
say "   exit 0 in $(( $(date +%s) - t0 )) s; its last lines:"
tail -3 "$root/tmp/readme.log" | sed 's/^/     /'
if grep -E "Traceback|WARNING|ERROR" "$root/tmp/readme.log"; then
  say "FAILED: the demo printed a warning, an error or a traceback"; exit 1
fi

say "3/3 the recording decodes"
in_chroot bash -c 'cd /root/guide-studio && .venv/bin/python - <<"PY"
import sys
from pathlib import Path
import av
rec = Path("guide-studio-demo.mkv")
if not rec.exists():
    sys.exit(f"no recording at {rec.resolve()}")
with av.open(str(rec)) as c:
    v = sum(1 for _ in c.decode(video=0))
with av.open(str(rec)) as c:
    a = sum(f.samples / f.sample_rate for f in c.decode(audio=0))
print(f"fresh-machine:    {rec.name}: {v} video frames, {a:.1f} s of audio, {rec.stat().st_size // 1024} KiB")
if v < 25 * 20 or a < 20:
    sys.exit("fresh-machine: FAILED: the recording is too short")
PY'
say "passed in $(( $(date +%s) - started )) s"
