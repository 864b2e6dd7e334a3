"""Which copy of an FFmpeg library to call through ctypes: PyAV's own.

A process of the studio holds two FFmpeg builds: PyAV's wheel bundles one (``av.libs``,
macOS ``.dylibs``) and OpenCV's wheel another (an older OpenSSL under its TLS, other
protocols). Calls made with ctypes (the RTMP connection, the scaler) must go to the build
PyAV muxes and decodes with, so a path is looked for next to PyAV first; only a PyAV built
against the system's FFmpeg (no bundled copy) uses the one already mapped into the
process, then the linker's search.
"""

from __future__ import annotations

import ctypes.util
import glob
import sys
from pathlib import Path

import av


def library_path(name: str) -> str | None:
    """The path of lib``name`` (``avformat``, ``avutil``, ``swscale``) to load, or None."""
    base = Path(av.__file__).resolve().parent
    for pattern in (f"../av.libs/lib{name}*", f".dylibs/lib{name}*", f"../av.libs/{name}*.dll"):
        found = sorted(glob.glob(glob.escape(str(base)) + "/" + pattern))
        if found:
            return found[0]
    if sys.platform.startswith("linux"):
        try:
            for line in Path("/proc/self/maps").read_text().splitlines():
                path = line[line.index("/") :] if "/" in line else ""
                named = f"/lib{name}." in path or f"/lib{name}-" in path
                if named and "opencv" not in path:  # OpenCV's own build is never PyAV's
                    return path
        except OSError:
            pass
    return ctypes.util.find_library(name)
