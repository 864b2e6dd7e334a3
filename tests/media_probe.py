"""Pull a stream or read a file the way a viewer would, and measure what arrived."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import av
import numpy as np

from studio.media.sources.test_pattern import read_frame_code


@dataclass
class Pulled:
    width: int = 0
    height: int = 0
    video_times: list[float] = field(default_factory=list)  # seconds (stream pts)
    arrivals: list[float] = field(default_factory=list)  # monotonic time each frame arrived
    luma: list[float] = field(default_factory=list)
    codes: list[int | None] = field(default_factory=list)
    audio_start: float | None = None
    audio: list[np.ndarray] = field(default_factory=list)
    error: str = ""
    frames_kept: list[np.ndarray] = field(default_factory=list)

    @property
    def samples(self) -> np.ndarray:
        return np.concatenate(self.audio) if self.audio else np.zeros(0, np.float32)

    def fps(self) -> float:
        if len(self.video_times) < 2:
            return 0.0
        span = self.video_times[-1] - self.video_times[0]
        return (len(self.video_times) - 1) / span if span > 0 else 0.0


def read_media(
    src: str,
    seconds: float = 1e9,
    open_timeout: float = 10.0,
    keep_every: int = 0,
    stop: threading.Event | None = None,
) -> Pulled:
    """Decode ``src`` (URL or file) for up to ``seconds`` of wall time."""
    out = Pulled()
    opts = {"rw_timeout": "5000000"} if "://" in src else {}
    try:
        container = av.open(src, timeout=(open_timeout, None), options=opts)
    except av.error.FFmpegError as exc:
        out.error = str(exc)
        return out
    resampler = av.AudioResampler(format="flt", layout="mono", rate=48000)
    end = time.monotonic() + seconds
    try:
        streams = [s for s in (*container.streams.video[:1], *container.streams.audio[:1])]
        for packet in container.demux(*streams):
            if time.monotonic() > end or (stop is not None and stop.is_set()):
                break
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    y = frame.to_ndarray(format="gray")
                    out.width, out.height = frame.width, frame.height
                    out.video_times.append(float(frame.time))
                    out.arrivals.append(time.monotonic())
                    out.luma.append(float(y.mean()))
                    out.codes.append(read_frame_code(y))
                    if keep_every and len(out.video_times) % keep_every == 0:
                        out.frames_kept.append(frame.to_ndarray(format="bgr24"))
                else:
                    for rf in resampler.resample(frame):
                        if out.audio_start is None:
                            out.audio_start = float(rf.time)
                        out.audio.append(rf.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        out.error = str(exc)
    finally:
        container.close()
    return out


def flash_onsets(p: Pulled, threshold: float = 180.0) -> list[float]:
    """Times of dark-to-white transitions whose preceding frame arrived.

    When the frame before an onset is missing (skipped by a starved encoder),
    the true onset could be that missing frame, so the onset is not measurable
    to one frame and is left out rather than reported a frame late.
    """
    onsets = []
    prev = False
    prev_t: float | None = None
    step = 1.5 * frame_step(p)
    for t, m in zip(p.video_times, p.luma, strict=True):
        on = m > threshold
        if on and not prev and prev_t is not None and t - prev_t <= step:
            onsets.append(t)
        prev = on
        prev_t = t
    return onsets


def frame_step(p: Pulled) -> float:
    """The stream's frame interval: the most common gap between frame times."""
    if len(p.video_times) < 2:
        return 0.0
    gaps = np.round(np.diff(p.video_times), 3)
    values, counts = np.unique(gaps, return_counts=True)
    return float(values[np.argmax(counts)])


def missing_frames(p: Pulled) -> int:
    """Frames absent from the timeline between the first and last frame pulled."""
    step = frame_step(p)
    if not step:
        return 0
    span = p.video_times[-1] - p.video_times[0]
    return round(span / step) + 1 - len(p.video_times)


def beep_onsets(p: Pulled, threshold: float = 0.1) -> list[float]:
    s = np.abs(p.samples)
    if not len(s) or p.audio_start is None:
        return []
    # 1 ms envelope
    env = s[: len(s) // 48 * 48].reshape(-1, 48).max(axis=1) > threshold
    edges = np.flatnonzero(env[1:] & ~env[:-1]) + 1
    return [p.audio_start + e / 1000.0 for e in edges]


def av_offsets(p: Pulled) -> list[float]:
    """Beep minus flash, seconds, for each flash that has a beep within half a second."""
    beeps = beep_onsets(p)
    if not p.video_times or p.audio_start is None:
        return []
    # an onset at the very start of the pull is where we joined, not where it began
    start = max(p.video_times[0], p.audio_start) + 0.15
    beeps = [b for b in beeps if b > start]
    out = []
    for f in flash_onsets(p):
        if f <= start:
            continue
        near = [b - f for b in beeps if abs(b - f) < 0.5]
        if near:
            out.append(min(near, key=abs))
    return out
