"""Sources with the parts that exist here: generated files, a scripted camera."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from studio.errors import UserError
from studio.media.frame import planes
from studio.media.sources import open_source
from studio.media.sources.camera import CameraSource
from studio.media.sources.decoded import FileSource
from studio.media.sources.test_pattern import TestPatternSource, read_frame_code


def make_clip(
    path: Path, seconds: float = 1.0, fps: int = 25, size: tuple[int, int] = (320, 240)
) -> None:
    """A small H.264 + AAC file whose frame brightness encodes the frame number."""
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        a = c.add_stream("aac", rate=48000, layout="stereo")
        n = int(seconds * fps)
        for i in range(n):
            img = np.full((size[1], size[0], 3), (i * 9) % 250, np.uint8)
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts = i
            for p in v.encode(f):
                c.mux(p)
        samples = np.sin(np.arange(int(48000 * seconds)) / 10).astype(np.float32) * 0.3
        for i in range(0, len(samples) - 1024, 1024):
            af = av.AudioFrame.from_ndarray(
                np.stack([samples[i : i + 1024]] * 2), format="fltp", layout="stereo"
            )
            af.sample_rate, af.pts, af.time_base = 48000, i, Fraction(1, 48000)
            for p in a.encode(af):
                c.mux(p)
        for s in (v, a):
            for p in s.encode(None):
                c.mux(p)


def test_test_pattern_frame_code_round_trips() -> None:
    src = TestPatternSource(640, 360, 30)
    for k in (0, 1, 77, 123456):
        y, _, _ = planes(src.render(k), 640, 360)
        assert read_frame_code(y) == k


def test_file_source_plays_in_real_time_and_loops(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    make_clip(clip, seconds=1.0)
    src = FileSource(clip, 640, 360, 30)
    src.start()
    try:
        time.sleep(2.6)
        frames = src.frames
        assert src.state == "live"
        # 25 fps paced: ~65 frames in 2.6 s, looping past the 1 s file twice
        assert 45 <= frames <= 75, frames
        assert src.audio is not None
        assert src.audio.samples_written >= 2.0 * 48000  # the file's own sound, paced too
        f = src.slot.peek()
        assert f is not None and (f.width, f.height) == (320, 240)
    finally:
        src.stop()


def test_open_source_rejects_bad_specs(tmp_path: Path) -> None:
    for spec in (
        "nope",
        "file:/does/not/exist.mp4",
        "url:ftp://x/y",
        "url:rtmp://host-only",
        "camera:",
        "rtmp://h",
    ):
        with pytest.raises(UserError):
            open_source(spec, 640, 360, 30)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(UserError, match="not a playable video"):
        open_source(f"file:{junk}", 640, 360, 30)


class ScriptedCamera:
    """Stands in for the one part that cannot run here: a physical USB camera."""

    def __init__(self, world: dict) -> None:
        self.world = world
        self.open = world["plugged"]

    def isOpened(self) -> bool:  # noqa: N802
        return self.open

    def read(self):  # type: ignore[no-untyped-def]
        time.sleep(1 / 30)
        if not self.world["plugged"]:
            return False, None
        return True, np.full((240, 320, 3), 200, np.uint8)

    def release(self) -> None:
        self.open = False

    def set(self, prop: int, value: float) -> bool:
        return True

    def get(self, prop: int) -> float:
        return 0.0


def test_camera_unplugged_shows_slate_and_comes_back() -> None:
    world = {"plugged": True}
    cam = CameraSource(
        0, "USB Cam", 640, 360, 30, opener=lambda: ScriptedCamera(world), retry_seconds=0.2
    )
    cam.start()

    def until(cond) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 10
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.02)
        return bool(cond())

    def picture_width() -> int | None:
        f = cam.slot.peek()
        return f.width if f is not None else None

    try:
        assert until(lambda: cam.state == "live" and picture_width() == 320), cam.state
        world["plugged"] = False
        assert until(lambda: cam.state == "lost"), cam.state
        slate = cam.slot.peek()
        assert slate is not None and (slate.width, slate.height) == (640, 360)
        world["plugged"] = True
        assert until(lambda: cam.state == "live" and picture_width() == 320), cam.state
        assert cam.reopens >= 1
    finally:
        cam.stop()
