"""Audio hand-off and mixing: every source writes 48 kHz stereo float32 into a ring.

The output clock pulls exactly the number of samples its timeline needs (audio
pts come from that sample count). Each ring is a small jitter buffer: it waits
until ``target`` seconds are buffered before playing, pads with silence when a
source stalls, and drops the oldest audio when a source runs fast, so a
drifting device clock never grows latency without bound.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

import av
import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 48_000
CHANNELS = 2


def to_stereo_f32(samples: np.ndarray) -> np.ndarray:
    """Any (n,), (n, 1) or (n, 2) float/int array -> contiguous (n, 2) float32 in [-1, 1]."""
    a = np.asarray(samples)
    if a.dtype == np.int16:
        a = a.astype(np.float32) / 32768.0
    elif a.dtype == np.int32:
        a = a.astype(np.float32) / 2147483648.0
    else:
        a = a.astype(np.float32, copy=False)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[1] == 1:
        a = np.repeat(a, 2, axis=1)
    elif a.shape[1] > 2:
        a = a[:, :2]
    return np.ascontiguousarray(a)


class Stereo48k:
    """Decoded audio frames as the rings take them: (n, 2) float32 at 48 kHz.

    A frame that already is 48 kHz stereo planar float (what the AAC decoder gives) is
    interleaved by numpy; anything else goes through libswresample. PyAV's resampler is a
    filter graph pushed and pulled from Python on every call, and its ``to_ndarray`` stacks
    planes: about 0.1 ms a frame, twice per picture, for a conversion that is one copy.
    """

    def __init__(self) -> None:
        self._resampler: av.AudioResampler | None = None
        self._resampling: tuple[str, str, int] | None = None  # the input it was made for

    def convert(self, frame: av.AudioFrame) -> list[np.ndarray]:
        n = frame.samples
        if (
            frame.sample_rate == SAMPLE_RATE
            and frame.format.name == "fltp"
            and frame.layout.name == "stereo"
        ):
            out = np.empty((n, CHANNELS), np.float32)
            for ch, plane in enumerate(frame.planes[:CHANNELS]):
                out[:, ch] = np.frombuffer(plane, np.float32, n)
            return [out]
        # PyAV's resampler refuses a frame unlike its first one (and passes its first
        # format through for good when that already is the output's): one per input kind
        kind = (frame.format.name, frame.layout.name, frame.sample_rate)
        if self._resampler is None or kind != self._resampling:
            self._resampler = av.AudioResampler(format="flt", layout="stereo", rate=SAMPLE_RATE)
            self._resampling = kind
        return [
            np.frombuffer(rf.planes[0], np.float32, rf.samples * CHANNELS).reshape(-1, CHANNELS)
            for rf in self._resampler.resample(frame)
        ]


class AudioRing:
    """A thread-safe jitter buffer of (n, 2) float32 audio at 48 kHz."""

    def __init__(self, name: str, target: float = 0.02, max_extra: float = 0.25) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._chunks: deque[np.ndarray] = deque()
        self._buffered = 0
        self._target = int(target * SAMPLE_RATE)
        self._max = self._target + int(max_extra * SAMPLE_RATE)
        self._primed = False
        self.underruns = 0
        self.dropped_samples = 0
        self.samples_written = 0
        self.gain = 1.0
        self.muted = False
        self.level = 0.0  # peak of the last block read, for meters

    @property
    def buffered_seconds(self) -> float:
        with self._lock:
            return self._buffered / SAMPLE_RATE

    def write(self, samples: np.ndarray) -> None:
        block = to_stereo_f32(samples)
        if not len(block):
            return
        with self._lock:
            self.samples_written += len(block)
            self._chunks.append(block)
            self._buffered += len(block)
            if self._buffered > self._max:
                self._drop_locked(self._buffered - self._target)

    def reset(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._buffered = 0
            self._primed = False

    def _drop_locked(self, n: int) -> None:
        self.dropped_samples += n
        while n > 0 and self._chunks:
            head = self._chunks[0]
            if len(head) <= n:
                self._chunks.popleft()
                self._buffered -= len(head)
                n -= len(head)
            else:
                self._chunks[0] = head[n:]
                self._buffered -= n
                n = 0

    def read(self, n: int) -> np.ndarray | None:
        """``n`` samples, or None while priming (the mixer treats None as silence).

        An underrun pads with silence and carries on: re-priming would add the
        target latency again on every hiccup and push audio behind video.
        """
        with self._lock:
            if not self._primed:
                if self._buffered < self._target:
                    return None
                # What piled up before the first read is start-up delay (the
                # source began before the output clock, later on a busy machine),
                # not jitter: kept, it would put audio behind video for good.
                if self._buffered > self._target + n:
                    self._drop_locked(self._buffered - self._target - n)
                self._primed = True
            out = np.zeros((n, CHANNELS), np.float32)
            filled = 0
            while filled < n and self._chunks:
                head = self._chunks[0]
                take = min(n - filled, len(head))
                out[filled : filled + take] = head[:take]
                filled += take
                if take == len(head):
                    self._chunks.popleft()
                else:
                    self._chunks[0] = head[take:]
                self._buffered -= take
            if filled < n:
                self.underruns += 1
        self.level = float(np.abs(out).max()) if n else 0.0
        if self.muted:
            return None
        if self.gain != 1.0:
            out *= self.gain
        return out


class AudioMixer:
    """Sums the rings it holds; silence when there are none (always publish audio)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rings: list[AudioRing] = []

    def add(self, ring: AudioRing) -> None:
        with self._lock:
            if ring not in self._rings:
                self._rings.append(ring)

    def remove(self, ring: AudioRing) -> None:
        with self._lock:
            if ring in self._rings:
                self._rings.remove(ring)

    @property
    def rings(self) -> list[AudioRing]:
        with self._lock:
            return list(self._rings)

    def pull(self, n: int, blocks: dict[AudioRing, np.ndarray] | None = None) -> np.ndarray:
        """``n`` mixed samples; ``blocks`` (when given) receives each ring's own block of
        this tick, so a mix-minus (the mix without one ring) is one subtraction."""
        mix = np.zeros((n, CHANNELS), np.float32)
        for ring in self.rings:
            block = ring.read(n)
            if block is not None:
                mix += block
                if blocks is not None:
                    blocks[ring] = block
        np.clip(mix, -1.0, 1.0, out=mix)
        return mix
