"""A small thread-safe event bus: the engine publishes, listeners subscribe.

Listeners are called on the publishing thread and must return quickly; a
listener that needs another thread (the Qt bridge, an asyncio task) hands the
event over itself, e.g. with ``loop.call_soon_threadsafe`` or a Qt signal.
``EventQueue`` is the ready-made hand-off for code that polls.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One engine event: a dotted topic (``stats``, ``output.state``, ``order``) and data."""

    topic: str
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]


class EventBus:
    """Publish/subscribe by topic prefix; ``""`` subscribes to everything."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[tuple[str, Listener]] = []

    def subscribe(self, prefix: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every event whose topic starts with ``prefix``."""
        entry = (prefix, listener)
        with self._lock:
            self._listeners.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._listeners:
                    self._listeners.remove(entry)

        return unsubscribe

    def publish(self, topic: str, **data: Any) -> None:
        event = Event(topic, data)
        with self._lock:
            targets = [fn for p, fn in self._listeners if topic.startswith(p)]
        for fn in targets:
            try:
                fn(event)
            except Exception:
                log.exception("event listener failed for %s", topic)


class EventQueue:
    """A bounded queue subscription: the newest events win when a reader lags."""

    def __init__(self, bus: EventBus, prefix: str = "", maxsize: int = 1000) -> None:
        self._q: queue.Queue[Event] = queue.Queue(maxsize)
        self._unsub = bus.subscribe(prefix, self._put)

    def _put(self, event: Event) -> None:
        while True:
            try:
                self._q.put_nowait(event)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._q.get_nowait()

    def get(self, timeout: float | None = None) -> Event:
        return self._q.get(timeout=timeout)

    def drain(self) -> list[Event]:
        out: list[Event] = []
        while True:
            try:
                out.append(self._q.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        self._unsub()
