"""How a decoding source threads its decoder: one thread up to 1080p30, frame threads above."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.media.sources.decoded import decoder_threads, set_decoder_threads


def test_up_to_1080p30_decodes_on_the_source_thread_alone() -> None:
    assert decoder_threads(1920, 1080, 30) == ("SLICE", 1)
    assert decoder_threads(1280, 720, 60) == ("SLICE", 1)
    assert decoder_threads(640, 360, 0) == ("SLICE", 1)  # rate unknown: taken as 30


def test_more_than_one_core_can_decode_gets_frame_threads() -> None:
    assert decoder_threads(1920, 1080, 60) == ("AUTO", 0)
    assert decoder_threads(3840, 2160, 30) == ("AUTO", 0)
    assert decoder_threads(0, 0, 30) == ("AUTO", 0)  # size not probed yet: it may be 4K


def _clip(path: Path, w: int, h: int, frames: int) -> Path:
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.codec_context.time_base = Fraction(1, 30)
        for i in range(frames):
            img = np.full((h * 3 // 2, w), 16 + 7 * i % 200, np.uint8)
            f = av.VideoFrame.from_ndarray(img, format="yuv420p")
            f.pts = i
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    return path


def test_a_file_decoded_on_one_thread_gives_every_picture(tmp_path: Path) -> None:
    with av.open(str(_clip(tmp_path / "c.mp4", 320, 240, 20))) as c:
        v = c.streams.video[0]
        set_decoder_threads(v)
        assert v.codec_context.thread_count == 1
        pictures = [f.to_ndarray() for f in c.decode(v)]
    assert len(pictures) == 20
    firsts = [int(p[0, 0]) for p in pictures[:3]]
    assert all(abs(a - b) <= 2 for a, b in zip(firsts, [16, 23, 30], strict=True)), firsts
