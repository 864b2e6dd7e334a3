"""立即重连 (reconnect now): only the destinations that are down are retried (real nginx-rtmp)."""

from __future__ import annotations

import pytest

from studio.media.engine import Pipeline
from tests.integration.conftest import wait_for
from tests.nginx_rtmp import NginxRtmp, free_port

pytestmark = pytest.mark.rtmp


def test_reconnect_now_retries_the_dead_destination_and_leaves_the_live_one(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp
) -> None:
    healthy = pipeline.add_rtmp(nginx_rtmp.url("healthy"))
    dead = pipeline.add_rtmp(f"rtmp://127.0.0.1:{free_port()}/live/nobody-home")
    pipeline.start()
    assert wait_for(lambda: healthy.state == "live", 10)
    # a few failed tries: its backoff is now seconds long (1 s, then x1.5)
    assert wait_for(lambda: dead.stats.reconnects >= 3, 15), dead.stats.reconnects
    tries, frames = dead.stats.reconnects, healthy.stats.video_frames_sent
    retried = pipeline.reconnect_now()
    assert wait_for(lambda: dead.stats.reconnects > tries, 1.0)  # the wait was skipped
    # the healthy platform keeps its connection and every frame
    assert wait_for(lambda: healthy.stats.video_frames_sent > frames + 30, 5)
    assert healthy.state == "live"
    assert healthy.stats.reconnects == 0
    assert healthy.stats.dropped_network == 0
    assert retried == [dead.name]


def test_reconnect_now_retries_a_failed_destination(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp
) -> None:
    refused = pipeline.add_rtmp(nginx_rtmp.url("wrong-key-123", app="closed"))
    healthy = pipeline.add_rtmp(nginx_rtmp.url("store5"))
    pipeline.start()
    assert wait_for(lambda: refused.state == "failed", 15), refused.state
    assert wait_for(lambda: healthy.state == "live", 10)
    seen: list[str] = []
    pipeline.bus.subscribe(
        "output.state",
        lambda e: seen.append(e.data["state"]) if e.data["name"] == refused.name else None,
    )
    retried = pipeline.reconnect_now()
    assert wait_for(lambda: "connecting" in seen, 3), seen  # it tries again
    assert retried == [refused.name]
    assert wait_for(lambda: refused.state == "failed", 15), refused.state  # still refused
    assert "check the stream key" in refused.reason
    assert healthy.state == "live" and healthy.stats.reconnects == 0
