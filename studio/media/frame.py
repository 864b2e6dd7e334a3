"""I420 frames and the few conversions the engine needs.

All frames are numpy arrays of shape ``(H*3//2, W)`` holding the Y plane then
the U and V planes (each ``H/2 x W/2``), BT.601 limited range: what OpenCV's
``COLOR_BGR2YUV_I420`` gives and what the encoder takes without conversion.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import cv2
import numpy as np

from studio.media import swscale

# BT.601 limited-range RGB -> YCbCr (the same matrix OpenCV's I420 path uses).
_M = np.array(
    [
        [0.257, 0.504, 0.098],
        [-0.148, -0.291, 0.439],
        [0.439, -0.368, -0.071],
    ],
    dtype=np.float32,
)
_OFF = np.array([16.0, 128.0, 128.0], dtype=np.float32)


@dataclass(slots=True)
class Frame:
    """A video frame with the time it was captured and a per-source sequence number."""

    data: np.ndarray  # I420, (H*3//2, W) uint8
    width: int
    height: int
    captured: float  # time.monotonic() at capture
    seq: int
    # the source made ``data`` for this frame alone and never reads or writes it again:
    # the compositor may draw the overlays straight onto it (see ``Compositor``)
    lent: bool = False


def blank(width: int, height: int, rgb: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """A solid I420 frame."""
    y, u, v = rgb_to_yuv(rgb)
    out = np.empty((height * 3 // 2, width), np.uint8)
    yp, up, vp = planes(out, width, height)
    yp[:] = y
    up[:] = u
    vp[:] = v
    return out


class BufferPool:
    """Frame-sized uint8 arrays handed out again once nothing else refers to them.

    A fresh 3 MB array per 1080p frame costs more than filling it: the allocator
    returns blocks that big to the kernel, and each new one page-faults in (~750
    faults a frame, measured by ``studio bench``'s stage table). A buffer is reused
    only when the pool holds its last reference: a queue entry, a view, a slot or an
    encoder's ``av.VideoFrame`` built on it all keep it out, so nobody sees a frame
    rewritten under them. Beyond ``keep`` buffers in use, arrays are plain new ones.
    One thread takes from a pool (the compositor under its lock, a source's decoder).
    """

    def __init__(self, shape: tuple[int, ...], keep: int = 6) -> None:
        self.shape = shape
        self.keep = keep
        self._bufs: list[np.ndarray] = []

    def take(self) -> np.ndarray:
        """A buffer of ``shape`` (contents undefined) that no one else holds."""
        for buf in self._bufs:
            # the references: the list's, this loop's name, getrefcount's argument
            if sys.getrefcount(buf) <= 3:
                return buf
        buf = np.empty(self.shape, np.uint8)
        if len(self._bufs) < self.keep:
            self._bufs.append(buf)
        return buf


def planes(i420: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of an I420 array (no copy)."""
    cw, ch = width // 2, height // 2
    flat = i420.reshape(-1)
    ysz = width * height
    csz = cw * ch
    return (
        flat[:ysz].reshape(height, width),
        flat[ysz : ysz + csz].reshape(ch, cw),
        flat[ysz + csz : ysz + 2 * csz].reshape(ch, cw),
    )


def rgb_to_yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    vec = np.asarray(rgb, np.float32) @ _M.T + _OFF
    y, u, v = np.clip(np.rint(vec), 0, 255).astype(int)
    return int(y), int(u), int(v)


def rgb_image_to_yuv444(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W, 3) float32 Y, U, V in the engine's colour space."""
    return rgb.astype(np.float32) @ _M.T + _OFF


def bgr_to_i420(bgr: np.ndarray) -> np.ndarray:
    """An OpenCV BGR image (even width and height) -> I420."""
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)


def i420_to_bgr(i420: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)


def scale_interp(sw: int, dw: int) -> int:
    """OpenCV's filter (no libswscale): bilinear, except for reductions of 2x or more
    (area: no aliasing)."""
    return cv2.INTER_AREA if dw * 2 <= sw else cv2.INTER_LINEAR


def resize_i420(
    src: np.ndarray, sw: int, sh: int, dw: int, dh: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Scale an I420 frame (into ``out`` when given: a canvas, no copy after).

    A reduction goes through libswscale's area filter (:mod:`studio.media.swscale`, the
    filter of the ffmpeg CLI's ``scale=flags=area``), the same pass a decoding source
    makes when it delivers at the canvas size, so a picture is the same pixels whichever
    of the two scaled it. An enlargement, a sliver narrower than 64 pixels, or no
    libswscale, is OpenCV plane by plane (which also refuses arrays of the wrong size).
    """
    if (sw, sh) == (dw, dh):
        if out is not None:
            np.copyto(out, src)
            return out
        return src
    if out is None:
        out = np.empty((dh * 3 // 2, dw), np.uint8)
    fits = src.shape == (sh * 3 // 2, sw) and out.shape == (dh * 3 // 2, dw)
    if fits and src.flags.c_contiguous and out.flags.c_contiguous:
        sws = swscale.scaler(sw, sh, dw, dh)  # None where OpenCV is the one to scale
        if sws is not None:
            sws.scale_array(src, out)
            return out
    interp = scale_interp(sw, dw)
    sy, su, sv = planes(src, sw, sh)
    oy, ou, ov = planes(out, dw, dh)
    cv2.resize(sy, (dw, dh), dst=oy, interpolation=interp)
    cv2.resize(su, (dw // 2, dh // 2), dst=ou, interpolation=interp)
    cv2.resize(sv, (dw // 2, dh // 2), dst=ov, interpolation=interp)
    return out


def cover_crop(sw: int, sh: int, dw: int, dh: int) -> tuple[int, int, int, int]:
    """The centred part (x, y, w, h; even) of an ``sw`` x ``sh`` picture with the aspect of
    ``dw`` x ``dh``: scaled up to that box it fills it, nothing letterboxed."""
    scale = max(dw / sw, dh / sh)
    w = min(sw, max(2, round(dw / scale) // 2 * 2))
    h = min(sh, max(2, round(dh / scale) // 2 * 2))
    return (sw - w) // 4 * 2, (sh - h) // 4 * 2, w, h


FILL_KEEPS = 0.75  # a fill crops at most a quarter of the picture's width or height


def fill_crop(sw: int, sh: int, dw: int, dh: int) -> tuple[int, int, int, int] | None:
    """:func:`cover_crop`, or None when the crop would cut away more than ``FILL_KEEPS``
    of the picture either way (then it is letterboxed: a product held up at its edge
    stays on air)."""
    crop = cover_crop(sw, sh, dw, dh)
    if crop[2] < FILL_KEEPS * sw or crop[3] < FILL_KEEPS * sh:
        return None
    return crop


def crop_i420(src: np.ndarray, sw: int, sh: int, x: int, y: int, w: int, h: int) -> np.ndarray:
    """The even-aligned ``(x, y, w, h)`` part of an I420 frame, as its own I420 frame."""
    if (x, y, w, h) == (0, 0, sw, sh):
        return src
    out = np.empty((h * 3 // 2, w), np.uint8)
    sy, su, sv = planes(src, sw, sh)
    oy, ou, ov = planes(out, w, h)
    oy[...] = sy[y : y + h, x : x + w]
    ou[...] = su[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2]
    ov[...] = sv[y // 2 : (y + h) // 2, x // 2 : (x + w) // 2]
    return out


def fit_rect(sw: int, sh: int, dw: int, dh: int) -> tuple[int, int, int, int]:
    """Largest even-sized rectangle of aspect sw:sh centred in dw x dh (letterbox)."""
    scale = min(dw / sw, dh / sh)
    w = max(2, int(sw * scale) // 2 * 2)
    h = max(2, int(sh * scale) // 2 * 2)
    x = (dw - w) // 2 // 2 * 2
    y = (dh - h) // 2 // 2 * 2
    return x, y, w, h


def delivered_size(width: int, height: int, want: tuple[int, int] | None) -> tuple[int, int]:
    """The size a decoded ``width`` x ``height`` picture is handed out at: ``want`` (the
    canvas its compositor asked for, ``Source.deliver_size``) when that is a reduction of
    the same aspect, else its own even size."""
    w, h = width // 2 * 2, height // 2 * 2
    if want is not None:
        dw, dh = want
        if dw < w and dh < h and dw * h == dh * w:
            return dw, dh
    return w, h


def av_frame_to_i420(  # type: ignore[no-untyped-def]
    frame, pool: BufferPool | None = None, size: tuple[int, int] | None = None
) -> tuple[np.ndarray, int, int]:
    """A decoded PyAV VideoFrame -> (I420 array, width, height), even-sized.

    With ``pool`` the planes are copied into a reused buffer of that pool (one copy,
    no allocation); a frame of another size than the pool's gets a new array. With
    ``size`` (see :func:`delivered_size`) they are scaled straight out of the decoder's
    planes instead of copied (libswscale's area filter, as in the ffmpeg CLI's scale):
    the one pass over the picture is the scale, pixel for pixel what
    :func:`resize_i420` gives the copy.
    """
    w, h = frame.width // 2 * 2, frame.height // 2 * 2
    if frame.format.name != "yuv420p" or (w, h) != (frame.width, frame.height):
        frame = frame.reformat(width=w, height=h, format="yuv420p")
    dw, dh = delivered_size(w, h, size)
    pl = frame.planes
    if min(p.line_size for p in pl) < 0:
        data = frame.to_ndarray()
        return (data, w, h) if (dw, dh) == (w, h) else (resize_i420(data, w, h, dw, dh), dw, dh)
    shape = (dh * 3 // 2, dw)
    out = pool.take() if pool is not None and pool.shape == shape else np.empty(shape, np.uint8)
    if (dw, dh) != (w, h):
        sws = swscale.scaler(w, h, dw, dh)
        if sws is not None:
            sws.scale([p.buffer_ptr for p in pl], [p.line_size for p in pl], out)
            return out, dw, dh
    interp = scale_interp(w, dw)
    sizes = ((w, h), (w // 2, h // 2), (w // 2, h // 2))
    for dst, plane, (pw, ph) in zip(planes(out, dw, dh), pl, sizes, strict=True):
        src = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:ph, :pw]
        if (dw, dh) == (w, h):
            np.copyto(dst, src)
        else:
            cv2.resize(src, (dst.shape[1], dst.shape[0]), dst=dst, interpolation=interp)
    return out, dw, dh


class DecodedPictures:
    """A decoder's pictures copied (or scaled, see :func:`delivered_size`) into reused
    buffers: one pool for the size they are handed out at, made again when it changes."""

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep
        self._pool: BufferPool | None = None

    def take(  # type: ignore[no-untyped-def]
        self, frame, size: tuple[int, int] | None = None
    ) -> tuple[np.ndarray, int, int]:
        dw, dh = delivered_size(frame.width, frame.height, size)
        if self._pool is None or self._pool.shape != (dh * 3 // 2, dw):
            self._pool = BufferPool((dh * 3 // 2, dw), keep=self._keep)
        return av_frame_to_i420(frame, self._pool, size)
