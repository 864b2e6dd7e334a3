"""Python's cyclic garbage collector runs on the GUI thread only, while a window is up.

Why: CPython collects cycles on whichever thread happens to allocate past the
threshold. In the studio that is often not the GUI thread: the engine's threads,
the commerce sync loop, and above all aiortc's ``rtc-loop`` during 连麦. A cycle
holding Qt objects (a closed dialog, a window's flows, a ``QTimer``) collected
there runs their C++ destructors on that thread while the GUI thread may be
delivering events to them. Qt forbids deleting a QObject from another thread;
the symptom was a segmentation fault inside the event loop with no Python frame
on the stack (CI, Qt windows after the 连麦 tests). Seen with ``gc.callbacks`` and
``gc.DEBUG_COLLECTABLE``: ``rtc-loop`` collected whole ``MainWindow``,
``EngineBridge``, ``CostreamDialog`` and ``QTimer`` objects.

The remedy is the one calibre, pyqtgraph and Camelot use: automatic collection
off, and a timer on the GUI thread that collects each generation once its count
passes the interpreter's own threshold, so the work and the pauses stay as they
were, only on the right thread.
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

INTERVAL_MS = 250  # a generation-0 pass is well under a millisecond; checks are free


def collect_due(threshold: tuple[int, int, int]) -> int:
    """Collect the generations whose counts passed ``threshold`` (as CPython would)."""
    count0, count1, count2 = gc.get_count()
    found = 0
    if count0 > threshold[0]:
        found += gc.collect(0)
        if count1 > threshold[1]:
            found += gc.collect(1)
            if count2 > threshold[2]:
                found += gc.collect(2)
    return found


class GuiThreadCollector(QObject):
    """While it runs, cycles are collected here (on the thread it was made on) only."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold: tuple[int, int, int] = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        log.debug("cyclic garbage collected on the GUI thread only (every %d ms)", interval_ms)

    def check(self) -> int:
        return collect_due(self.threshold)

    def stop(self, *, full: bool = True) -> None:
        """Automatic collection as before, after one full pass here (what the window left)."""
        self._timer.stop()
        if full:
            gc.collect()
        else:
            collect_due(self.threshold)
        if self._was_enabled:
            gc.enable()
