"""A remote WebRTC peer as an engine source: its picture in a slot, its sound in a ring.

Frames arrive on the rtc loop (aiortc decodes them); they are handed to the
slot like any capture thread's, and the sound is resampled to the engine's
48 kHz stereo float32 ring, so the output clock mixes a guest like a camera.
A watchdog thread turns the source ``lost`` and shows the slate when no frame
came for ``LOST_AFTER`` seconds or the connection failed; frames flowing again
(a rejoin) make it ``live``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from studio.media.audio import AudioRing, Stereo48k
from studio.media.frame import Frame, av_frame_to_i420
from studio.media.slate import slate_i420
from studio.media.sources.base import Source

log = logging.getLogger(__name__)

LOST_AFTER = 1.5  # seconds without a frame: the slate (the issue asks for it within 3 s)


class GuestSource(Source):
    """A guest's (or, for a studio guest, the host's) picture and sound."""

    kind = "guest"

    def __init__(self, name: str, label: str, width: int, height: int, fps: int) -> None:
        super().__init__(name, width, height, fps)
        self.label = label
        self.audio = AudioRing(f"guest:{name}", target=0.06)
        self.last_frame = 0.0
        self.failed = ""
        self._tasks: list[asyncio.Task[None]] = []
        self._slate_shown = False
        self._size: tuple[int, int] = (0, 0)  # the last picture's, to notice a turned phone
        # told when the guest goes lost or comes back (the host publishes TOPIC_GUEST and,
        # on air, re-arranges), and when its picture changes shape (the host re-arranges)
        self.on_state: Callable[[GuestSource], None] | None = None
        self.on_resize: Callable[[GuestSource], None] | None = None

    def _workers(self) -> list[tuple[object, str]]:
        return [(self._watchdog, ":watchdog")]

    # -- rtc loop side ---------------------------------------------------------
    def attach(self, track: MediaStreamTrack) -> None:
        """Consume a remote track (call on the rtc loop, from ``pc.on("track")``)."""
        run = self._video if track.kind == "video" else self._sound
        self._tasks.append(asyncio.ensure_future(run(track)))

    def detach(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    def connection_failed(self, why: str) -> None:
        self.failed = why

    async def _video(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, av.VideoFrame)
            data, w, h = av_frame_to_i420(frame)
            self.last_frame = time.monotonic()
            self.failed = ""
            self._slate_shown = False
            resized, self._size = (w, h) != self._size, (w, h)
            # the picture first: who is told (the layout) reads its size from the slot
            self._emit(data, w, h, self.last_frame)
            if self.state != "live":
                self.state, self.detail = "live", ""
                self._tell()
            elif resized and self.on_resize is not None:  # a phone turned
                try:
                    self.on_resize(self)
                except Exception:
                    log.exception("guest %s: resize listener failed", self.name)

    async def _sound(self, track: MediaStreamTrack) -> None:
        stereo = Stereo48k()
        assert self.audio is not None
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, av.AudioFrame)
            for block in stereo.convert(frame):
                self.audio.write(block)

    # -- watchdog thread -----------------------------------------------------
    def _watchdog(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(0.2):
            quiet = time.monotonic() - (self.last_frame or started)
            # before the first frame the guest is still connecting (state ``starting``)
            if (self.failed or (self.last_frame and quiet > LOST_AFTER)) and not self._slate_shown:
                self.state = "lost"
                self.detail = self.failed or f"no picture for {quiet:.1f} s"
                self._show_slate()
                self._tell()

    def _tell(self) -> None:
        if self.on_state is not None:
            try:
                self.on_state(self)
            except Exception:
                log.exception("guest %s: state listener failed", self.name)

    def _show_slate(self) -> None:
        self._slate_shown = True
        w, h = self.width, self.height
        last = self.slot.peek()
        if last is not None:
            w, h = last.width, last.height
        self._seq += 1
        self.slot.put(
            Frame(
                slate_i420(w, h, f"{self.label} · 连线中断，正在重连"),
                w,
                h,
                time.monotonic(),
                self._seq,
            )
        )
        if self.audio is not None:
            self.audio.reset()
        log.info("guest %s lost: %s", self.name, self.detail)
