"""The engine with a test pattern, as the integration tests drive it (one copy for all)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from studio.config import Profile
from studio.media.engine import Pipeline
from studio.media.sources.test_pattern import TestPatternSource

PROFILE = Profile(width=640, height=360, fps=30, video_bitrate=1_000_000)


def wait_for(cond: Callable[[], object], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    """640x360 at 30 fps, 1 Mb/s, from the test pattern; stopped after the test."""
    p = Pipeline(PROFILE)
    p.add_source(TestPatternSource(PROFILE.width, PROFILE.height, PROFILE.fps))
    yield p
    p.stop()
