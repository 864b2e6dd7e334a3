"""Event-loop lag of the GUI thread: how late a 10 ms timer fires, as a user feels it."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class LagProbe(QObject):
    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.interval = interval_ms / 1000
        self.lags: list[float] = []
        self._last = time.monotonic()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(interval_ms)

    def _tick(self) -> None:
        now = time.monotonic()
        self.lags.append(max(0.0, now - self._last - self.interval))
        self._last = now

    def stop(self) -> None:
        self._timer.stop()

    def percentile(self, q: float) -> float:
        s = sorted(self.lags)
        return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0
