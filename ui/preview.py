"""The program preview: the newest composed frame, scaled on a worker thread.

The GUI thread only paints a ready QImage; conversion (I420 -> RGB at the
widget's size) happens on a named thread that always takes the newest frame,
so a busy GUI never builds a queue of stale pictures.
"""

from __future__ import annotations

import logging
import threading

import cv2
import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.media.frame import resize_i420
from studio.media.slot import LatestSlot

log = logging.getLogger(__name__)


class _Converter(threading.Thread):
    def __init__(self, slot: LatestSlot) -> None:
        super().__init__(name="preview-convert", daemon=True)
        self.slot = slot
        self.target = QSize(640, 360)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._image: QImage | None = None
        self._seq = -1
        self.converted = 0

    def run(self) -> None:
        while not self._stop.wait(1 / 30):
            frame = self.slot.peek()
            if frame is None or frame.seq == self._seq:
                continue
            self._seq = frame.seq
            w = max(2, self.target.width() // 2 * 2)
            h = max(2, self.target.height() // 2 * 2)
            small = resize_i420(frame.data, frame.width, frame.height, w, h)
            rgb = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_YUV2RGB_I420))
            img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
            with self._lock:
                self._image = img
            self.converted += 1

    def take(self) -> QImage | None:
        with self._lock:
            img, self._image = self._image, None
            return img

    def stop(self) -> None:
        self._stop.set()


class PreviewWidget(QWidget):
    """Letterboxed 16:9 preview of the program (plus guide-only layers)."""

    def __init__(
        self, slot: LatestSlot, aspect: float = 16 / 9, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.aspect = aspect
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._conv = _Converter(slot)
        self._conv.start()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)
        self._timer.start(33)
        self.frames_painted = 0

    def _video_rect(self) -> QRect:
        w, h = self.width(), self.height()
        if w / max(1, h) > self.aspect:
            vw, vh = int(h * self.aspect), h
        else:
            vw, vh = w, int(w / self.aspect)
        return QRect((w - vw) // 2, (h - vh) // 2, vw, vh)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        r = self._video_rect()
        self._conv.target = QSize(r.width(), r.height())
        super().resizeEvent(event)

    def _poll(self) -> None:
        img = self._conv.take()
        if img is not None:
            self._image = img
            self.update()

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#101216"))
        if self._image is not None:
            p.drawImage(self._video_rect(), self._image)
            self.frames_painted += 1
        else:
            p.setPen(QColor("#8a90a0"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("正在准备画面…"))
        p.end()

    def current_image(self) -> QImage | None:
        return self._image

    def shutdown(self) -> None:
        self._timer.stop()
        self._conv.stop()
