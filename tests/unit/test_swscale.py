"""Scaling through libswscale: the pixels are the library's own area filter's.

PyAV's ``reformat`` (the same libswscale, through its own frames) is the reference:
what the engine writes into its buffers must be what that gives, at the sizes a show
uses (1080p -> 720p, a co-streaming tile, a portrait canvas) and at sizes whose rows are not a
multiple of 16 bytes. Without the library the engine scales with OpenCV instead.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import av
import numpy as np
import pytest

from studio.media import swscale
from studio.media.frame import av_frame_to_i420, planes, resize_i420


def _noise(w: int, h: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(16, 236, (h * 3 // 2, w), dtype=np.uint8)


def _reference(pic: np.ndarray, sw: int, sh: int, dw: int, dh: int) -> np.ndarray:
    """PyAV's own libswscale area scale of ``pic``, as one I420 array."""
    frame = av.VideoFrame.from_ndarray(pic, format="yuv420p")
    out = frame.reformat(dw, dh, interpolation="AREA", threads=1)
    return out.to_ndarray()


SIZES = [
    (1920, 1080, 1280, 720),  # the decoded 1080p camera under a 720p canvas
    (1280, 720, 480, 270),  # a tile of a split screen (rows of 240 chroma bytes)
    (1080, 1920, 720, 1280),  # portrait 9:16
    (1100, 620, 550, 310),  # rows not a multiple of 16 bytes, odd chroma width
]


def test_the_library_is_found_here() -> None:
    """The wheel bundles libswscale: if this machine could not load it, the engine would
    scale every picture with OpenCV, slower, and the tests below would not test it."""
    assert swscale.scaler(128, 128, 64, 64) is not None


@pytest.mark.parametrize(("sw", "sh", "dw", "dh"), [*SIZES, (1366, 768, 1002, 562)])
def test_resize_is_swscale_area(sw: int, sh: int, dw: int, dh: int) -> None:
    pic = _noise(sw, sh, 3)
    out = resize_i420(pic, sw, sh, dw, dh)
    assert out.shape == (dh * 3 // 2, dw)
    assert np.array_equal(out, _reference(pic, sw, sh, dw, dh))


@pytest.mark.parametrize(("sw", "sh", "dw", "dh"), SIZES)
def test_decoded_planes_scale_straight_into_the_buffer(sw: int, sh: int, dw: int, dh: int) -> None:
    """From the decoder's own planes (padded rows) into our contiguous buffer: the same
    pixels as PyAV's scale and as scaling a copy."""
    pic = _noise(sw, sh, 5)
    frame = av.VideoFrame.from_ndarray(pic, format="yuv420p")
    assert frame.planes[0].line_size != sw or sw % 64 == 0  # padded unless already aligned
    data, fw, fh = av_frame_to_i420(frame, None, (dw, dh))
    assert (fw, fh) == (dw, dh)
    assert np.array_equal(data, _reference(pic, sw, sh, dw, dh))
    assert np.array_equal(data, resize_i420(pic, sw, sh, dw, dh))


def test_a_canvas_is_written_in_place_and_nothing_around_it() -> None:
    big = np.full((720 * 3 // 2 + 2, 1280), 7, np.uint8)
    canvas = big[1:-1]  # a contiguous window with guard rows either side
    pic = _noise(1920, 1080, 9)
    assert resize_i420(pic, 1920, 1080, 1280, 720, out=canvas) is canvas
    assert np.array_equal(canvas, _reference(pic, 1920, 1080, 1280, 720))
    assert (big[0] == 7).all() and (big[-1] == 7).all()


def test_enlarging_and_views_use_opencv() -> None:
    """An enlargement (a small camera letterboxed on the canvas) and a non-contiguous
    source are OpenCV's: the right size, the picture's levels."""
    pic = np.full((90 * 3 // 2, 160), 128, np.uint8)
    up = resize_i420(pic, 160, 90, 640, 360)
    assert up.shape == (540, 640) and (up == 128).all()
    wide = np.full((90 * 3 // 2, 200), 60, np.uint8)
    view = wide[:, :160]
    assert not view.flags.c_contiguous
    down = resize_i420(view, 160, 90, 80, 44)
    assert down.shape == (66, 80) and (down == 60).all()


def test_wrong_sizes_are_refused_not_scaled() -> None:
    """An array that is not the size it is said to be raises (OpenCV's reshape) instead of
    sending libswscale past its end."""
    pic = _noise(1280, 720, 4)
    with pytest.raises(ValueError):
        resize_i420(pic, 1920, 1080, 640, 360)
    with pytest.raises(ValueError):
        small = np.empty((540, 640), np.uint8)
        resize_i420(_noise(1920, 1080, 4), 1920, 1080, 1280, 720, out=small)


# Arrays that end right at a page no one may touch: a byte read or written past them is a
# segfault. Run in a child so that a crash fails this test, not the whole session.
_GUARDED = """
import ctypes, mmap, sys
import numpy as np
from studio.media.frame import resize_i420
libc = ctypes.CDLL(None)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
PAGE, keep = mmap.PAGESIZE, []
def guarded(n):
    pages = (n + PAGE - 1) // PAGE
    m = mmap.mmap(-1, (pages + 1) * PAGE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    assert libc.mprotect(base + pages * PAGE, PAGE, 0) == 0
    arr = (ctypes.c_uint8 * n).from_address(base + pages * PAGE - n)
    keep.extend((m, arr))
    return np.frombuffer(arr, np.uint8)
sizes = [(sw, sh, dw, dh) for sw in range(2, 72, 6) for sh in (2, 6, 40, 1088)
         for dw in range(2, sw + 1, 2) for dh in sorted({2, 4, sh // 2 // 2 * 2 or 2, sh})
         if (dw, dh) != (sw, sh) and dh <= sh]
sizes += [(1920, 1080, 1280, 720), (1920, 1080, 8, 1080), (1920, 1080, 2, 4), (4, 1088, 2, 720),
          (1280, 720, 64, 36), (1920, 1080, 66, 38), (1366, 768, 32, 18),
          (1918, 1078, 566, 318), (642, 362, 638, 358)]
for sw, sh, dw, dh in sizes:
    src = guarded(sh * 3 // 2 * sw).reshape(sh * 3 // 2, sw)
    src[:] = 90
    out = guarded(dh * 3 // 2 * dw).reshape(dh * 3 // 2, dw)
    resize_i420(src, sw, sh, dw, dh, out=out)
    assert np.abs(out.astype(int) - 90).max() <= 2, (sw, sh, dw, dh)  # big reductions: +-2
print(len(sizes))
"""


def test_no_byte_is_read_or_written_past_either_array() -> None:
    """libswscale's SIMD writes rows in 8- and 16-byte steps: into a sliver narrower than
    32 pixels (a 4x1088 guest picture fitted into a tile is 2 pixels wide) it wrote past
    an unpadded buffer and read past a narrow source. Below 64 the sizes are OpenCV's now."""
    out = subprocess.run(
        [sys.executable, "-c", _GUARDED], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout) > 500


def test_without_the_library_opencv_scales(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(swscale, "_local", swscale._PerThread())
    monkeypatch.setattr(swscale, "_library", lambda: None)
    assert swscale.scaler(1920, 1080, 1280, 720) is None
    pic = _noise(1920, 1080, 11)
    out = resize_i420(pic, 1920, 1080, 1280, 720)
    ref = _reference(pic, 1920, 1080, 1280, 720)
    assert out.shape == ref.shape
    y, _, _ = planes(out, 1280, 720)
    ry, _, _ = planes(ref, 1280, 720)
    assert abs(float(y.mean()) - float(ry.mean())) < 1.0  # another filter, same picture
    data, fw, fh = av_frame_to_i420(av.VideoFrame.from_ndarray(pic, format="yuv420p"), None,
                                    (1280, 720))  # fmt: skip
    assert (fw, fh) == (1280, 720) and np.array_equal(data, out)


def test_each_thread_scales_with_its_own_context() -> None:
    """Two decoders' threads scaling at once: a shared context would mix their lines."""
    pics = [_noise(1920, 1080, 20 + i) for i in range(2)]
    refs = [_reference(p, 1920, 1080, 1280, 720) for p in pics]
    bad: list[int] = []
    contexts: list[object] = []

    def work(i: int) -> None:
        contexts.append(swscale.scaler(1920, 1080, 1280, 720))
        for _ in range(20):
            if not np.array_equal(resize_i420(pics[i], 1920, 1080, 1280, 720), refs[i]):
                bad.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []
    assert len(contexts) == 2 and contexts[0] is not contexts[1]


def test_only_the_last_few_contexts_are_kept() -> None:
    """Sizes come and go (guests, tiles, presets); a thread keeps a handful of contexts and
    frees the rest."""
    first = swscale.scaler(640, 360, 320, 180)
    assert first is not None
    for i in range(swscale._KEEP):
        swscale.scaler(640, 360, 320 - 2 * (i + 1), 180)
    assert first._ctx is None  # freed
    again = swscale.scaler(640, 360, 320, 180)
    assert again is not None and again is not first
    pic = _noise(640, 360, 2)
    assert np.array_equal(resize_i420(pic, 640, 360, 320, 180), _reference(pic, 640, 360, 320, 180))
