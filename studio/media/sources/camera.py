"""A camera as a source, with a slate while it is gone (opened by :mod:`studio.media.devices`).

When the camera stops delivering (unplugged, taken by another app) the source
shows the 稍等片刻 slate and tries to reopen it every second; the output clock
never notices anything but the picture.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from studio.media.devices import Capture, open_capture
from studio.media.frame import bgr_to_i420
from studio.media.slate import slate_i420
from studio.media.sources.base import Source

log = logging.getLogger(__name__)


class CameraSource(Source):
    kind = "camera"

    def __init__(
        self,
        index: int,
        label: str,
        width: int,
        height: int,
        fps: int,
        opener: Callable[[], Capture] | None = None,
        retry_seconds: float = 1.0,
    ) -> None:
        super().__init__(label, width, height, fps)
        self.index = index
        self._opener = opener or (lambda: open_capture(index, width, height, fps))
        self.retry_seconds = retry_seconds
        self.reopens = 0

    def _workers(self) -> list[tuple[object, str]]:
        return [(self._run, "")]

    def _slate(self) -> None:
        self._emit(
            slate_i420(self.width, self.height, f"{self.name}: 摄像头已断开 / camera lost"),
            self.width,
            self.height,
        )
        self.state = "lost"

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            cap = self._opener()
            if not cap.isOpened():
                cap.release()
                if first:
                    log.warning(
                        "camera %s did not open; retrying every %.0f s",
                        self.name,
                        self.retry_seconds,
                    )
                first = False
                self._slate()
                self._stop.wait(self.retry_seconds)
                continue
            if not first:
                self.reopens += 1
                log.info("camera %s is back", self.name)
            first = False
            self._read_until_lost(cap)
            cap.release()
            if not self._stop.is_set():
                log.warning("camera %s stopped delivering frames; showing the slate", self.name)
                self._slate()
                self._stop.wait(self.retry_seconds)

    def _read_until_lost(self, cap: Capture) -> None:
        failures = 0
        while not self._stop.is_set():
            ok, bgr = cap.read()
            if not ok or bgr is None:
                failures += 1
                if failures >= 5:
                    return
                time.sleep(0.02)
                continue
            failures = 0
            h, w = bgr.shape[:2]
            if w % 2 or h % 2:
                bgr = bgr[: h // 2 * 2, : w // 2 * 2]
                h, w = bgr.shape[:2]
            self.state = "live"
            self._emit(bgr_to_i420(bgr), w, h)
