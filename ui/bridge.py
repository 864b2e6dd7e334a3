"""The one place engine events become Qt signals.

Engine listeners run on engine threads; emitting a signal from there is safe:
Qt queues the call to receivers living on the GUI thread.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from studio.events import Event, EventBus
from studio.messages import Message

log = logging.getLogger(__name__)


def window_language() -> str:
    """``en`` when the window's English translation is installed, else ``zh`` (the source)."""
    return "en" if QCoreApplication.translate("Language", "中文") == "English" else "zh"


def message_text(data: dict[str, Any] | None, fallback: str = "") -> str:
    """An engine message (``{"id", "params"}``) in the window's language, else ``fallback``."""
    msg = Message.from_dict(data)
    return msg.text(window_language()) if msg is not None else fallback


class EngineBridge(QObject):
    stats = Signal(object)  # StatsSnapshot
    output_state = Signal(dict)
    live_changed = Signal(bool)
    # every event, these too: topic, data (not ``event``, which would hide QObject.event())
    engine_event = Signal(str, dict)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsub = bus.subscribe("", self._on_event)

    def _on_event(self, ev: Event) -> None:
        data: dict[str, Any] = dict(ev.data)
        if ev.topic == "stats":
            self.stats.emit(data["snapshot"])
        elif ev.topic == "output.state":
            self.output_state.emit(data)
        elif ev.topic in ("live.started", "live.ended"):
            self.live_changed.emit(ev.topic == "live.started")
        self.engine_event.emit(ev.topic, data)

    def close(self) -> None:
        self._unsub()
