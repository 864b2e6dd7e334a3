"""Qt objects in garbage cycles die on the GUI thread, however busy the other threads are.

The hazard (ui/gc_guard.py): CPython collects cycles on whichever thread allocates past
its threshold, and a Qt object collected on a thread other than its own crashes the event
loop later (it did in CI, after the 连麦 tests: aiortc's ``rtc-loop`` collected whole
windows). The first test shows the hazard is real with automatic collection; the second
that under ``GuiThreadCollector`` (what ``run_window`` installs) it cannot happen.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from PySide6.QtCore import QTimer

from ui.gc_guard import GuiThreadCollector


class _Cycle:
    """A Qt object (a QTimer, as a window's flows hold) in a reference cycle."""

    def __init__(self, died_on: list[str]) -> None:
        self.timer = QTimer()
        self.me = self  # the cycle: only the collector frees it
        self.died_on = died_on

    def __del__(self) -> None:
        self.died_on.append(threading.current_thread().name)


def _busy_thread(until: threading.Event, name: str) -> threading.Thread:
    """Another thread making cyclic garbage (as aiortc's loop does), until told to stop."""

    def run() -> None:
        while not until.is_set():
            for _ in range(2000):
                junk: list[Any] = []
                junk.append(junk)

    t = threading.Thread(target=run, name=name, daemon=True)
    t.start()
    return t


def _garbage(died_on: list[str]) -> None:
    _Cycle(died_on)  # unreachable at once, alive until a collection


def test_without_the_guard_a_busy_thread_collects_qt_objects(qtbot) -> None:  # type: ignore[no-untyped-def]
    was = gc.isenabled()  # the suite may have it off already (tests/conftest.py)
    gc.enable()
    died_on: list[str] = []
    stop = threading.Event()
    try:
        gc.collect()  # counts at zero: this thread's next few allocations trigger nothing
        _garbage(died_on)
        worker = _busy_thread(stop, "busy-worker")
        deadline_hit = not _wait(lambda: bool(died_on), 10.0)
    finally:
        stop.set()
        if not was:
            gc.disable()
    worker.join(5)
    gc.collect()
    assert not deadline_hit, "nothing collected the cycle"
    assert died_on == ["busy-worker"]  # the hazard: a Qt object freed on another thread


def test_with_the_guard_qt_objects_die_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    collector = GuiThreadCollector(interval_ms=50)
    died_on: list[str] = []
    stop = threading.Event()
    try:
        _garbage(died_on)
        worker = _busy_thread(stop, "busy-worker")
        qtbot.wait(1500)  # the worker passes the collection threshold thousands of times
        qtbot.waitUntil(lambda: bool(died_on), timeout=10_000)
    finally:
        stop.set()
        collector.stop(full=False)
    worker.join(5)
    assert died_on == [threading.main_thread().name]


def _wait(pred: Any, seconds: float) -> bool:
    event = threading.Event()
    for _ in range(int(seconds * 20)):
        if pred():
            return True
        event.wait(0.05)
    return bool(pred())
