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
    (fast,) = Stereo48k().convert(_planar(left.astype(np.float32), right.astype(np.float32)))
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
