"""The one asyncio loop aiortc runs on, on its own named thread.

aiortc is asyncio-only; the engine's threads (output clock, sources) are plain
threads. Everything WebRTC is scheduled here with :func:`submit`, so no engine
thread ever waits on the network and the clock never runs a coroutine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_lock = threading.Lock()
_state: dict[str, asyncio.AbstractEventLoop] = {}


def loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use (thread ``rtc-loop``, a daemon)."""
    with _lock:
        current = _state.get("loop")
        if current is None or current.is_closed():
            new = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(new)
                new.call_soon(ready.set)
                new.run_forever()

            threading.Thread(target=run, name="rtc-loop", daemon=True).start()
            ready.wait(5)
            _state["loop"] = current = new
        return current


def submit(coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    """Run ``coro`` on the rtc loop; a concurrent future of its result."""
    return asyncio.run_coroutine_threadsafe(coro, loop())


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run ``coro`` on the rtc loop and wait for it (from any thread but the loop's)."""
    return submit(coro).result(timeout)
