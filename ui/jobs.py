"""Blocking engine calls off the GUI thread, each with its own callbacks; one at a time.

Going live, ending, connecting, a test recording, the auto-configuration and a
rehearsal take all drive the one pipeline and backend connection, so they
conflict: while one runs, :meth:`Jobs.start` refuses the others and
``busy_changed`` lets the window disable their buttons. Work runs on a Python
``ThreadPoolExecutor`` (never Qt's global ``QThreadPool``: a Qt worker needing
the GIL held by a direct Qt call deadlocks); its outcome is handed back to the
GUI thread through a queued signal and goes to the callback given with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[Exception], None]


class Jobs(QObject):
    """The window's engine actions: ``start(name, work, done, failed)``; ``running`` names one."""

    busy_changed = Signal(bool)
    _finished = Signal(object)  # a callable run on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ui-job")
        self.running: str = ""  # the action under way, "" when none
        # queued even when the work is done before start() returns (the done-callback then
        # runs on the GUI thread): the caller finishes setting up before its callback runs
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return bool(self.running)

    def start(self, name: str, work: Callable[[], Any], done: Done, failed: Failed) -> bool:
        """Run ``work`` off the GUI thread, then ``done(result)`` or ``failed(error)`` on it.

        False (and nothing runs) while another action is under way.
        """
        if self.running:
            log.info("%s refused: %s is still running", name, self.running)
            return False
        self.running = name
        self.busy_changed.emit(True)
        future = self._pool.submit(work)
        future.add_done_callback(lambda f: self._emit(lambda: self._end(f, done, failed)))
        return True

    def _emit(self, call: Callable[[], None]) -> None:
        try:
            self._finished.emit(call)
        except RuntimeError:  # the window is gone: nobody to tell
            log.info("%s finished after its window closed", self.running)

    def _deliver(self, call: Callable[[], None]) -> None:
        call()

    def _end(self, future: Future[Any], done: Done, failed: Failed) -> None:
        name, self.running = self.running, ""
        self.busy_changed.emit(False)
        error = future.exception()
        if error is None:
            done(future.result())
        elif isinstance(error, Exception):
            failed(error)
        else:  # KeyboardInterrupt, SystemExit: not an action's failure to show
            log.error("%s stopped: %r", name, error)

    def shutdown(self) -> None:
        """No new work; a running action finishes on its thread (its result is dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
