"""Test media for 连麦: a source of one solid colour and one continuous sine tone.

Host and guest get different colours and frequencies, so a picture tells whose
it is by its colour and a sound by its spectrum (an FFT), through VP8 and Opus.
"""

from __future__ import annotations

import time

import numpy as np

from studio.media.audio import SAMPLE_RATE, AudioRing
from studio.media.frame import blank, rgb_to_yuv
from studio.media.sources.base import Source


class ToneSource(Source):
    kind = "test"

    def __init__(
        self, name: str, rgb: tuple[int, int, int], hz: float, w: int, h: int, fps: int
    ) -> None:
        super().__init__(name, w, h, fps)
        self.rgb = rgb
        self.hz = hz
        self.audio = AudioRing(f"{name}-tone")
        self._frame = blank(w, h, rgb)

    def _workers(self) -> list[tuple[object, str]]:
        self.t0 = time.monotonic()
        return [(self._video, ""), (self._sound, ":audio")]

    def _video(self) -> None:
        self.state = "live"
        k = 0
        while self._sleep_until(self.t0 + k / self.fps):
            self._emit(self._frame, self.width, self.height)
            k += 1

    def _sound(self) -> None:
        assert self.audio is not None
        j, n = 0, 480
        while self._sleep_until(self.t0 + (j + 1) * n / SAMPLE_RATE):
            t = np.arange(j * n, (j + 1) * n) / SAMPLE_RATE
            self.audio.write((0.3 * np.sin(2 * np.pi * self.hz * t)).astype(np.float32))
            j += 1


def tone_level(samples: np.ndarray, hz: float) -> float:
    """Energy near ``hz`` relative to the block's total energy (0..1), from an FFT."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    spec = np.abs(np.fft.rfft(mono * np.hanning(len(mono)))) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / SAMPLE_RATE)
    band = (freqs > hz - 30) & (freqs < hz + 30)
    total = float(spec.sum()) or 1.0
    return float(spec[band].sum()) / total


def mean_yuv(
    i420: np.ndarray, w: int, h: int, x0: int, y0: int, x1: int, y1: int
) -> tuple[float, float, float]:
    from studio.media.frame import planes

    yp, up, vp = planes(i420, w, h)
    return (
        float(yp[y0:y1, x0:x1].mean()),
        float(up[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2].mean()),
        float(vp[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2].mean()),
    )


def near(got: tuple[float, float, float], rgb: tuple[int, int, int], tol: float = 14) -> bool:
    want = rgb_to_yuv(rgb)
    return all(abs(g - w) <= tol for g, w in zip(got, want, strict=True))
