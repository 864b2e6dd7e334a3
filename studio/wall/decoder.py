"""One tile's decoder: a PyAV pull on its own thread, cheap unless the tile matters.

Modes (changed at any time from the GUI, picked up at the next packet):

- ``full``: every frame decoded; converted to RGB at the tile's size at most
  ``max_fps`` times a second (a large tile needs motion, not 30 conversions).
- ``key``: the codec skips everything but keyframes (``skip_frame = NONKEY``),
  so a small tile costs a keyframe every GOP (2 s from the studio) instead of
  30 decodes a second.

Audio is decoded only when asked (the focused tile) into an :class:`AudioRing`.
Scaling and colour conversion happen here in one libswscale call at the tile's
size, off the GUI thread; the GUI only wraps the newest RGB array in a QImage.
Missing frames are counted from gaps in the video timestamps, the thing a
viewer would see as stutter, over a sliding window.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

import av
import av.error
import numpy as np

from studio.media.audio import AudioRing, Stereo48k
from studio.media.sources.decoded import open_live
from studio.redact import redact
from studio.wall.model import VideoHealth

log = logging.getLogger(__name__)

DROP_WINDOW = 10.0  # seconds of timestamps the dropped-frame rate looks at


@dataclass(frozen=True)
class DecodeSpec:
    """What the scheduler wants from a tile's decoder."""

    mode: str  # "full" or "key"
    width: int
    height: int
    max_fps: float = 30.0
    audio: bool = False


@dataclass
class Picture:
    rgb: np.ndarray  # (h, w, 3) uint8, contiguous
    seq: int
    pts: float | None


class DropCounter:
    """Frames expected vs missing from video pts, over the last ``window`` seconds.

    The decoder thread adds and resets; the GUI thread asks for the rate (every
    health check): one lock, or the GUI's iteration meets the decoder's append
    ("deque mutated during iteration", seen after a minute of a four-store wall).
    """

    def __init__(self, window: float = DROP_WINDOW) -> None:
        self.window = window
        self._last_pts: float | None = None
        self._steps: deque[tuple[float, int, int]] = deque()  # (pts, expected, missing)
        self._lock = threading.Lock()
        self.frame_duration: float | None = None

    def add(self, pts: float, frame_duration: float) -> None:
        with self._lock:
            self.frame_duration = frame_duration
            last, self._last_pts = self._last_pts, pts
            if last is None or pts <= last:
                return
            if pts - last > 10.0:  # a jump of > 10 s is a restarted publisher, not drops
                return
            steps = max(1, round((pts - last) / frame_duration))
            self._steps.append((pts, steps, steps - 1))
            while self._steps and self._steps[0][0] < pts - self.window:
                self._steps.popleft()

    def reset(self) -> None:
        with self._lock:
            self._last_pts = None
            self._steps.clear()

    def rate(self) -> tuple[float, int]:
        with self._lock:
            expected = sum(s[1] for s in self._steps)
            missing = sum(s[2] for s in self._steps)
        return (missing / expected if expected else 0.0), expected


class TileDecoder:
    """Pull ``url`` until stopped; keep the newest picture; reconnect with backoff."""

    def __init__(
        self,
        key: str,
        url: str,
        spec: DecodeSpec,
        open_timeout: float = 5.0,
        read_timeout: float = 3.0,
    ) -> None:
        self.key = key
        self.url = url
        self.open_timeout = open_timeout
        self.read_timeout = read_timeout
        self._spec = spec
        self._lock = threading.Lock()
        self._picture: Picture | None = None
        self._seq = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"wall-decode:{key}", daemon=True)
        self.audio: AudioRing | None = None
        self.state = "starting"
        self.detail = ""
        self.reconnects = 0
        self.was_live = False
        self.lost_since: float | None = None
        self.last_frame_at: float | None = None
        self.decoded = 0  # frames out of the codec
        self.converted = 0  # frames scaled to RGB for the tile
        self.drops = DropCounter()

    # -- control (any thread) ----------------------------------------------------------
    @property
    def spec(self) -> DecodeSpec:
        return self._spec

    def set_spec(self, spec: DecodeSpec) -> None:
        self._spec = spec

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end; join only when given a timeout (the GUI never waits)."""
        self._stop.set()
        if timeout is not None:
            self._thread.join(timeout)
        self.state = "stopped"

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def take(self) -> Picture | None:
        with self._lock:
            return self._picture

    def health(self, now: float | None = None) -> VideoHealth:
        now = time.monotonic() if now is None else now
        rate, expected = self.drops.rate()
        return VideoHealth(
            state=self.state,
            frame_age=None if self.last_frame_at is None else now - self.last_frame_at,
            lost_for=0.0 if self.lost_since is None else now - self.lost_since,
            was_live=self.was_live,
            drop_rate=rate,
            expected_frames=expected,
            reconnects=self.reconnects,
        )

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                with open_live(
                    self.url, self.open_timeout, self.read_timeout, 500_000, 1_000_000
                ) as c:
                    delay = 1.0
                    self.detail = ""
                    self._decode(c)
                self.detail = "stream ended"
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                self.detail = redact(str(exc))
            except Exception:  # never let one store's bad stream kill the thread silently
                log.exception("wall decoder %s crashed", self.key)
                self.detail = "decoder error"
            if self._stop.is_set():
                return
            if self.state != "lost":
                self.lost_since = time.monotonic()
            self.state = "lost"
            self.reconnects += 1
            self.drops.reset()
            if self.audio is not None:
                self.audio.reset()
            log.info("wall: %s lost (%s); retry in %.1f s", self.key, self.detail, delay)
            self._stop.wait(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 1.5, 10.0)

    def _decode(self, container: av.container.InputContainer) -> None:
        vstream = next(iter(container.streams.video), None)
        astream = next(iter(container.streams.audio), None)
        if vstream is None:
            raise ValueError("the stream has no video")
        ctx = vstream.codec_context
        # a small tile never needs frame threads; dozens of tiles x N threads would thrash
        ctx.thread_count = 2 if self._spec.mode == "full" else 1
        ctx.thread_type = "SLICE"
        rate = vstream.average_rate or vstream.guessed_rate or 30
        frame_duration = 1.0 / float(rate)
        streams = [s for s in (vstream, astream) if s is not None]
        stereo = Stereo48k()
        skip = ""
        last_convert = 0.0
        for packet in container.demux(*streams):
            if self._stop.is_set():
                return
            spec = self._spec
            if packet.stream is astream:
                if spec.audio:
                    self._audio(packet, stereo)
                continue
            if packet.pts is not None and packet.time_base is not None:
                self.drops.add(float(packet.pts * packet.time_base), frame_duration)
            want = "NONKEY" if spec.mode == "key" else "DEFAULT"
            if want != skip:
                ctx.skip_frame = want
                skip = want
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet: the next keyframe repairs the picture
            for frame in frames:
                now = time.monotonic()
                self.decoded += 1
                self.last_frame_at = now
                if self.state != "live":
                    self.state = "live"
                    self.was_live = True
                    self.lost_since = None
                if spec.mode == "key" or now - last_convert >= 1.0 / spec.max_fps - 0.002:
                    last_convert = now
                    self._convert(frame, spec)

    def _convert(self, frame: av.VideoFrame, spec: DecodeSpec) -> None:
        w, h = fit_even(frame.width, frame.height, spec.width, spec.height)
        rgb = frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
        self._seq += 1
        pts = float(frame.time) if frame.time is not None else None
        with self._lock:
            self._picture = Picture(np.ascontiguousarray(rgb), self._seq, pts)
        self.converted += 1

    def _audio(self, packet: av.Packet, stereo: Stereo48k) -> None:
        if self.audio is None:
            self.audio = AudioRing(f"wall-{self.key}", target=0.15)
        try:
            for frame in packet.decode():
                for block in stereo.convert(frame):
                    self.audio.write(block)
        except av.error.InvalidDataError:
            pass


def fit_even(sw: int, sh: int, dw: int, dh: int) -> tuple[int, int]:
    """The largest even size of aspect sw:sh inside dw x dh (at least 2x2)."""
    scale = min(dw / max(1, sw), dh / max(1, sh))
    return max(2, int(sw * scale) // 2 * 2), max(2, int(sh * scale) // 2 * 2)
