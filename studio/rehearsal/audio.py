"""Dead air and speaking share, measured from a take's recorded sound.

Loudness is RMS in 20 ms windows (dBFS, mono). Dead air is a run of windows
below ``SILENCE_DB`` longer than ``DEAD_AIR_SECONDS``; "speaking" is a window
at or above ``VOICE_DB``. Energy, not speech recognition: music or a beep
counts as sound too, which is what a viewer hears anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

RATE = 48_000
WINDOW = 0.02  # seconds per loudness window: a 3.1 s gap still measures > 3 s
SILENCE_DB = -50.0  # below this a window is silent (room tone of a quiet shop is ~-60)
VOICE_DB = -35.0  # at or above this a window is voice-level
DEAD_AIR_SECONDS = 3.0


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def loudness_db(samples: np.ndarray, rate: int = RATE, window: float = WINDOW) -> np.ndarray:
    """RMS level per window in dBFS (the last partial window is kept)."""
    n = max(1, round(rate * window))
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    if not len(x):
        return np.zeros(0)
    pad = (-len(x)) % n
    if pad:
        x = np.concatenate([x, np.zeros(pad)])
    rms = np.sqrt(np.mean(x.reshape(-1, n) ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-10))


def silences(
    samples: np.ndarray,
    rate: int = RATE,
    *,
    min_seconds: float = DEAD_AIR_SECONDS,
    threshold_db: float = SILENCE_DB,
    window: float = WINDOW,
) -> list[Span]:
    """Silent runs strictly longer than ``min_seconds`` (window resolution, clipped)."""
    db = loudness_db(samples, rate, window)
    total = len(samples) / rate
    quiet = np.concatenate([[False], db < threshold_db, [False]])
    edges = np.flatnonzero(quiet[1:] != quiet[:-1])
    out = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        span = Span(round(a * window, 3), round(min(b * window, total), 3))
        if span.length > min_seconds:
            out.append(span)
    return out


def speaking_share(
    samples: np.ndarray, rate: int = RATE, *, threshold_db: float = VOICE_DB, window: float = WINDOW
) -> float:
    """Fraction of windows at voice level (0 for no audio)."""
    db = loudness_db(samples, rate, window)
    return float((db >= threshold_db).mean()) if len(db) else 0.0


def decode_audio(path: Path) -> tuple[np.ndarray, float]:
    """The first audio track of ``path`` as mono float32 at 48 kHz, and its start time.

    Samples are placed by their pts, so a take whose audio starts late or has a
    hole in it is measured on the recording's own timeline.
    """
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return np.zeros(0, np.float32), 0.0
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks: list[tuple[float, np.ndarray]] = []
        for frame in c.decode(c.streams.audio[0]):
            for rf in resampler.resample(frame):
                chunks.append((float(rf.time or 0.0), rf.to_ndarray().reshape(-1)))
        for rf in resampler.resample(None):
            chunks.append((float(rf.time or 0.0), rf.to_ndarray().reshape(-1)))
    if not chunks:
        return np.zeros(0, np.float32), 0.0
    start = chunks[0][0]
    end = max(round((t - start) * RATE) + len(a) for t, a in chunks)
    out = np.zeros(end, np.float32)
    for t, a in chunks:
        i = max(0, round((t - start) * RATE))
        out[i : i + len(a)] = a[: len(out) - i]
    return out, start


def envelope(samples: np.ndarray, rate: int = RATE, points: int = 600) -> list[float]:
    """Loudness (dBFS) at ``points`` evenly spaced windows, for the timeline chart."""
    db = loudness_db(samples, rate)
    if not len(db):
        return []
    idx = np.linspace(0, len(db) - 1, min(points, len(db))).astype(int)
    return [round(float(v), 1) for v in db[idx]]
