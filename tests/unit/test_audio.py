from __future__ import annotations

from fractions import Fraction

import numpy as np

from studio.media.audio import SAMPLE_RATE, AudioMixer, AudioRing
from studio.media.encoder import EncodedPacket
from studio.media.outputs.rtmp import RtmpOutput


def block(n: int, value: float = 0.5) -> np.ndarray:
    return np.full((n, 2), value, np.float32)


def test_ring_waits_for_target_then_plays() -> None:
    ring = AudioRing("r", target=0.02)
    ring.write(block(480))
    assert ring.read(480) is None  # 10 ms < 20 ms target: still priming
    ring.write(block(480))
    out = ring.read(480)
    assert out is not None and out.shape == (480, 2) and out[0, 0] == 0.5


def test_audio_piled_up_before_the_first_read_is_not_kept_as_latency() -> None:
    """The source started 130 ms before the output clock (a busy machine): play from now."""
    ring = AudioRing("r", target=0.02)
    ramp = np.repeat(np.arange(6240, dtype=np.float32)[:, None] / 6240, 2, axis=1)
    ring.write(ramp)  # 130 ms, under the drop bound, so write() keeps it all
    out = ring.read(480)
    assert out is not None
    assert out[0, 0] == ramp[6240 - 480 - 960, 0]  # the newest audio, not the oldest
    assert abs(ring.buffered_seconds - 0.02) < 1e-6  # the target's worth stays as margin


def test_underrun_pads_silence_without_growing_latency() -> None:
    ring = AudioRing("r", target=0.02)
    ring.write(block(960))
    ring.read(960)
    out = ring.read(480)  # nothing there: silence, counted
    assert out is not None and not out.any()
    assert ring.underruns == 1
    ring.write(block(480))
    assert ring.read(480) is not None  # no re-priming: plays at once


def test_fast_source_is_trimmed_back_to_target() -> None:
    ring = AudioRing("r", target=0.02, max_extra=0.1)
    ring.write(block(SAMPLE_RATE))  # one second at once
    assert ring.buffered_seconds <= 0.021
    assert ring.dropped_samples >= SAMPLE_RATE - 0.021 * SAMPLE_RATE


def test_mixer_sums_and_clips_mono_and_int16_inputs() -> None:
    a, b = AudioRing("a", target=0), AudioRing("b", target=0)
    a.write(np.full(100, 0.75, np.float32))  # mono float
    b.write(np.full((100, 1), 16384, np.int16))  # int16 -> 0.5
    m = AudioMixer()
    m.add(a)
    m.add(b)
    out = m.pull(100)
    assert out.shape == (100, 2) and np.allclose(out, 1.0)  # 1.25 clipped
    assert np.allclose(AudioMixer().pull(10), 0)  # no sources: silence, still audio


def pkt(t: float, key: bool, kind: str = "video") -> EncodedPacket:
    return EncodedPacket(kind, b"x" * 100, int(t * 1000), int(t * 1000), Fraction(1, 1000), key, 33)


def test_lagging_destination_drops_video_to_next_keyframe_and_keeps_audio() -> None:
    out = RtmpOutput("rtmp://127.0.0.1:1/live/k")
    out.state = "live"  # as if connected, but nothing drains the queue
    t = 0.0
    for i in range(60):  # 2 s at 30 fps, keyframe every second
        out.send(pkt(t, key=i % 30 == 0))
        out.send(pkt(t, key=True, kind="audio"))
        t += 1 / 30
    queued = list(out._queue)
    video = [p for p in queued if p.kind == "video"]
    assert out.stats.dropped_network > 0
    # what remains is decodable: it starts with a keyframe and has no P-frame orphaned
    assert video[0].keyframe
    assert sum(p.kind == "audio" for p in queued) == 60
    assert max(p.seconds for p in video) - min(p.seconds for p in video) <= 1.0


def test_disconnected_destination_keeps_only_the_newest_gop() -> None:
    out = RtmpOutput("rtmp://127.0.0.1:1/live/k")
    out.state = "reconnecting"
    for i in range(90):
        out.send(pkt(i / 30, key=i % 30 == 0))
    video = [p for p in out._queue if p.kind == "video"]
    assert video[0].keyframe and video[0].seconds == 2.0
    assert len(video) == 30
