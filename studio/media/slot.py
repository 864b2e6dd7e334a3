"""The newest-frame hand-off between a capture thread and the output clock.

A source overwrites the slot; the compositor reads whatever is there. Nothing
queues, so a slow consumer never makes a source block and a slow source never
makes the output clock wait: it simply shows the previous frame again.
"""

from __future__ import annotations

import threading

from studio.media.frame import Frame


class LatestSlot:
    """Holds the newest frame; counts frames that were replaced unseen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._taken_seq = -1
        self.overwritten = 0

    def put(self, frame: Frame) -> None:
        with self._lock:
            if self._frame is not None and self._frame.seq != self._taken_seq:
                self.overwritten += 1
            self._frame = frame

    def peek(self) -> Frame | None:
        """The newest frame, marking it as seen."""
        with self._lock:
            if self._frame is not None:
                self._taken_seq = self._frame.seq
            return self._frame

    def clear(self) -> None:
        with self._lock:
            self._frame = None
