"""Dead air and speaking share on generated sound with known gaps."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from studio.rehearsal.audio import RATE, decode_audio, silences, speaking_share


def voice(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Speech-level noise (about -20 dBFS), loud enough to be "speaking"."""
    return (rng.standard_normal(round(seconds * RATE)) * 0.1).astype(np.float32)


def quiet(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Room tone at about -66 dBFS: silent, but not digital zero."""
    return (rng.standard_normal(round(seconds * RATE)) * 0.0005).astype(np.float32)


def test_gap_just_over_three_seconds_is_dead_air_and_just_under_is_not() -> None:
    rng = np.random.default_rng(7)
    # odd offsets so gaps do not start on a window boundary
    parts = [voice(1.013, rng), quiet(2.9, rng), voice(2.007, rng), quiet(3.1, rng)]
    parts += [voice(1.5, rng), quiet(5.0, rng), voice(0.5, rng)]
    x = np.concatenate(parts)
    spans = silences(x)
    assert len(spans) == 2, spans
    first, second = spans
    # the 3.1 s gap starts at 1.013 + 2.9 + 2.007 = 5.92 s
    assert first.start == pytest.approx(5.92, abs=0.03)
    assert first.length == pytest.approx(3.1, abs=0.05)
    assert first.length > 3.0
    assert second.start == pytest.approx(5.92 + 3.1 + 1.5, abs=0.03)
    assert second.length == pytest.approx(5.0, abs=0.05)


def test_trailing_gap_and_threshold_are_respected() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([voice(1.0, rng), quiet(3.2, rng)])
    (span,) = silences(x)
    assert span.end == pytest.approx(4.2, abs=1e-6)
    assert silences(x, min_seconds=3.5) == []
    assert silences(np.zeros(RATE * 2, np.float32)) == []  # 2 s of nothing: not over 3 s


def test_speaking_share_counts_voice_level_time() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate([voice(3.0, rng), quiet(6.0, rng), voice(1.0, rng)])
    assert speaking_share(x) == pytest.approx(0.4, abs=0.01)
    assert speaking_share(np.zeros(0, np.float32)) == 0.0
    # a quiet murmur (-45 dBFS) is neither dead air nor speaking
    murmur = (rng.standard_normal(RATE * 4) * 0.0056).astype(np.float32)
    assert speaking_share(murmur) < 0.05
    assert silences(murmur) == []


def test_decoded_aac_file_keeps_the_gap_where_it_was(tmp_path: Path) -> None:
    """The same measurement through AAC in Matroska, decoded with PyAV as a take is."""
    rng = np.random.default_rng(5)
    x = np.concatenate([voice(1.0, rng), quiet(3.4, rng), voice(1.0, rng)])
    path = tmp_path / "gap.mkv"
    with av.open(str(path), "w", format="matroska") as out:
        st = out.add_stream("aac", rate=RATE, layout="mono")
        st.time_base = Fraction(1, RATE)
        for i in range(0, len(x), 1024):
            chunk = x[i : i + 1024]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = RATE
            frame.pts = i
            for pkt in st.encode(frame):
                out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    samples, start = decode_audio(path)
    assert len(samples) / RATE == pytest.approx(5.4, abs=0.1)
    (span,) = silences(samples)
    assert span.start + start == pytest.approx(1.0, abs=0.05)
    assert span.length == pytest.approx(3.4, abs=0.08)
