"""ctypes calls go to PyAV's FFmpeg, not to the other copy OpenCV's wheel maps in.

The RTMP connection (``avio_open2``) used to take the first libavformat in the process's
map, which, with cv2 imported first, was OpenCV's build (its own OpenSSL 1.1 under TLS).
"""

from __future__ import annotations

import sys
from pathlib import Path

import av
import cv2
import pytest

from studio.media import swscale
from studio.media.ffmpeg_libs import library_path
from studio.media.outputs import netio


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_pyav_s_copy_is_chosen_while_opencv_s_is_mapped_too() -> None:
    assert cv2.__version__
    maps = Path("/proc/self/maps").read_text()
    assert "opencv_python_headless.libs/libavformat" in maps  # the trap is there
    pyav = Path(av.__file__).resolve().parent.parent
    for name in ("avformat", "avutil", "swscale"):
        path = library_path(name)
        assert path is not None and "opencv" not in path
        assert Path(path).resolve().is_relative_to(pyav), path
    assert netio.available()
    assert swscale.scaler(128, 128, 64, 64) is not None
