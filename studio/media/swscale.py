"""libswscale, called straight (ctypes), to scale I420 pictures into buffers of ours.

PyAV's ``VideoFrame.reformat`` only scales into a frame it allocates, which then has to
be copied into the engine's contiguous I420 buffer; OpenCV's bilinear resize is a
third dearer than swscale's area filter. Called on the planes themselves, swscale reads
the decoder's picture and writes the canvas-sized buffer in one pass, with the filter
the ffmpeg CLI's ``scale=flags=area`` uses: a 1080p -> 720p picture costs 0.63 ms CPU
against OpenCV's 0.83-0.97 (docs/performance.md, part 1, session 13).

The library is PyAV's own copy (:mod:`studio.media.ffmpeg_libs`); where it cannot be
loaded, :func:`scaler` gives None and callers scale with OpenCV.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache

import numpy as np

from studio.media.ffmpeg_libs import library_path

log = logging.getLogger(__name__)

AV_PIX_FMT_YUV420P = 0  # enum AVPixelFormat: stable since FFmpeg's first releases
SWS_AREA = 0x20
_KEEP = 16  # contexts kept per thread: one per (source size, target size) pair in use
# libswscale's SIMD row writers go on in 8- and 16-byte steps and only the last chroma row
# is written in C: below this width they write past the end of an unpadded buffer (FFmpeg's
# own frames are padded) and read past a narrow source (measured with guard pages).
MIN_WIDTH = 64  # 32 was enough here (AVX-512); twice that for other CPUs' row widths

_Ptrs = ctypes.c_void_p * 4
_Ints = ctypes.c_int * 4


@cache
def _library() -> ctypes.CDLL | None:
    path = library_path("swscale")
    if path is not None:
        try:
            lib = ctypes.CDLL(path)
            lib.sws_getContext.restype = ctypes.c_void_p
            lib.sws_getContext.argtypes = [ctypes.c_int] * 7 + [ctypes.c_void_p] * 3
            lib.sws_scale.restype = ctypes.c_int
            lib.sws_scale.argtypes = [
                ctypes.c_void_p, _Ptrs, _Ints, ctypes.c_int, ctypes.c_int, _Ptrs, _Ints,
            ]  # fmt: skip
            lib.sws_freeContext.restype = None
            lib.sws_freeContext.argtypes = [ctypes.c_void_p]
        except (OSError, AttributeError) as exc:
            log.info("libswscale at %s unusable (%s); pictures are scaled with OpenCV", path, exc)
            return None
        log.debug("libswscale: %s", path)
        return lib
    log.info("libswscale not found; pictures are scaled with OpenCV")
    return None


class PlaneScaler:
    """One swscale context: I420 ``sw`` x ``sh`` -> ``dw`` x ``dh``, area filter.

    Not thread-safe (a context keeps its line buffers): :func:`scaler` hands each
    thread its own.
    """

    def __init__(self, lib: ctypes.CDLL, sw: int, sh: int, dw: int, dh: int) -> None:
        self._lib = lib
        self.sizes = (sw, sh, dw, dh)
        fmt = AV_PIX_FMT_YUV420P
        self._ctx = lib.sws_getContext(sw, sh, fmt, dw, dh, fmt, SWS_AREA, None, None, None)
        if not self._ctx:
            raise ValueError(f"swscale refused {sw}x{sh} -> {dw}x{dh}")

    def scale(self, src: Sequence[int], src_strides: Sequence[int], out: np.ndarray) -> None:
        """Scale the planes at addresses ``src`` (Y, U, V; ``src_strides`` bytes a row)
        into ``out``, a contiguous I420 array of the target size."""
        if not self._ctx:
            raise RuntimeError("this scaler is closed")
        sh, dw, dh = self.sizes[1:]
        cw = dw // 2
        done = self._lib.sws_scale(
            self._ctx, _Ptrs(*map(int, src), None), _Ints(*map(int, src_strides), 0), 0, sh,
            _Ptrs(*_plane_addresses(out, dw, dh), None), _Ints(dw, cw, cw, 0),
        )  # fmt: skip
        if done != dh:
            raise RuntimeError(f"swscale wrote {done} of {dh} rows")

    def scale_array(self, src: np.ndarray, out: np.ndarray) -> None:
        """Scale ``src``, a contiguous I420 array of the source size, into ``out``."""
        sw, sh = self.sizes[:2]
        self.scale(_plane_addresses(src, sw, sh), (sw, sw // 2, sw // 2), out)

    def close(self) -> None:
        if self._ctx:
            self._lib.sws_freeContext(self._ctx)
            self._ctx = None

    def __del__(self) -> None:
        self.close()


def _plane_addresses(i420: np.ndarray, w: int, h: int) -> tuple[int, int, int]:
    """Where the Y, U and V planes of a contiguous I420 array start (``frame.planes``'s
    layout)."""
    y = i420.ctypes.data
    u = y + w * h
    return y, u, u + (w // 2) * (h // 2)


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.scalers: OrderedDict[tuple[int, int, int, int], PlaneScaler] = OrderedDict()


_local = _PerThread()


def scaler(sw: int, sh: int, dw: int, dh: int) -> PlaneScaler | None:
    """This thread's swscale context for an I420 reduction (the last few kept), or None:
    no libswscale, odd sizes (its chroma rounds up where the engine's layout rounds down),
    an enlargement, or a target narrower than :data:`MIN_WIDTH`."""
    key = (sw, sh, dw, dh) = (int(sw), int(sh), int(dw), int(dh))
    if (sw | sh | dw | dh) & 1 or dw < MIN_WIDTH or dh < 2 or dw > sw or dh > sh:
        return None
    kept = _local.scalers
    found = kept.get(key)
    if found is not None:
        kept.move_to_end(key)
        return found
    lib = _library()
    if lib is None:
        return None
    made = kept[key] = PlaneScaler(lib, sw, sh, dw, dh)
    while len(kept) > _KEEP:
        kept.popitem(last=False)[1].close()
    return made
