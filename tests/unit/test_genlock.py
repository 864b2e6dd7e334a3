"""The output clock slides its phase to just after the main source's frames (no timing)."""

from __future__ import annotations

from studio.config import Profile
from studio.media.engine import GENLOCK_MARGIN, Pipeline
from studio.media.frame import Frame, blank
from studio.media.sources.base import Source


class _Fed(Source):
    kind = "camera"

    def _workers(self):  # type: ignore[no-untyped-def]
        return []


def test_ticks_converge_to_just_after_the_frames() -> None:
    fps = 30
    p = Pipeline(Profile(width=640, height=360, fps=fps))
    src = _Fed("cam", 640, 360, fps)
    src.state = "live"
    p.add_source(src, layer=False)
    p._t0 = 100.0
    data = blank(640, 360)
    for k in range(400):  # frames land 0.4 periods after each tick of the initial phase
        src.slot.put(Frame(data, 640, 360, 100.0 + (k + 0.4) / fps, k + 1))
        p._genlock(fps)
    landing = ((100.0 + 0.4 / fps - p._t0) * fps) % 1.0
    # the next tick comes GENLOCK_MARGIN of a period after a frame lands
    assert abs((1.0 - landing) - GENLOCK_MARGIN) < 0.01


def test_no_genlock_for_remote_streams_or_other_rates() -> None:
    p = Pipeline(Profile(width=640, height=360, fps=30))
    src = _Fed("x", 640, 360, 25)
    src.state = "live"
    p.add_source(src, layer=False)
    p._t0 = 5.0
    src.slot.put(Frame(blank(640, 360), 640, 360, 5.013, 1))
    p._genlock(30)
    assert p._t0 == 5.0
