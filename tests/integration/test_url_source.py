"""Pulling a remote stream (co-streaming, the manager wall): frames, audio, loss and return."""

from __future__ import annotations

import time

import pytest

from studio.config import Profile
from studio.media.engine import Pipeline
from studio.media.frame import planes
from studio.media.sources.decoded import UrlSource
from studio.media.sources.test_pattern import TestPatternSource, read_frame_code
from tests.nginx_rtmp import NginxRtmp

pytestmark = pytest.mark.rtmp
P = Profile(width=640, height=360, fps=30, video_bitrate=800_000)


def until(cond, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_url_source_pulls_live_shows_slate_when_lost_and_recovers(nginx_rtmp: NginxRtmp) -> None:
    url = nginx_rtmp.url("guest1")
    pusher = Pipeline(P)
    pusher.add_source(TestPatternSource(640, 360, 30, caption="guest"))
    pusher.add_rtmp(url)
    pusher.start()
    src = UrlSource(url, 640, 360, 30, read_timeout=2.0)
    src.start()
    try:
        assert until(lambda: src.state == "live" and src.frames > 30, 15), src.detail
        f = src.slot.peek()
        assert f is not None and (f.width, f.height) == (640, 360)
        code1 = read_frame_code(planes(f.data, 640, 360)[0])
        time.sleep(1)
        code2 = read_frame_code(planes(src.slot.peek().data, 640, 360)[0])
        assert code1 is not None and code2 is not None and 20 <= code2 - code1 <= 40
        assert src.audio is not None and src.audio.buffered_seconds > 0

        pusher.stop()  # the guest hangs up
        assert until(lambda: src.state == "lost", 8)
        slate = src.slot.peek()
        assert (
            read_frame_code(planes(slate.data, 640, 360)[0]) is None
        )  # the slate, not a stale frame

        pusher2 = Pipeline(P)
        pusher2.add_source(TestPatternSource(640, 360, 30))
        pusher2.add_rtmp(url)
        pusher2.start()
        try:
            assert until(lambda: src.state == "live", 15)
            assert src.reconnects >= 1
        finally:
            pusher2.stop()
    finally:
        src.stop()
        pusher.stop()
