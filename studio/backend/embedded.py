"""The demo backend's side of being embedded: end with the studio that started it.

The studio starts ``studio backend --demo --parent-pid <pid>`` as a child
(:class:`studio.demo.embedded.EmbeddedBackend`); :func:`watch_parent` runs inside
that child and ends it once the studio is gone, however it ended (kill -9 too).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable

import psutil

from studio.demo.data import DEMO_PASSWORD, DEMO_SESSION, DEMO_USER
from studio.demo.embedded import EmbeddedBackend

# re-exported for callers from before the demo package (studio.demo is their home now)
__all__ = ["DEMO_PASSWORD", "DEMO_SESSION", "DEMO_USER", "EmbeddedBackend", "watch_parent"]

log = logging.getLogger(__name__)


def _parent_alive(pid: int, created: float | None) -> bool:
    if os.name == "posix" and os.getppid() != pid:  # re-parented: the studio is gone
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return created is None or abs(proc.create_time() - created) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # it exists; that is all this check needs
        return True


def _end_self() -> None:
    """SIGTERM ourselves (uvicorn shuts down, shoppers stop); hard exit if that hangs."""
    hard = threading.Timer(10.0, lambda: os._exit(3))
    hard.daemon = True  # a clean shutdown must not wait for it
    hard.start()
    os.kill(os.getpid(), signal.SIGTERM)


def watch_parent(
    pid: int, interval: float = 0.5, on_gone: Callable[[], None] | None = None
) -> threading.Thread:
    """In the child: end this process once the studio ``pid`` is gone, however it ended.

    Polling, not Linux's ``PR_SET_PDEATHSIG``: that signal fires when the
    *thread* that started the child ends, and the window starts demo mode from a
    short-lived worker thread, so it would kill the backend seconds after start.
    ``getppid()`` and psutil (the pid plus its start time, against pid reuse)
    work on every OS.
    """
    created = None
    with contextlib.suppress(psutil.Error):
        created = psutil.Process(pid).create_time()
    action = on_gone or _end_self

    def run() -> None:
        while _parent_alive(pid, created):
            time.sleep(interval)
        log.warning("the studio (pid %s) that started this backend is gone: stopping", pid)
        action()

    thread = threading.Thread(target=run, name="parent-watch", daemon=True)
    thread.start()
    return thread
