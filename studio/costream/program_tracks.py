"""What a guest receives: the host's PROGRAM picture and a mix-minus of its sound.

:class:`ProgramFeed` is a pipeline program tap (``Pipeline.program_taps``): on the
output clock it only keeps a reference to the frame the encoder gets (viewers'
picture: no guide-only layers) and writes each guest's mix-minus block (the
program mix less that guest's own ring) into a small ring. The aiortc tracks
read those on the rtc loop: downscaling and VP8/Opus encoding never touch the clock.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import threading
import time

import av
import numpy as np
from aiortc import MediaStreamTrack

from studio.media.audio import SAMPLE_RATE, AudioRing
from studio.media.engine import Pipeline
from studio.media.frame import Frame, blank, resize_i420
from studio.media.slot import LatestSlot

log = logging.getLogger(__name__)

VIDEO_CLOCK = 90_000
SEND_WIDTH = 640  # aiortc's VP8 is software: a modest picture on 2 cores
SEND_FPS = 20
AUDIO_PTIME = 0.02  # 20 ms Opus frames
_AUDIO_SAMPLES = int(SAMPLE_RATE * AUDIO_PTIME)


def send_size(width: int, height: int, max_width: int = SEND_WIDTH) -> tuple[int, int]:
    """The outgoing picture: at most ``max_width`` wide, aspect kept, even sides."""
    if width <= max_width:
        return width, height
    return max_width, max(2, round(height * max_width / width) // 2 * 2)


class ProgramFeed:
    """The pipeline's program, tapped for guests; registers itself while it has listeners."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.video = LatestSlot()
        self._lock = threading.Lock()
        self._minus: dict[str, tuple[AudioRing, AudioRing | None]] = {}
        self._video_users = 0
        # what the guide hears (monitor_ring): every guest they talk to, on air or not, and
        # never the program (their own voice back, late, would make them stumble)
        self.monitor: AudioRing | None = None
        self._heard: dict[str, AudioRing] = {}

    # the tap itself (output-clock thread): references and one subtraction per guest
    def __call__(
        self, n: int, frame: np.ndarray, block: np.ndarray, blocks: dict[AudioRing, np.ndarray]
    ) -> None:
        p = self.pipeline.profile
        if self._video_users:
            self.video.put(Frame(frame, p.width, p.height, time.monotonic(), n))
        with self._lock:
            outs = list(self._minus.values())
        for ring, own in outs:
            mine = blocks.get(own) if own is not None else None
            ring.write(block if mine is None else np.clip(block - mine, -1.0, 1.0))
        if self.monitor is not None:
            self._feed_monitor(self.monitor, block, blocks)

    def _feed_monitor(
        self, monitor: AudioRing, block: np.ndarray, blocks: dict[AudioRing, np.ndarray]
    ) -> None:
        with self._lock:
            heard = list(self._heard.values())
        mixed = self.pipeline.mixer.rings
        out = np.zeros_like(block)
        for ring in heard:
            # on air the mixer read this tick's block already; off air nobody else reads it
            got = blocks.get(ring) if ring in mixed else ring.read(len(block))
            if got is not None:
                out += got
        np.clip(out, -1.0, 1.0, out=out)
        monitor.write(out)

    def hear(self, key: str, ring: AudioRing | None) -> None:
        """The guide hears ``ring`` (a guest) on the monitor; None stops it (muted, gone)."""
        with self._lock:
            if ring is None:
                self._heard.pop(key, None)
            else:
                self._heard[key] = ring

    def monitor_ring(self) -> AudioRing:
        """The guests' voices for the guide's headphones (studio.media.playback.RingPlayer)."""
        with self._lock:
            if self.monitor is None:
                self.monitor = AudioRing("costream-monitor", target=0.04)
            self._update_tap()
            return self.monitor

    def _update_tap(self) -> None:
        wanted = bool(self._video_users or self._minus or self.monitor is not None)
        taps = self.pipeline.program_taps
        if wanted and self not in taps:
            taps.append(self)
        elif not wanted and self in taps:
            taps.remove(self)

    def video_track(self, fps: int = SEND_FPS, max_width: int = SEND_WIDTH) -> ProgramVideoTrack:
        with self._lock:
            self._video_users += 1
            self._update_tap()
        return ProgramVideoTrack(self, fps, max_width)

    def audio_track(self, key: str, exclude: AudioRing | None) -> MixMinusAudioTrack:
        """Program sound for ``key``, less ``exclude`` (that guest's own ring): mix-minus."""
        ring = AudioRing(f"minus:{key}", target=0.04)
        with self._lock:
            self._minus[key] = (ring, exclude)
            self._update_tap()
        return MixMinusAudioTrack(self, key, ring)

    def set_exclude(self, key: str, exclude: AudioRing | None) -> None:
        with self._lock:
            if key in self._minus:
                self._minus[key] = (self._minus[key][0], exclude)

    def release_video(self) -> None:
        with self._lock:
            self._video_users = max(0, self._video_users - 1)
            self._update_tap()

    def release_audio(self, key: str) -> None:
        with self._lock:
            self._minus.pop(key, None)
            self._update_tap()


class ProgramVideoTrack(MediaStreamTrack):
    """The program, downscaled, paced at ``fps``; pts on the 90 kHz RTP clock."""

    kind = "video"

    def __init__(self, feed: ProgramFeed, fps: int, max_width: int) -> None:
        super().__init__()
        self._feed = feed
        self._fps = fps
        self._max_width = max_width
        self._start = 0.0
        self._n = 0
        self._released = False

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            from aiortc.mediastreams import MediaStreamError

            raise MediaStreamError
        if not self._start:
            self._start = time.monotonic()
        due = self._start + self._n / self._fps
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif -delay > 1.0:  # starved of CPU: skip ahead, keep the clock
            self._n = int((time.monotonic() - self._start) * self._fps)
        self._n += 1
        p = self._feed.pipeline.profile
        w, h = send_size(p.width, p.height, self._max_width)
        frame = self._feed.video.peek()
        data = (
            resize_i420(frame.data, frame.width, frame.height, w, h)
            if frame is not None
            else blank(w, h)
        )
        out = av.VideoFrame.from_ndarray(data, format="yuv420p")
        out.pts = int((time.monotonic() - self._start) * VIDEO_CLOCK)
        out.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return out

    def stop(self) -> None:
        if not self._released:
            self._released = True
            self._feed.release_video()
        super().stop()


class MixMinusAudioTrack(MediaStreamTrack):
    """20 ms s16 stereo 48 kHz frames of the program mix without the guest's own voice."""

    kind = "audio"

    def __init__(self, feed: ProgramFeed, key: str, ring: AudioRing) -> None:
        super().__init__()
        self._feed = feed
        self._key = key
        self.ring = ring
        self._start = 0.0
        self._samples = 0
        self._released = False

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            from aiortc.mediastreams import MediaStreamError

            raise MediaStreamError
        if not self._start:
            self._start = time.monotonic()
        delay = self._start + self._samples / SAMPLE_RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        block = self.ring.read(_AUDIO_SAMPLES)
        if block is None:
            block = np.zeros((_AUDIO_SAMPLES, 2), np.float32)
        pcm = (np.clip(block, -1.0, 1.0) * 32767).astype(np.int16).reshape(1, -1)
        out = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
        out.sample_rate = SAMPLE_RATE
        out.pts = self._samples
        out.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._samples += _AUDIO_SAMPLES
        return out

    def stop(self) -> None:
        if not self._released:
            self._released = True
            self._feed.release_audio(self._key)
        super().stop()
