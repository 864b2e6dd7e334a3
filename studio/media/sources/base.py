"""What every source shares: a newest-frame slot, an optional audio ring, a named thread."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

from studio.media.audio import AudioRing
from studio.media.frame import Frame
from studio.media.slot import LatestSlot

log = logging.getLogger(__name__)


class Source(ABC):
    """A video source (and maybe its audio) running on its own thread(s).

    ``state`` is ``starting``, ``live``, ``lost`` (showing a slate, retrying) or
    ``stopped``. Sources never raise into the output clock: failures change the
    state and are logged.
    """

    kind = "source"

    def __init__(self, name: str, width: int, height: int, fps: int) -> None:
        self.name = name
        self.width = width
        self.height = height
        self.fps = fps
        self.slot = LatestSlot()
        self.audio: AudioRing | None = None
        self.state = "starting"
        self.detail = ""
        self.frames = 0
        self._seq = 0
        self.borrower: object | None = None  # the one compositor that may draw on lent frames
        # the size that compositor shows the whole picture at, over its whole canvas: a
        # decoding source scales to it while copying out of the decoder (delivered_size)
        self.deliver_size: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        for target, suffix in self._workers():
            t = threading.Thread(
                target=self._guard(target), name=f"{self.kind}:{self.name}{suffix}", daemon=True
            )
            self._threads.append(t)
            t.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
            if t.is_alive():
                log.warning("source thread %s did not stop within %.0f s", t.name, timeout)
        self.state = "stopped"

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @abstractmethod
    def _workers(self) -> list[tuple[object, str]]:
        """(callable, thread-name suffix) pairs to run on their own threads."""

    def _guard(self, fn):  # type: ignore[no-untyped-def]
        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("source %s crashed", self.name)
                self.state = "lost"

        return run

    # -- helpers for subclasses -------------------------------------------
    def _emit(  # type: ignore[no-untyped-def]
        self, data, width: int, height: int, captured: float | None = None, lent: bool = False
    ) -> None:
        """Publish a frame; ``lent``: ``data`` is this frame's own buffer, never touched again
        by the source (then one compositor may draw on it instead of copying it)."""
        self._seq += 1
        self.frames += 1
        self.slot.put(Frame(data, width, height, captured or time.monotonic(), self._seq, lent))

    def _sleep_until(self, t: float) -> bool:
        """Wait until monotonic time ``t``; False when asked to stop meanwhile."""
        delay = t - time.monotonic()
        if delay > 0:
            return not self._stop.wait(delay)
        return not self._stop.is_set()

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "state": self.state,
            "detail": self.detail,
            "frames": self.frames,
            "overwritten": self.slot.overwritten,
        }
