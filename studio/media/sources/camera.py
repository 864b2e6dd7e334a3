"""A camera through OpenCV, with the right backend per OS and a slate while it is gone.

When the camera stops delivering (unplugged, taken by another app) the source
shows the 稍等片刻 slate and tries to reopen it every second; the output clock
never notices anything but the picture.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

import cv2

from studio.media.frame import bgr_to_i420
from studio.media.slate import slate_i420
from studio.media.sources.base import Source

log = logging.getLogger(__name__)


class Capture(Protocol):
    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's names
    def read(self) -> tuple[bool, Any]: ...
    def release(self) -> None: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...


def backend_for_platform() -> int:
    """The capture API that works best on this OS."""
    if sys.platform.startswith("win"):
        return cv2.CAP_DSHOW
    if sys.platform == "darwin":
        return cv2.CAP_AVFOUNDATION
    return cv2.CAP_V4L2


def open_capture(index: int, width: int, height: int, fps: int) -> Capture:
    cap = cv2.VideoCapture(index, backend_for_platform())
    if cap.isOpened():
        if width * height >= 1280 * 720:
            # USB 2 webcams only reach HD at full rate in MJPEG
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        cap.set(cv2.CAP_PROP_FPS, fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame, not a queue of stale ones
    return cap


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
