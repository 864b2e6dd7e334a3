"""Several destinations, dead ones, a server that crashes and returns: engine API, real nginx."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from studio.events import EventQueue
from studio.media.engine import Pipeline
from tests.integration.conftest import wait_for
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp, free_port
from tests.stall_proxy import StallProxyProcess

pytestmark = pytest.mark.rtmp


def test_dead_destination_does_not_stall_the_live_one(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp
) -> None:
    live_url = nginx_rtmp.url("store1")
    live = pipeline.add_rtmp(live_url)
    dead = pipeline.add_rtmp(f"rtmp://127.0.0.1:{free_port()}/live/nobody-home")
    pipeline.start()
    assert wait_for(lambda: live.state == "live", 10)
    pulled = read_media(live_url, seconds=6)
    assert not pulled.error
    span = pulled.video_times[-1] - pulled.video_times[0]
    assert span > 4.5
    assert len(pulled.video_times) >= 0.95 * (span * 30 + 1)
    assert dead.state == "reconnecting"
    assert dead.stats.reconnects >= 2  # it keeps trying: 1 s, then x1.5
    assert live.stats.dropped_network == 0
    assert pipeline.counters.encode_lag == 0


def test_server_crash_and_return_resumes_stream_and_recording_has_no_gap(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp, tmp_path: Path
) -> None:
    url = nginx_rtmp.url("store2")
    out = pipeline.add_rtmp(url)
    rec = pipeline.add_recorder(tmp_path / "show.mkv")
    states = EventQueue(pipeline.bus, "output.state")
    stamps: list[tuple[float, str]] = []
    pipeline.bus.subscribe(
        "output.state",
        lambda e: (
            stamps.append((time.monotonic(), e.data["state"])) if e.data["kind"] == "rtmp" else None
        ),
    )
    pipeline.start()
    assert wait_for(lambda: out.state == "live", 10)
    before = read_media(url, seconds=2)
    assert len(before.video_times) > 30

    nginx_rtmp.kill()
    assert wait_for(lambda: out.state == "reconnecting", 10), out.state
    time.sleep(2.0)
    nginx_rtmp.start()
    back_at = time.monotonic()

    # the output is live again within 5 s of the server's return (its backoff is 1 s x1.5)
    assert wait_for(lambda: out.state == "live", 10), out.state
    live_again = next(t for t, state in stamps if t >= back_at and state == "live")
    assert live_again - back_at <= 5.0, (round(live_again - back_at, 2), stamps)
    assert out.stats.reconnects >= 1
    # and a viewer who keeps retrying sees moving pictures again
    got = threading.Event()

    def viewer() -> None:
        while time.monotonic() - back_at < 15 and not got.is_set():
            p = read_media(url, seconds=1.0, open_timeout=2)
            if len(p.video_times) >= 5:
                got.set()
                return

    t = threading.Thread(target=viewer)
    t.start()
    t.join(17)
    assert got.is_set(), "stream did not come back"
    assert out.state == "live"
    pipeline.stop()

    seen = [e.data["state"] for e in states.drain() if e.data["kind"] == "rtmp"]
    assert "reconnecting" in seen and seen.count("live") >= 2

    played = read_media(str(rec.path))
    assert not played.error
    # the recording ran straight through the 2 s+ outage: no hole in its timeline (a few
    # ticks skipped on a loaded machine are render lag, counted by the engine, not a gap)
    steps = [b - a for a, b in zip(played.video_times, played.video_times[1:], strict=False)]
    big = [(round(played.video_times[i], 2), round(d, 3)) for i, d in enumerate(steps) if d > 0.05]
    assert max(steps) < 0.25, (big, pipeline.counters)
    span = played.video_times[-1] - played.video_times[0]
    assert len(played.video_times) >= 0.98 * (span * 30 + 1)
    # (the first ticks are black until the source's first frame arrives)
    first = next(i for i, c in enumerate(played.codes) if c is not None)
    codes = [c for c in played.codes[first:] if c is not None]
    assert first < 15
    assert len(codes) >= 0.98 * len(played.codes[first:])
    assert codes == sorted(codes)
    assert codes[-1] - codes[0] <= len(codes) * 1.03  # source frames missing: under 3 %


def test_refused_stream_fails_with_a_clear_reason(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp
) -> None:
    out = pipeline.add_rtmp(nginx_rtmp.url("wrong-key-123", app="closed"))
    ok = pipeline.add_rtmp(nginx_rtmp.url("store3"))
    pipeline.start()
    assert wait_for(lambda: out.state == "failed", 15), out.state
    assert "check the stream key" in out.reason
    assert "wrong-key-123" not in out.reason
    assert ok.state == "live"


def test_reconnect_now_skips_the_backoff(pipeline: Pipeline, nginx_rtmp: NginxRtmp) -> None:
    out = pipeline.add_rtmp(nginx_rtmp.url("store4"))
    pipeline.start()
    assert wait_for(lambda: out.state == "live", 10)
    before = out.stats.reconnects
    pipeline.reconnect_now(out.name)  # named: reconnected even though live
    assert wait_for(lambda: out.stats.reconnects > before and out.state == "live", 3)


def test_preview_first_then_record_starts_at_zero_on_a_fresh_keyframe(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    pipeline.start()  # preview only: composes, encodes nothing
    assert wait_for(lambda: pipeline.counters.rendered > 60, 15)  # 2 s of preview
    assert pipeline.counters.encoded == 0
    rec = pipeline.add_recorder(tmp_path / "late.mkv")
    time.sleep(1.5)
    pipeline.add_chapter("商品 A")
    time.sleep(1.0)
    pipeline.remove_output(rec)
    played = read_media(str(rec.path))
    assert not played.error
    assert played.video_times[0] < 0.1  # the file starts at 0, not at 2 s
    assert 2.0 <= len(played.video_times) / 30 <= 3.0
    chapter = rec.chapters[0]
    assert 1.2 <= chapter["start"] <= 1.8, chapter
    import av

    with av.open(str(rec.path)) as c:
        (ch,) = c.chapters()
        assert ch["metadata"]["title"] == "商品 A"


def test_destination_that_stops_reading_is_cut_within_10s_while_the_rest_keep_full_rate(
    pipeline: Pipeline, nginx_rtmp: NginxRtmp, tmp_path: Path
) -> None:
    """A half-dead edge (connected, reading nothing) used to hold its thread until TCP gave up."""
    edge = StallProxyProcess(nginx_rtmp.port)
    try:
        healthy_url = nginx_rtmp.url("healthy")
        healthy = pipeline.add_rtmp(healthy_url)
        stalled = pipeline.add_rtmp(edge.url("edge"))
        rec = pipeline.add_recorder(tmp_path / "show.mkv")
        pipeline.start()
        assert wait_for(lambda: healthy.state == "live" and stalled.state == "live", 10)
        time.sleep(1.0)
        edge.stall()
        stalled_at = time.monotonic()
        during = read_media(healthy_url, seconds=8)  # a viewer of the healthy platform meanwhile
        # no progress begins once the edge's small window is full (about a second); then 10 s
        assert wait_for(lambda: stalled.state == "reconnecting", 20), stalled.state
        cut_after = time.monotonic() - stalled_at
        assert cut_after <= 10 + 3, cut_after
        assert "stopped taking data" in stalled.reason
        edge.heal()
        assert wait_for(lambda: stalled.state == "live", 20), (stalled.state, stalled.reason)
        pipeline.stop()
    finally:
        edge.stop()
    assert not during.error
    span = during.video_times[-1] - during.video_times[0]
    assert span > 6.5
    assert len(during.video_times) >= 0.95 * (span * 30 + 1)
    assert healthy.stats.dropped_network == 0 and healthy.stats.reconnects == 0
    played = read_media(str(rec.path))
    steps = [b - a for a, b in zip(played.video_times, played.video_times[1:], strict=False)]
    assert max(steps) < 0.1  # the recording ran straight through


def test_audio_that_trails_the_first_picture_neither_breaks_nor_delays_the_stream(
    nginx_rtmp: NginxRtmp,
) -> None:
    """AAC hands out a packet ~50 ms after its samples, so at every (re)connect the
    audio from just before the first keyframe arrives after it. The RTMP output writes
    pictures without waiting for audio, so nothing sorts that audio in front any more:
    it must be left out (an FLV refuses time before its first tag), not cut the stream.
    Packets are sent in the engine's order: each picture, then audio 60 ms late."""
    from studio.config import Profile
    from studio.media.encoder import Encoder
    from studio.media.frame import blank
    from studio.media.outputs import RtmpOutput
    from studio.media.outputs.base import Templates
    from studio.media.sources.test_pattern import TestPatternSource

    w, h, fps, seconds = 320, 180, 30, 3
    enc = Encoder(Profile(width=w, height=h, fps=fps, video_bitrate=800_000, encoder="x264"))
    timeline: list[tuple[float, object]] = []
    try:
        for i in range(seconds * fps):
            g = 40 + (i * 7) % 180
            for p in enc.encode_video(blank(w, h, (g, g, g)), i):
                timeline.append((p.seconds, p))
        per = 48_000 // fps
        for k in range(seconds * fps):
            for p in enc.encode_audio(TestPatternSource.tone(k * per, per)):
                timeline.append((p.seconds + 0.060, p))
    finally:
        enc.close()
    timeline.sort(key=lambda tp: tp[0])
    assert timeline[0][1].kind == "video" and timeline[0][1].keyframe
    assert any(p.kind == "audio" and p.seconds < 0 for _, p in timeline)  # the trailing audio

    url = nginx_rtmp.url("trailing-audio")
    pulled: dict[str, object] = {}
    done = threading.Event()
    viewer = threading.Thread(target=lambda: pulled.update(p=read_media(url, 15, stop=done)))
    viewer.start()  # waiting on the stream before it is published
    time.sleep(0.5)
    out = RtmpOutput(url)
    out.start(Templates(enc.video, enc.audio))
    try:
        assert wait_for(lambda: out.state == "live", 10), out.state
        t0 = time.monotonic()
        for at, p in timeline:
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            out.send(p)
        assert wait_for(lambda: out.stats.video_frames_sent == seconds * fps, 5)
        assert out.state == "live" and out.stats.reconnects == 0, (out.state, out.reason)
        time.sleep(1.0)
    finally:
        out.stop()  # the clip is over; the viewer's read ends with the stream
        done.set()
        viewer.join(15)
    got = pulled["p"]
    assert len(got.video_times) >= seconds * fps - 2, got.error  # the whole clip, first keyframe on
    assert len(got.samples) >= (seconds - 0.5) * 48_000, got.error  # and its sound
