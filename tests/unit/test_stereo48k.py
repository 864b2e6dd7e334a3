"""Decoded sound into the rings' format: the numpy path gives what libswresample gives."""

from __future__ import annotations

import av
import numpy as np

from studio.media.audio import SAMPLE_RATE, Stereo48k


def _planar(left: np.ndarray, right: np.ndarray) -> av.AudioFrame:
    f = av.AudioFrame.from_ndarray(np.stack([left, right]), format="fltp", layout="stereo")
    f.sample_rate = SAMPLE_RATE
    return f


def test_48k_stereo_planar_is_interleaved_sample_for_sample_as_the_resampler_does() -> None:
    t = np.arange(1024, dtype=np.float32) / SAMPLE_RATE
    left, right = np.sin(2 * np.pi * 440 * t), 0.5 * np.cos(2 * np.pi * 1000 * t)
    conv = Stereo48k()
    (fast,) = conv.convert(_planar(left.astype(np.float32), right.astype(np.float32)))
    assert conv._resampler is None  # numpy did it, not libswresample
    resampler = av.AudioResampler(format="flt", layout="stereo", rate=SAMPLE_RATE)
    (ref,) = resampler.resample(_planar(left.astype(np.float32), right.astype(np.float32)))
    assert fast.shape == (1024, 2) and fast.dtype == np.float32
    np.testing.assert_array_equal(fast, ref.to_ndarray().reshape(-1, 2))
    np.testing.assert_array_equal(fast[:, 0], left.astype(np.float32))  # left stays left


def test_other_rates_and_layouts_are_resampled_to_48k_stereo() -> None:
    conv = Stereo48k()
    tone = (np.sin(2 * np.pi * 440 * np.arange(4410) / 44100) * 20000).astype(np.int16)
    f = av.AudioFrame.from_ndarray(tone[None, :], format="s16", layout="mono")
    f.sample_rate = 44100
    f.pts = 0
    blocks = conv.convert(f)
    got = np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
    assert got.ndim == 2 and got.shape[1] == 2 and got.dtype == np.float32
    assert 4000 <= len(got) <= 4800  # ~0.1 s at 48 kHz (the resampler keeps a few back)
    assert 0.3 < np.abs(got).max() <= 1.0  # the tone (0.61 full scale, mono at -3 dB a side)
    np.testing.assert_allclose(got[:, 0], got[:, 1])  # mono on both sides


def _mono_s16(rate: int, n: int) -> av.AudioFrame:
    tone = (np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 20000).astype(np.int16)
    f = av.AudioFrame.from_ndarray(tone[None, :], format="s16", layout="mono")
    f.sample_rate = rate
    return f


def _packed_48k(n: int) -> av.AudioFrame:
    pcm = np.full((1, 2 * n), 0.25, np.float32)
    f = av.AudioFrame.from_ndarray(pcm, format="flt", layout="stereo")
    f.sample_rate = SAMPLE_RATE
    return f


def test_a_stream_that_changes_format_midway_keeps_converting() -> None:
    """An HLS variant switch or a re-encoded segment: each kind of frame still comes out."""
    conv = Stereo48k()
    seen = []
    for frame in (
        _packed_48k(1024),  # PyAV passes its first format through when it is the output's
        _mono_s16(44100, 4410),
        _planar(np.zeros(1024, np.float32), np.ones(1024, np.float32)),
        _mono_s16(44100, 4410),
        _packed_48k(1024),
    ):
        blocks = conv.convert(frame)
        seen.append(sum(len(b) for b in blocks))
        assert all(b.shape[1] == 2 and b.dtype == np.float32 for b in blocks)
    assert seen[0] == 1024 and seen[2] == 1024 and seen[4] == 1024
    assert seen[1] > 3000 and seen[3] > 3000  # 0.1 s at 48 kHz, less what the resampler holds
