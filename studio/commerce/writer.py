"""Show actions written off the clock thread: a queue and one writer thread, in order.

A fired cue publishes ``show.action`` on the output clock's thread, which must never
wait for a disk: a SQLite ``BEGIN IMMEDIATE`` there can stall behind another writer
(the CLI next to a running studio) for up to its busy timeout, and the picture with
it. The listener only queues the action; the ``commerce-writer`` thread records each
one, in the order the cues fired, exactly once (the action id is fixed when it is
queued, so even a retried write is one row). :meth:`ActionWriter.close` drains what
is queued before the store closes. A failed write is logged at ERROR, counted in
:attr:`ActionWriter.failures` and handed to ``on_failure`` (the façade publishes
``commerce.writer_failed``), never swallowed.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedAction:
    kind: str
    payload: dict[str, Any]
    session_id: int | None
    action_id: str = field(default_factory=lambda: uuid.uuid4().hex)


_STOP = object()  # ends the writer thread


class ActionWriter:
    """Records queued actions with ``record`` on its own thread, one at a time, in order."""

    def __init__(
        self,
        record: Callable[[QueuedAction], None],
        on_failure: Callable[[QueuedAction, str], None],
    ) -> None:
        self._record = record
        self._on_failure = on_failure
        # an action, a marker (set once everything before it is written) or _STOP
        self._queue: queue.Queue[QueuedAction | threading.Event | object] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.failures = 0
        self.last_error: str | None = None

    def submit(self, action: QueuedAction) -> None:
        """Queue one action (any thread; never blocks on the disk)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="commerce-writer", daemon=True
                )
                self._thread.start()
            self._queue.put(action)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written; False on timeout.

        On the writer thread itself (a record that drains) there is nothing to wait for.
        """
        done = threading.Event()
        with self._lock:
            if self._thread is None or self._thread is threading.current_thread():
                return True
            self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is queued, then end the thread; False if it did not finish in time."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return True
            self._queue.put(_STOP)
        thread.join(timeout)
        if thread.is_alive():
            log.error("show actions still queued at close: %d", self._queue.qsize())
            return False
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            assert isinstance(item, QueuedAction)
            try:
                self._record(item)
            except Exception as exc:  # a disk error: the guide and the log must know
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("show action %s (%s) not recorded", item.kind, item.action_id)
                try:
                    self._on_failure(item, self.last_error)
                except Exception:
                    log.exception("reporting the failed show action %s failed", item.action_id)
