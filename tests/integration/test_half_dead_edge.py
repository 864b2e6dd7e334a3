"""A destination that accepts and stops reading (a half-dead CDN edge), next to a healthy one.

The healthy platform is a real nginx-rtmp; the dead one is :mod:`half_dead_edge`, a loopback
RTMP server of the test's own that takes the publish and then reads nothing (or answers only
the handshake). What a guide would check: the broken destination says so within about 10 s
and retries by itself, while viewers of the other platform and the recording get every frame.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from studio.media.engine import Pipeline
from studio.media.outputs.rtmp import CONNECT_SECONDS
from studio.media.outputs.stall import STALL_SECONDS
from tests.integration.conftest import wait_for
from tests.integration.half_dead_edge import EdgeProcess
from tests.media_probe import Pulled, read_media
from tests.nginx_rtmp import NginxRtmp

pytestmark = [pytest.mark.rtmp, pytest.mark.timeout(120)]

FPS = 30


class StateLog:
    """When an output first reached a state (polled, so the test never blocks on it)."""

    def __init__(self, output: object) -> None:
        self.output = output
        self.first: dict[str, float] = {}
        self._done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._done.wait(0.05):
            self.first.setdefault(self.output.state, time.monotonic())  # type: ignore[attr-defined]

    def since(self, state: str, t0: float) -> float | None:
        """Seconds from ``t0`` to the first time in ``state`` after it."""
        at = self.first.get(state)
        return None if at is None or at < t0 else at - t0

    def forget(self, state: str) -> None:
        self.first.pop(state, None)

    def close(self) -> None:
        self._done.set()


def pull_in_background(url: str, seconds: float) -> tuple[threading.Thread, list[Pulled]]:
    got: list[Pulled] = []
    t = threading.Thread(target=lambda: got.append(read_media(url, seconds=seconds)), daemon=True)
    t.start()
    return t, got


def arrived_between(p: Pulled, start: float, end: float) -> int:
    return sum(1 for a in p.arrivals if start <= a < end)


def assert_recording_has_every_frame(path: Path) -> None:
    played = read_media(str(path))
    assert not played.error, played.error
    steps = [b - a for a, b in zip(played.video_times, played.video_times[1:], strict=False)]
    assert steps and max(steps) < 1.5 / FPS, max(steps)  # no frame missing anywhere


def test_edge_that_stops_reading_is_cut_within_10s_and_reconnected(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp, tmp_path: Path
) -> None:
    edge = EdgeProcess("answer")
    try:
        healthy_url = nginx_rtmp.url("healthy")
        healthy = pipeline.add_rtmp(healthy_url)
        dead = pipeline.add_rtmp(edge.url("edge"))
        rec = pipeline.add_recorder(tmp_path / "show.mkv")
        pipeline.start()
        assert wait_for(lambda: healthy.state == "live" and dead.state == "live", 15), (
            healthy.state, dead.state, dead.reason)  # fmt: skip
        states = StateLog(dead)
        time.sleep(1.0)
        sent_before = dead.stats.video_frames_sent
        assert sent_before > 0  # the edge really took the stream at first
        puller, pulled = pull_in_background(healthy_url, seconds=16)
        time.sleep(1.0)  # the viewer has joined
        edge.stall()
        stalled_at = time.monotonic()
        # no progress starts once the edge's small window is full (well under a second)
        assert wait_for(lambda: states.since("reconnecting", stalled_at) is not None, 25)
        cut_after = states.since("reconnecting", stalled_at)
        assert cut_after is not None and cut_after <= STALL_SECONDS + 3, cut_after
        assert "stopped taking data" in dead.reason, dead.reason
        assert dead.message is not None and dead.message.id == "output.stalled"
        puller.join(30)
        # while the edge hung, the healthy platform's viewer got the picture in real time
        (during,) = pulled
        assert not during.error, during.error
        window = STALL_SECONDS
        got = arrived_between(during, stalled_at + 1.0, stalled_at + 1.0 + window)
        assert got >= 0.95 * FPS * window, got
        edge.heal()
        states.forget("live")
        assert wait_for(lambda: dead.state == "live", 40), (dead.state, dead.reason)
        assert dead.stats.reconnects >= 1
        assert wait_for(lambda: dead.stats.video_frames_sent > sent_before + FPS, 10)
        states.close()
        pipeline.stop()
    finally:
        edge.stop()
    assert healthy.stats.dropped_network == 0 and healthy.stats.reconnects == 0
    assert pipeline.counters.render_lag == 0 and pipeline.counters.encode_lag == 0
    assert rec.stats.dropped_network == 0
    assert_recording_has_every_frame(rec.path)


def test_edge_that_answers_only_the_handshake_does_not_freeze_the_studio(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp, tmp_path: Path
) -> None:
    """FFmpeg's connect waits for an answer that never comes: it used to hold the GIL meanwhile."""
    edge = EdgeProcess("handshake")
    try:
        healthy_url = nginx_rtmp.url("healthy")
        healthy = pipeline.add_rtmp(healthy_url)
        rec = pipeline.add_recorder(tmp_path / "show.mkv")
        pipeline.start()
        assert wait_for(lambda: healthy.state == "live", 15), healthy.state
        puller, pulled = pull_in_background(healthy_url, seconds=CONNECT_SECONDS + 6)
        time.sleep(1.5)
        dead = pipeline.add_rtmp(edge.url("edge"))
        states = StateLog(dead)
        added_at = time.monotonic()
        rendered_at_add = pipeline.counters.rendered
        assert wait_for(lambda: states.since("reconnecting", added_at) is not None, 30)
        gave_up_after = states.since("reconnecting", added_at)
        assert gave_up_after is not None and gave_up_after <= CONNECT_SECONDS + 3, gave_up_after
        assert "did not answer" in dead.reason, dead.reason
        elapsed = time.monotonic() - added_at
        # the output clock never stopped while that connect waited
        assert pipeline.counters.rendered - rendered_at_add >= 0.95 * FPS * elapsed - 2
        puller.join(30)
        (during,) = pulled
        assert not during.error, during.error
        got = arrived_between(during, added_at + 0.5, added_at + 0.5 + CONNECT_SECONDS)
        assert got >= 0.95 * FPS * CONNECT_SECONDS, got
        assert dead.state != "failed"  # no answer is not a refusal: it keeps trying
        states.close()
        pipeline.stop()
    finally:
        edge.stop()
    assert healthy.stats.dropped_network == 0 and healthy.stats.reconnects == 0
    assert pipeline.counters.render_lag == 0
    assert_recording_has_every_frame(rec.path)
